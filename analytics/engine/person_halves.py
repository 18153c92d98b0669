"""Person halves: an insight over person events run as two statements, one per half of the persons, at once.

PostgreSQL 15 never runs a window function or the grouping above it in a parallel worker, so a funnel or a
retention grid over millions of events keeps one core busy while the other waits. Every person falls in one
half (``person % 2``), and what these insights compute per person (a best attempt, a cohort and its returns)
never mixes two persons, so the halves' answers add up to the whole one exactly. The indexes
``personevent_half`` and ``personevent_name_half`` (migration 0007) hand each half its events in (person, time)
order, so neither sorts them.

The halves run on two connections (the caller's and one opened for the query) inside one exported snapshot,
so together they see exactly what one statement would. They run one after the other on the caller's connection
instead when that connection is inside a transaction (a second connection would not see what it wrote — the
test suite's transactions, for one), on SQLite, or when ``EngineSettings.concurrent_halves`` is off.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.db import connections

from analytics.engine.context import RunContext
from analytics.engine.execute import fetch_all
from analytics.engine.sql import Sql

HALVES = (0, 1)
T = TypeVar("T")


def half_condition(half: int) -> Sql:
    """The persons of one half, written as the indexes' half column is (a literal, so the planner matches it to
    the indexes whatever the parameters; ``%%`` is the driver's escape for ``%``)."""
    assert half in HALVES
    return Sql("(e.person %% 2) = " + str(half))


def fetch_halves(ctx: RunContext, statements: Sequence[Sql]) -> list[list[tuple[Any, ...]]]:
    """The rows of each statement (one per half), run concurrently where that is sound (module docstring)."""
    return run_halves(ctx, statements, lambda rows: rows)


def run_halves(ctx: RunContext, statements: Sequence[Sql], then: Callable[[list[tuple[Any, ...]]], T]) -> list[T]:
    """``then`` of each statement's rows, each computed in the thread that ran the statement: one half's
    Python (numpy releases the GIL) overlaps the other half's query."""
    connection = ctx.connection
    if (
        len(statements) != 2
        or not ctx.settings.concurrent_halves
        or connection.vendor != "postgresql"
        or connection.in_atomic_block
    ):
        return [then(fetch_all(ctx, statement)) for statement in statements]
    imported = threading.Event()
    with connection.cursor() as cursor, ThreadPoolExecutor(max_workers=1) as pool:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        other = None
        try:
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
            other = pool.submit(_other_half, ctx, snapshot, imported, statements[1], then)
            first = _run(ctx, cursor, statements[0])
        finally:
            # An exported snapshot can be imported only while its transaction is open.
            if other is not None:
                imported.wait()
            cursor.execute("COMMIT")
        return [then(first), other.result()]


def _run(ctx: RunContext, cursor: Any, statement: Sql) -> list[tuple[Any, ...]]:
    for setting in ctx.dialect.local_settings(ctx.settings):
        cursor.execute(setting.text, setting.params)
    cursor.execute(statement.text, statement.params)
    return [tuple(row) for row in cursor.fetchall()]


def _other_half(
    ctx: RunContext,
    snapshot: str,
    imported: threading.Event,
    statement: Sql,
    then: Callable[[list[tuple[Any, ...]]], T],
) -> T:
    # A connection of its own, made in this thread (Django's wrappers belong to the thread that made them)
    # and closed here: it never joins a pool or outlives the query.
    connection = connections.create_connection(ctx.connection.alias)
    try:
        with connection.cursor() as cursor:
            try:
                cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            finally:
                imported.set()
            try:
                rows = _run(ctx, cursor, statement)
            finally:
                cursor.execute("COMMIT")
        return then(rows)
    finally:
        connection.close()
