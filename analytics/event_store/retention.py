"""Data retention: events older than their site's `retention_days` are deleted, with their dedup keys.

Rows are deleted per site in batches of primary keys, each batch its own short transaction, so a site with
years of events to shed never holds one huge transaction or lock. On PostgreSQL a whole monthly partition
that lies entirely before every site's cut-off is detached and dropped instead: that frees its disk at once
and costs nothing per row (the DEFAULT partition is never dropped, it may hold any month).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from psycopg import sql

from analytics.event_store.partitions import EVENT_TABLE, next_month

# Rows deleted per statement: large enough to be quick, small enough that one batch holds its locks briefly.
DELETE_BATCH = 20_000

# Both statements work on PostgreSQL and SQLite (row values); the batch is chosen through the primary key.
_DELETE_EVENTS = (
    'DELETE FROM analytics_event WHERE (site_id, "timestamp", uuid) IN '
    '(SELECT site_id, "timestamp", uuid FROM analytics_event WHERE site_id = %s AND "timestamp" < %s LIMIT %s)'
)
_DELETE_KEYS = (
    "DELETE FROM analytics_eventkey WHERE (site_id, uuid) IN "
    '(SELECT site_id, uuid FROM analytics_eventkey WHERE site_id = %s AND "timestamp" < %s LIMIT %s)'
)
_PARTITIONS = (
    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
    "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s"
)


@dataclass(frozen=True, slots=True)
class RetentionResult:
    events_deleted: int
    keys_deleted: int
    partitions_dropped: tuple[str, ...]


def cutoffs(retention_days: Mapping[int, int], now: datetime) -> dict[int, datetime]:
    """{site id: the oldest event time the site keeps}; events strictly before it go."""
    return {site_id: now - timedelta(days=days) for site_id, days in retention_days.items()}


def partition_month(name: str) -> date | None:
    """The first day of the month a partition named analytics_event_YYYY_MM holds (partitions.partition_name);
    None for any other name, the DEFAULT partition's included."""
    stem = name.removeprefix(EVENT_TABLE + "_")
    year, _, month = stem.partition("_")
    if not (year.isdigit() and month.isdigit() and len(year) == 4 and len(month) == 2 and 1 <= int(month) <= 12):
        return None
    return date(int(year), int(month), 1)


def droppable_partitions(names: list[str], oldest_kept: datetime) -> list[str]:
    """The monthly partitions whose every possible row is before `oldest_kept` (their upper bound is not after it)."""
    droppable = []
    for name in names:
        first = partition_month(name)
        if first is None:
            continue
        upper_day = next_month(first)
        if datetime(upper_day.year, upper_day.month, 1, tzinfo=UTC) <= oldest_kept:
            droppable.append(name)
    return sorted(droppable)


def drop_partitions_before(cursor: Any, oldest_kept: datetime) -> list[str]:
    """PostgreSQL only: detaches and drops every monthly partition entirely before `oldest_kept`."""
    cursor.execute(_PARTITIONS, (EVENT_TABLE,))
    names = [str(row[0]) for row in cursor.fetchall()]
    dropped = droppable_partitions(names, oldest_kept)
    for name in dropped:
        table = sql.Identifier(name)
        cursor.execute(sql.SQL("ALTER TABLE {} DETACH PARTITION {}").format(sql.Identifier(EVENT_TABLE), table))
        cursor.execute(sql.SQL("DROP TABLE {}").format(table))
    return dropped


def delete_batch(cursor: Any, *, keys: bool, site_id: int, before: datetime, batch: int = DELETE_BATCH) -> int:
    """Deletes at most `batch` of a site's events (or, with keys=True, dedup keys) older than `before`."""
    cursor.execute(_DELETE_KEYS if keys else _DELETE_EVENTS, (site_id, before, batch))
    return int(cursor.rowcount)
