"""Insights: run a query and get its result, or export its rows; the people who dropped out of a funnel step."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from access.permissions import HasSiteRole
from access.roles import Role
from access.throttling import ExportRateThrottle
from analytics import facade
from analytics.api.exports import EXPORT_FORMATS, export_format, export_response
from server.errors import DomainError

FORMAT_PARAMETER = OpenApiParameter(
    "format", str, enum=EXPORT_FORMATS, description="Export the rows as CSV, one JSON array or NDJSON, streamed."
)


def query_payload(data: Any) -> dict[str, Any]:
    if not data:
        return {}
    if not isinstance(data, dict):
        raise DomainError(
            "invalid_query", "The body must be a JSON object.", [{"field": "$", "detail": "Expected an object."}]
        )
    return data


def _one_column(values: Iterator[str]) -> Iterator[tuple[str]]:
    try:
        for value in values:
            yield (value,)
    finally:
        close = getattr(values, "close", None)
        if close is not None:  # ends the engine's server-side cursor when the export is closed
            close()


class ExportThrottled(APIView):
    """Requests that stream an export also spend the export budget."""

    def is_export(self) -> bool:
        return bool(self.request.query_params.get("format"))

    def get_throttles(self) -> list[BaseThrottle]:
        throttles: list[BaseThrottle] = list(super().get_throttles())
        return [*throttles, ExportRateThrottle()] if self.is_export() else throttles


class InsightView(ExportThrottled):
    permission_classes = [HasSiteRole]
    required_roles = {"POST": Role.VIEWER}

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=facade.INSIGHT_KINDS), FORMAT_PARAMETER],
        summary="Run an insight (body: its query, see docs/queries.md); with ?format=, export its rows",
    )
    def post(self, request: Request, site_id: int, kind: str) -> HttpResponseBase:
        fmt = export_format(request.query_params.get("format"))
        query = facade.insight_parse(kind, query_payload(request.data))
        if fmt is None:
            return Response(facade.insight_run(site_id=site_id, query=query))
        header, rows = facade.insight_result_rows(site_id=site_id, query=query)
        return export_response(header=header, rows=rows, fmt=fmt, filename=f"site-{site_id}-{kind}")


class FunnelDroppedView(ExportThrottled):
    # Lists of people are individual-level data: analysts and admins only.
    permission_classes = [HasSiteRole]
    required_roles = {"POST": Role.ANALYST}

    def is_export(self) -> bool:
        return True

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter("step", int, required=True, description="0-based; people who reached step-1, not step."),
            FORMAT_PARAMETER,
        ],
        summary="Export the person ids that dropped out before a funnel step (body: the funnel query)",
    )
    def post(self, request: Request, site_id: int) -> HttpResponseBase:
        fmt = export_format(request.query_params.get("format"), default="json") or "json"
        raw_step = request.query_params.get("step", "")
        if not raw_step.isdigit():
            raise DomainError("invalid_step", "step must be a whole number, e.g. ?step=1.")
        query = facade.insight_parse("funnels", query_payload(request.data))
        people = facade.funnel_dropped_people(site_id=site_id, query=query, step=int(raw_step))
        return export_response(
            header=("person_id",),
            rows=_one_column(people),
            fmt=fmt,
            filename=f"site-{site_id}-funnel-dropped-step-{raw_step}",
        )


def _whole_number(raw: str | None, name: str, *, default: int | None, high: int) -> int:
    if (raw is None or raw == "") and default is not None:
        return default
    if raw is None or not raw.isdigit() or int(raw) > high:
        detail = f"Expected a whole number up to {high}."
        raise DomainError("invalid_query", f"{name}: {detail}", [{"field": name, "detail": detail}])
    return int(raw)


class FunnelDroppedPageView(APIView):
    """One page of the people who dropped out, for browsing in the console; not an export (no export budget)."""

    permission_classes = [HasSiteRole]
    required_roles = {"POST": Role.ANALYST}

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter("step", int, required=True, description="0-based; people who reached step-1, not step."),
            OpenApiParameter("offset", int, description="Skip this many people (default 0)."),
            OpenApiParameter("limit", int, description="At most this many people (1-500, default 50)."),
        ],
        summary="A page of the person ids that dropped out before a funnel step, ordered by id",
    )
    def post(self, request: Request, site_id: int) -> Response:
        params = request.query_params
        step = _whole_number(params.get("step"), "step", default=None, high=9)
        offset = _whole_number(params.get("offset"), "offset", default=0, high=10_000_000)
        limit = max(1, _whole_number(params.get("limit"), "limit", default=50, high=500))
        query = facade.insight_parse("funnels", query_payload(request.data))
        people, has_more = facade.funnel_dropped_page(
            site_id=site_id, query=query, step=step, offset=offset, limit=limit
        )
        return Response({"step": step, "offset": offset, "limit": limit, "people": people, "has_more": has_more})
