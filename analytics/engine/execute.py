"""The one place that sends compiled SQL to the database."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django.db import transaction

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
