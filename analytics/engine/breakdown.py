"""Breakdowns written once: the value column, the top-N ranking in SQL or in Python, and "$other"."""

from __future__ import annotations

from collections.abc import Mapping

from analytics.engine.base import field_text
from analytics.engine.context import RunContext
from analytics.engine.sql import Sql, param, q
from analytics.queries.parts import Breakdown

# Stands for "not set" inside SQL, so groups can be joined with plain equality (hash joins).
NONE = "\x1fnone"
OTHER = "$other"


def value_column(ctx: RunContext, breakdown: Breakdown | None) -> Sql:
    if breakdown is None:
        return param(NONE)
    return q("COALESCE({v}, {n})", v=field_text(ctx, breakdown.field), n=param(NONE))


def ranked(ctx: RunContext, table: str, weight: str, limit: int, column: str = "bd") -> Sql:
    """``SELECT bd, (rank <= limit) AS top`` over a CTE's rows; weight is an aggregate like COUNT(*) (or SUM(n) over
    rows that already count)."""
    assert table.isidentifier() and column.isidentifier() and weight in ("COUNT(*)", "COUNT(DISTINCT sid)", "SUM(n)")
    return q(
        "SELECT {c} AS bd, CASE WHEN ROW_NUMBER() OVER (ORDER BY {w} DESC, {o}) <= {n} THEN 1 ELSE 0 END AS top "
        "FROM {t} GROUP BY {c2}",
        c=Sql(column),
        w=Sql(weight),
        o=ctx.dialect.binary(Sql(column)),
        n=param(limit),
        t=Sql(table),
        c2=Sql(column),
    )


def kept(ctx: RunContext, column: str = "bd") -> Sql:
    """The breakdown value after ranking: itself if in the top N, else "$other" (needs the ranked join as r)."""
    assert column.isidentifier()
    return q("CASE WHEN r.top = 1 THEN b.{c} ELSE {o} END", c=Sql(column), o=param(OTHER))


def top_values(weights: Mapping[str, float], limit: int) -> set[str]:
    """The same ranking in Python: heaviest first, ties by code point."""
    order = sorted(weights, key=lambda value: (-weights[value], value))
    return set(order[:limit])


def public(value: object) -> object:
    return None if value == NONE else value
