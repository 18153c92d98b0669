"""Native events as the SDK builds them (docs/api/collect.md): a uuid and a UTC time at creation.

Every event is serialized to its JSON line once, when it is tracked: later changes the host app makes to
the dicts it passed in cannot reach the event, the batch body is a join of ready lines, and the spool
writes the same lines. The uuid is what lets the server store a retried or replayed event exactly once.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

Scalar = str | int | float | bool | None

# Native fields a caller may set besides the name, ids, props and dims (docs/api/collect.md).
EXTRA_FIELDS = frozenset({"url", "referrer", "title", "category", "action", "label", "value", "ip", "ua"})


@dataclass(frozen=True, slots=True)
class QueuedEvent:
    uuid: str
    line: str  # the event as one line of native JSON, without the newline


def iso_now() -> str:
    return iso(datetime.now(timezone.utc))


def iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("event times must be timezone-aware")
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_event(
    name: str,
    *,
    user_id: str | None = None,
    anonymous_id: str | None = None,
    device_id: str | None = None,
    session_id: str | None = None,
    props: Mapping[str, Any] | None = None,
    dims: Mapping[str, Scalar] | None = None,
    ts: datetime | None = None,
    fields: Mapping[str, Any] | None = None,
) -> QueuedEvent:
    """One native event with a fresh uuid. Raises ValueError for a missing name or an unknown field."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("an event needs a non-empty name")
    event_uuid = str(uuid.uuid4())
    event: dict[str, Any] = {"uuid": event_uuid, "name": name, "ts": iso(ts) if ts else iso_now()}
    for key, value in (
        ("user_id", user_id),
        ("anonymous_id", anonymous_id),
        ("device_id", device_id),
        ("session_id", session_id),
    ):
        if value:
            event[key] = value
    if props:
        event["props"] = dict(props)
    if dims:
        event["dims"] = dict(dims)
    for key, value in (fields or {}).items():
        if key not in EXTRA_FIELDS:
            raise ValueError(f"unknown event field {key!r}")
        if value is not None:
            event[key] = value
    # default=str: an odd value (a Decimal, a Path) becomes text rather than an exception in the host app.
    line = json.dumps(event, default=str, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return QueuedEvent(uuid=event_uuid, line=line)


def event_from_line(line: str) -> QueuedEvent | None:
    """A spooled line back into a queued event; None for a line that is not an event with a uuid."""
    try:
        event = json.loads(line)
    except ValueError:
        return None
    if not isinstance(event, dict) or not isinstance(event.get("uuid"), str):
        return None
    return QueuedEvent(uuid=event["uuid"], line=line.strip())
