"""The event catalogue behind the console's pickers: event names, property and dimension keys, common values."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.permissions import HasSiteRole
from access.roles import Role
from analytics import facade

_DAYS = OpenApiParameter("days", int, description="The last N days, today included (1-365, default 30).")
_EVENT = OpenApiParameter("event", str, description="Only events of this name.")
_BOTS = OpenApiParameter("include_bots", bool, description="Count events flagged as bots too (default false).")


class EventCatalogueView(APIView):
    # Aggregates of names and keys, like any insight: every role may read them.
    permission_classes = [HasSiteRole]
    required_roles = {"GET": Role.VIEWER}

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        parameters=[_DAYS, _EVENT, _BOTS],
        summary="Event names with counts, and the property and dimension keys seen, over recent days",
    )
    def get(self, request: Request, site_id: int) -> Response:
        return Response(facade.event_catalogue(site_id=site_id, params=request.query_params))


class PropertyValuesView(APIView):
    permission_classes = [HasSiteRole]
    required_roles = {"GET": Role.VIEWER}

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter("key", str, required=True, description="A filter key: browser, props.plan, dims.tier…"),
            _DAYS,
            _EVENT,
            OpenApiParameter("search", str, description="Only values containing this text (case-insensitive)."),
            OpenApiParameter("limit", int, description="At most this many values (1-100, default 20)."),
            _BOTS,
        ],
        summary="The most common recent values of one field, for filter pickers",
    )
    def get(self, request: Request, site_id: int) -> Response:
        return Response(facade.property_values(site_id=site_id, params=request.query_params))
