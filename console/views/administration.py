"""Consent rates, users & roles, and API tokens: pages whose scripts do all their work through the REST API
(`…/consent/daily/`, `…/members/`, `/api/v1/tokens/`); these views hand over the site's facts and the words."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from access.roles import Role, role_at_least
from console.date_ranges import pick_range
from console.selectors import console_site, console_sites
from console.views.administration_strings import CONSENT_STRINGS, MEMBERS_STRINGS, TOKENS_STRINGS
from console.views.site_page import render_site_page

ROLES = (Role.VIEWER, Role.ANALYST, Role.ADMIN)
CONSENT_KPIS = [("granted", _("Opted in")), ("denied", _("Opted out")), ("opt_in_rate", _("Opt-in rate"))]


@require_GET
@login_required
def consent_rates(request: HttpRequest, site_id: int) -> HttpResponse:
    site = console_site(user=request.user, site_id=site_id)
    today = datetime.now(ZoneInfo(site.timezone if site else "UTC")).date()
    params = request.GET if "range" in request.GET else {"range": "30d"}
    picked = pick_range(params, today)
    return render_site_page(
        request,
        site_id=site_id,
        page="consent",
        context={"picked": picked, "kpis": CONSENT_KPIS},
        data={"range": picked.as_query()},
        strings=CONSENT_STRINGS,
    )


@require_GET
@login_required
def members(request: HttpRequest, site_id: int) -> HttpResponse:
    return render_site_page(
        request,
        site_id=site_id,
        page="members",
        data={"userId": request.user.pk, "roles": [r.value for r in ROLES]},
        strings=MEMBERS_STRINGS,
    )


@require_GET
@login_required
def tokens(request: HttpRequest, site_id: int) -> HttpResponse:
    site = console_site(user=request.user, site_id=site_id)
    # A token narrowed to this site may hold at most the user's own role here.
    grantable = [r.value for r in ROLES if site and role_at_least(site.role, r)]
    sites = {s.id: s.name for s in console_sites(user=request.user)}
    is_site_admin = bool(site and site.role == Role.ADMIN)
    return render_site_page(
        request,
        site_id=site_id,
        page="tokens",
        context={"is_site_admin": is_site_admin},
        data={"grantableRoles": grantable, "siteNames": sites, "isSiteAdmin": is_site_admin},
        strings=TOKENS_STRINGS,
    )
