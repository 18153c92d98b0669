"""The Django edge of the engine: load what a query needs (site zone, cohorts, rollup watermark), then run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connections

from analytics.engine.base import UnknownCohort
from analytics.engine.context import EngineSettings, PartsCoverage, RunContext
from analytics.engine.dialect import dialect_for
from analytics.engine.errors import QueryInvalid, invalid
from analytics.engine.person_events import catch_up
from analytics.engine.rollups import ROLLUP_KEY, floor_hour
from analytics.engine.runners import RUNNERS
from analytics.engine.runners.funnels import dropped_people
from analytics.engine.session_parts import PARTS_KEY, recipe
from analytics.models import Cohort, RollupWatermark, SessionPartsWatermark, Site
from analytics.queries.cohorts import CohortDefinition, parse_cohort
from analytics.queries.funnels import FunnelQuery
from analytics.queries.registry import INSIGHT_KINDS, PARSERS, Query
from server.errors import NotFound


def engine_settings() -> EngineSettings:
    return EngineSettings(
        session_timeout_seconds=settings.ANALYTICS_SESSION_TIMEOUT_MINUTES * 60,
        pageview_events=tuple(settings.ANALYTICS_PAGEVIEW_EVENTS),
        engagement_properties=tuple(settings.ANALYTICS_ENGAGEMENT_PROPERTIES),
        bounce_seconds=float(settings.ANALYTICS_BOUNCE_SECONDS),
        query_jit=settings.ANALYTICS_QUERY_JIT,
        concurrent_halves=settings.ANALYTICS_CONCURRENT_HALVES,
    )


def context_for(
    site_id: int, *, using: str = "default", now: datetime | None = None, rollups: bool = True
) -> RunContext:
    zone = Site.objects.using(using).filter(pk=site_id).values_list("timezone", flat=True).first()
    if zone is None:
        raise NotFound("site_not_found", f"There is no site {site_id}.")
    cohorts: dict[int, CohortDefinition] = {}
    for cohort_id, definition in Cohort.objects.using(using).filter(site_id=site_id).values_list("id", "definition"):
        parsed = parse_cohort(definition)
        if isinstance(parsed, CohortDefinition):
            cohorts[cohort_id] = parsed
    until = None
    parts = None
    people = None
    current = engine_settings()
    if rollups and settings.ANALYTICS_USE_ROLLUPS:
        people = partial(catch_up, using)
        mark = (
            RollupWatermark.objects.using(using).filter(key=ROLLUP_KEY).values_list("received_until", flat=True).first()
        )
        until = floor_hour(mark) if mark else None
        parts = _parts_coverage(using, current)
    connection = connections[using]
    return RunContext(
        site_id=site_id,
        zone=zone,
        now=now or datetime.now(UTC),
        connection=connection,
        dialect=dialect_for(connection),
        settings=current,
        cohorts=cohorts,
        rollups_until=until,
        session_parts=parts,
        person_events=people,
    )


def _parts_coverage(using: str, current: EngineSettings) -> PartsCoverage | None:
    """The session parts, if they were cut with today's page-view and engagement settings (any timeout: a
    query checks its own against the parts')."""
    mark = SessionPartsWatermark.objects.using(using).filter(key=PARTS_KEY).first()
    if mark is None:
        return None
    made, wanted = dict(mark.recipe), recipe(current)
    timeout = made.pop("timeout_seconds", None)
    wanted.pop("timeout_seconds")
    if made != wanted or not isinstance(timeout, int):
        return None
    return PartsCoverage(until=floor_hour(mark.received_until), timeout_seconds=timeout)


def parse(kind: str, payload: Any) -> Query:
    parser = PARSERS.get(kind)
    if parser is None:
        raise invalid("kind", f"Unknown insight kind {kind!r}; expected one of {', '.join(INSIGHT_KINDS)}.")
    parsed = parser(payload)
    if isinstance(parsed, list):
        raise QueryInvalid(parsed)
    return parsed  # type: ignore[no-any-return]


def _unknown_cohort(exc: UnknownCohort) -> QueryInvalid:
    return invalid("filters", f"There is no cohort {exc.cohort_id} on this site.")


def run(ctx: RunContext, query: Query) -> dict[str, Any]:
    try:
        return RUNNERS[query.kind].run(ctx, query)
    except UnknownCohort as exc:
        raise _unknown_cohort(exc) from None


def result_rows(ctx: RunContext, query: Query) -> tuple[list[str], Iterator[list[Any]]]:
    return RUNNERS[query.kind].rows(run(ctx, query))


def dropped(ctx: RunContext, query: FunnelQuery, step: int) -> Iterator[str]:
    if not 1 <= step < len(query.steps):
        raise invalid("step", f"Must be between 1 and {len(query.steps) - 1}.")
    try:
        yield from dropped_people(ctx, query, step)
    except UnknownCohort as exc:
        raise _unknown_cohort(exc) from None
