"""Funnels: best attempts in SQL (funnel_sql) or Python (funnel_matching), the numbers in funnel_math — or,
where funnel_sql.totals_in_sql holds, counts and sorted gaps from SQL, or from numpy over person events
(funnel_arrays), one row per person half instead of one per person."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from analytics.engine.context import RunContext
from analytics.engine.execute import fetch_all, stream
from analytics.engine.funnel_arrays import OutOfOrder, totals_row
from analytics.engine.funnel_matching import best_attempts
from analytics.engine.funnel_math import attempt_from_row, funnel_result, totals_result
from analytics.engine.funnel_sql import (
    funnel_people,
    funnel_totals,
    needs_matching,
    packed_rows,
    packs,
    step_rows,
    totals_in_sql,
)
from analytics.engine.person_events import answers
from analytics.engine.person_halves import HALVES, fetch_halves, run_halves
from analytics.engine.sql import param, q
from analytics.queries.funnels import FunnelQuery

logger = logging.getLogger(__name__)


def _people(ctx: RunContext, query: FunnelQuery, person_events: bool) -> Iterable[Sequence[Any]]:
    """Each person's best attempt, a funnel_people row; any-order steps that share events are matched in
    Python over the step events (funnel_matching), in the same person order."""
    if needs_matching(query):
        end = ctx.window(query.scope.date_range).end.timestamp()
        rows = stream(ctx, step_rows(ctx, query, person_events=person_events))
        return best_attempts(rows, len(query.steps), query.window_seconds, end)
    return fetch_all(ctx, funnel_people(ctx, query, person_events=person_events))


def _person_events(ctx: RunContext, query: FunnelQuery) -> bool:
    """Whether analytics_personevent answers this funnel (steps and exclusions by event name only)."""
    selectors = [*query.steps, *(x.selector for x in query.exclusions)]
    if ctx.person_events is None or not answers(query.scope.filters, selectors, query.breakdown):
        return False
    return ctx.person_events()


def _totals(ctx: RunContext, query: FunnelQuery, person_events: bool) -> list[tuple[Any, ...]]:
    """funnel_sql.funnel_totals' rows: from person events by halves, in numpy where it follows the funnel's
    rules (funnel_arrays: named steps, no exclusions), else in SQL; from events in one statement."""
    if not person_events:
        return fetch_all(ctx, funnel_totals(ctx, query))
    if packs(query):
        end = ctx.window(query.scope.date_range).end.timestamp()
        names = [str(step.event) for step in query.steps]

        def totals(rows: list[tuple[Any, ...]]) -> tuple[Any, ...]:
            return totals_row(rows, steps=names, order=query.order, window=query.window_seconds, end=end)

        try:
            return run_halves(ctx, [packed_rows(ctx, query, half) for half in HALVES], totals)
        except OutOfOrder:
            logger.warning("funnel rows came out of order; computing the funnel in SQL")
    halves = [funnel_totals(ctx, query, person_events=True, half=half) for half in HALVES]
    return [row for rows in fetch_halves(ctx, halves) for row in rows]


def run_funnels(ctx: RunContext, query: FunnelQuery) -> dict[str, Any]:
    n = len(query.steps)
    person_events = _person_events(ctx, query)
    names = [step.event for step in query.steps]
    if totals_in_sql(ctx, query):
        return totals_result(_totals(ctx, query, person_events), names, query.order)
    rows = _people(ctx, query, person_events)
    attempts = (attempt_from_row(row, n, query.order, query.window_seconds) for row in rows)
    return funnel_result(attempts, names, query.order, query.breakdown.limit if query.breakdown else None)


def dropped_people(ctx: RunContext, query: FunnelQuery, step: int) -> Iterator[str]:
    """Persons whose best attempt reached step-1 but not step (0-based), streamed. From events: the person
    ids are the text keys, which analytics_personevent keeps only as integers."""
    if needs_matching(query):
        yield from (str(row[0]) for row in _people(ctx, query, False) if row[4] == step)
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
