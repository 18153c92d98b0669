"""Loads generated chunks into PostgreSQL with COPY, one transaction per chunk, overlapping generation.

Month partitions for the window are created before the load so rows go straight to their month instead of
through the DEFAULT partition (moving them later would write everything twice). A writer thread COPYs chunk
n while the caller's thread generates chunk n+1: psycopg releases the GIL while PostgreSQL works, so on two
cores the generator and the server run side by side.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

import psycopg
from psycopg import sql

from analytics.event_store.partitions import (
    EVENT_TABLE,
    create_month_partition,
    ensure_upcoming_partitions,
    month_start,
    next_month,
    partition_name,
)
from analytics.event_store.rows import EVENT_COLUMNS
from bench.datagen.traffic import Chunk

_COPY_EVENTS = sql.SQL("COPY analytics_event ({}) FROM STDIN").format(
    sql.SQL(", ").join(sql.Identifier(c) for c in EVENT_COLUMNS)
)
_COPY_KEYS = sql.SQL('COPY analytics_eventkey (site_id, uuid, "timestamp") FROM STDIN')
_COPY_LINKS = sql.SQL("COPY analytics_identitylink (site_id, anonymous_id, user_id, linked_at) FROM STDIN")
_QUEUE_DEPTH = 2  # chunks generated ahead of the writer: bounds memory to a few chunks
_BULK_TABLES = ("analytics_event", "analytics_eventkey")
_INDEX_DEFINITIONS = """
SELECT c.relname, i.relname, con.conname, pg_get_indexdef(i.oid), pg_get_constraintdef(con.oid)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
LEFT JOIN pg_constraint con ON con.conindid = i.oid AND con.conrelid = c.oid
WHERE c.relname = ANY(%s) ORDER BY c.relname, i.relname
"""


@dataclass(frozen=True, slots=True)
class LoadStats:
    rows: int
    links: int
    seconds: float
    copy_seconds: float  # time the writer spent inside COPY and COMMIT

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def prepare_partitions(conn: psycopg.Connection[tuple[object, ...]], start: datetime, end: datetime) -> list[str]:
    """Creates the month partitions covering [start, end) that do not exist yet; returns their names."""
    # A client-side binding cursor, as Django's: ATTACH PARTITION ... FOR VALUES takes no server parameters.
    with conn.transaction(), psycopg.ClientCursor(conn) as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            (EVENT_TABLE,),
        )
        existing = {str(row[0]) for row in cursor.fetchall()}
        created, first = [], month_start(start.date())
        last: date = month_start(end.date())
        while first <= last:
            if partition_name(first) not in existing:
                create_month_partition(cursor, first)
                created.append(partition_name(first))
            first = next_month(first)
    return created


def finish(conn: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    """What the beat task does (current and upcoming months, DEFAULT emptied), then fresh planner statistics."""
    with conn.transaction(), psycopg.ClientCursor(conn) as cursor:
        created = ensure_upcoming_partitions(cursor)
        for table in ("analytics_event", "analytics_eventkey", "analytics_identitylink"):
            cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
    return created


def vacuum(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """VACUUM the loaded tables, after the load is committed (VACUUM cannot run inside a transaction block).

    It summarises the ``received_at`` BRIN index over the loaded pages, which the periodic refreshes (rollups,
    session parts, person events) read; unsummarised, each scans every partition. On a live server
    autovacuum does this as inserts accumulate.
    """
    conn.commit()
    autocommit = conn.autocommit
    conn.autocommit = True
    try:
        for table in ("analytics_event", "analytics_eventkey", "analytics_identitylink"):
            conn.execute(sql.SQL("VACUUM {}").format(sql.Identifier(table)))
    finally:
        conn.autocommit = autocommit


def drop_indexes(conn: psycopg.Connection[tuple[object, ...]]) -> list[sql.Composed | sql.SQL]:
    """Bulk mode: drops the indexes of the events and keys tables; returns the statements that restore them.

    Building an index once from sorted data costs a fraction of maintaining it row by row, so a load into
    empty tables is faster without them. Partition indexes go with their parent's and come back with it.
    """
    restore: list[sql.Composed | sql.SQL] = []
    with conn.transaction(), conn.cursor() as cursor:
        cursor.execute(_INDEX_DEFINITIONS, (list(_BULK_TABLES),))
        for row in cursor.fetchall():
            table, index, constraint, index_def, constraint_def = (None if v is None else str(v) for v in row)
            assert table and index and index_def
            if constraint:
                cursor.execute(
                    sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                        sql.Identifier(table), sql.Identifier(constraint)
                    )
                )
                restore.append(
                    sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                        sql.Identifier(table), sql.Identifier(constraint), sql.SQL(constraint_def or "")
                    )
                )
            else:
                cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(index)))
                # pg_get_indexdef says ON ONLY for a partitioned table, which would skip the partitions.
                restore.append(sql.SQL(index_def.replace(" ON ONLY ", " ON ", 1)))
    return restore


def restore_indexes(conn: psycopg.Connection[tuple[object, ...]], statements: list[sql.Composed | sql.SQL]) -> None:
    with conn.transaction(), conn.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for statement in statements:
            cursor.execute(statement)


def _write(conn: psycopg.Connection[tuple[object, ...]], chunk: Chunk) -> None:
    with conn.transaction(), conn.cursor() as cursor:
        with cursor.copy(_COPY_EVENTS) as copy:
            copy.write(chunk.events)
        with cursor.copy(_COPY_KEYS) as copy:
            copy.write(chunk.keys)
        if chunk.links:
            with cursor.copy(_COPY_LINKS) as copy:
                copy.write(chunk.links)


def load(
    conn: psycopg.Connection[tuple[object, ...]],
    chunks: Iterable[Chunk],
    progress: Callable[[int, float], None] | None = None,
) -> LoadStats:
    """COPYs every chunk (each its own transaction, or savepoint inside a caller's transaction)."""
    pending: queue.Queue[Chunk | None] = queue.Queue(maxsize=_QUEUE_DEPTH)
    failure: list[BaseException] = []
    copy_seconds = [0.0]

    def writer() -> None:
        while (chunk := pending.get()) is not None:
            if failure:
                continue  # drain so the producer never blocks on a dead writer
            began = time.perf_counter()
            try:
                _write(conn, chunk)
            except BaseException as exc:  # handed to the caller's thread below
                failure.append(exc)
            copy_seconds[0] += time.perf_counter() - began

    thread = threading.Thread(target=writer, name="datagen-copy", daemon=True)
    started = time.perf_counter()
    rows = links = 0
    thread.start()
    try:
        for chunk in chunks:
            if failure:
                break
            pending.put(chunk)
            rows += chunk.rows
            links += chunk.link_rows
            if progress:
                progress(rows, time.perf_counter() - started)
    finally:
        pending.put(None)
        thread.join()
    if failure:
        raise failure[0]
    return LoadStats(rows=rows, links=links, seconds=time.perf_counter() - started, copy_seconds=copy_seconds[0])
