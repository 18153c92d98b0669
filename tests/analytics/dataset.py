"""Hand-made events for insight tests: one call per event, written through the real event store."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from analytics import facade
from analytics.event_store.rows import EVENT_COLUMNS

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def at(days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0, base: datetime = T0) -> datetime:
    return base + timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def event(site_id: int, name: str, when: datetime, *, anon: str = "", user: str = "", **fields: Any) -> list[Any]:
    values: dict[str, Any] = {
        "site_id": site_id,
        "uuid": str(uuid.uuid4()),
        "timestamp": when.isoformat(),
        "received_at": fields.pop("received_at", when).isoformat(),
        "name": name,
        "category": "",
        "action": "",
        "label": "",
        "value": None,
        "anonymous_id": anon,
        "user_id": user,
        "device_id": "",
        "session_id": "",
        "url": "",
        "path": "",
        "referrer": "",
        "title": "",
        "properties": fields.pop("props", {}),
        "dimensions": fields.pop("dims", {}),
        "source": "native",
        "browser": "",
        "os": "",
        "device_type": "",
        "is_bot": False,
        "ip": "",
    }
    unknown = set(fields) - set(values)
    assert not unknown, unknown
    values.update(fields)
    return [values[c] for c in EVENT_COLUMNS]


def write(*rows: list[Any]) -> None:
    result = facade.events_write(list(rows))
    assert not result.failed, result.failed
