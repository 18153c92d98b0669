"""A site's consent banner settings and its visitors' consent choices per day, from the consent ledger."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.permissions import HasSiteRole
from access.roles import Role
from analytics import facade
from analytics.api.serializers import BannerOut, BannerPatchIn, ConsentDailyOut, checked
from consent import facade as consent
from server.errors import DomainError

DEFAULT_DAYS = 30
MAX_DAYS = 366


def _banner_body(banner: consent.BannerInfo) -> object:
    return BannerOut({**dataclasses.asdict(banner), "default_texts": consent.DEFAULT_TEXTS}).data


class BannerView(APIView):
    permission_classes = [HasSiteRole]
    required_roles = {"GET": Role.VIEWER, "PATCH": Role.ADMIN}

    @extend_schema(responses=BannerOut, summary="The site's consent banner settings")
    def get(self, request: Request, site_id: int) -> Response:
        return Response(_banner_body(consent.banner_get(site_id=site_id)))

    @extend_schema(request=BannerPatchIn, responses=BannerOut, summary="Change the consent banner (admins)")
    def patch(self, request: Request, site_id: int) -> Response:
        try:
            banner = consent.banner_update(site_id=site_id, **checked(BannerPatchIn, request.data))
        except ValidationError as exc:  # the model's own checks; the input serializer catches these first
            errors = [{"field": f, "detail": " ".join(m)} for f, m in exc.message_dict.items()]
            raise DomainError("invalid", "The banner settings are invalid.", errors) from None
        return Response(_banner_body(banner))


def _day(raw: str | None, field: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        detail = "Expected a date such as 2026-03-01."
        raise DomainError("invalid_query", f"{field}: {detail}", [{"field": field, "detail": detail}]) from None


def _rate(granted: int, denied: int) -> float | None:
    return granted / (granted + denied) if granted + denied else None


class ConsentDailyView(APIView):
    # Counts of choices are aggregates: every member may read them.
    permission_classes = [HasSiteRole]
    required_roles = {"GET": Role.VIEWER}

    @extend_schema(
        responses=ConsentDailyOut,
        parameters=[
            OpenApiParameter("start", str, description=f"First day (default: {DEFAULT_DAYS - 1} days before end)."),
            OpenApiParameter("end", str, description="Last day, inclusive (default: today in the site's zone)."),
        ],
        summary=f"Opt-ins and opt-outs per day of the site's time zone (at most {MAX_DAYS} days)",
    )
    def get(self, request: Request, site_id: int) -> Response:
        zone = facade.site_get(site_id=site_id).timezone
        end = _day(request.query_params.get("end"), "end") or datetime.now(ZoneInfo(zone)).date()
        start = _day(request.query_params.get("start"), "start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if not 0 <= (end - start).days < MAX_DAYS:
            detail = f"start must be on or before end, and at most {MAX_DAYS} days apart."
            raise DomainError("invalid_query", detail, [{"field": "start", "detail": detail}])
        days = consent.consent_days(site_id=site_id, start=start, end=end, timezone=zone)
        granted, denied = sum(d.granted for d in days), sum(d.denied for d in days)
        body = {
            "timezone": zone,
            "start": start,
            "end": end,
            "days": [{**dataclasses.asdict(d), "opt_in_rate": _rate(d.granted, d.denied)} for d in days],
            "totals": {"granted": granted, "denied": denied, "opt_in_rate": _rate(granted, denied)},
        }
        return Response(ConsentDailyOut(body).data)
