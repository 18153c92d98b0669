"""Everything that differs between PostgreSQL and the embedded SQLite default, in one module.

PostgreSQL does time zones, percentiles and JSON paths natively. On SQLite the same operations are small
Python functions registered on the connection (``prepare``), computed with the same rules as the pure
core (``analytics.queries.time_buckets``), so both databases bucket a DST day the same way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from analytics.engine.sql import Sql, param, q
from analytics.queries.time_buckets import bucket_floor

if TYPE_CHECKING:
    from analytics.engine.context import EngineSettings


class PostgresDialect:
    vendor = "postgresql"

    def prepare(self, connection: Any) -> None:
        """Nothing to register: PostgreSQL has every function natively."""

    def local_settings(self, settings: EngineSettings) -> list[Sql]:
        """Planner settings for one insight statement, applied with SET LOCAL inside its transaction."""
        if settings.query_jit:
            return []
        return [q("SELECT set_config('jit', {v}, true)", v=param("off"))]

    def time(self, value: datetime) -> Any:
        return value

    def to_utc(self, value: Any) -> datetime:
        assert isinstance(value, datetime)
        return value.astimezone(UTC)

    def epoch(self, column: Sql) -> Sql:
        # date_part gives float8 directly; EXTRACT returns numeric since PostgreSQL 14 and costs a numeric
        # division and a cast per row. Both round the exact microsecond quotient once, so values are equal.
        return q("date_part('epoch', {c})", c=column)

    def trunc(self, unit: str, column: Sql, zone: str) -> Sql:
        return q("date_trunc({u}, {c}, {z})", u=param(unit), c=column, z=param(zone))

    def json_text(self, column: Sql, path: tuple[str, ...]) -> Sql:
        return q("({c} #>> {p})", c=column, p=param(list(path)))

    def json_number(self, column: Sql, path: tuple[str, ...]) -> Sql:
        return q(
            "CASE WHEN jsonb_typeof({c} #> {p}) = 'number' THEN CAST({c2} #>> {p2} AS double precision) END",
            c=column,
            p=param(list(path)),
            c2=column,
            p2=param(list(path)),
        )

    def percentile(self, expression: Sql, fraction: float) -> Sql:
        return q("percentile_cont({f}) WITHIN GROUP (ORDER BY {e})", f=param(fraction), e=expression)

    def icontains(self, expression: Sql, needle: str) -> Sql:
        return q("{e} ILIKE {p}", e=expression, p=param("%" + _escape_like(needle) + "%"))

    def same(self, left: Sql, right: Sql) -> Sql:
        return q("{a} IS NOT DISTINCT FROM {b}", a=left, b=right)

    def text(self, expression: Sql) -> Sql:
        return q("CAST({e} AS text)", e=expression)

    def binary(self, expression: Sql) -> Sql:
        """Text ordered by code point, as Python orders it (the database's collation may ignore case)."""
        return q('{e} COLLATE "C"', e=expression)

    # (timestamp, uuid) as text whose byte order is their order: 20 digits of UTC time, then the 36-character uuid.
    position_width = 56

    def position(self, timestamp: Sql, uuid: Sql) -> Sql:
        return q("to_char({t} AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS') || CAST({u} AS text)", t=timestamp, u=uuid)


class SqliteDialect:
    vendor = "sqlite"

    def prepare(self, connection: Any) -> None:
        connection.ensure_connection()
        raw = connection.connection
        raw.create_function("sl_epoch", 1, _epoch, deterministic=True)
        raw.create_function("sl_trunc", 3, _trunc, deterministic=True)
        raw.create_aggregate("sl_percentile", 2, _Percentile)

    def local_settings(self, settings: EngineSettings) -> list[Sql]:
        """SQLite has no planner settings to change."""
        return []

    def time(self, value: datetime) -> Any:
        # Django stores naive UTC text ("2026-03-01 10:00:00[.ffffff]"); compare in the same form.
        return str(value.astimezone(UTC).replace(tzinfo=None))

    def to_utc(self, value: Any) -> datetime:
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)

    def epoch(self, column: Sql) -> Sql:
        return q("sl_epoch({c})", c=column)

    def trunc(self, unit: str, column: Sql, zone: str) -> Sql:
        return q("sl_trunc({u}, {c}, {z})", u=param(unit), c=column, z=param(zone))

    def json_text(self, column: Sql, path: tuple[str, ...]) -> Sql:
        p = _json_path(path)
        return q(
            "CASE json_type({c}, {p}) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' "
            "ELSE CAST(json_extract({c2}, {p2}) AS TEXT) END",
            c=column,
            p=param(p),
            c2=column,
            p2=param(p),
        )

    def json_number(self, column: Sql, path: tuple[str, ...]) -> Sql:
        p = _json_path(path)
        return q(
            "CASE WHEN json_type({c}, {p}) IN ('integer', 'real') THEN json_extract({c2}, {p2}) END",
            c=column,
            p=param(p),
            c2=column,
            p2=param(p),
        )

    def percentile(self, expression: Sql, fraction: float) -> Sql:
        return q("sl_percentile({e}, {f})", e=expression, f=param(fraction))

    def icontains(self, expression: Sql, needle: str) -> Sql:
        return q("{e} LIKE {p} ESCAPE '\\'", e=expression, p=param("%" + _escape_like(needle) + "%"))

    def same(self, left: Sql, right: Sql) -> Sql:
        return q("{a} IS {b}", a=left, b=right)

    def text(self, expression: Sql) -> Sql:
        return q("CAST({e} AS TEXT)", e=expression)

    def binary(self, expression: Sql) -> Sql:
        return expression

    # Django stores "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC and uuids as 32 hex digits; padded, 26 + 32 characters.
    position_width = 58

    def position(self, timestamp: Sql, uuid: Sql) -> Sql:
        return q("SUBSTR({t} || '.000000', 1, 26) || {u}", t=timestamp, u=uuid)


Dialect = PostgresDialect | SqliteDialect


def dialect_for(connection: Any) -> Dialect:
    return PostgresDialect() if connection.vendor == "postgresql" else SqliteDialect()


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _json_path(path: tuple[str, ...]) -> str:
    return "$" + "".join('."' + part + '"' for part in path)


def _parse_utc(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _epoch(value: str | None) -> float | None:
    return None if value is None else _parse_utc(value).timestamp()


def _trunc(unit: str, value: str | None, zone: str) -> str | None:
    if value is None:
        return None
    return str(bucket_floor(_parse_utc(value), unit, zone).replace(tzinfo=None))


class _Percentile:
    """percentile_cont for SQLite: linear interpolation between the closest ranks."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value: float | None, fraction: float) -> None:
        self.fraction = fraction
        if value is not None:
            self.values.append(float(value))

    def finalize(self) -> float | None:
        return percentile_cont(self.values, self.fraction)


def percentile_cont(values: Sequence[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


__all__ = ["Dialect", "PostgresDialect", "SqliteDialect", "dialect_for", "percentile_cont"]
