"""Raw events in time order (COPY on PostgreSQL, a server-side cursor on SQLite) as plain values, no ORM instances."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

from analytics.engine.base import source
from analytics.engine.context import RunContext
from analytics.engine.execute import copy_out, stream
from analytics.engine.sql import Sql, q
from analytics.event_store.rows import COLUMN_INDEX, EVENT_COLUMNS
from analytics.queries.parts import Filter

_UUID, _TS, _RECEIVED = COLUMN_INDEX["uuid"], COLUMN_INDEX["timestamp"], COLUMN_INDEX["received_at"]
_JSON = (COLUMN_INDEX["properties"], COLUMN_INDEX["dimensions"])
_BOT = COLUMN_INDEX["is_bot"]


# PostgreSQL formats uuids and times as text itself, in C, exactly as Python's str() and isoformat() would:
# building UUID and datetime objects only to turn them back into text was most of an export's time.
_ISO = """CASE WHEN mod(EXTRACT(MICROSECONDS FROM e."{c}")::int, 1000000) = 0
    THEN to_char(e."{c}" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')
    ELSE to_char(e."{c}" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') END"""
_POSTGRES_TEXT = {
    "uuid": Sql("e.uuid::text"),
    "timestamp": Sql(_ISO.format(c="timestamp")),
    "received_at": Sql(_ISO.format(c="received_at")),
}
# What each column arrives as through COPY's binary format; every other column is text (varchar is sent as text).
_POSTGRES_TYPES = {"site_id": "int8", "value": "float8", "properties": "jsonb", "dimensions": "jsonb", "is_bot": "bool"}
_COPY_TYPES = tuple(_POSTGRES_TYPES.get(name, "text") for name in EVENT_COLUMNS)


def statement(ctx: RunContext, start: datetime, end: datetime, filters: tuple[Filter, ...]) -> Sql:
    if ctx.dialect.vendor == "postgresql":
        columns = [
            (name, _POSTGRES_TEXT.get(name, Sql(f'e."{name}"::{_POSTGRES_TYPES.get(name, "text")}')))
            for name in EVENT_COLUMNS
        ]
    else:
        columns = [(name, Sql(f'e."{name}"')) for name in EVENT_COLUMNS]
    rows = source(ctx, start=start, end=end, columns=columns, filters=filters, include_bots=True)
    return q('{r} ORDER BY e."timestamp", e.uuid', r=rows)


def _cursor_row(raw: tuple[Any, ...]) -> list[Any]:
    row = list(raw)
    for index in _JSON:  # Django leaves jsonb undecoded on its cursors
        if isinstance(row[index], str | bytes):
            row[index] = orjson.loads(row[index])
    return row


def _sqlite_row(raw: tuple[Any, ...]) -> list[Any]:
    row = list(raw)
    row[_UUID] = str(UUID(str(row[_UUID])))
    for index in (_TS, _RECEIVED):
        row[index] = datetime.fromisoformat(str(row[index])).isoformat() + "+00:00"
    for index in _JSON:
        row[index] = orjson.loads(row[index]) if isinstance(row[index], str | bytes) else row[index]
    row[_BOT] = bool(row[_BOT])
    return row


def export_rows(ctx: RunContext, start: datetime, end: datetime, filters: tuple[Filter, ...]) -> Iterator[list[Any]]:
    query = statement(ctx, start, end, filters)
    if ctx.dialect.vendor != "postgresql":
        yield from map(_sqlite_row, stream(ctx, query))
    elif ctx.connection.in_atomic_block:
        # A COPY runs on a connection of its own, which would not see what this transaction wrote.
        yield from map(_cursor_row, stream(ctx, query))
    else:
        # COPY streams while this process encodes, and psycopg decodes its binary rows (jsonb included) in C.
        yield from map(list, copy_out(ctx, query, _COPY_TYPES))
