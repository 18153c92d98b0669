"""Sessions: a person's events cut at gaps longer than the timeout; visits, duration, bounce, pages, counts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from analytics.engine.base import PERSON, TIMESTAMP, UUID, field_number, source
from analytics.engine.breakdown import NONE, kept, public, ranked, value_column
from analytics.engine.context import RunContext
from analytics.engine.execute import fetch_all
from analytics.engine.sql import Sql, alias, join, param, params, q
from analytics.queries.parts import FieldRef
from analytics.queries.sessions import SessionsQuery

TOTAL = "\x1ftotal"


def _engagement(ctx: RunContext) -> Sql:
    keys = [field_number(ctx, FieldRef("props", (key,))) for key in ctx.settings.engagement_properties]
    return q("COALESCE({k}, 0)", k=join(", ", keys)) if keys else Sql("0")


def statement(ctx: RunContext, query: SessionsQuery) -> Sql:
    span = ctx.window(query.scope.date_range)
    minutes = query.session_timeout_minutes
    timeout = minutes * 60 if minutes else ctx.settings.session_timeout_seconds
    counts = [
        (alias("c", i).text, q('CASE WHEN e."name" = {n} THEN 1 ELSE 0 END', n=param(name)))
        for i, name in enumerate(query.count_events)
    ]
    rows = source(
        ctx,
        start=span.start,
        end=span.end,
        columns=[
            ("person", PERSON),
            ("ts", ctx.dialect.epoch(TIMESTAMP)),
            ("uuid", UUID),
            ("bd", value_column(ctx, query.breakdown)),
            ("pv", q('CASE WHEN e."name" IN ({p}) THEN 1 ELSE 0 END', p=params(ctx.settings.pageview_events))),
            ("eng", _engagement(ctx)),
            *counts,
        ],
        filters=query.scope.filters,
        include_bots=query.scope.include_bots,
    )
    count_sums = join("", [q(", SUM({c}) AS {c2}", c=Sql(name), c2=Sql(name)) for name, _ in counts])
    count_totals = join("", [q(", SUM(b.{c})", c=Sql(name)) for name, _ in counts])
    limit = query.breakdown.limit if query.breakdown else 1
    return q(
        "WITH g AS (SELECT s.*, CASE WHEN ts - LAG(ts) OVER (PARTITION BY person ORDER BY ts, uuid) <= {t} "
        "THEN 0 ELSE 1 END AS gap FROM ({rows}) s), "
        "n AS (SELECT g.*, SUM(gap) OVER (PARTITION BY person ORDER BY ts, uuid ROWS UNBOUNDED PRECEDING) AS sno "
        "FROM g), "
        "f AS (SELECT n.*, FIRST_VALUE(bd) OVER (PARTITION BY person, sno "
        "ORDER BY CASE WHEN bd = {none} THEN 1 ELSE 0 END, ts, uuid) AS sbd FROM n), "
        "sess AS (SELECT person, sno, MIN(sbd) AS bd, MAX(ts) - MIN(ts) AS span, SUM(pv) AS pv, "
        "SUM(eng) / 1000.0 AS eng{count_sums} FROM f GROUP BY person, sno), "
        "d AS (SELECT sess.*, CASE WHEN span > eng THEN span ELSE eng END AS dur FROM sess), "
        "r AS ({rank}) "
        "SELECT {kept} AS bd, COUNT(*), COUNT(DISTINCT b.person), SUM(b.dur), "
        "SUM(CASE WHEN b.pv = 1 AND b.dur < {bounce} THEN 1 ELSE 0 END), SUM(b.pv){count_totals} "
        "FROM d b JOIN r ON r.bd = b.bd GROUP BY {kept2} "
        "UNION ALL SELECT {total}, COUNT(*), COUNT(DISTINCT b.person), SUM(b.dur), "
        "SUM(CASE WHEN b.pv = 1 AND b.dur < {bounce2} THEN 1 ELSE 0 END), SUM(b.pv){count_totals2} FROM d b",
        t=param(timeout),
        rows=rows,
        none=param(NONE),
        count_sums=count_sums,
        rank=ranked(ctx, "d", "COUNT(*)", limit),
        kept=kept(ctx),
        bounce=param(ctx.settings.bounce_seconds),
        count_totals=count_totals,
        kept2=kept(ctx),
        total=param(TOTAL),
        bounce2=param(ctx.settings.bounce_seconds),
        count_totals2=count_totals,
    )


def _row(query: SessionsQuery, values: tuple[Any, ...]) -> dict[str, Any]:
    bd, sessions, visitors, duration, bounces, pages, *counts = values
    sessions = int(sessions or 0)
    return {
        "breakdown_value": None if bd == TOTAL else public(bd),
        "sessions": sessions,
        "visitors": int(visitors or 0),
        "avg_duration_s": float(duration) / sessions if sessions else None,
        "bounce_rate": int(bounces or 0) / sessions if sessions else None,
        "pages_per_session": int(pages or 0) / sessions if sessions else None,
        "events": {name: int(c or 0) for name, c in zip(query.count_events, counts, strict=True)},
    }


def run_sessions(ctx: RunContext, query: SessionsQuery) -> dict[str, Any]:
    found = fetch_all(ctx, statement(ctx, query))
    totals = next(_row(query, v) for v in found if v[0] == TOTAL)
    rows = [_row(query, v) for v in found if v[0] != TOTAL]
    rows.sort(key=lambda r: (r["breakdown_value"] == "$other", -r["sessions"], str(r["breakdown_value"])))
    return {"kind": "sessions", "rows": rows, "totals": totals}


def sessions_rows(result: dict[str, Any]) -> tuple[list[str], Iterator[list[Any]]]:
    names = list(result["totals"]["events"])
    fields = ["breakdown_value", "sessions", "visitors", "avg_duration_s", "bounce_rate", "pages_per_session"]
    header = fields + [f"events.{n}" for n in names]
    return header, iter([[row[f] for f in fields] + [row["events"][n] for n in names] for row in result["rows"]])
