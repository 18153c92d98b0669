"""Sessions: a person's events cut at gaps longer than the timeout; visits, duration, bounce, pages, counts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from analytics.engine.base import PERSON, TIMESTAMP, UUID, field_number, source
from analytics.engine.breakdown import NONE, kept, public, ranked, value_column
from analytics.engine.context import RunContext
from analytics.engine.execute import fetch_all
from analytics.engine.sql import Sql, alias, join, param, params, q
from analytics.queries.parts import Breakdown, FieldRef
from analytics.queries.sessions import SessionsQuery

TOTAL = -1
# A session's breakdown value is its first set value. Rather than a window pass (a sort) per breakdown, each
# event's value is prefixed with its fixed-width position in the person's (ts, uuid) order, and the session
# keeps the smallest such text: one aggregate, any number of breakdowns. 13 digits hold any row number < 9e12.
_POSITION_BASE = 1_000_000_000_000
_POSITION_WIDTH = 13


def _engagement(ctx: RunContext) -> Sql:
    keys = [field_number(ctx, FieldRef("props", (key,))) for key in ctx.settings.engagement_properties]
    return q("COALESCE({k}, 0)", k=join(", ", keys)) if keys else Sql("0")


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


def _measures(ctx: RunContext, count_names: list[str]) -> Sql:
    return q(
        "COUNT(*), COUNT(DISTINCT b.person), SUM(b.dur), "
        "SUM(CASE WHEN b.pv = 1 AND b.dur < {bounce} THEN 1 ELSE 0 END), SUM(b.pv){counts}",
        bounce=param(ctx.settings.bounce_seconds),
        counts=join("", [Sql(", SUM(b." + name + ")") for name in count_names]),
    )


def _parts(ctx: RunContext, breakdowns: tuple[Breakdown, ...], count_names: list[str]) -> tuple[Sql, Sql]:
    """The ranking CTEs and the UNION ALL of one row group per breakdown (tagged by its index), then the totals."""
    ranks, rows = [], []
    for i, breakdown in enumerate(breakdowns):
        column, rank = alias("b", i), alias("r", i)
        ranks.append(q(", {n} AS ({r})", n=rank, r=ranked(ctx, "d", "COUNT(*)", breakdown.limit, column.text)))
        rows.append(
            q(
                "SELECT {i}, {k}, {m} FROM d b JOIN {n} r ON r.bd = b.{c} GROUP BY {k2}",
                i=Sql(str(i)),
                k=kept(ctx, column.text),
                n=rank,
                c=column,
                m=_measures(ctx, count_names),
                k2=kept(ctx, column.text),
            )
        )
    return join("", ranks), join(" UNION ALL ", [*rows, _totals(ctx, count_names)])


def _totals(ctx: RunContext, count_names: list[str]) -> Sql:
    return q("SELECT {i}, {none}, {m} FROM d b", i=Sql(str(TOTAL)), none=param(NONE), m=_measures(ctx, count_names))


def statement(ctx: RunContext, query: SessionsQuery) -> Sql:
    span = ctx.window(query.scope.date_range)
    minutes = query.session_timeout_minutes
    timeout = minutes * 60 if minutes else ctx.settings.session_timeout_seconds
    breakdowns = _breakdowns(query)
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
            ("pv", q('CASE WHEN e."name" IN ({p}) THEN 1 ELSE 0 END', p=params(ctx.settings.pageview_events))),
            ("eng", _engagement(ctx)),
            *counts,
        ],
        filters=query.scope.filters,
        include_bots=query.scope.include_bots,
    )
    # The row number shares the gap's window (one sort); it only serves to find each session's first values.
    position = Sql(", ROW_NUMBER() OVER w AS rn" if breakdowns else "")
    firsts = join("", [q(", {f}", f=_first_set(ctx, column)) for column in columns])
    sums = join("", [q(", SUM({c}) AS {c2}", c=Sql(name), c2=Sql(name)) for name in count_names])
    ranks, selects = _parts(ctx, breakdowns, count_names)
    return q(
        "WITH g AS (SELECT s.*, CASE WHEN ts - LAG(ts) OVER w <= {t} THEN 0 ELSE 1 END AS gap{position} "
        "FROM ({rows}) s WINDOW w AS (PARTITION BY person ORDER BY ts, uuid)), "
        "n AS (SELECT g.*, SUM(gap) OVER (PARTITION BY person ORDER BY ts, uuid ROWS UNBOUNDED PRECEDING) AS sno "
        "FROM g), "
        "sess AS (SELECT person, sno{firsts}, MAX(ts) - MIN(ts) AS span, SUM(pv) AS pv, "
        "SUM(eng) / 1000.0 AS eng{sums} FROM n GROUP BY person, sno), "
        "d AS (SELECT sess.*, CASE WHEN span > eng THEN span ELSE eng END AS dur FROM sess){ranks} "
        "{selects}",
        t=param(timeout),
        position=position,
        rows=rows,
        firsts=firsts,
        sums=sums,
        ranks=ranks,
        selects=selects,
    )


def _row(query: SessionsQuery, values: tuple[Any, ...]) -> dict[str, Any]:
    bd, sessions, visitors, duration, bounces, pages, *counts = values
    sessions = int(sessions or 0)
    return {
        "breakdown_value": public(bd),
        "sessions": sessions,
        "visitors": int(visitors or 0),
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
