"""The one place that sends compiled SQL to the database."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

import orjson
from django.db import connections, transaction
from psycopg.types.json import set_json_loads

from analytics.engine.context import RunContext
from analytics.engine.sql import Sql

logger = logging.getLogger(__name__)
CHUNK_ROWS = 5000


def fetch_all(ctx: RunContext, statement: Sql) -> list[tuple[Any, ...]]:
    ctx.dialect.prepare(ctx.connection)
    local = ctx.dialect.local_settings(ctx.settings)
    if not local:
        return _fetch(ctx, statement, [])
    # Settings made with SET LOCAL end with the transaction, so the pooled connection keeps its defaults.
    with transaction.atomic(using=ctx.connection.alias, savepoint=False):
        return _fetch(ctx, statement, local)


def _fetch(ctx: RunContext, statement: Sql, local: list[Sql]) -> list[tuple[Any, ...]]:
    with ctx.connection.cursor() as cursor:
        for setting in local:
            cursor.execute(setting.text, setting.params)
        cursor.execute(statement.text, statement.params)
        return [tuple(row) for row in cursor.fetchall()]


def copy_out(ctx: RunContext, statement: Sql, types: Sequence[str]) -> Iterator[tuple[Any, ...]]:
    """Rows of a PostgreSQL query through `COPY (…) TO STDOUT (FORMAT binary)`, decoded in C by psycopg.

    The server sends without waiting for the client to ask for the next chunk, so producing rows there and
    using them here overlap; jsonb comes back decoded by orjson. `types` name each column's PostgreSQL type.
    A COPY holds its connection until the last row, so it runs on a connection of its own, opened here and
    closed when the iterator ends or is closed (which cancels the query on the server): the caller's
    connection stays free for whatever else the request does while the rows stream.
    """
    connection = connections.create_connection(ctx.connection.alias)
    try:
        ctx.dialect.prepare(connection)
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor
            set_json_loads(orjson.loads, cursor)
            cursor.execute("BEGIN")  # for the SET LOCAL planner settings; the connection is closed after
            for setting in ctx.dialect.local_settings(ctx.settings):
                cursor.execute(setting.text, setting.params)
            with cursor.copy(f"COPY ({statement.text}) TO STDOUT (FORMAT binary)", statement.params) as copy:
                copy.set_types(list(types))
                yield from copy.rows()
    finally:
        connection.close()


def stream(ctx: RunContext, statement: Sql, chunk: int = CHUNK_ROWS) -> Iterator[tuple[Any, ...]]:
    """Rows through a server-side cursor on PostgreSQL: memory stays constant however many rows come."""
    ctx.dialect.prepare(ctx.connection)
    cursor = ctx.connection.chunked_cursor()
    try:
        cursor.execute(statement.text, statement.params)
        while rows := cursor.fetchmany(chunk):
            yield from rows
    finally:
        cursor.close()
