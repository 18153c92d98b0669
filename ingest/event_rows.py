"""Turns a processed `Event` into the event store's row format (analytics/event_store/rows.py)."""

from __future__ import annotations

from analytics.event_store.rows import EventRow
from ingest.events import Event, RequestContext


def event_row(event: Event, ctx: RequestContext) -> EventRow:
    assert event.timestamp is not None, "correct_clock sets every timestamp"
    return [
        ctx.site.id,
        str(event.uuid),
        event.timestamp.isoformat(),
        ctx.once("received_at", ctx.received_at.isoformat),
        event.name,
        event.category,
        event.action,
        event.label,
        event.value,
        event.anonymous_id,
        event.user_id,
        event.device_id,
        event.session_id,
        event.url,
        event.path,
        event.referrer,
        event.title,
        event.properties,
        event.dimensions,
        ctx.source.value,
        event.browser,
        event.os,
        event.device_type,
        event.is_bot,
        event.ip,
    ]
