"""Writes event rows to PostgreSQL: COPY into a staging table, then one statement that drops duplicates.

The events table is partitioned, so it cannot hold a unique (site, uuid) index itself; the EventKey table
does, and only rows whose key was new are inserted. A batch that fails is split in halves until the
offending rows are isolated; those come back as failures while everything else lands.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
import psycopg
from django.db import connection, transaction
from psycopg import sql

from analytics.event_store.rows import COLUMN_INDEX, EVENT_COLUMNS, EventRow, FailedRow, WriteResult

_STAGE = sql.Identifier("sightline_event_stage")
_COLUMNS = sql.SQL(", ").join(sql.Identifier(c) for c in EVENT_COLUMNS)
_STAGE_COLUMNS = sql.SQL(", ").join(sql.SQL("s.") + sql.Identifier(c) for c in EVENT_COLUMNS)
_PROPS, _DIMS = COLUMN_INDEX["properties"], COLUMN_INDEX["dimensions"]
_USER, _ANON, _DEVICE = COLUMN_INDEX["user_id"], COLUMN_INDEX["anonymous_id"], COLUMN_INDEX["device_id"]

_CREATE_STAGE = sql.SQL(
    "CREATE TEMP TABLE IF NOT EXISTS {} (LIKE analytics_event INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
).format(_STAGE)
_COPY = sql.SQL("COPY {} ({}) FROM STDIN").format(_STAGE, _COLUMNS)
_INSERT_NEW = sql.SQL(
    """
    WITH new_keys AS (
        INSERT INTO analytics_eventkey (site_id, uuid, "timestamp")
        SELECT DISTINCT ON (site_id, uuid) site_id, uuid, "timestamp" FROM {stage}
        ON CONFLICT DO NOTHING
        RETURNING site_id, uuid
    )
    INSERT INTO analytics_event ({columns})
    SELECT DISTINCT ON (s.site_id, s.uuid) {stage_columns}
    FROM {stage} s JOIN new_keys k ON k.site_id = s.site_id AND k.uuid = s.uuid
    """
).format(stage=_STAGE, columns=_COLUMNS, stage_columns=_STAGE_COLUMNS)
# The first user an anonymous or device id is seen with wins, as in PostHog: a later login as someone
# else on the same browser does not merge two people.
_LINK_IDENTITIES = sql.SQL(
    """
    INSERT INTO analytics_identitylink (site_id, anonymous_id, user_id, linked_at)
    SELECT DISTINCT ON (site_id, other_id) site_id, other_id, user_id, "timestamp" FROM (
        SELECT site_id, anonymous_id AS other_id, user_id, "timestamp" FROM {stage}
        WHERE anonymous_id <> '' AND user_id <> '' AND anonymous_id <> user_id
        UNION ALL
        SELECT site_id, device_id, user_id, "timestamp" FROM {stage}
        WHERE device_id <> '' AND user_id <> '' AND device_id <> user_id
    ) pairs
    ORDER BY site_id, other_id, "timestamp"
    ON CONFLICT DO NOTHING
    """
).format(stage=_STAGE)

# Errors that mean "this data cannot be stored", as opposed to "the database is unavailable".
_DATA_ERRORS = (
    psycopg.DataError,
    psycopg.IntegrityError,
    psycopg.errors.InternalError_,
    ValueError,
    TypeError,
)


def _copy_value(row: EventRow) -> EventRow:
    row = list(row)
    row[_PROPS] = orjson.dumps(row[_PROPS]).decode()
    row[_DIMS] = orjson.dumps(row[_DIMS]).decode()
    return row


def _write_batch(cursor: psycopg.Cursor[tuple[object, ...]], rows: Sequence[EventRow]) -> int:
    cursor.execute(_CREATE_STAGE)
    cursor.execute(sql.SQL("TRUNCATE {}").format(_STAGE))
    with cursor.copy(_COPY) as copy:
        for row in rows:
            copy.write_row(_copy_value(row))
    cursor.execute(_INSERT_NEW)
    written = cursor.rowcount
    if any(row[_USER] and (row[_ANON] or row[_DEVICE]) for row in rows):
        cursor.execute(_LINK_IDENTITIES)
    return written


def _write_isolating_failures(
    cursor: psycopg.Cursor[tuple[object, ...]], rows: Sequence[EventRow]
) -> tuple[int, list[FailedRow]]:
    try:
        with transaction.atomic():  # a savepoint: a failure undoes only this part
            return _write_batch(cursor, rows), []
    except _DATA_ERRORS as exc:
        if len(rows) == 1:
            return 0, [FailedRow(row=list(rows[0]), reason=f"{type(exc).__name__}: {exc}"[:500])]
        middle = len(rows) // 2
        written_a, failed_a = _write_isolating_failures(cursor, rows[:middle])
        written_b, failed_b = _write_isolating_failures(cursor, rows[middle:])
        return written_a + written_b, failed_a + failed_b


def write_rows(rows: Sequence[EventRow]) -> WriteResult:
    """Writes rows in one transaction; returns what was written, what was a duplicate, and what failed."""
    if not rows:
        return WriteResult()
    with transaction.atomic():
        connection.ensure_connection()
        raw = connection.connection
        assert isinstance(raw, psycopg.Connection)
        with raw.cursor() as cursor:
            written, failed = _write_isolating_failures(cursor, rows)
    return WriteResult(written=written, duplicates=len(rows) - written - len(failed), failed=failed)
