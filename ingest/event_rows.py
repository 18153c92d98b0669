"""Turns a processed `Event` into the event store's row format (analytics/event_store/rows.py)."""

from __future__ import annotations

from analytics.event_store.rows import EventRow
from ingest.events import Event, RequestContext


def event_row(event: Event, ctx: RequestContext) -> EventRow:
    timestamp = event.timestamp
    assert timestamp is not None, "correct_clock sets every timestamp"
    received_at = ctx.once("received_at", ctx.received_at.isoformat)
    return [
        ctx.site.id,
        str(event.uuid),
        # An event that brought no time of its own has the request's (correct_clock): formatted once.
        received_at if timestamp is ctx.received_at else timestamp.isoformat(),
        received_at,
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
