"""Writes of the ingest app: storing events straight away, and keeping what could not be stored."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import orjson

from analytics import facade as analytics
from analytics.event_store.rows import COLUMN_INDEX
from ingest.models import DeadLetter

logger = logging.getLogger(__name__)


def dead_letters_record(*, failed: Sequence[analytics.FailedRow]) -> None:
    if not failed:
        return
    DeadLetter.objects.bulk_create(
        [
            DeadLetter(
                site_id=row.row[COLUMN_INDEX["site_id"]] if isinstance(row.row[0], int) else None,
                reason=row.reason,
                payload=orjson.dumps(row.row, default=str).decode(),
            )
            for row in failed
        ]
    )
    logger.warning("events sent to the dead-letter table", extra={"count": len(failed)})


def events_store_copy_texts(*, texts: Sequence[analytics.CopyText]) -> analytics.WriteResult:
    """Writes rows already in COPY text form (the stream's entries); rows it refuses go to the dead-letter table."""
    result = analytics.events_write_copy_texts(texts)
    dead_letters_record(failed=result.failed)
    return result


def events_store(*, rows: Sequence[analytics.EventRow]) -> analytics.WriteResult:
    """Writes rows to the event store now; rows it refuses go to the dead-letter table."""
    result = analytics.events_write(rows)
    dead_letters_record(failed=result.failed)
    return result
