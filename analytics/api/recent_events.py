"""A site's newest events, for the console's "send a test event" check (and anyone watching events arrive)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.permissions import HasSiteRole
from access.roles import Role
from analytics import selectors
from analytics.api.serializers import RecentEventOut
from server.errors import DomainError

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def _limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        detail = f"Expected a whole number from 1 to {MAX_LIMIT}."
        raise DomainError("invalid_query", f"limit: {detail}", [{"field": "limit", "detail": detail}])
    return int(raw)


class RecentEventsView(APIView):
    # Single events with their paths are individual-level data: analysts and admins, like raw exports.
    permission_classes = [HasSiteRole]
    required_roles = {"GET": Role.ANALYST}

    @extend_schema(
        responses=RecentEventOut(many=True),
        parameters=[
            OpenApiParameter("limit", int, description=f"How many (1 to {MAX_LIMIT}, default {DEFAULT_LIMIT})."),
            OpenApiParameter("name", str, description="Only events of this name."),
        ],
        summary="The site's newest stored events of the last 7 days, newest first",
    )
    def get(self, request: Request, site_id: int) -> Response:
        params = request.query_params
        events = selectors.recent_events(site_id=site_id, limit=_limit(params.get("limit")), name=params.get("name"))
        return Response(RecentEventOut(events, many=True).data)
