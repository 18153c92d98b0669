"""Writes hand-made events through the event store's facade, for API tests whose answer is obvious by eye."""

from __future__ import annotations

import uuid
from typing import Any

from analytics import facade
from analytics.event_store.rows import EVENT_COLUMNS

_DEFAULTS: dict[str, Any] = {
    "category": "",
    "action": "",
    "label": "",
    "value": None,
    "anonymous_id": "",
    "user_id": "",
    "device_id": "",
    "session_id": "",
    "url": "",
    "path": "",
    "referrer": "",
    "title": "",
    "properties": {},
    "dimensions": {},
    "source": "native",
    "browser": "Chrome",
    "os": "Linux",
    "device_type": "desktop",
    "is_bot": False,
    "ip": "203.0.113.0",
}


def write_events(site_id: int, *events: dict[str, Any]) -> None:
    """Each event needs `name` and `timestamp` (ISO-8601); everything else has a plain default."""
    rows = []
    for event in events:
        values = {**_DEFAULTS, "site_id": site_id, "uuid": str(uuid.uuid4()), **event}
        values.setdefault("received_at", values["timestamp"])
        rows.append([values[column] for column in EVENT_COLUMNS])
    result = facade.events_write(rows)
    assert not result.failed, result.failed
