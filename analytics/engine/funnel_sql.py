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
from analytics.engine.sql import Sql, alias, join, param, params, q
from analytics.queries.funnels import FunnelQuery

# "Every later row" written as "every earlier row in reverse order": a frame that starts at UNBOUNDED
# PRECEDING is a running aggregate, computed incrementally; one that ends at UNBOUNDED FOLLOWING is
# recomputed for every row, which made funnels quadratic in a heavy user's events (2-3x slower on the
# benchmark datasets). Every window runs in this one order (strict funnels too, looking back instead of
# ahead), by the stored timestamp (`tsr`, ordered as its epoch `ts`): person events come out of the index
# personevent_half in (person, time descending) order, so only equal instants are sorted.
_REVERSED = "PARTITION BY person ORDER BY tsr DESC, ord DESC, uuid DESC"
_AFTER = Sql("WINDOW w AS (" + _REVERSED + " ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)")
_EVERY_ROW = Sql("TRUE")
_FROM_HERE_ON = Sql("WINDOW w AS (" + _REVERSED + " ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)")
_BACKWARDS = Sql("WINDOW w AS (" + _REVERSED + ")")


def _flag(ctx: RunContext, condition: Sql, name: Sql) -> tuple[str, Sql]:
    return name.text, q("CASE WHEN {c} THEN 1 ELSE 0 END", c=condition)


def _rows(ctx: RunContext, query: FunnelQuery, person_events: bool, half: int | None = None) -> Sql:
    span = ctx.window(query.scope.date_range)
    steps = [selector_condition(ctx, s) for s in query.steps]
    exclusions = [selector_condition(ctx, x.selector) for x in query.exclusions]
    # At equal timestamps, events sort in funnel order, so simultaneous steps still convert.
    order = join(" ", [q("WHEN {c} THEN " + str(i), c=c) for i, c in enumerate(steps)])
    columns: list[tuple[str, Sql]] = [
        ("person", PERSON),
        ("ts", ctx.dialect.epoch(TIMESTAMP)),
        ("tsr", TIMESTAMP),
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
        person_events=person_events,
        half=half,
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
        if level == n - 1:
            # Rows in reverse order: the larger the number, the earlier the entry.
            columns.append(Sql("-ROW_NUMBER() OVER w AS pos"))
        # Exclusion rows are read at other levels; with exclusions every row stays.
        needed = _needed(n, level) if level > 1 and not query.exclusions else _EVERY_ROW
        current = _level(current, columns, _AFTER, needed)
    times = [Sql("ts")] + [alias("a", 0, j) for j in range(1, n)]
    return _entries(ctx, query, current, times, Sql("s_0 = 1"))


def _strict(ctx: RunContext, query: FunnelQuery, rows: Sql) -> Sql:
    n = len(query.steps)
    # In reverse order the rows after an entry are the ones before it: LAG instead of LEAD.
    columns = [Sql("-ROW_NUMBER() OVER w AS pos")]
    for j in range(1, n):
        offset = Sql(str(j))
        columns.append(q("LAG({s}, {o}) OVER w AS {a}", s=alias("s", j), o=offset, a=alias("ls", j)))
        columns.append(q("LAG(ts, {o}) OVER w AS {a}", o=offset, a=alias("a", 0, j)))
    current = _level(rows, columns, _BACKWARDS)
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
    return _valid_attempts(ctx, query, current, times, reached, entry, [], [])


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
    return _valid_attempts(ctx, query, current, times, reached, entry, carry, invalid)


def _valid_attempts(
    ctx: RunContext,
    query: FunnelQuery,
    current: Sql,
    times: list[Sql],
    reached: Sql,
    entry: Sql,
    carry: list[Sql],
    invalid: list[Sql],
) -> Sql:
    """Every valid attempt (entries inside the date range only): person, bd, ts, uuid, reached, t_0 …, and
    for ordered and strict funnels ``pos``, the entry's place in the person's (ts, step, uuid) order (smaller
    is earlier; at one instant entries are all step-0 rows, so this is the uuid order)."""
    span = ctx.window(query.scope.date_range)
    end = param(span.end.timestamp())
    selected = join(", ", [q("{t} AS {a}", t=t, a=alias("t", j)) for j, t in enumerate(times)] + carry)
    attempts = q(
        "SELECT person, bd, ts, uuid, {pos} AS pos, {reached} AS reached, {times} FROM ({current}) c "
        "WHERE ({entry}) AND ts < {end}",
        pos=Sql("NULL") if query.order == "any" else Sql("pos"),
        reached=reached,
        times=selected,
        current=current,
        entry=entry,
        end=end,
    )
    if not invalid:
        return attempts
    return q("SELECT * FROM ({a}) v WHERE NOT ({i})", a=attempts, i=join(" OR ", invalid))


def needs_matching(query: FunnelQuery) -> bool:
    """Any-order steps that one event could match twice (a shared name, or "any event"): funnel_matching."""
    names = [step.event for step in query.steps]
    return query.order == "any" and (None in names or len(set(names)) < len(names))


def step_rows(ctx: RunContext, query: FunnelQuery, *, person_events: bool = False) -> Sql:
    """The step events of the funnel's scan in each person's order: person, ts, uuid, bd, s_0 … s_{n-1}."""
    flags = [alias("s", j) for j in range(len(query.steps))]
    return q(
        "SELECT person, ts, uuid, bd, {f} FROM ({r}) r WHERE {any} ORDER BY person, ts, ord, uuid",
        f=join(", ", flags),
        r=_rows(ctx, query, person_events),
        any=join(" OR ", [q("{s} = 1", s=s) for s in flags]),
    )


def funnel_people(ctx: RunContext, query: FunnelQuery, *, person_events: bool = False) -> Sql:
    """One row per person who entered: person, bd, ts, uuid, reached (1..n), t_0..t_{n-1} (epoch seconds).
    With ``person_events`` (person_events.answers holds) read from analytics_personevent, person an integer."""
    return q(
        "SELECT person, bd, ts, uuid, reached, {t} FROM (SELECT v.*, ROW_NUMBER() OVER (PARTITION BY person "
        "ORDER BY reached DESC, ts, uuid) AS rn FROM ({v}) v) best WHERE rn = 1",
        t=join(", ", [alias("t", j) for j in range(len(query.steps))]),
        v=_attempts(ctx, query, person_events),
    )


def _attempts(ctx: RunContext, query: FunnelQuery, person_events: bool, half: int | None = None) -> Sql:
    rows = _rows(ctx, query, person_events, half)
    build = {"ordered": _ordered, "strict": _strict, "any": _any}[query.order]
    return build(ctx, query, rows)


def totals_in_sql(ctx: RunContext, query: FunnelQuery) -> bool:
    """Whether funnel_totals answers the funnel: PostgreSQL (arrays, FILTER), ordered or strict, no breakdown."""
    return ctx.dialect.vendor == "postgresql" and query.order != "any" and query.breakdown is None


def funnel_totals(ctx: RunContext, query: FunnelQuery, *, person_events: bool = False, half: int | None = None) -> Sql:
    """The funnel's numbers in one row, from each person's best attempt (the one funnel_people returns): the
    persons who reached each step (c_0 … c_{n-1}); for each step k ≥ 1 the gaps t_k − t_{k−1} of those who
    reached it, ascending (an array); the totals t_{n−1} − t_0 of those who converted, ascending. Counts add
    and sorted arrays merge, so the rows of the two person halves (``half``) give the whole funnel:
    funnel_math.totals_result reads them (totals_in_sql says when this applies)."""
    n = len(query.steps)
    # The best attempt by one grouping over rows already in person order, instead of a re-sort and a ranking:
    # the smallest (−reached, entry time, entry position) — unique per person — carries its step times along.
    key = join(", ", [Sql("-reached"), Sql("ts"), Sql("pos")] + [alias("t", j) for j in range(1, n)])
    best = q(
        "SELECT MIN(ARRAY[{k}]::float8[]) AS b FROM ({v}) v GROUP BY person",
        k=key,
        v=_attempts(ctx, query, person_events, half),
    )
    times = [Sql("b[2] AS t_0")] + [q("b[" + str(j + 3) + "] AS {t}", t=alias("t", j)) for j in range(1, n)]
    people = q("SELECT -b[1] AS reached, {t} FROM ({b}) g", t=join(", ", times), b=best)
    columns = [q("COUNT(*) FILTER (WHERE reached > " + str(k) + ")") for k in range(n)]
    for k in range(1, n):
        gap = q("({t} - {p})", t=alias("t", k), p=alias("t", k - 1))
        columns.append(q("ARRAY_AGG({g} ORDER BY {g2}) FILTER (WHERE reached > " + str(k) + ")", g=gap, g2=gap))
    total = q("({t} - t_0)", t=alias("t", n - 1))
    columns.append(q("ARRAY_AGG({d} ORDER BY {d2}) FILTER (WHERE reached = " + str(n) + ")", d=total, d2=total))
    return q("SELECT {c} FROM ({p}) p", c=join(", ", columns), p=people)


def packs(query: FunnelQuery) -> bool:
    """Whether packed_rows can carry the funnel: every step names its event (so a row's steps follow from its
    name) and no exclusions (funnel_arrays does not follow them)."""
    return not query.exclusions and all(step.event for step in query.steps)


def packed_names(query: FunnelQuery) -> list[str]:
    """The names packed_rows numbers 1, 2, … (0: an event of none of them, read by strict funnels)."""
    return sorted({step.event for step in query.steps if step.event})


_PACK = (
    "SELECT string_agg(int8send(k), ''::bytea), string_agg(timestamptz_send(tsr), ''::bytea) "
    "FROM (SELECT k, tsr FROM ({r}) r ORDER BY person, tsr DESC) o"
)


def packed_rows(ctx: RunContext, query: FunnelQuery, half: int) -> Sql:
    """One person half's funnel events as rows of two byte strings: int8 keys, person × 256 + the name's number
    in packed_names, and times (timestamptz_send: int8 microseconds from 2000), each row's events in (person,
    time descending) order, as an index hands them out, so nothing is sorted here. Ordered funnels: one row per
    step name (index personevent_name_half: no other name is read); strict ones: one row of every event (index
    personevent_half; 0 for names of no step). funnel_arrays merges the rows and checks every order it
    relies on (the aggregate takes its rows in the sorted subquery's order)."""
    assert packs(query)
    span = ctx.window(query.scope.date_range)
    names = packed_names(query)
    assert len(names) < 256  # a name's number shares the key with the person

    def rows(number: Sql, where: list[Sql]) -> Sql:
        return source(
            ctx,
            start=span.start,
            end=span.end + timedelta(seconds=query.window_seconds),
            columns=[("k", q("e.person::int8 * 256 + {n}", n=number)), ("tsr", TIMESTAMP), ("person", PERSON)],
            where=where,
            include_bots=query.scope.include_bots,
            person_events=True,
            half=half,
        )

    if query.order == "strict":
        number = q('COALESCE(array_position(ARRAY[{n}]::text[], e."name"::text), 0)', n=params(names))
        return q(_PACK, r=rows(number, []))
    named = join(", ", [q("({i}, {n})", i=Sql(str(i)), n=param(name)) for i, name in enumerate(names, 1)])
    per_name = rows(Sql("w.number"), [Sql('e."name" = w.name')])
    return q(
        "SELECT p.* FROM (VALUES {v}) w (number, name) CROSS JOIN LATERAL ({p}) p", v=named, p=q(_PACK, r=per_name)
    )
