"""The funnel statement: one scan of the step events, one sort by person and time, window passes over it.

For ``ordered`` funnels every step-0 event is a possible entry. Taking, from an entry, the earliest event
of each next step strictly after the previous one gives the earliest possible time of every step, so the
furthest step reachable in the window. ``a_k_j`` is, at a row of step k, the time of step j in that chain;
it is the smallest ``a_{k+1}_j`` over later rows of step k+1 (the values only grow along a person's rows,
so the smallest is the one of the first such row). Each level of nesting is one more window pass over rows
already in order: no self-joins, no per-person loops, n·(n−1)/2 running minimums in all.
"""

from __future__ import annotations

from datetime import timedelta

from analytics.engine.base import PERSON, TIMESTAMP, UUID, selector_condition, source
from analytics.engine.breakdown import value_column
from analytics.engine.context import RunContext
from analytics.engine.sql import Sql, alias, join, param, q
from analytics.queries.funnels import FunnelQuery

_ORDER = "PARTITION BY person ORDER BY ts, ord, uuid"
# "Every later row" written as "every earlier row in reverse order": a frame that starts at UNBOUNDED
# PRECEDING is a running aggregate, computed incrementally; one that ends at UNBOUNDED FOLLOWING is
# recomputed for every row, which made funnels quadratic in a heavy user's events (2-3x slower on the
# benchmark datasets).
_REVERSED = "PARTITION BY person ORDER BY ts DESC, ord DESC, uuid DESC"
_AFTER = Sql("WINDOW w AS (" + _REVERSED + " ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)")
_EVERY_ROW = Sql("TRUE")
_FROM_HERE_ON = Sql("WINDOW w AS (" + _REVERSED + " ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)")


def _flag(ctx: RunContext, condition: Sql, name: Sql) -> tuple[str, Sql]:
    return name.text, q("CASE WHEN {c} THEN 1 ELSE 0 END", c=condition)


def _rows(ctx: RunContext, query: FunnelQuery) -> Sql:
    span = ctx.window(query.scope.date_range)
    steps = [selector_condition(ctx, s) for s in query.steps]
    exclusions = [selector_condition(ctx, x.selector) for x in query.exclusions]
    # At equal timestamps, events sort in funnel order, so simultaneous steps still convert.
    order = join(" ", [q("WHEN {c} THEN " + str(i), c=c) for i, c in enumerate(steps)])
    columns: list[tuple[str, Sql]] = [
        ("person", PERSON),
        ("ts", ctx.dialect.epoch(TIMESTAMP)),
        ("uuid", UUID),
        ("bd", value_column(ctx, query.breakdown)),
        ("ord", q("CASE {o} ELSE " + str(len(steps)) + " END", o=order)),
    ]
    columns += [_flag(ctx, c, alias("s", i)) for i, c in enumerate(steps)]
    columns += [_flag(ctx, c, alias("x", i)) for i, c in enumerate(exclusions)]
    names = [s.event for s in query.steps] + [x.selector.event for x in query.exclusions]
    return source(
        ctx,
        start=span.start,
        end=span.end + timedelta(seconds=query.window_seconds),
        columns=columns,
        names=None if query.order == "strict" or None in names else [n for n in names if n],
        filters=query.scope.filters,
        include_bots=query.scope.include_bots,
    )


def _level(inner: Sql, columns: list[Sql], window: Sql, where: Sql = _EVERY_ROW) -> Sql:
    return q(
        "SELECT l.*, {cols} FROM ({inner}) l WHERE {where} {w}",
        cols=join(", ", columns),
        inner=inner,
        where=where,
        w=window,
    )


def _needed(n: int, level: int) -> Sql:
    """Rows that pass ``level`` still reads: it takes minimums over rows of steps 1..n-level for rows of
    steps 0..n-1-level, so a row of none of steps 0..n-level (e.g. a last-step row, from the second pass
    on) would only add nulls to every minimum; dropping it first spares the later passes its weight."""
    return join(" OR ", [q("{s} = 1", s=alias("s", j)) for j in range(n - level + 1)])


def _ordered(ctx: RunContext, query: FunnelQuery, rows: Sql) -> Sql:
    n = len(query.steps)
    current = rows
    for level in range(1, n):
        columns = []
        for j in range(level, n):
            k = j - level
            value = Sql("ts") if level == 1 else alias("a", k + 1, j)
            columns.append(
                q("MIN(CASE WHEN {s} = 1 THEN {v} END) OVER w AS {a}", s=alias("s", k + 1), v=value, a=alias("a", k, j))
            )
        for e, exclusion in enumerate(query.exclusions):
            k = exclusion.from_step - level + 1
            if k == exclusion.from_step:
                columns.append(
                    q("MIN(CASE WHEN {x} = 1 THEN ts END) OVER w AS {a}", x=alias("x", e), a=alias("xa", e, k))
                )
            elif k >= 0:
                columns.append(
                    q(
                        "MIN(CASE WHEN {s} = 1 THEN {v} END) OVER w AS {a}",
                        s=alias("s", k + 1),
                        v=alias("xa", e, k + 1),
                        a=alias("xa", e, k),
                    )
                )
        # Exclusion rows are read at other levels; with exclusions every row stays.
        needed = _needed(n, level) if level > 1 and not query.exclusions else _EVERY_ROW
        current = _level(current, columns, _AFTER, needed)
    times = [Sql("ts")] + [alias("a", 0, j) for j in range(1, n)]
    return _entries(ctx, query, current, times, Sql("s_0 = 1"))


def _strict(ctx: RunContext, query: FunnelQuery, rows: Sql) -> Sql:
    n = len(query.steps)
    columns = []
    for j in range(1, n):
        offset = Sql(str(j))
        columns.append(q("LEAD({s}, {o}) OVER w AS {a}", s=alias("s", j), o=offset, a=alias("ls", j)))
        columns.append(q("LEAD(ts, {o}) OVER w AS {a}", o=offset, a=alias("a", 0, j)))
    current = _level(rows, columns, Sql("WINDOW w AS (" + _ORDER + ")"))
    # A later step only counts if every row between is the chain itself.
    times = [Sql("ts")] + [
        q("CASE WHEN {l} = 1 THEN {a} END", l=alias("ls", j), a=alias("a", 0, j)) for j in range(1, n)
    ]
    return _entries(ctx, query, current, times, Sql("s_0 = 1"))


def _any(ctx: RunContext, query: FunnelQuery, rows: Sql) -> Sql:
    n = len(query.steps)
    columns = [
        q("MIN(CASE WHEN {s} = 1 THEN ts END) OVER w AS {a}", s=alias("s", j), a=alias("a", 0, j)) for j in range(n)
    ]
    current = _level(rows, columns, _FROM_HERE_ON)
    limit = Sql("(ts + " + str(query.window_seconds) + ")")
    reached = join(
        " + ", [q("CASE WHEN {a} <= {lim} THEN 1 ELSE 0 END", a=alias("a", 0, j), lim=limit) for j in range(n)]
    )
    entry = join(" OR ", [q("{s} = 1", s=alias("s", j)) for j in range(n)])
    times = [alias("a", 0, j) for j in range(n)]
    return _best(ctx, query, current, times, reached, entry, [], [])


def _entries(ctx: RunContext, query: FunnelQuery, current: Sql, times: list[Sql], entry: Sql) -> Sql:
    n = len(query.steps)
    limit = Sql("(ts + " + str(query.window_seconds) + ")")
    cases = join(
        " ",
        [q("WHEN {t} IS NULL OR {t2} > {lim} THEN " + str(j), t=times[j], t2=times[j], lim=limit) for j in range(1, n)],
    )
    reached = q("CASE {c} ELSE " + str(n) + " END", c=cases)
    invalid = []
    carry = [alias("xa", e, 0) for e in range(len(query.exclusions))]
    for e, exclusion in enumerate(query.exclusions):
        # After step from_step and before step to_step (or before the window ends, if to_step was not reached).
        end = q(
            "CASE WHEN reached > {to} THEN {t} ELSE " + limit.text + " END",
            to=Sql(str(exclusion.to_step)),
            t=alias("t", exclusion.to_step),
        )
        invalid.append(
            q(
                "(reached > {f} AND {x} IS NOT NULL AND {x2} < {end})",
                f=Sql(str(exclusion.from_step)),
                x=carry[e],
                x2=carry[e],
                end=end,
            )
        )
    return _best(ctx, query, current, times, reached, entry, carry, invalid)


def _best(
    ctx: RunContext,
    query: FunnelQuery,
    current: Sql,
    times: list[Sql],
    reached: Sql,
    entry: Sql,
    carry: list[Sql],
    invalid: list[Sql],
) -> Sql:
    """Each person's best attempt: furthest step, then earliest entry; entries inside the date range only."""
    span = ctx.window(query.scope.date_range)
    end = param(span.end.timestamp())
    selected = join(", ", [q("{t} AS {a}", t=t, a=alias("t", j)) for j, t in enumerate(times)] + carry)
    attempts = q(
        "SELECT person, bd, ts, uuid, {reached} AS reached, {times} FROM ({current}) c WHERE ({entry}) AND ts < {end}",
        reached=reached,
        times=selected,
        current=current,
        entry=entry,
        end=end,
    )
    valid = q("SELECT * FROM ({a}) v", a=attempts)
    if invalid:
        valid = q("SELECT * FROM ({a}) v WHERE NOT ({i})", a=attempts, i=join(" OR ", invalid))
    return q(
        "SELECT * FROM (SELECT v.*, ROW_NUMBER() OVER (PARTITION BY person ORDER BY reached DESC, ts, uuid) AS rn "
        "FROM ({v}) v) best WHERE rn = 1",
        v=valid,
    )


def needs_matching(query: FunnelQuery) -> bool:
    """Any-order steps that one event could match twice (a shared name, or "any event"): funnel_matching."""
    names = [step.event for step in query.steps]
    return query.order == "any" and (None in names or len(set(names)) < len(names))


def step_rows(ctx: RunContext, query: FunnelQuery) -> Sql:
    """The step events of the funnel's scan in each person's order: person, ts, uuid, bd, s_0 … s_{n-1}."""
    flags = [alias("s", j) for j in range(len(query.steps))]
    return q(
        "SELECT person, ts, uuid, bd, {f} FROM ({r}) r WHERE {any} ORDER BY person, ts, ord, uuid",
        f=join(", ", flags),
        r=_rows(ctx, query),
        any=join(" OR ", [q("{s} = 1", s=s) for s in flags]),
    )


def funnel_people(ctx: RunContext, query: FunnelQuery) -> Sql:
    """One row per person who entered: person, bd, ts, uuid, reached (1..n), t_0..t_{n-1} (epoch seconds)."""
    rows = _rows(ctx, query)
    build = {"ordered": _ordered, "strict": _strict, "any": _any}[query.order]
    return build(ctx, query, rows)
