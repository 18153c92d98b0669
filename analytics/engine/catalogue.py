"""The event catalogue: event names with counts, the property and dimension keys seen, a field's common values.

Kept cheap on sites with tens of millions of events: names are counted from the hourly rollups where they
cover the window (raw events only for the hours after the rollup watermark), and keys and values are read
from the most recent ``SAMPLE_EVENTS`` events of the window, an index scan backwards that LIMIT stops.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from analytics.engine.base import field_text, source
from analytics.engine.context import RunContext
from analytics.engine.execute import fetch_all
from analytics.engine.sql import Sql, all_of, param, q
from analytics.queries.catalogue import (
    MAX_EVENT_NAMES,
    MAX_KEYS,
    SAMPLE_EVENTS,
    VALUES_SAMPLE_EVENTS,
    CatalogueQuery,
    ValuesQuery,
)
from analytics.queries.parts import NUMBER_COLUMNS, TEXT_COLUMNS, DateRange
from analytics.queries.time_buckets import Window

# Expanding a JSON object into (key, value type) rows is the one thing here the two databases spell
# differently; dialect.py is shared with the insight runners, so the two spellings live next to their use.
_KEYS = {
    "postgresql": (
        "SELECT k.key, COUNT(*), SUM(CASE WHEN jsonb_typeof(k.value) = 'number' THEN 1 ELSE 0 END) "
        "FROM ({sample}) s CROSS JOIN LATERAL jsonb_each("
        "CASE WHEN jsonb_typeof(s.doc) = 'object' THEN s.doc ELSE '{}'::jsonb END) k "
        "GROUP BY k.key ORDER BY COUNT(*) DESC, k.key LIMIT {n}"
    ),
    "sqlite": (
        "SELECT k.key, COUNT(*), SUM(CASE WHEN k.type IN ('integer', 'real') THEN 1 ELSE 0 END) "
        "FROM ({sample}) s, json_each(CASE WHEN json_type(s.doc) = 'object' THEN s.doc ELSE '{}' END) k "
        "GROUP BY k.key ORDER BY COUNT(*) DESC, k.key LIMIT {n}"
    ),
}


def _window(ctx: RunContext, days: int) -> Window:
    return ctx.window(DateRange(last_days=days))


def _rollup_until(ctx: RunContext, span: Window) -> datetime | None:
    """Where raw events take over from the rollups, or None when the rollups answer nothing of this window."""
    until = ctx.rollups_until
    # Rollup rows are whole UTC hours: a window starting mid-hour (zones like +05:30) is counted raw.
    if until is None or until <= span.start or span.start.minute or span.start.second:
        return None
    return min(until, span.end)


def event_counts(ctx: RunContext, span: Window, include_bots: bool) -> Counter[str]:
    counts: Counter[str] = Counter()
    raw_start = span.start
    until = _rollup_until(ctx, span)
    if until is not None:
        conditions = [
            q("r.site_id = {s}", s=param(ctx.site_id)),
            q("r.hour >= {a}", a=param(ctx.dialect.time(span.start))),
            q("r.hour < {b}", b=param(ctx.dialect.time(until))),
        ]
        if not include_bots:
            conditions.append(q("r.is_bot = {f}", f=param(False)))
        rolled = q(
            'SELECT r."name", SUM(r.events) FROM analytics_hourlyrollup r WHERE {c} GROUP BY r."name"',
            c=all_of(conditions),
        )
        counts.update({str(name): int(n) for name, n in fetch_all(ctx, rolled)})
        raw_start = until
    if raw_start < span.end:
        rows = source(ctx, start=raw_start, end=span.end, columns=[("n", Sql('e."name"'))], include_bots=include_bots)
        counts.update(
            {str(name): int(n) for name, n in fetch_all(ctx, q("SELECT n, COUNT(*) FROM ({r}) b GROUP BY n", r=rows))}
        )
    return counts


def _recent(
    ctx: RunContext, span: Window, columns: Sequence[tuple[str, Sql]], event: str | None, size: int, **extra: Any
) -> Sql:
    rows = source(ctx, start=span.start, end=span.end, columns=columns, names=[event] if event else None, **extra)
    return q('{r} ORDER BY e."timestamp" DESC LIMIT {n}', r=rows, n=param(size))


def seen_keys(ctx: RunContext, span: Window, query: CatalogueQuery, column: str) -> list[dict[str, Any]]:
    """Top-level keys of ``properties`` or ``dimensions`` in the recent sample, most frequent first."""
    assert column in ("properties", "dimensions")
    sample = _recent(
        ctx, span, [("doc", Sql("e." + column))], query.event, SAMPLE_EVENTS, include_bots=query.include_bots
    )
    statement = q(_KEYS[ctx.dialect.vendor], sample=sample, n=param(MAX_KEYS))
    return [
        {"key": str(key), "count": int(n), "numeric": int(numeric or 0) == int(n)}
        for key, n, numeric in fetch_all(ctx, statement)
    ]


def run_catalogue(
    ctx: RunContext, query: CatalogueQuery, declared_dimensions: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    span = _window(ctx, query.days)
    counts = event_counts(ctx, span, query.include_bots)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    seen_dimensions = {d["key"]: d for d in seen_keys(ctx, span, query, "dimensions")}
    dimensions = [
        {"key": key, "display_name": name, "declared": True, **_counts_of(seen_dimensions.pop(key, None))}
        for key, name in declared_dimensions
    ]
    dimensions += [
        {"key": k, "display_name": None, "declared": False, **_counts_of(d)} for k, d in seen_dimensions.items()
    ]
    return {
        "days": query.days,
        "start": span.start.isoformat(),
        "end": span.end.isoformat(),
        "event": query.event,
        "events": [{"name": name, "count": n} for name, n in ranked[:MAX_EVENT_NAMES]],
        "events_truncated": len(ranked) > MAX_EVENT_NAMES,
        "properties": seen_keys(ctx, span, query, "properties"),
        "dimensions": dimensions,
        "columns": [*TEXT_COLUMNS, *NUMBER_COLUMNS],
        "sample_events": SAMPLE_EVENTS,
    }


def _counts_of(seen: dict[str, Any] | None) -> dict[str, Any]:
    return {"count": seen["count"], "numeric": seen["numeric"]} if seen else {"count": 0, "numeric": False}


def run_values(ctx: RunContext, query: ValuesQuery) -> dict[str, Any]:
    span = _window(ctx, query.days)
    sample = _recent(
        ctx,
        span,
        [("v", field_text(ctx, query.field))],
        query.event,
        VALUES_SAMPLE_EVENTS,
        include_bots=query.include_bots,
    )
    where = [Sql("s.v IS NOT NULL")]
    if query.search:
        where.append(ctx.dialect.icontains(Sql("s.v"), query.search))
    statement = q(
        "SELECT s.v, COUNT(*) FROM ({sample}) s WHERE {w} GROUP BY s.v ORDER BY COUNT(*) DESC, s.v LIMIT {n}",
        sample=sample,
        w=all_of(where),
        n=param(query.limit),
    )
    return {
        "key": query.field.label(),
        "days": query.days,
        "event": query.event,
        "values": [{"value": str(v), "count": int(n)} for v, n in fetch_all(ctx, statement)],
        "sample_events": VALUES_SAMPLE_EVENTS,
    }
