"""Funnels: best attempts in SQL (funnel_sql) or Python (funnel_matching), the numbers in funnel_math."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from analytics.engine.context import RunContext
from analytics.engine.execute import fetch_all, stream
from analytics.engine.funnel_matching import best_attempts
from analytics.engine.funnel_math import attempt_from_row, funnel_result
from analytics.engine.funnel_sql import funnel_people, needs_matching, step_rows
from analytics.engine.sql import param, q
from analytics.queries.funnels import FunnelQuery


def _people(ctx: RunContext, query: FunnelQuery) -> Iterable[Sequence[Any]]:
    """Each person's best attempt, a funnel_people row; any-order steps that share events are matched in
    Python over the step events (funnel_matching), in the same person order."""
    if needs_matching(query):
        end = ctx.window(query.scope.date_range).end.timestamp()
        return best_attempts(stream(ctx, step_rows(ctx, query)), len(query.steps), query.window_seconds, end)
    return fetch_all(ctx, funnel_people(ctx, query))


def run_funnels(ctx: RunContext, query: FunnelQuery) -> dict[str, Any]:
    n = len(query.steps)
    rows = _people(ctx, query)
    attempts = (attempt_from_row(row, n, query.order, query.window_seconds) for row in rows)
    names = [step.event for step in query.steps]
    return funnel_result(attempts, names, query.order, query.breakdown.limit if query.breakdown else None)


def dropped_people(ctx: RunContext, query: FunnelQuery, step: int) -> Iterator[str]:
    """Persons whose best attempt reached step-1 but not step (0-based), streamed."""
    if needs_matching(query):
        yield from (str(row[0]) for row in _people(ctx, query) if row[4] == step)
        return
    statement = q(
        "SELECT f.person FROM ({f}) f WHERE f.reached = {s} ORDER BY f.person",
        f=funnel_people(ctx, query),
        s=param(step),
    )
    for (person,) in stream(ctx, statement):
        yield str(person)


def funnels_rows(result: dict[str, Any]) -> tuple[list[str], Iterator[list[Any]]]:
    fields = [
        "step",
        "event",
        "count",
        "conversion_rate",
        "step_conversion_rate",
        "dropped",
        "median_time_from_previous_s",
    ]
    header = ["breakdown_value", *fields]
    groups = result["breakdown"] or [{"breakdown_value": None, "steps": result["steps"]}]

    def rows() -> Iterator[list[Any]]:
        for group in groups:
            for step in group["steps"]:
                yield [group["breakdown_value"], step["index"], *(step[f] for f in fields[1:])]

    return header, rows()
