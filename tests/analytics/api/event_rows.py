"""Writes hand-made events through the event store's facade, for API tests whose answer is obvious by eye."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.analytics.dataset import event, write

# API tests read these back; a plain desktop browser unless a test says otherwise.
_DEFAULTS: dict[str, Any] = {"browser": "Chrome", "os": "Linux", "device_type": "desktop", "ip": "203.0.113.0"}


def write_events(site_id: int, *events: dict[str, Any]) -> None:
    """Each event needs `name` and `timestamp` (ISO-8601); everything else has a plain default."""
    rows = []
    for given in events:
        fields = {**_DEFAULTS, **given}
        name, when = fields.pop("name"), datetime.fromisoformat(fields.pop("timestamp"))
        if isinstance(fields.get("received_at"), str):
            fields["received_at"] = datetime.fromisoformat(fields["received_at"])
        rows.append(event(site_id, name, when, **fields))
    write(*rows)
