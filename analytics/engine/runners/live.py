"""Live: distinct visitors, and events and visitors per UTC minute, over the last minutes; the pages being viewed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from analytics.engine.base import PERSON, TIMESTAMP, field_text, source
from analytics.engine.context import RunContext
from analytics.engine.execute import fetch_all
from analytics.engine.sql import Sql, param, q
from analytics.queries.live import LiveQuery
from analytics.queries.parts import FieldRef

PATH = FieldRef("column", ("path",))


def window(ctx: RunContext, query: LiveQuery) -> tuple[datetime, datetime]:
    """[start, end): the current minute (still filling) and the whole minutes before it."""
    end = ctx.now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return end - timedelta(minutes=query.minutes), end


def _rows(ctx: RunContext, query: LiveQuery, columns: list[tuple[str, Sql]], names: Any = None) -> Sql:
    start, end = window(ctx, query)
    return source(
        ctx,
        start=start,
        end=end,
        columns=columns,
        names=names,
        filters=query.filters,
        include_bots=query.include_bots,
    )


def run_live(ctx: RunContext, query: LiveQuery) -> dict[str, Any]:
    start, end = window(ctx, query)
    minute = ctx.dialect.trunc("minute", TIMESTAMP, "UTC")
    per_minute = fetch_all(
        ctx,
        q(
            "SELECT m, COUNT(*), COUNT(DISTINCT person) FROM ({r}) b GROUP BY m",
            r=_rows(ctx, query, [("m", minute), ("person", PERSON)]),
        ),
    )
    (visitors,) = fetch_all(
        ctx, q("SELECT COUNT(DISTINCT person) FROM ({r}) b", r=_rows(ctx, query, [("person", PERSON)]))
    )[0]
    pages = fetch_all(
        ctx,
        q(
            "SELECT path, COUNT(*) AS views, COUNT(DISTINCT person) AS visitors FROM ({r}) b "
            "GROUP BY path ORDER BY visitors DESC, views DESC, path LIMIT {n}",
            r=_rows(
                ctx,
                query,
                [("path", field_text(ctx, PATH)), ("person", PERSON)],
                names=ctx.settings.pageview_events,
            ),
            n=param(query.pages_limit),
        ),
    )
    counts = {ctx.dialect.to_utc(m): (int(events), int(people)) for m, events, people in per_minute}
    minutes = [start + timedelta(minutes=i) for i in range(query.minutes)]
    return {
        "kind": "live",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "visitors": int(visitors),
        "events": sum(events for events, _ in counts.values()),
        "minutes": [
            {"minute": m.isoformat(), "events": counts.get(m, (0, 0))[0], "visitors": counts.get(m, (0, 0))[1]}
            for m in minutes
        ],
        "pages": [{"path": path, "views": int(views), "visitors": int(people)} for path, views, people in pages],
    }


def live_rows(result: dict[str, Any]) -> tuple[list[str], Iterator[list[Any]]]:
    return ["minute", "events", "visitors"], iter(
        [[m["minute"], m["events"], m["visitors"]] for m in result["minutes"]]
    )
