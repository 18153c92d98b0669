"""What other apps may use of analytics: sites, the event store's write entry point, and the query engine.

Everything returned is a plain dataclass or dict; no ORM instance leaves this app. The query contract is
written down in docs/queries.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from itertools import islice
from typing import Any

from django.conf import settings

from analytics import selectors, services
from analytics.engine import catalogue, insights
from analytics.engine.errors import QueryInvalid
from analytics.engine.export import export_rows
from analytics.event_store.copy_text import CopyText
from analytics.event_store.rows import EVENT_COLUMNS, EventRow, FailedRow, WriteResult
from analytics.queries.catalogue import parse_catalogue, parse_values
from analytics.queries.errors import FieldError, Reader, child
from analytics.queries.funnels import FunnelQuery
from analytics.queries.parts import read_date_range, read_filter
from analytics.queries.registry import INSIGHT_KINDS, Query
from analytics.records import AliasInfo, CohortInfo, DimensionInfo, SiteInfo
from analytics.selectors import site_snapshot_by_id, site_snapshot_by_public_key, site_snapshot_by_secret
from analytics.site_snapshot import SiteSnapshot

__all__ = [
    "EVENT_COLUMNS",
    "INSIGHT_KINDS",
    "AliasInfo",
    "CohortInfo",
    "CopyText",
    "DimensionInfo",
    "EventRow",
    "FailedRow",
    "Query",
    "QueryInvalid",
    "SiteInfo",
    "SiteSnapshot",
    "WriteResult",
    "alias_delete",
    "alias_list",
    "alias_set",
    "cohort_create",
    "cohort_delete",
    "cohort_get",
    "cohort_list",
    "cohort_update",
    "date_range_instants",
    "dimension_create",
    "dimension_delete",
    "dimension_list",
    "dimension_update",
    "event_catalogue",
    "events_export",
    "events_write",
    "events_write_copy_texts",
    "funnel_dropped_page",
    "funnel_dropped_people",
    "insight_parse",
    "insight_result_rows",
    "insight_run",
    "property_values",
    "site_get",
    "site_list",
    "site_snapshot_by_id",
    "site_snapshot_by_public_key",
    "site_snapshot_by_secret",
    "site_update",
]


def events_write(rows: Sequence[EventRow]) -> WriteResult:
    """Stores event rows once each (duplicates by site and uuid are skipped); reports rows it could not store."""
    if settings.IS_POSTGRES:
        from analytics.event_store.postgres_writer import write_rows
    else:
        from analytics.event_store.orm_writer import write_rows
    return write_rows(rows)


def events_write_copy_texts(texts: Sequence[CopyText]) -> WriteResult:
    """Stores rows already in COPY text form (the Redis stream's format), once each by site and uuid."""
    if settings.IS_POSTGRES:
        from analytics.event_store.postgres_writer import write_copy_texts

        return write_copy_texts(texts)
    from analytics.event_store.copy_text import decode_line

    rows, failed = [], []
    for text in texts:
        for line in text.text.splitlines():
            try:
                rows.append(decode_line(line))
            except ValueError as exc:
                failed.append(FailedRow(row=[line.decode(errors="replace")], reason=f"ValueError: {exc}"[:500]))
    result = events_write(rows)
    return WriteResult(written=result.written, duplicates=result.duplicates, failed=failed + result.failed)


# --- Insights --------------------------------------------------------------------------------------------


def insight_parse(kind: str, payload: dict[str, Any]) -> Query:
    """Validates a query's JSON into its typed object; raises QueryInvalid with every field's reason."""
    return insights.parse(kind, payload)


def insight_run(*, site_id: int, query: Query) -> dict[str, Any]:
    """Runs a parsed query for a site; the JSON-ready result shape per kind is in docs/queries.md."""
    return insights.run(insights.context_for(site_id), query)


def insight_result_rows(*, site_id: int, query: Query) -> tuple[list[str], Iterator[list[Any]]]:
    """Any insight's result as a header and rows, for CSV, NDJSON or JSON export."""
    return insights.result_rows(insights.context_for(site_id), query)


def funnel_dropped_people(*, site_id: int, query: Query, step: int) -> Iterator[str]:
    """Person ids that reached step-1 but not step (0-based), streamed through a server-side cursor."""
    if not isinstance(query, FunnelQuery):
        raise QueryInvalid([FieldError("kind", "Dropped people exist only for funnels.")])
    return insights.dropped(insights.context_for(site_id), query, step)


def funnel_dropped_page(*, site_id: int, query: Query, step: int, offset: int, limit: int) -> tuple[list[str], bool]:
    """One page of funnel_dropped_people (ordered by person id) and whether more follow."""
    people = funnel_dropped_people(site_id=site_id, query=query, step=step)
    try:
        page = list(islice(people, offset, offset + limit + 1))
    finally:
        close = getattr(people, "close", None)
        if close is not None:  # ends the server-side cursor without reading the rest
            close()
    return page[:limit], len(page) > limit


def date_range_instants(*, site_id: int, date_range: Any) -> tuple[datetime, datetime]:
    """A query's date_range JSON resolved in the site's time zone: the UTC instants [start, end) it covers."""
    reader = Reader()
    parsed = read_date_range(reader, {"date_range": date_range}, "")
    if reader.errors or parsed is None:
        raise QueryInvalid(reader.errors)
    span = insights.context_for(site_id, rollups=False).window(parsed)
    return span.start, span.end


def event_catalogue(*, site_id: int, params: Mapping[str, str]) -> dict[str, Any]:
    """The site's recent event names with counts, property and dimension keys seen (docs/queries.md, Catalogue)."""
    query = parse_catalogue(params)
    if isinstance(query, list):
        raise QueryInvalid(query)
    declared = [(d.key, d.display_name) for d in selectors.dimension_list(site_id=site_id)]
    return catalogue.run_catalogue(insights.context_for(site_id), query, declared)


def property_values(*, site_id: int, params: Mapping[str, str]) -> dict[str, Any]:
    """The most common recent values of one field (column, props.* or dims.*), for filter pickers."""
    query = parse_values(params)
    if isinstance(query, list):
        raise QueryInvalid(query)
    return catalogue.run_values(insights.context_for(site_id, rollups=False), query)


def events_export(
    *, site_id: int, start: datetime, end: datetime, filters: list[dict[str, Any]] | None = None
) -> tuple[list[str], Iterator[list[Any]]]:
    """A site's raw events with start <= timestamp < end in time order, streamed; header = EVENT_COLUMNS."""
    reader = Reader()
    parsed = [read_filter(reader, raw, child("filters", i)) for i, raw in enumerate(filters or [])]
    if reader.errors:
        raise QueryInvalid(reader.errors)
    ctx = insights.context_for(site_id, rollups=False)
    return list(EVENT_COLUMNS), export_rows(ctx, start, end, tuple(f for f in parsed if f is not None))


# --- Cohorts, custom dimensions, aliases, sites ----------------------------------------------------------


def cohort_create(*, site_id: int, name: str, definition: dict[str, Any]) -> CohortInfo:
    """Saves a cohort definition (validated like a query)."""
    return services.cohort_create(site_id=site_id, name=name, definition=definition)


def cohort_update(
    *, site_id: int, cohort_id: int, name: str | None = None, definition: dict[str, Any] | None = None
) -> CohortInfo:
    """Renames a cohort or replaces its definition."""
    return services.cohort_update(site_id=site_id, cohort_id=cohort_id, name=name, definition=definition)


def cohort_delete(*, site_id: int, cohort_id: int) -> None:
    """Deletes a cohort; queries naming it are then refused."""
    services.cohort_delete(site_id=site_id, cohort_id=cohort_id)


def cohort_list(*, site_id: int) -> list[CohortInfo]:
    """A site's cohorts by name."""
    return selectors.cohort_list(site_id=site_id)


def cohort_get(*, site_id: int, cohort_id: int) -> CohortInfo:
    """One cohort; raises NotFound."""
    return selectors.cohort_get(site_id=site_id, cohort_id=cohort_id)


def dimension_create(*, site_id: int, key: str, display_name: str, scope: str = "event") -> DimensionInfo:
    """Declares a custom dimension (a key of events' dims)."""
    return services.dimension_create(site_id=site_id, key=key, display_name=display_name, scope=scope)


def dimension_update(
    *, site_id: int, dimension_id: int, display_name: str | None = None, scope: str | None = None
) -> DimensionInfo:
    """Renames a custom dimension or changes its scope."""
    return services.dimension_update(site_id=site_id, dimension_id=dimension_id, display_name=display_name, scope=scope)


def dimension_delete(*, site_id: int, dimension_id: int) -> None:
    """Removes a custom dimension's declaration (stored values stay)."""
    services.dimension_delete(site_id=site_id, dimension_id=dimension_id)


def dimension_list(*, site_id: int) -> list[DimensionInfo]:
    """A site's custom dimensions by key."""
    return selectors.dimension_list(site_id=site_id)


def alias_list(*, site_id: int) -> list[AliasInfo]:
    """A site's event aliases by alias."""
    return selectors.alias_list(site_id=site_id)


def alias_set(*, site_id: int, alias: str, name: str) -> AliasInfo:
    """Creates or changes an alias: events sent as `alias` are stored as `name`."""
    return services.alias_set(site_id=site_id, alias=alias, name=name)


def alias_delete(*, site_id: int, alias: str) -> None:
    """Removes an alias; raises NotFound."""
    services.alias_delete(site_id=site_id, alias=alias)


def site_list(*, site_ids: Sequence[int] | None) -> list[SiteInfo]:
    """The given sites (unknown ids are skipped; None: every site), by id."""
    return selectors.site_info_list(site_ids=site_ids)


def site_get(*, site_id: int) -> SiteInfo:
    """One site; raises NotFound."""
    return selectors.site_info_get(site_id=site_id)


def site_update(*, site_id: int, **fields: Any) -> SiteInfo:
    """Changes a site's settings; raises QueryInvalid naming each refused field."""
    return services.site_update(site_id=site_id, **fields)
