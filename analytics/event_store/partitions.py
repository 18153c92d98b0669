"""Monthly range partitions of the PostgreSQL events table.

Rows whose month has no partition yet land in the DEFAULT partition, so a write never fails for lack of
one; `ensure_partitions` later creates the month and moves those rows into it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import psycopg
from psycopg import sql

EVENT_TABLE = "analytics_event"
DEFAULT_PARTITION = "analytics_event_default"
# How many months ahead of the current one always exist, so the DEFAULT partition stays small.
MONTHS_AHEAD = 3

# site_id leads the primary key so the table can later be distributed by site (Citus).
EVENT_TABLE_DDL = """
CREATE TABLE analytics_event (
    site_id bigint NOT NULL,
    uuid uuid NOT NULL,
    "timestamp" timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    name varchar(200) NOT NULL,
    category varchar(200) NOT NULL DEFAULT '',
    action varchar(200) NOT NULL DEFAULT '',
    label varchar(500) NOT NULL DEFAULT '',
    value double precision NULL,
    anonymous_id varchar(200) NOT NULL DEFAULT '',
    user_id varchar(200) NOT NULL DEFAULT '',
    device_id varchar(200) NOT NULL DEFAULT '',
    session_id varchar(200) NOT NULL DEFAULT '',
    url text NOT NULL DEFAULT '',
    path text NOT NULL DEFAULT '',
    referrer text NOT NULL DEFAULT '',
    title text NOT NULL DEFAULT '',
    properties jsonb NOT NULL DEFAULT '{}',
    dimensions jsonb NOT NULL DEFAULT '{}',
    source varchar(16) NOT NULL,
    browser varchar(64) NOT NULL DEFAULT '',
    os varchar(64) NOT NULL DEFAULT '',
    device_type varchar(16) NOT NULL DEFAULT '',
    is_bot boolean NOT NULL DEFAULT false,
    ip varchar(45) NOT NULL DEFAULT '',
    PRIMARY KEY (site_id, "timestamp", uuid)
) PARTITION BY RANGE ("timestamp");
CREATE TABLE analytics_event_default PARTITION OF analytics_event DEFAULT;
CREATE INDEX event_site_name_time ON analytics_event (site_id, name, "timestamp");
"""


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def partition_name(first: date) -> str:
    return f"analytics_event_{first.year:04d}_{first.month:02d}"


def _existing_partitions(cursor: psycopg.Cursor[tuple[object, ...]]) -> set[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
        (EVENT_TABLE,),
    )
    return {str(row[0]) for row in cursor.fetchall()}


def create_month_partition(cursor: psycopg.Cursor[tuple[object, ...]], first: date) -> None:
    """Creates one month's partition, moving any rows of that month out of the DEFAULT partition."""
    lower = datetime(first.year, first.month, 1, tzinfo=UTC)
    upper_day = next_month(first)
    upper = datetime(upper_day.year, upper_day.month, 1, tzinfo=UTC)
    table = sql.Identifier(partition_name(first))
    cursor.execute(
        sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)").format(
            table, sql.Identifier(EVENT_TABLE)
        )
    )
    cursor.execute(
        sql.SQL(
            'WITH moved AS (DELETE FROM {} WHERE "timestamp" >= %s AND "timestamp" < %s RETURNING *) '
            "INSERT INTO {} SELECT * FROM moved"
        ).format(sql.Identifier(DEFAULT_PARTITION), table),
        (lower, upper),
    )
    # DDL takes no bind parameters under server-side binding; the bounds are our own datetimes, quoted.
    cursor.execute(
        sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES FROM ({}) TO ({})").format(
            sql.Identifier(EVENT_TABLE), table, sql.Literal(lower), sql.Literal(upper)
        )
    )


def ensure_upcoming_partitions(cursor: psycopg.Cursor[tuple[object, ...]], today: date | None = None) -> list[str]:
    """Creates the partitions of this month, the next MONTHS_AHEAD, and every month found in DEFAULT."""
    today = today or datetime.now(UTC).date()
    wanted = [month_start(today)]
    for _ in range(MONTHS_AHEAD):
        wanted.append(next_month(wanted[-1]))
    cursor.execute(
        sql.SQL("SELECT DISTINCT date_trunc('month', \"timestamp\" AT TIME ZONE 'UTC')::date FROM {}").format(
            sql.Identifier(DEFAULT_PARTITION)
        )
    )
    wanted.extend(row[0] for row in cursor.fetchall() if isinstance(row[0], date))
    existing = _existing_partitions(cursor)
    created = []
    for first in sorted(set(wanted)):
        if partition_name(first) not in existing:
            create_month_partition(cursor, first)
            created.append(partition_name(first))
    return created
