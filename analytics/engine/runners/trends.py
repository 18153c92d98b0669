"""Trends: a measure of one or more event series per local time bucket, optionally by breakdown and compared."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from analytics.engine import parts_reading, rollups
from analytics.engine.base import PERSON, TIMESTAMP, UUID, field_number, selector_condition, source
from analytics.engine.breakdown import NONE, OTHER, kept, public, ranked, top_values, value_column
from analytics.engine.context import RunContext
from analytics.engine.execute import fetch_all
from analytics.engine.sql import Sql, param, q
from analytics.queries.time_buckets import Window, buckets, label
from analytics.queries.trends import Series, TrendsQuery

# Measures whose whole-range total follows from the per-period cells (a sum, or a sum over a count for avg).
# The others (distinct persons or sessions, percentiles) are computed again over the whole range: a person
# active in two periods is one person, and a median of medians is not the median.
FROM_CELLS = frozenset({"count", "sum", "avg"})
# bd -> bucket start -> (value, count) where count only matters for avg.
Cells = dict[str, dict[datetime, tuple[float, float]]]
# bd -> the whole-range value of a measure that cannot be added up.
Totals = dict[str, float | None]


def _aggregate(ctx: RunContext, series: Series) -> Sql:
    if series.math == "count":
        return Sql("COUNT(*), 0")
    if series.math == "persons":
        return Sql("COUNT(DISTINCT b.person), 0")
    if series.math == "sessions":
        return Sql("COUNT(DISTINCT b.sid), 0")
    if series.math in ("sum", "avg"):
        return Sql("SUM(b.x), COUNT(b.x)")
    return q("{p}, 0", p=ctx.dialect.percentile(Sql("b.x"), 0.5 if series.math == "p50" else 0.9))


def _raw_statement(ctx: RunContext, query: TrendsQuery, series: Series, span: Window, *, whole: bool = False) -> Sql:
    """Per bucket and breakdown value ``(bucket, bd, value, count)``; with ``whole``, one ``(bd, value)`` row per
    breakdown value over the whole range, from the same rows and the same top-N ranking."""
    columns: list[tuple[str, Sql]] = [
        ("bucket", ctx.dialect.trunc(query.interval, TIMESTAMP, ctx.zone)),
        ("bd", value_column(ctx, query.breakdown)),
    ]
    if series.math == "persons":
        columns.append(("person", PERSON))
    if series.prop is not None:
        columns.append(("x", field_number(ctx, series.prop)))
    names = [series.selector.event] if series.selector.event else None
    where = [selector_condition(ctx, series.selector)]
    if series.math == "sessions":
        # Sessions are cut over all of a person's events; only those holding a matching event count.
        names, where = None, []
        columns += [("person", PERSON), ("ts", ctx.dialect.epoch(TIMESTAMP)), ("uuid", UUID)]
        columns.append(("m", q("CASE WHEN {c} THEN 1 ELSE 0 END", c=selector_condition(ctx, series.selector))))
    rows = source(
        ctx,
        start=span.start,
        end=span.end,
        columns=columns,
        names=names,
        filters=query.scope.filters,
        where=where,
        include_bots=query.scope.include_bots,
    )
    if series.math == "sessions":
        rows = q(
            "SELECT bucket, bd, m, person || '#' || CAST(SUM(gap) OVER (PARTITION BY person ORDER BY ts, uuid "
            "ROWS UNBOUNDED PRECEDING) AS TEXT) AS sid FROM (SELECT s.*, CASE WHEN ts - LAG(ts) OVER "
            "(PARTITION BY person ORDER BY ts, uuid) <= {t} THEN 0 ELSE 1 END AS gap FROM ({r}) s) g",
            t=param(ctx.settings.session_timeout_seconds),
            r=rows,
        )
        rows = q("SELECT * FROM ({r}) sessions WHERE m = 1", r=rows)
    agg = _aggregate(ctx, series)
    if query.breakdown is None:
        if whole:
            return q("WITH b AS ({r}) SELECT b.bd, {a} FROM b GROUP BY b.bd", r=rows, a=agg)
        return q("WITH b AS ({r}) SELECT b.bucket, b.bd, {a} FROM b GROUP BY b.bucket, b.bd", r=rows, a=agg)
    template = (
        "WITH b AS ({r}), r AS ({rank}) SELECT {bd} AS bd, {a} FROM b JOIN r ON r.bd = b.bd GROUP BY {bd2}"
        if whole
        else "WITH b AS ({r}), r AS ({rank}) SELECT b.bucket, {bd} AS bd, {a} FROM b JOIN r ON r.bd = b.bd "
        "GROUP BY b.bucket, {bd2}"
    )
    return q(
        template,
        r=rows,
        rank=ranked(ctx, "b", "COUNT(*)", query.breakdown.limit),
        bd=kept(ctx),
        a=agg,
        bd2=kept(ctx),
    )


def _whole_range(ctx: RunContext, query: TrendsQuery, series: Series, span: Window) -> Totals:
    """Totals of the measures that cannot be added up over periods; rollups never answer these (count only)."""
    if series.math in FROM_CELLS or not query.totals:
        return {}
    if _persons_from_parts(ctx, query, series, span):
        statement = _persons_statement(ctx, query, span, whole=True)
    else:
        statement = _raw_statement(ctx, query, series, span, whole=True)
    return {str(bd): (float(value) if value is not None else None) for bd, value, _ in fetch_all(ctx, statement)}


def _persons_from_parts(ctx: RunContext, query: TrendsQuery, series: Series, span: Window) -> bool:
    """Visitors of any event, unsplit: the sessions table holds every person's parts by hour (parts_reading.py)."""
    return (
        series.math == "persons"
        and series.selector.event is None
        and not series.selector.filters
        and query.breakdown is None
        and parts_reading.answers_persons(
            ctx, span, buckets(span, query.interval), query.scope.filters, include_bots=query.scope.include_bots
        )
    )


def _persons_statement(ctx: RunContext, query: TrendsQuery, span: Window, *, whole: bool = False) -> Sql:
    """Distinct persons per bucket (or over the whole range) from the session parts and the raw tail."""
    rows = parts_reading.persons(ctx, span, query.interval, query.scope.filters)
    if whole:
        return q("WITH b AS ({r}) SELECT b.bd, COUNT(DISTINCT b.person), 0 FROM b GROUP BY b.bd", r=rows)
    return q(
        "WITH b AS ({r}) SELECT b.bucket, b.bd, COUNT(DISTINCT b.person), 0 FROM b GROUP BY b.bucket, b.bd", r=rows
    )


def _cells(ctx: RunContext, rows: list[tuple[Any, ...]]) -> Cells:
    cells: Cells = defaultdict(dict)
    for bucket, bd, value, count in rows:
        start = ctx.dialect.to_utc(bucket)
        old = cells[str(bd)].get(start, (0.0, 0.0))
        cells[str(bd)][start] = (old[0] + float(value or 0), old[1] + float(count or 0)) if value is not None else old
    return cells


def _run_series(ctx: RunContext, query: TrendsQuery, series: Series, span: Window) -> Cells:
    rollup = rollups.answering(ctx, query, series, span)
    if rollup is not None:
        rolled, tail_start = rollups.split(ctx, span)
        cells: Cells = defaultdict(dict)
        tail = _tail_counts(ctx, query, series, span, tail_start)
        for part in (rollups.counts(ctx, query, series, rolled, rollup), tail):
            for bd, by_bucket in part.items():
                for start, (value, _) in by_bucket.items():
                    cells[bd][start] = (cells[bd].get(start, (0.0, 0.0))[0] + value, 0.0)
        return _top_in_python(cells, query)
    if _persons_from_parts(ctx, query, series, span):
        return _cells(ctx, fetch_all(ctx, _persons_statement(ctx, query, span)))
    return _cells(ctx, fetch_all(ctx, _raw_statement(ctx, query, series, span)))


def _tail_counts(ctx: RunContext, query: TrendsQuery, series: Series, span: Window, tail_start: datetime) -> Cells:
    if tail_start >= span.end:
        return {}
    tail = Window(span.first_day, span.last_day, span.zone, max(tail_start, span.start), span.end)
    return _cells(ctx, fetch_all(ctx, _unranked(ctx, query, series, tail)))


def _unranked(ctx: RunContext, query: TrendsQuery, series: Series, span: Window) -> Sql:
    rows = source(
        ctx,
        start=span.start,
        end=span.end,
        columns=[
            ("bucket", ctx.dialect.trunc(query.interval, TIMESTAMP, ctx.zone)),
            ("bd", value_column(ctx, query.breakdown)),
        ],
        names=[series.selector.event] if series.selector.event else None,
        filters=query.scope.filters,
        where=[selector_condition(ctx, series.selector)],
        include_bots=query.scope.include_bots,
    )
    return q("SELECT b.bucket, b.bd, COUNT(*), 0 FROM ({r}) b GROUP BY b.bucket, b.bd", r=rows)


def _top_in_python(cells: Cells, query: TrendsQuery) -> Cells:
    if query.breakdown is None:
        return cells
    weights = {bd: sum(v for v, _ in by_bucket.values()) for bd, by_bucket in cells.items()}
    top = top_values(weights, query.breakdown.limit)
    merged: Cells = defaultdict(dict)
    for bd, by_bucket in cells.items():
        target = bd if bd in top else OTHER
        for start, (value, count) in by_bucket.items():
            old = merged[target].get(start, (0.0, 0.0))
            merged[target][start] = (old[0] + value, old[1] + count)
    return merged


def _values(
    series: Series,
    by_bucket: dict[datetime, tuple[float, float]],
    starts: list[datetime],
    whole: float | None,
    totals: bool = True,
) -> tuple[list[Any], Any]:
    """The per-period data and the whole-range total; ``whole`` is the total of a measure not in FROM_CELLS
    (not computed, and the total null, when the query asks for no totals)."""
    if series.math == "avg":
        data = [(by_bucket[s][0] / by_bucket[s][1]) if s in by_bucket and by_bucket[s][1] else None for s in starts]
        total_sum = sum(v for v, _ in by_bucket.values())
        total_count = sum(c for _, c in by_bucket.values())
        return data, (total_sum / total_count if total_count else None)
    if series.math in ("p50", "p90"):
        return [by_bucket[s][0] if s in by_bucket else None for s in starts], whole
    counts: list[int | float] = [_number(by_bucket[s][0]) if s in by_bucket else 0 for s in starts]
    if series.math in FROM_CELLS:
        return list(counts), _number(sum(counts))
    if not totals:
        return list(counts), None
    return list(counts), _number(whole or 0)  # persons or sessions: none in the range is 0


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def run_trends(ctx: RunContext, query: TrendsQuery) -> dict[str, Any]:
    span = ctx.window(query.scope.date_range)
    starts = buckets(span, query.interval)
    previous = span.previous() if query.compare else None
    previous_starts = buckets(previous, query.interval) if previous else []
    out = []
    for index, series in enumerate(query.series):
        current = _run_series(ctx, query, series, span)
        current_totals = _whole_range(ctx, query, series, span)
        before = _run_series(ctx, query, series, previous) if previous else {}
        before_totals = _whole_range(ctx, query, series, previous) if previous else {}
        values = set(current) | set(before) | ({NONE} if query.breakdown is None else set())
        for bd in sorted(values, key=lambda v: (v == OTHER, v != NONE, v)):
            data, total = _values(series, current.get(bd, {}), starts, current_totals.get(bd), query.totals)
            entry: dict[str, Any] = {
                "series": index,
                "label": series.label,
                "math": series.math,
                "breakdown_value": public(bd),
                "data": data,
                "total": total,
                "previous": None,
            }
            if previous:
                old, old_total = _values(
                    series, before.get(bd, {}), previous_starts, before_totals.get(bd), query.totals
                )
                entry["previous"] = {"data": old, "total": old_total}
            out.append(entry)
    return {
        "kind": "trends",
        "interval": query.interval,
        "timezone": ctx.zone,
        "buckets": [label(s, ctx.zone) for s in starts],
        "previous_buckets": [label(s, ctx.zone) for s in previous_starts] if previous else None,
        "series": out,
    }


def trends_rows(result: dict[str, Any]) -> tuple[list[str], Iterator[list[Any]]]:
    # ``total`` repeats the whole-range total of the row's series, breakdown value and period on each of its
    # rows, so one flat table holds it without a summary row a spreadsheet would add into its own sums.
    header = ["series", "label", "math", "breakdown_value", "period", "bucket", "value", "total"]

    def rows() -> Iterator[list[Any]]:
        for entry in result["series"]:
            base = [entry["series"], entry["label"], entry["math"], entry["breakdown_value"]]
            for bucket, value in zip(result["buckets"], entry["data"], strict=True):
                yield [*base, "current", bucket, value, entry["total"]]
            if entry["previous"] is not None:
                old = entry["previous"]
                for bucket, value in zip(result["previous_buckets"], old["data"], strict=True):
                    yield [*base, "previous", bucket, value, old["total"]]

    return header, rows()
