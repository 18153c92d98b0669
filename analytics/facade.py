"""What other apps may use of analytics: site lookups for ingest and the event store's write entry point.

Everything returned is a plain dataclass; no ORM instance leaves this app.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings

from analytics.event_store.rows import EVENT_COLUMNS, EventRow, FailedRow, WriteResult
from analytics.selectors import site_snapshot_by_id, site_snapshot_by_public_key, site_snapshot_by_secret
from analytics.site_snapshot import SiteSnapshot

__all__ = [
    "EVENT_COLUMNS",
    "EventRow",
    "FailedRow",
    "SiteSnapshot",
    "WriteResult",
    "events_write",
    "site_snapshot_by_id",
    "site_snapshot_by_public_key",
    "site_snapshot_by_secret",
]


def events_write(rows: Sequence[EventRow]) -> WriteResult:
    """Stores event rows once each (duplicates by site and uuid are skipped); reports rows it could not store."""
    if settings.IS_POSTGRES:
        from analytics.event_store.postgres_writer import write_rows
    else:
        from analytics.event_store.orm_writer import write_rows
    return write_rows(rows)
