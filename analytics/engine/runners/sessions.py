"""Sessions: a person's events cut at gaps longer than the timeout; visits, duration, bounce, pages, counts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from analytics.engine import parts_reading
from analytics.engine.base import PERSON, TIMESTAMP, UUID, source
from analytics.engine.breakdown import NONE, kept, public, ranked, value_column
from analytics.engine.context import RunContext
from analytics.engine.execute import fetch_all
from analytics.engine.session_parts import engagement, page_view
from analytics.engine.sql import Sql, alias, join, param, q
from analytics.queries.parts import Breakdown
from analytics.queries.sessions import SessionsQuery
from analytics.queries.time_buckets import Window

TOTAL = -1
# A session's breakdown value is its first set value. Rather than a window pass (a sort) per breakdown, each
# event's value is prefixed with its fixed-width position in the person's (ts, uuid) order, and the session
# keeps the smallest such text: one aggregate, any number of breakdowns. 13 digits hold any row number < 9e12.
_POSITION_BASE = 1_000_000_000_000
_POSITION_WIDTH = 13


def _breakdowns(query: SessionsQuery) -> tuple[Breakdown, ...]:
    return query.breakdowns or ((query.breakdown,) if query.breakdown else ())


def _first_set(ctx: RunContext, column: str) -> Sql:
    positioned = q(
        "CASE WHEN {c} <> {none} THEN CAST({base} + rn AS TEXT) || {c2} END",
        c=Sql(column),
        none=param(NONE),
        base=Sql(str(_POSITION_BASE)),
        c2=Sql(column),
    )
    return q(
        "COALESCE(SUBSTR(MIN({p}), {start}), {none}) AS {c}",
        p=ctx.dialect.binary(positioned),
        start=Sql(str(_POSITION_WIDTH + 1)),
        none=param(NONE),
        c=Sql(column),
    )


def _measures(ctx: RunContext, index: int, key: Sql, count_names: list[str]) -> Sql:
    """One row group: sessions, visitors, duration, bounces, page views (and counts) per value of `key`.

    Visitors are counted from one row per (value, person) rather than with COUNT(DISTINCT), which would sort
    every session once per breakdown; both levels are plain groupings the database can hash.
    """
    counts = [Sql(", SUM(b." + name + ") AS " + name) for name in count_names]
    return q(
        "SELECT {i}, x.k, SUM(x.n), COUNT(*), SUM(x.dur), SUM(x.bounces), SUM(x.pv){sums} FROM ("
        "SELECT {k} AS k, b.person, COUNT(*) AS n, SUM(b.dur) AS dur, "
        "SUM(CASE WHEN b.pv = 1 AND b.dur < {bounce} THEN 1 ELSE 0 END) AS bounces, SUM(b.pv) AS pv{counts} "
        "FROM d b JOIN {r} r ON r.bd = b.{c} GROUP BY {k2}, b.person) x GROUP BY x.k",
        i=Sql(str(index)),
        sums=join("", [Sql(", SUM(x." + name + ")") for name in count_names]),
        k=key,
        bounce=param(ctx.settings.bounce_seconds),
        counts=join("", counts),
        r=alias("r", index),
        c=alias("b", index),
        k2=key,
    )


def _totals(ctx: RunContext, count_names: list[str]) -> Sql:
    """The whole range's row: one aggregate, so one row even when there are no sessions. Its one COUNT(DISTINCT)
    sorts the sessions' persons once, cheaper than grouping every session by person (30 days of the benchmark:
    0.7 s against 1.0 s for a totals-only query)."""
    return q(
        "SELECT {i}, {none}, COUNT(*), COUNT(DISTINCT person), SUM(dur), "
        "SUM(CASE WHEN pv = 1 AND dur < {bounce} THEN 1 ELSE 0 END), SUM(pv){sums} FROM d",
        i=Sql(str(TOTAL)),
        none=param(NONE),
        bounce=param(ctx.settings.bounce_seconds),
        sums=join("", [Sql(", SUM(" + name + ")") for name in count_names]),
    )


def _parts(
    ctx: RunContext, query: SessionsQuery, breakdowns: tuple[Breakdown, ...], count_names: list[str], persons: str
) -> tuple[Sql, Sql]:
    """The ranking CTEs and the UNION ALL of one row group per breakdown (tagged by its index), then the totals.
    `persons`: a CTE with the sessions' persons (``sp`` from parts, else ``d`` itself)."""
    if breakdowns and not query.breakdown_visitors:
        return _by_combination(ctx, breakdowns, count_names, persons)
    ranks, rows = [], []
    columns = [alias("b", i) for i in range(len(breakdowns))]
    if len(breakdowns) > 1:
        # Sessions per combination of values (a few thousand rows): every breakdown ranks its values from these
        # instead of grouping all sessions once more each.
        ranks.append(
            q(", cb AS (SELECT {c}, COUNT(*) AS n FROM d GROUP BY {c2})", c=join(", ", columns), c2=join(", ", columns))
        )
    for i, breakdown in enumerate(breakdowns):
        column, rank = columns[i], alias("r", i)
        ranking = (
            ranked(ctx, "cb", "SUM(n)", breakdown.limit, column.text)
            if len(breakdowns) > 1
            else ranked(ctx, "d", "COUNT(*)", breakdown.limit, column.text)
        )
        ranks.append(q(", {n} AS ({r})", n=rank, r=ranking))
        rows.append(_measures(ctx, i, kept(ctx, column.text), count_names))
    return join("", ranks), join(" UNION ALL ", [*rows, _totals(ctx, count_names)])


def _by_combination(
    ctx: RunContext, breakdowns: tuple[Breakdown, ...], count_names: list[str], persons: str
) -> tuple[Sql, Sql]:
    """Breakdowns without visitors: every measure but visitors adds up, so one grouping of the sessions by their
    combination of values (a few hundred rows) answers every breakdown, ranking included, and the totals; only
    the totals' visitors count distinct persons. Read from `persons` (the parts' ``sp``), the sessions are used
    once, so the database streams them into that grouping instead of storing them first (30 days of the
    benchmark: ~0.2 s of ~1.3 s)."""
    columns = [alias("b", i) for i in range(len(breakdowns))]
    counts = [Sql(", SUM(" + name + ") AS " + name) for name in count_names]
    ranks = [
        q(
            ", cb AS (SELECT {c}, COUNT(*) AS n, SUM(dur) AS dur, "
            "SUM(CASE WHEN pv = 1 AND dur < {bounce} THEN 1 ELSE 0 END) AS bounces, SUM(pv) AS pv{counts} "
            "FROM d GROUP BY {c2})",
            c=join(", ", columns),
            bounce=param(ctx.settings.bounce_seconds),
            counts=join("", counts),
            c2=join(", ", columns),
        )
    ]
    rows = []
    sums = join("", [Sql(", SUM(x." + name + ")") for name in count_names])
    for i, breakdown in enumerate(breakdowns):
        column, rank = columns[i], alias("r", i)
        ranks.append(q(", {n} AS ({r})", n=rank, r=ranked(ctx, "cb", "SUM(n)", breakdown.limit, column.text)))
        rows.append(
            q(
                "SELECT {i}, x.k, SUM(x.n), CAST(NULL AS BIGINT), SUM(x.dur), SUM(x.bounces), SUM(x.pv){sums} FROM ("
                "SELECT {k} AS k, b.* FROM cb b JOIN {r} r ON r.bd = b.{c}) x GROUP BY x.k",
                i=Sql(str(i)),
                sums=sums,
                k=kept(ctx, column.text),
                r=rank,
                c=column,
            )
        )
    totals = q(
        "SELECT {i}, {none}, SUM(n), (SELECT COUNT(DISTINCT person) FROM {p}), SUM(dur), SUM(bounces), SUM(pv)"
        "{sums} FROM cb",
        i=Sql(str(TOTAL)),
        none=param(NONE),
        p=Sql(persons),
        sums=join("", [Sql(", SUM(" + name + ")") for name in count_names]),
    )
    return join("", ranks), join(" UNION ALL ", [*rows, totals])


def statement(ctx: RunContext, query: SessionsQuery) -> Sql:
    span = ctx.window(query.scope.date_range)
    minutes = query.session_timeout_minutes
    timeout = minutes * 60 if minutes else ctx.settings.session_timeout_seconds
    breakdowns = _breakdowns(query)
    scope = query.scope
    if parts_reading.answers_sessions(
        ctx, span, timeout, breakdowns, scope.filters, include_bots=scope.include_bots, counts=bool(query.count_events)
    ):
        # The sessions table (session parts): the same sessions, read from ~5 events' parts instead of events.
        head = parts_reading.sessions(ctx, span, timeout, breakdowns, scope.filters)
        count_names: list[str] = []
        persons = "sp"
    else:
        head, count_names = _from_events(ctx, query, span, timeout, breakdowns)
        persons = "d"
    ranks, selects = _parts(ctx, query, breakdowns, count_names, persons)
    return q(
        "WITH {head}, d AS (SELECT sess.*, CASE WHEN span > eng THEN span ELSE eng END AS dur FROM sess){ranks} "
        "{selects}",
        head=head,
        ranks=ranks,
        selects=selects,
    )


def _from_events(
    ctx: RunContext, query: SessionsQuery, span: Window, timeout: int, breakdowns: tuple[Breakdown, ...]
) -> tuple[Sql, list[str]]:
    """CTEs ending in ``sess`` (person, sno, b_0…, span, pv, eng, c_0…) cut from the range's raw events."""
    columns = [alias("b", i).text for i in range(len(breakdowns))]
    counts = [
        (alias("c", i).text, q('CASE WHEN e."name" = {n} THEN 1 ELSE 0 END', n=param(name)))
        for i, name in enumerate(query.count_events)
    ]
    count_names = [name for name, _ in counts]
    rows = source(
        ctx,
        start=span.start,
        end=span.end,
        columns=[
            ("person", PERSON),
            ("ts", ctx.dialect.epoch(TIMESTAMP)),
            ("uuid", UUID),
            *[(column, value_column(ctx, b)) for column, b in zip(columns, breakdowns, strict=True)],
            ("pv", page_view(ctx)),
            ("eng", engagement(ctx)),
            *counts,
        ],
        filters=query.scope.filters,
        include_bots=query.scope.include_bots,
    )
    # The row number shares the gap's window (one sort); it only serves to find each session's first values.
    position = Sql(", ROW_NUMBER() OVER w AS rn" if breakdowns else "")
    firsts = join("", [q(", {f}", f=_first_set(ctx, column)) for column in columns])
    sums = join("", [q(", SUM({c}) AS {c2}", c=Sql(name), c2=Sql(name)) for name in count_names])
    head = q(
        "g AS (SELECT s.*, CASE WHEN ts - LAG(ts) OVER w <= {t} THEN 0 ELSE 1 END AS gap{position} "
        "FROM ({rows}) s WINDOW w AS (PARTITION BY person ORDER BY ts, uuid)), "
        "n AS (SELECT g.*, SUM(gap) OVER (PARTITION BY person ORDER BY ts, uuid ROWS UNBOUNDED PRECEDING) AS sno "
        "FROM g), "
        "sess AS (SELECT person, sno{firsts}, MAX(ts) - MIN(ts) AS span, SUM(pv) AS pv, "
        "SUM(eng) / 1000.0 AS eng{sums} FROM n GROUP BY person, sno)",
        t=param(timeout),
        position=position,
        rows=rows,
        firsts=firsts,
        sums=sums,
    )
    return head, count_names


def _row(query: SessionsQuery, values: tuple[Any, ...]) -> dict[str, Any]:
    bd, sessions, visitors, duration, bounces, pages, *counts = values
    sessions = int(sessions or 0)
    return {
        "breakdown_value": public(bd),
        "sessions": sessions,
        "visitors": None if visitors is None else int(visitors),
        "avg_duration_s": float(duration) / sessions if sessions else None,
        "bounce_rate": int(bounces or 0) / sessions if sessions else None,
        "pages_per_session": int(pages or 0) / sessions if sessions else None,
        "events": {name: int(c or 0) for name, c in zip(query.count_events, counts, strict=True)},
    }


def _ordered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r["breakdown_value"] == "$other", -r["sessions"], str(r["breakdown_value"])))


def run_sessions(ctx: RunContext, query: SessionsQuery) -> dict[str, Any]:
    found = fetch_all(ctx, statement(ctx, query))
    totals = next(_row(query, v[1:]) for v in found if v[0] == TOTAL)
    groups = [_ordered([_row(query, v[1:]) for v in found if v[0] == i]) for i in range(len(_breakdowns(query)))]
    if not groups:
        # No breakdown: the one row is the totals, as a breakdown whose every value is unset would give.
        groups = [[dict(totals)] if totals["sessions"] else []]
    result: dict[str, Any] = {"kind": "sessions", "rows": groups[0], "totals": totals}
    if query.breakdowns:
        # `rows` stays the first breakdown's, so a reader of single-breakdown answers reads these too.
        result["breakdowns"] = [
            {"key": b.field.label(), "rows": rows} for b, rows in zip(query.breakdowns, groups, strict=True)
        ]
    return result


def sessions_rows(result: dict[str, Any]) -> tuple[list[str], Iterator[list[Any]]]:
    names = list(result["totals"]["events"])
    fields = ["breakdown_value", "sessions", "visitors", "avg_duration_s", "bounce_rate", "pages_per_session"]
    header = fields + [f"events.{n}" for n in names]
    return header, iter([[row[f] for f in fields] + [row["events"][n] for n in names] for row in result["rows"]])
