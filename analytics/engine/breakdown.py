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


def ranked(ctx: RunContext, table: str, weight: str, limit: int) -> Sql:
    """``SELECT bd, (rank <= limit) AS top`` over a CTE's rows; weight is an aggregate like COUNT(*)."""
    assert table.isidentifier() and weight in ("COUNT(*)", "COUNT(DISTINCT sid)")
    return q(
        "SELECT bd, CASE WHEN ROW_NUMBER() OVER (ORDER BY " + weight + " DESC, {o}) <= {n} THEN 1 ELSE 0 END AS top "
        "FROM " + table + " GROUP BY bd",
        o=ctx.dialect.binary(Sql("bd")),
        n=param(limit),
    )


def kept(ctx: RunContext) -> Sql:
    """The breakdown value after ranking: itself if in the top N, else "$other" (needs the ranked join as r)."""
    return q("CASE WHEN r.top = 1 THEN b.bd ELSE {o} END", o=param(OTHER))


def top_values(weights: Mapping[str, float], limit: int) -> set[str]:
    """The same ranking in Python: heaviest first, ties by code point."""
    order = sorted(weights, key=lambda value: (-weights[value], value))
    return set(order[:limit])


def public(value: object) -> object:
    return None if value == NONE else value
