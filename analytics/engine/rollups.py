"""Hourly rollups: event counts per site, UTC hour and bot flag, by name, browser, os and device type in one
table and by name and path in another (the top pages).

``refresh`` recomputes both tables for every hour that received events since the last watermark
(``received_at``, so late events recount their old hour). Trends use a table for hours before the watermark's
hour when the question can be answered from counts of its columns, and raw events for the rest; both give the
same numbers (tests/analytics/engine/test_rollups.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from analytics.engine.base import condition, selector_condition
from analytics.engine.breakdown import value_column
from analytics.engine.context import RunContext
from analytics.engine.dialect import Dialect
from analytics.engine.execute import fetch_all
from analytics.engine.sql import Sql, all_of, param, q
from analytics.queries.parts import CohortFilter, Filter
from analytics.queries.time_buckets import Window

if TYPE_CHECKING:
    from analytics.queries.trends import Series, TrendsQuery


@dataclass(frozen=True, slots=True)
class Rollup:
    table: str
    # The event columns it counts by, besides the hour and the bot flag.
    columns: tuple[str, ...]


# Together the path and the main dimensions would multiply into far more rows than either alone.
ROLLUPS = (
    Rollup("analytics_hourlyrollup", ("name", "browser", "os", "device_type")),
    Rollup("analytics_pathrollup", ("name", "path")),
)
_HOUR = timedelta(hours=1)


def _kept_by(rollup: Rollup, item: Filter) -> bool:
    return not isinstance(item, CohortFilter) and item.field.source == "column" and item.field.column in rollup.columns


def answering(ctx: RunContext, query: TrendsQuery, series: Series, span: Window) -> Rollup | None:
    """The rollup that answers this series exactly (event counts filtered and split by its columns), if any."""
    if ctx.rollups_until is None or series.math != "count" or span.start >= ctx.rollups_until:
        return None
    # UTC hours must map onto local buckets: zones with offsets such as +05:30 cannot use them.
    offsets = {span.start.astimezone(_zone(ctx)).utcoffset(), span.end.astimezone(_zone(ctx)).utcoffset()}
    if not all(o is not None and o.total_seconds() % 3600 == 0 for o in offsets):
        return None
    filters = (*query.scope.filters, *series.selector.filters)
    breakdown = query.breakdown
    for rollup in ROLLUPS:
        split_by = breakdown is None or (
            breakdown.field.source == "column" and breakdown.field.column in rollup.columns
        )
        if split_by and all(_kept_by(rollup, f) for f in filters):
            return rollup
    return None


def _zone(ctx: RunContext) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(ctx.zone)


def split(ctx: RunContext, span: Window) -> tuple[Window, datetime]:
    """The part of the window the rollups answer, and where raw events take over."""
    assert ctx.rollups_until is not None
    until = min(ctx.rollups_until, span.end)
    return Window(span.first_day, span.last_day, span.zone, span.start, until), until


def counts(
    ctx: RunContext, query: TrendsQuery, series: Series, part: Window, rollup: Rollup
) -> dict[str, dict[datetime, tuple[float, float]]]:
    conditions = [
        q("e.site_id = {s}", s=param(ctx.site_id)),
        q("e.hour >= {a}", a=param(ctx.dialect.time(part.start))),
        q("e.hour < {b}", b=param(ctx.dialect.time(part.end))),
        selector_condition(ctx, series.selector),
        *(condition(ctx, f) for f in query.scope.filters),
    ]
    if not query.scope.include_bots:
        conditions.append(q("e.is_bot = {f}", f=param(False)))
    bucket = ctx.dialect.trunc(query.interval, Sql("e.hour"), ctx.zone)
    statement = q(
        "SELECT b.bucket, b.bd, SUM(b.events) FROM (SELECT {bucket} AS bucket, {bd} AS bd, e.events "
        "FROM {table} e WHERE {cond}) b GROUP BY b.bucket, b.bd",
        bucket=bucket,
        table=Sql(rollup.table),
        bd=value_column(ctx, query.breakdown),
        cond=all_of(conditions),
    )
    cells: dict[str, dict[datetime, tuple[float, float]]] = defaultdict(dict)
    for start, bd, events in fetch_all(ctx, statement):
        cells[str(bd)][ctx.dialect.to_utc(start)] = (float(events), 0.0)
    return cells


def touched_hours(cursor: Any, dialect: Dialect, since: datetime | None, until: datetime) -> dict[int, list[datetime]]:
    """Per site, the UTC hours holding events received in (since, until]."""
    conditions = [q("e.received_at <= {u}", u=param(dialect.time(until)))]
    if since is not None:
        conditions.append(q("e.received_at > {s}", s=param(dialect.time(since))))
    statement = q(
        "SELECT DISTINCT e.site_id, {h} FROM analytics_event e WHERE {c}",
        h=dialect.trunc("hour", Sql('e."timestamp"'), "UTC"),
        c=all_of(conditions),
    )
    cursor.execute(statement.text, statement.params)
    hours: dict[int, list[datetime]] = defaultdict(list)
    for site_id, hour in cursor.fetchall():
        hours[int(site_id)].append(dialect.to_utc(hour))
    return hours


def runs(hours: list[datetime]) -> list[tuple[datetime, datetime]]:
    """Contiguous [start, end) runs of hours, so a backfill is a few statements rather than one per hour."""
    out: list[tuple[datetime, datetime]] = []
    for hour in sorted(set(hours)):
        if out and out[-1][1] == hour:
            out[-1] = (out[-1][0], hour + _HOUR)
        else:
            out.append((hour, hour + _HOUR))
    return out


def recompute(cursor: Any, dialect: Dialect, site_id: int, start: datetime, end: datetime) -> None:
    """Replaces the rows of one site's hours [start, end) in every rollup with fresh counts from raw events."""
    bounds = dict(s=param(site_id), a=param(dialect.time(start)), b=param(dialect.time(end)))
    hour = dialect.trunc("hour", Sql('e."timestamp"'), "UTC")
    for rollup in ROLLUPS:
        table = Sql(rollup.table)
        delete = q("DELETE FROM {t} WHERE site_id = {s} AND hour >= {a} AND hour < {b}", t=table, **bounds)
        cursor.execute(delete.text, delete.params)
        kept = Sql(", ".join(rollup.columns))
        group = q("e.site_id, {h}, {c}, e.is_bot", h=hour, c=Sql(", ".join('e."' + c + '"' for c in rollup.columns)))
        insert = q(
            "INSERT INTO {t} (site_id, hour, {k}, is_bot, events) SELECT {g1}, COUNT(*) FROM analytics_event e "
            'WHERE e.site_id = {s} AND e."timestamp" >= {a} AND e."timestamp" < {b} GROUP BY {g2}',
            t=table,
            k=kept,
            g1=group,
            g2=group,
            **bounds,
        )
        cursor.execute(insert.text, insert.params)


def floor_hour(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


ROLLUP_KEY = "hourly"
