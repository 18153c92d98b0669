"""Sessionings and visitor counts read from the session parts (session_parts.py) instead of raw events.

Why sessions rebuilt from parts are exactly the sessions of the events. Each part's events are connected (no
gap over the timeout T), and a query's timeout T' >= T keeps them connected. A person's sessions are the runs
of their events with gaps <= T'; so, with the person's parts ordered by first event, a part starts a new
session exactly when its first event is more than T' after the latest last event of the parts before it (that
latest event and this first one are neighbours in time: any event between them would belong to an earlier
part). Durations, page views and engagement are sums or extremes over parts. A session's first set value of a
breakdown column is the part value whose event comes first in (timestamp, uuid) order: each part stores the
value and, when it was not set on the part's first event, that event's position as fixed-width text.

With T' = T the parts already say which session they belong to (`session_start`, `alone`), so most are read
without that ordering: a range's events of one session are the range's parts with its `session_start` (the
session's events in the range are a contiguous run of the person's events), and an `alone` part is a session
by itself. The persons whose parts' sessions are not known yet (moved by a link since the last refresh), and
those with events after the stored hours, are ordered as above.

Parts are cut at UTC hours, so they answer ranges whose bounds are whole UTC hours (every site whose zone has a
whole-hour offset); hours not yet covered are cut into parts from raw events by the same statement that fills
the table. Both take their persons from analytics_personevent, so a query first brings that up to date
(``ctx.person_events``) and reads raw events if it cannot.
"""

from __future__ import annotations

from datetime import datetime

from analytics.engine.base import PERSON, TIMESTAMP, person_id_condition, source
from analytics.engine.breakdown import NONE
from analytics.engine.context import RunContext
from analytics.engine.session_parts import FIELDS, PART_COLUMNS, parts_select
from analytics.engine.sql import Sql, alias, all_of, join, param, q
from analytics.queries.parts import Breakdown, CohortFilter, Filter
from analytics.queries.time_buckets import Window

_STORED = Sql(", ".join("e." + f for f in FIELDS))


def whole_hours(*instants: datetime) -> bool:
    return all(i.minute == 0 and i.second == 0 and i.microsecond == 0 for i in instants)


def _filters_answered(filters: tuple[Filter, ...], include_bots: bool) -> bool:
    # A cohort holds or not for a whole part (one person); property filters cut parts apart.
    return not include_bots and all(isinstance(f, CohortFilter) for f in filters)


def _persons_current(ctx: RunContext) -> bool:
    # Last, as it may write: person events caught up, so the raw tail has persons and links are applied.
    return ctx.person_events is not None and ctx.person_events()


def _cohorts(ctx: RunContext, filters: tuple[Filter, ...]) -> Sql:
    return all_of([person_id_condition(ctx, f) for f in filters if isinstance(f, CohortFilter)])


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
        and _persons_current(ctx)
    )


_ANY = Sql("TRUE")


def _stored(ctx: RunContext, span: Window, until: datetime, *, where: Sql = _ANY) -> Sql:
    """The stored parts of the range's covered hours (alias ``e``), every column."""
    return q(
        "SELECT {f}, e.session_start, e.alone FROM analytics_sessionpart e "
        "WHERE e.site_id = {s} AND e.hour >= {a} AND e.hour < {b} AND {w}",
        f=_STORED,
        s=param(ctx.site_id),
        a=param(ctx.dialect.time(span.start)),
        b=param(ctx.dialect.time(until)),
        w=where,
    )


def _positioned(ctx: RunContext, column: str, position: Sql) -> Sql:
    """A part's value of `column` prefixed with where it was set, NULL if unset: the smallest is a session's first."""
    c = Sql(column)
    return ctx.dialect.binary(
        q("CASE WHEN {c} <> '' THEN COALESCE({c2}_pos, {p}) || {c3} END", c=c, c2=c, p=position, c3=c)
    )


def _first_value(ctx: RunContext, column: str, position: Sql) -> Sql:
    return q(
        "COALESCE(SUBSTR(MIN({x}), {after}), {none})",
        x=_positioned(ctx, column, position),
        after=Sql(str(ctx.dialect.position_width + 1)),
        none=param(NONE),
    )


def _ordered(
    ctx: RunContext, parts: Sql, timeout: int, breakdowns: tuple[Breakdown, ...], filters: tuple[Filter, ...]
) -> Sql:
    """``SELECT person, b_0…, span, pv, eng`` per session of the given parts (FIELDS), cut by ordering each
    person's parts: for any timeout at least the parts'."""
    carried, firsts = [], []
    for i, breakdown in enumerate(breakdowns):
        b, column = alias("b", i), breakdown.field.column
        # Values and their positions ride through the sort as they are stored (mostly NULL positions); the
        # positioned text is only made in the grouping.
        carried.append(q(", e.{c} AS {b}, e.{c}_pos AS {b}_pos", c=Sql(column), b=b))
        firsts.append(q(", {x} AS {b}", x=_first_value(ctx, b.text, Sql("pos")), b=b))
    # (first event, position) is a total order, so both window passes see the parts in the same order.
    order = q("ORDER BY fs, {p}", p=ctx.dialect.binary(Sql("pos")))
    return q(
        "SELECT person{firsts}, MAX(ls) - MIN(fs) AS span, SUM(pv) AS pv, SUM(eng) / 1000.0 AS eng FROM ("
        "SELECT g.*, SUM(gap) OVER (PARTITION BY person {o2} ROWS UNBOUNDED PRECEDING) AS sno FROM ("
        "SELECT p.*, CASE WHEN fs - MAX(ls) OVER (PARTITION BY person {o1} ROWS BETWEEN UNBOUNDED PRECEDING "
        "AND 1 PRECEDING) <= {t} THEN 0 ELSE 1 END AS gap FROM ("
        "SELECT e.person, {fs} AS fs, {ls} AS ls, e.pos AS pos, e.page_views AS pv, e.engagement_ms AS eng{carried} "
        "FROM ({parts}) e WHERE {cond}) p) g) n GROUP BY person, sno",
        firsts=join("", firsts),
        o2=order,
        o1=order,
        t=param(timeout),
        fs=ctx.dialect.epoch(Sql("e.first_at")),
        ls=ctx.dialect.epoch(Sql("e.last_at")),
        carried=join("", carried),
        parts=parts,
        cond=_cohorts(ctx, filters),
    )


def _keyed(ctx: RunContext, parts: Sql, breakdowns: tuple[Breakdown, ...], filters: tuple[Filter, ...]) -> Sql:
    """The same sessions from the parts' own sessions: an alone part is one, the others group by session."""
    alone, grouped = [], []
    for i, breakdown in enumerate(breakdowns):
        b, column = alias("b", i), Sql("e." + breakdown.field.column)
        value = q("CASE WHEN {c} <> '' THEN {c2} ELSE {none} END", c=column, c2=column, none=param(NONE))
        alone.append(q(", {v} AS {b}", v=ctx.dialect.binary(value), b=b))
        grouped.append(q(", {x}", x=_first_value(ctx, column.text, Sql("e.pos"))))
    fs, ls = ctx.dialect.epoch(Sql("e.first_at")), ctx.dialect.epoch(Sql("e.last_at"))
    cond = _cohorts(ctx, filters)
    return q(
        "SELECT e.person{alone}, {ls} - {fs} AS span, e.page_views AS pv, e.engagement_ms / 1000.0 AS eng "
        "FROM ({p1}) e WHERE e.alone AND {c1} UNION ALL "
        "SELECT e.person{grouped}, MAX({ls2}) - MIN({fs2}), SUM(e.page_views), SUM(e.engagement_ms) / 1000.0 "
        "FROM ({p2}) e WHERE NOT e.alone AND {c2} GROUP BY e.person, e.session_start",
        alone=join("", alone),
        ls=ls,
        fs=fs,
        p1=parts,
        c1=cond,
        grouped=join("", grouped),
        ls2=ls,
        fs2=fs,
        p2=parts,
        c2=cond,
    )


def sessions(
    ctx: RunContext, span: Window, timeout: int, breakdowns: tuple[Breakdown, ...], filters: tuple[Filter, ...]
) -> Sql:
    """CTEs ending in ``sess`` (person, b_0…, span, pv, eng), the sessions sessions.py cuts from events, and
    ``sp`` (person), one row per part: their persons, read without cutting sessions."""
    cover = ctx.session_parts
    assert cover is not None
    until = min(cover.until, span.end)
    tail = parts_select(ctx, until, span.end, timeout) if until < span.end else None
    if timeout != cover.timeout_seconds:
        # A longer timeout than the parts' own sessions: every person's parts in order.
        everything = _stored(ctx, span, until)
        if tail is not None:
            everything = q("SELECT {f} FROM ({s}) e UNION ALL SELECT * FROM tail", f=_STORED, s=everything)
        return q(
            "{tail}sess AS ({s}), sp AS ({p})",
            tail=q("tail AS ({t}), ", t=tail) if tail is not None else Sql(""),
            s=_ordered(ctx, everything, timeout, breakdowns, filters),
            p=_persons_of_parts(ctx, span, until, filters, tail=tail is not None),
        )
    # Persons read in order: those with parts whose session is not known, and those with parts in the tail.
    unknown = q(
        "SELECT e.person FROM analytics_sessionpart e WHERE e.site_id = {s} AND e.hour >= {a} AND e.hour < {b} "
        "AND e.session_start IS NULL",
        s=param(ctx.site_id),
        a=param(ctx.dialect.time(span.start)),
        b=param(ctx.dialect.time(until)),
    )
    if tail is not None:
        unknown = q("{u} UNION SELECT person FROM tail", u=unknown)
    ordered_parts = _stored(ctx, span, until, where=Sql("e.person IN (SELECT person FROM w)"))
    ordered_parts = q("SELECT {f} FROM ({s}) e", f=_STORED, s=ordered_parts)
    if tail is not None:
        ordered_parts = q("{o} UNION ALL SELECT * FROM tail", o=ordered_parts)
    # An anti-join, which the planner counts as keeping nearly every row (a NOT IN it would guess keeps half, and
    # then sort rather than hash the breakdowns' groupings).
    keyed_parts = _stored(ctx, span, until, where=Sql("NOT EXISTS (SELECT 1 FROM w WHERE w.person = e.person)"))
    return q(
        "{tail}w AS ({u}), sess AS ({k} UNION ALL {o}), sp AS ({p})",
        tail=q("tail AS ({t}), ", t=tail) if tail is not None else Sql(""),
        u=unknown,
        k=_keyed(ctx, keyed_parts, breakdowns, filters),
        o=_ordered(ctx, ordered_parts, timeout, breakdowns, filters),
        p=_persons_of_parts(ctx, span, until, filters, tail=tail is not None),
    )


def _persons_of_parts(
    ctx: RunContext, span: Window, until: datetime, filters: tuple[Filter, ...], *, tail: bool
) -> Sql:
    """``SELECT person`` of every part of the range, stored or in the tail (one row per part): every part belongs to
    one of the range's sessions and each session has parts in it, so these are the persons of ``sess``."""
    stored = q(
        "SELECT e.person FROM analytics_sessionpart e WHERE e.site_id = {s} AND e.hour >= {a} AND e.hour < {b} AND {c}",
        s=param(ctx.site_id),
        a=param(ctx.dialect.time(span.start)),
        b=param(ctx.dialect.time(until)),
        c=_cohorts(ctx, filters),
    )
    if not tail:
        return stored
    return q("{s} UNION ALL SELECT e.person FROM tail e WHERE {c}", s=stored, c=_cohorts(ctx, filters))


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
        and _persons_current(ctx)
    )


def persons(ctx: RunContext, span: Window, interval: str, filters: tuple[Filter, ...]) -> Sql:
    """``SELECT bucket, bd, person`` of every event's person in the range, one row per part where parts cover and
    one per person event after them."""
    assert ctx.session_parts is not None
    until = min(ctx.session_parts.until, span.end)
    stored = q(
        "SELECT {bucket} AS bucket, {bd} AS bd, e.person FROM analytics_sessionpart e "
        "WHERE e.site_id = {s} AND e.hour >= {a} AND e.hour < {b} AND {cond}",
        bucket=ctx.dialect.trunc(interval, Sql("e.hour"), ctx.zone),
        bd=param(NONE),
        s=param(ctx.site_id),
        a=param(ctx.dialect.time(span.start)),
        b=param(ctx.dialect.time(until)),
        cond=_cohorts(ctx, filters),
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
            ("person", PERSON),
        ],
        person_events=True,
    )
    return q(
        "{a} UNION ALL SELECT e.bucket, e.bd, e.person FROM ({b}) e WHERE {cond}",
        a=stored,
        b=rest,
        cond=_cohorts(ctx, filters),
    )
