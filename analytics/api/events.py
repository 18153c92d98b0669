"""The raw events of a time range, streamed as CSV, JSON or NDJSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request

from access.permissions import HasSiteRole
from access.roles import Role
from analytics import facade
from analytics.api.exports import export_format, export_response
from analytics.api.insights import FORMAT_PARAMETER, ExportThrottled
from server.errors import DomainError


def _instant(raw: str | None, field: str) -> datetime:
    """An ISO-8601 date or time; without an offset it is UTC, the zone the exported timestamps are in."""
    if not raw:
        raise DomainError("invalid_query", f"{field} is required.", [{"field": field, "detail": "Required."}])
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        detail = "Expected an ISO-8601 date or time, e.g. 2026-03-01 or 2026-03-01T08:00:00+08:00."
        raise DomainError("invalid_query", f"{field}: {detail}", [{"field": field, "detail": detail}]) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _json(raw: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        detail = 'Expected JSON such as {"last_days": 30} or {"from": "2026-03-01", "to": "2026-03-31"}.'
        raise DomainError("invalid_query", detail, [{"field": "date_range", "detail": detail}]) from None


def _filters(raw: str | None) -> list[Any] | None:
    if not raw:
        return None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        value = None
    if not isinstance(value, list):
        detail = 'Expected a JSON list of filters, e.g. [{"key": "name", "op": "eq", "value": "signup"}].'
        raise DomainError("invalid_query", detail, [{"field": "filters", "detail": detail}])
    return value


class EventExportView(ExportThrottled):
    # Raw events carry user ids, URLs and properties: individual-level data, for analysts and admins.
    permission_classes = [HasSiteRole]
    required_roles = {"GET": Role.ANALYST}

    def is_export(self) -> bool:
        return True

    @extend_schema(
        responses={200: OpenApiTypes.BINARY},
        parameters=[
            OpenApiParameter("start", str, description="From this time (inclusive); UTC if no offset."),
            OpenApiParameter("end", str, description="Until this time (exclusive); UTC if no offset."),
            OpenApiParameter(
                "date_range",
                str,
                description='Instead of start and end: a query\'s date_range JSON, e.g. {"last_days": 7}.',
            ),
            OpenApiParameter("filters", str, description="JSON list of filters, as in insight queries."),
            FORMAT_PARAMETER,
        ],
        summary="Export raw events in time order (default format: json)",
    )
    def get(self, request: Request, site_id: int) -> HttpResponseBase:
        params = request.query_params
        fmt = export_format(params.get("format"), default="json") or "json"
        if params.get("date_range") and not (params.get("start") or params.get("end")):
            # The same date_range JSON an insight query holds, resolved in the site's zone: "export the
            # events behind this chart" needs no time arithmetic in the caller.
            start, end = facade.date_range_instants(site_id=site_id, date_range=_json(params["date_range"]))
        else:
            start, end = _instant(params.get("start"), "start"), _instant(params.get("end"), "end")
        if end <= start:
            detail = "end must be after start."
            raise DomainError("invalid_query", detail, [{"field": "end", "detail": detail}])
        header, rows = facade.events_export(
            site_id=site_id, start=start, end=end, filters=_filters(params.get("filters"))
        )
        span = f"{start:%Y%m%dT%H%M}-{end:%Y%m%dT%H%M}"
        return export_response(header=header, rows=rows, fmt=fmt, filename=f"site-{site_id}-events-{span}")
