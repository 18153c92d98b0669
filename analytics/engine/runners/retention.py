"""Retention: cohorts of persons by the period of their first (or every) target event, and who came back."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from analytics.engine.base import PERSON, TIMESTAMP, selector_condition, source
from analytics.engine.breakdown import NONE, OTHER, public, top_values, value_column
from analytics.engine.context import RunContext
from analytics.engine.execute import fetch_all
from analytics.engine.person_events import answers
from analytics.engine.person_halves import HALVES, fetch_halves, run_halves
from analytics.engine.retention_arrays import first_time_cells, micros
from analytics.engine.sql import Sql, q
from analytics.queries.retention import RetentionQuery
from analytics.queries.time_buckets import buckets, label

HEADLINE_OFFSETS = (1, 7, 30)


def statement(ctx: RunContext, query: RetentionQuery, *, person_events: bool = False, half: int | None = None) -> Sql:
    """The grid's cells: (cohort bucket, breakdown value, NULL, size) and (cohort bucket, value, bucket, returned).
    With ``person_events`` (person_events.answers holds) read from analytics_personevent, and with ``half``
    only for that half's persons (person_halves: the halves' cells add up to the grid)."""
    span = ctx.window(query.scope.date_range)
    target = selector_condition(ctx, query.target)
    returning = selector_condition(ctx, query.returning)
    first_time = query.retention_type == "first_time"
    rows = source(
        ctx,
        start=span.start,
        end=span.end,
        columns=[
            ("person", PERSON),
            ("bucket", ctx.dialect.trunc(query.period, TIMESTAMP, ctx.zone)),
            ("ts", ctx.dialect.epoch(TIMESTAMP)),
            ("is_t", q("CASE WHEN {c} THEN 1 ELSE 0 END", c=target)),
            ("is_r", q("CASE WHEN {c} THEN 1 ELSE 0 END", c=returning)),
            # Bytewise, so "the smallest value" is the same on every database and in Python.
            ("bd", ctx.dialect.binary(q("CASE WHEN {c} THEN {v} END", c=target, v=value_column(ctx, query.breakdown)))),
        ],
        names=[n for n in (query.target.event, query.returning.event) if n]
        if query.target.event and query.returning.event
        else None,
        filters=query.scope.filters,
        where=[q("({t}) OR ({r})", t=target, r=returning)],
        include_bots=query.scope.include_bots,
        person_events=person_events,
        half=half,
    )
    earlier = Sql("")
    if first_time:
        # A first-time cohort is the period of a person's first target event ever: someone with a target
        # event before the range is in no cohort. That history is only a set of persons, not grouped by
        # period like the range: no time-zone bucketing or (person, period) sort for each past event.
        history = source(
            ctx,
            start=None,
            end=span.start,
            columns=[("person", PERSON)],
            names=[query.target.event] if query.target.event else None,
            filters=query.scope.filters,
            where=[target],
            include_bots=query.scope.include_bots,
            person_events=person_events,
            half=half,
        )
        earlier = q(", h AS (SELECT DISTINCT person FROM ({h}) hr)", h=history)
        cohorts = Sql(
            "SELECT person, bucket, bd FROM (SELECT pb.*, MIN(tmin) OVER (PARTITION BY person) AS first FROM pb) x "
            "WHERE tmin = first AND NOT EXISTS (SELECT 1 FROM h WHERE h.person = x.person)"
        )
    else:
        cohorts = Sql("SELECT person, bucket, bd FROM pb WHERE tmin IS NOT NULL")
    return q(
        "WITH pb AS (SELECT person, bucket, MIN(CASE WHEN is_t = 1 THEN ts END) AS tmin, MAX(is_r) AS r, MIN(bd) AS bd "
        "FROM ({rows}) b GROUP BY person, bucket){earlier}, c AS ({cohorts}) "
        "SELECT c.bucket, c.bd, NULL, COUNT(*) FROM c GROUP BY c.bucket, c.bd "
        "UNION ALL SELECT c.bucket, c.bd, pb.bucket, COUNT(*) FROM c JOIN pb ON pb.person = c.person AND pb.r = 1 "
        "AND pb.bucket > c.bucket GROUP BY c.bucket, c.bd, pb.bucket",
        rows=rows,
        earlier=earlier,
        cohorts=cohorts,
    )


def _grid(
    sizes: dict[int, int], returns: dict[tuple[int, int], int], count: int, starts: list[datetime], zone: str
) -> list[dict[str, Any]]:
    return [
        {
            "start": label(starts[c], zone),
            "size": sizes.get(c, 0),
            "values": [sizes.get(c, 0)] + [returns.get((c, c + k), 0) for k in range(1, count - c)],
        }
        for c in range(count)
    ]


def _headline(cohorts: list[dict[str, Any]], period: str) -> dict[str, float | None]:
    prefix = {"day": "D", "week": "W", "month": "M"}[period]
    out: dict[str, float | None] = {}
    for k in HEADLINE_OFFSETS:
        if k >= len(cohorts):
            continue
        old_enough = [c for c in cohorts if len(c["values"]) > k]
        size = sum(c["size"] for c in old_enough)
        out[f"{prefix}{k}"] = sum(c["values"][k] for c in old_enough) / size if size else None
    return out


def _person_events(ctx: RunContext, query: RetentionQuery) -> bool:
    """Whether analytics_personevent answers this grid (target and returning events by name only)."""
    selectors = (query.target, query.returning)
    if ctx.person_events is None or not answers(query.scope.filters, selectors, query.breakdown):
        return False
    return ctx.person_events()


def packed_statement(ctx: RunContext, query: RetentionQuery, half: int) -> Sql:
    """One person half's target and returning events, the history's included, as retention_arrays reads them:
    int8 keys (person × 4 + 1 for a target event + 2 for a returning one) and times (timestamptz_send)."""
    span = ctx.window(query.scope.date_range)
    target = selector_condition(ctx, query.target)
    returning = selector_condition(ctx, query.returning)
    kind = q(
        "e.person::int8 * 4 + CASE WHEN {t} THEN 1 ELSE 0 END + CASE WHEN {r} THEN 2 ELSE 0 END",
        t=target,
        r=returning,
    )
    rows = source(
        ctx,
        start=None,
        end=span.end,
        columns=[("k", kind), ("tsr", TIMESTAMP)],
        names=[n for n in (query.target.event, query.returning.event) if n]
        if query.target.event and query.returning.event
        else None,
        where=[q("({t}) OR ({r})", t=target, r=returning)],
        include_bots=query.scope.include_bots,
        person_events=True,
        half=half,
    )
    return q(
        "SELECT string_agg(int8send(k), ''::bytea), string_agg(timestamptz_send(tsr), ''::bytea) FROM ({r}) r",
        r=rows,
    )


def _cells(ctx: RunContext, query: RetentionQuery) -> list[tuple[Any, ...]]:
    """The grid's cells as statement returns them: in SQL from events, or by person halves from person events
    (first-time grids counted in numpy, retention_arrays)."""
    if not _person_events(ctx, query):
        return fetch_all(ctx, statement(ctx, query))
    if query.retention_type != "first_time":
        halves = [statement(ctx, query, person_events=True, half=half) for half in HALVES]
        return [row for rows in fetch_halves(ctx, halves) for row in rows]
    span = ctx.window(query.scope.date_range)
    starts = buckets(span, query.period)
    at = [micros(start.timestamp()) for start in starts]
    begin = micros(span.start.timestamp())

    def cells(rows: list[tuple[Any, ...]]) -> list[tuple[int, int | None, int]]:
        return first_time_cells(rows[0], starts=at, range_start=begin)

    found = run_halves(ctx, [packed_statement(ctx, query, half) for half in HALVES], cells)
    return [(starts[c], NONE, None if b is None else starts[b], n) for half in found for c, b, n in half]


def run_retention(ctx: RunContext, query: RetentionQuery) -> dict[str, Any]:
    span = ctx.window(query.scope.date_range)
    starts = buckets(span, query.period)
    index = {start: i for i, start in enumerate(starts)}
    sizes: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    returns: dict[str, dict[tuple[int, int], int]] = defaultdict(lambda: defaultdict(int))
    for cohort, bd, back, persons in _cells(ctx, query):
        c = index[ctx.dialect.to_utc(cohort)]
        if back is None:
            sizes[str(bd)][c] += int(persons)
        else:
            returns[str(bd)][(c, index[ctx.dialect.to_utc(back)])] += int(persons)
    values = set(sizes)
    if query.breakdown is not None:
        top = top_values({v: sum(sizes[v].values()) for v in values}, query.breakdown.limit)
        for value in values - top:
            for key, n in sizes.pop(value).items():
                sizes[OTHER][key] += n
            for pair, n in returns.pop(value, {}).items():
                returns[OTHER][pair] += n
    total_sizes: dict[int, int] = defaultdict(int)
    total_returns: dict[tuple[int, int], int] = defaultdict(int)
    for value in sizes:
        for key, n in sizes[value].items():
            total_sizes[key] += n
        for pair, n in returns[value].items():
            total_returns[pair] += n
    cohorts = _grid(total_sizes, total_returns, len(starts), starts, ctx.zone)
    result: dict[str, Any] = {
        "kind": "retention",
        "period": query.period,
        "retention_type": query.retention_type,
        "cohorts": cohorts,
        "headline": _headline(cohorts, query.period),
        "breakdown": None,
    }
    if query.breakdown is not None:
        groups = []
        for value in sorted(sizes, key=lambda v: (v == OTHER, -sum(sizes[v].values()), v)):
            grid = _grid(sizes[value], returns[value], len(starts), starts, ctx.zone)
            groups.append(
                {"breakdown_value": public(value), "cohorts": grid, "headline": _headline(grid, query.period)}
            )
        result["breakdown"] = groups
    return result


def retention_rows(result: dict[str, Any]) -> tuple[list[str], Iterator[list[Any]]]:
    header = ["breakdown_value", "cohort_start", "cohort_size", "period", "persons", "rate"]
    groups = result["breakdown"] or [{"breakdown_value": None, "cohorts": result["cohorts"]}]

    def rows() -> Iterator[list[Any]]:
        for group in groups:
            for cohort in group["cohorts"]:
                for k, persons in enumerate(cohort["values"]):
                    rate = persons / cohort["size"] if cohort["size"] else None
                    yield [group["breakdown_value"], cohort["start"], cohort["size"], k, persons, rate]

    return header, rows()
