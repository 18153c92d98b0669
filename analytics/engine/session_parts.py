"""Session parts: the sessions table kept next to the hourly rollups, and sessionings read from it.

A part is one identity's non-bot events within one UTC hour, cut where two events are further apart than the
timeout (analytics_sessionpart). The identity is what the events carry — their user id; else their anonymous
and device ids; else the event itself — not the person it resolves to, so identity links written later (a
login merging an anonymous visitor into a user) never make a part stale: queries resolve persons on the parts
with the same PERSON expression and joins as on events.

Why sessions rebuilt from parts are exactly the sessions of the events. Each part's events are connected (no
gap over the timeout T), and a query's timeout T' >= T keeps them connected. A person's sessions are the runs
of their events with gaps <= T'; so, with the person's parts ordered by first event, a part starts a new
session exactly when its first event is more than T' after the latest last event of the parts before it (that
latest event and this first one are neighbours in time: any event between them would belong to an earlier
part). Durations, page views and engagement are sums or extremes over parts. A session's first set value of a
breakdown column is the part value whose event comes first in (timestamp, uuid) order: each part stores the
value and, when it was not set on the part's first event, that event's position as fixed-width text.

Parts are cut at UTC hours, so they answer ranges whose bounds are whole UTC hours (every site whose zone has a
whole-hour offset); hours not yet covered are cut into parts from raw events by the same statement.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from analytics.engine.base import PERSON_JOINS, TIMESTAMP, UUID, condition, field_number, field_text, person_key, source
from analytics.engine.breakdown import NONE
from analytics.engine.context import EngineSettings, RunContext
from analytics.engine.sql import Sql, alias, all_of, join, param, params, q
from analytics.queries.parts import Breakdown, CohortFilter, FieldRef, Filter
from analytics.queries.time_buckets import Window

PARTS_KEY = "sessions"
# Breakdown columns a part keeps the first value of: what the console's overview lists.
PART_COLUMNS = ("referrer", "browser", "os", "device_type")
FIELDS = (
    "site_id",
    "hour",
    "user_id",
    "anonymous_id",
    "device_id",
    "uuid",
    "first_at",
    "last_at",
    "pos",
    "page_views",
    "engagement_ms",
    *[name for column in PART_COLUMNS for name in (column, column + "_pos")],
)
# A refresh of many hours goes in slices, so no statement sorts more than a week of events.
SLICE = timedelta(days=7)
_IDENTITY = Sql("ku, ka, kd, kx, hr")
_WINDOW = Sql("PARTITION BY ku, ka, kd, kx, hr ORDER BY ts, uuid")
_COLUMNS = Sql(", ".join(FIELDS))
_STORED = Sql(", ".join("s." + f for f in FIELDS))


def recipe(settings: EngineSettings) -> dict[str, Any]:
    """What parts depend on besides the events; parts cut by another recipe are rebuilt, not read."""
    return {
        "timeout_seconds": settings.session_timeout_seconds,
        "pageview_events": list(settings.pageview_events),
        "engagement_properties": list(settings.engagement_properties),
    }


def page_view(ctx: RunContext) -> Sql:
    return q('CASE WHEN e."name" IN ({p}) THEN 1 ELSE 0 END', p=params(ctx.settings.pageview_events))


def engagement(ctx: RunContext) -> Sql:
    keys = [field_number(ctx, FieldRef("props", (key,))) for key in ctx.settings.engagement_properties]
    return q("COALESCE({k}, 0)", k=join(", ", keys)) if keys else Sql("0")


def parts_select(ctx: RunContext, start: datetime, end: datetime, timeout: int) -> Sql:
    """The parts of this site's non-bot events in [start, end), as rows in FIELDS order."""
    dialect, width = ctx.dialect, ctx.dialect.position_width
    rows = source(
        ctx,
        start=start,
        end=end,
        columns=[
            ("ku", Sql("e.user_id")),
            ("ka", Sql("CASE WHEN e.user_id = '' THEN e.anonymous_id ELSE '' END")),
            ("kd", Sql("CASE WHEN e.user_id = '' THEN e.device_id ELSE '' END")),
            ("kx", Sql("CASE WHEN e.user_id = '' AND e.anonymous_id = '' AND e.device_id = '' THEN e.uuid END")),
            ("hr", dialect.trunc("hour", TIMESTAMP, "UTC")),
            ("ets", TIMESTAMP),
            ("ts", dialect.epoch(TIMESTAMP)),
            ("uuid", UUID),
            ("p", dialect.position(TIMESTAMP, UUID)),
            ("pv", page_view(ctx)),
            ("eng", engagement(ctx)),
            *[(alias("v", i).text, field_text(ctx, FieldRef("column", (c,)))) for i, c in enumerate(PART_COLUMNS)],
        ],
    )
    firsts, values = [], []
    for i, column in enumerate(PART_COLUMNS):
        v, m = alias("v", i), alias("m", i)
        firsts.append(
            q(", MIN({x}) AS {m}", x=dialect.binary(q("CASE WHEN {v} IS NOT NULL THEN p || {v2} END", v=v, v2=v)), m=m)
        )
        values.append(
            q(
                ", COALESCE(SUBSTR({m}, {after}), '') AS {c}, "
                "CASE WHEN SUBSTR({m2}, 1, {w}) = pos THEN NULL ELSE SUBSTR({m3}, 1, {w2}) END AS {c}_pos",
                m=m,
                after=Sql(str(width + 1)),
                c=Sql(column),
                m2=m,
                w=Sql(str(width)),
                m3=m,
                w2=Sql(str(width)),
            )
        )
    return q(
        "SELECT {site} AS site_id, hr AS hour, ku AS user_id, ka AS anonymous_id, kd AS device_id, kx AS uuid, "
        "first_at, last_at, pos, pv AS page_views, eng AS engagement_ms{values} FROM ("
        "SELECT {i1}, MIN(ets) AS first_at, MAX(ets) AS last_at, MIN({p}) AS pos, SUM(pv) AS pv, "
        "SUM(eng) AS eng{firsts} FROM ("
        "SELECT g.*, SUM(gap) OVER ({w1} ROWS UNBOUNDED PRECEDING) AS sno FROM ("
        "SELECT s.*, CASE WHEN ts - LAG(ts) OVER ({w2}) <= {t} THEN 0 ELSE 1 END AS gap FROM ({rows}) s"
        ") g) n GROUP BY {i2}, sno) m",
        site=param(ctx.site_id),
        values=join("", values),
        i1=_IDENTITY,
        p=dialect.binary(Sql("p")),
        firsts=join("", firsts),
        w1=_WINDOW,
        w2=_WINDOW,
        t=param(timeout),
        rows=rows,
        i2=_IDENTITY,
    )


def delete(cursor: Any, ctx: RunContext, start: datetime | None, end: datetime | None) -> None:
    """Deletes this site's parts of the hours in [start, end) (None: unbounded)."""
    conditions = [q("site_id = {s}", s=param(ctx.site_id))]
    if start is not None:
        conditions.append(q("hour >= {a}", a=param(ctx.dialect.time(start))))
    if end is not None:
        conditions.append(q("hour < {b}", b=param(ctx.dialect.time(end))))
    statement = q("DELETE FROM analytics_sessionpart WHERE {c}", c=all_of(conditions))
    cursor.execute(statement.text, statement.params)


def recompute(cursor: Any, ctx: RunContext, start: datetime, end: datetime) -> None:
    """Replaces this site's parts of the hours [start, end) (whole UTC hours) with parts cut from raw events."""
    at = start
    while at < end:
        upto = min(at + SLICE, end)
        delete(cursor, ctx, at, upto)
        insert = q(
            "INSERT INTO analytics_sessionpart ({c}) {s}",
            c=_COLUMNS,
            s=parts_select(ctx, at, upto, ctx.settings.session_timeout_seconds),
        )
        cursor.execute(insert.text, insert.params)
        at = upto


# --- Reading -------------------------------------------------------------------------------------------------


def whole_hours(*instants: datetime) -> bool:
    return all(i.minute == 0 and i.second == 0 and i.microsecond == 0 for i in instants)


def _filters_answered(filters: tuple[Filter, ...], include_bots: bool) -> bool:
    # A cohort holds or not for a whole part (one identity, so one person); property filters cut parts apart.
    return not include_bots and all(isinstance(f, CohortFilter) for f in filters)


def answers_sessions(
    ctx: RunContext,
    span: Window,
    timeout: int,
    breakdowns: tuple[Breakdown, ...],
    filters: tuple[Filter, ...],
    *,
    include_bots: bool,
    counts: bool,
) -> bool:
    """Whether parts can cut this sessioning: see the module's docstring for each condition."""
    cover = ctx.session_parts
    return (
        cover is not None
        and span.start < cover.until
        and timeout >= cover.timeout_seconds
        and not counts
        and _filters_answered(filters, include_bots)
        and whole_hours(span.start, span.end)
        and all(b.field.source == "column" and b.field.column in PART_COLUMNS for b in breakdowns)
    )


def _parts(ctx: RunContext, span: Window, timeout: int) -> Sql:
    """The parts of the range: stored ones for the covered hours, cut from raw events for the rest."""
    assert ctx.session_parts is not None
    until = min(ctx.session_parts.until, span.end)
    stored = q(
        "SELECT {f} FROM analytics_sessionpart s WHERE s.site_id = {s} AND s.hour >= {a} AND s.hour < {b}",
        f=_STORED,
        s=param(ctx.site_id),
        a=param(ctx.dialect.time(span.start)),
        b=param(ctx.dialect.time(until)),
    )
    if until >= span.end:
        return stored
    return q("{a} UNION ALL {b}", a=stored, b=parts_select(ctx, until, span.end, timeout))


def sessions(
    ctx: RunContext, span: Window, timeout: int, breakdowns: tuple[Breakdown, ...], filters: tuple[Filter, ...]
) -> Sql:
    """CTEs ending in ``sess`` (person, sno, b_0…, span, pv, eng), as sessions.py cuts them from events."""
    width = ctx.dialect.position_width
    carried, firsts = [], []
    for i, breakdown in enumerate(breakdowns):
        b, column = alias("b", i), breakdown.field.column
        # Values and their positions ride through the sort as they are stored (mostly NULL positions); the
        # positioned text is only made in the grouping.
        carried.append(q(", e.{c} AS {b}, e.{c}_pos AS {b}_pos", c=Sql(column), b=b))
        positioned = q("CASE WHEN {b} <> '' THEN COALESCE({b2}_pos, pos) || {b3} END", b=b, b2=b, b3=b)
        firsts.append(
            q(
                ", COALESCE(SUBSTR(MIN({x}), {after}), {none}) AS {b}",
                x=ctx.dialect.binary(positioned),
                after=Sql(str(width + 1)),
                none=param(NONE),
                b=b,
            )
        )
    # (first event, position) is a total order, so both window passes see the parts in the same order.
    order = q("ORDER BY fs, {p}", p=ctx.dialect.binary(Sql("pos")))
    return q(
        "p AS (SELECT {person} AS person, {fs} AS fs, {ls} AS ls, e.pos AS pos, e.page_views AS pv, "
        "e.engagement_ms AS eng{carried} FROM ({parts}) e{joins} WHERE {cond}), "
        "g AS (SELECT p.*, CASE WHEN fs - MAX(ls) OVER (PARTITION BY person {o1} ROWS BETWEEN UNBOUNDED PRECEDING "
        "AND 1 PRECEDING) <= {t} THEN 0 ELSE 1 END AS gap FROM p), "
        "n AS (SELECT g.*, SUM(gap) OVER (PARTITION BY person {o2} ROWS UNBOUNDED PRECEDING) AS sno FROM g), "
        "sess AS (SELECT person, sno{firsts}, MAX(ls) - MIN(fs) AS span, SUM(pv) AS pv, SUM(eng) / 1000.0 AS eng "
        "FROM n GROUP BY person, sno)",
        person=person_key(ctx),
        fs=ctx.dialect.epoch(Sql("e.first_at")),
        ls=ctx.dialect.epoch(Sql("e.last_at")),
        carried=join("", carried),
        parts=_parts(ctx, span, timeout),
        joins=PERSON_JOINS,
        cond=all_of([condition(ctx, f) for f in filters]),
        o1=order,
        t=param(timeout),
        o2=order,
        firsts=join("", firsts),
    )


def answers_persons(
    ctx: RunContext, span: Window, starts: list[datetime], filters: tuple[Filter, ...], *, include_bots: bool
) -> bool:
    """Whether parts can count the persons with any event per bucket: every bucket starts on a UTC hour."""
    cover = ctx.session_parts
    return (
        cover is not None
        and span.start < cover.until
        and _filters_answered(filters, include_bots)
        and whole_hours(span.start, span.end, *starts)
    )


def persons(ctx: RunContext, span: Window, interval: str, filters: tuple[Filter, ...]) -> Sql:
    """``SELECT bucket, bd, person`` of every event's person in the range, one row per part where parts cover."""
    assert ctx.session_parts is not None
    until = min(ctx.session_parts.until, span.end)
    stored = q(
        "SELECT {bucket} AS bucket, {bd} AS bd, {person} AS person FROM analytics_sessionpart e{joins} "
        "WHERE e.site_id = {s} AND e.hour >= {a} AND e.hour < {b} AND {cond}",
        bucket=ctx.dialect.trunc(interval, Sql("e.hour"), ctx.zone),
        bd=param(NONE),
        person=person_key(ctx),
        joins=PERSON_JOINS,
        s=param(ctx.site_id),
        a=param(ctx.dialect.time(span.start)),
        b=param(ctx.dialect.time(until)),
        cond=all_of([condition(ctx, f) for f in filters]),
    )
    if until >= span.end:
        return stored
    rest = source(
        ctx,
        start=until,
        end=span.end,
        columns=[
            ("bucket", ctx.dialect.trunc(interval, TIMESTAMP, ctx.zone)),
            ("bd", param(NONE)),
            ("person", person_key(ctx)),
        ],
        filters=filters,
    )
    return q("{a} UNION ALL {b}", a=stored, b=rest)
