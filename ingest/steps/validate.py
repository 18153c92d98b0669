"""validate: the last word on an event before it is buffered."""

from __future__ import annotations

from typing import Any

import orjson

from ingest.events import Dropped, DropReason, Event, RequestContext


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {k.replace("\x00", ""): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


def validate(event: Event, ctx: RequestContext) -> Event | Dropped:
    if not event.name:
        return Dropped(DropReason.MISSING_FIELD, "`name` is empty after applying aliases.", "name")
    try:
        encoded = orjson.dumps(event.properties) if event.properties else b"{}"
    except TypeError:  # e.g. an integer beyond 64 bits
        return Dropped(DropReason.INVALID_FIELD, "`props` holds a value that cannot be stored.", "props")
    size = len(encoded) + len(event.url) + len(event.referrer) + len(event.title) + len(event.label)
    if size > ctx.max_event_bytes:
        return Dropped(DropReason.EVENT_TOO_LARGE, f"The event is larger than {ctx.max_event_bytes} bytes.", None)
    if b"\\u0000" in encoded:
        # PostgreSQL's jsonb cannot hold NUL characters.
        return event.changed(properties=_without_nul(event.properties))
    return event
