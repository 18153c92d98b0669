"""What every site page shares: the site from the URL (only if granted), the header, navigation and script data.

A page's view is one call: `render_site_page(request, site_id=…, page="…", data={…}, strings={…})`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from access.roles import role_at_least
from console.navigation import PAGES, PAGES_BY_KEY
from console.selectors import ConsoleSite, console_site, console_sites

ROLE_LABELS = {"viewer": _("viewer"), "analyst": _("analyst"), "admin": _("admin")}

# Strings every page's script may need; a page adds its own through `strings`.
COMMON_STRINGS: dict[str, str | Promise] = {
    "loading": _("Loading…"),
    "error_network": _("The server could not be reached. Check that Sightline is running, then reload the page."),
    "error_session": _("Your session has ended. Sign in again to continue."),
    "error_forbidden": _("Your role on this site does not allow this. Ask a site admin for a higher role."),
    "error_server": _("The query failed on the server. Try again; if it keeps failing, check the server's log."),
    "error_query": _("The query was refused: %(detail)s"),
    "retry": _("Try again"),
    "none": _("(none)"),
    "other": _("Other"),
}


def render_site_page(
    request: HttpRequest,
    *,
    site_id: int,
    page: str,
    context: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    strings: Mapping[str, str | Promise] | None = None,
) -> HttpResponse:
    """Renders console/<page>.html for a granted site, or the console's 404/403 page."""
    site = console_site(user=request.user, site_id=site_id)
    if site is None:
        # Not there and not yours look the same, so site ids do not leak.
        return render(request, "console/not_found.html", {"sites": console_sites(user=request.user)}, status=404)
    current = PAGES_BY_KEY[page]
    if not role_at_least(site.role, current.role):
        return render(request, "console/forbidden.html", _layout(request, site, page), status=403)
    script_data = {
        "page": page,
        "language": get_language(),
        "site": {"id": site.id, "name": site.name, "timezone": site.timezone, "role": site.role.value},
        "api": f"/api/v1/sites/{site.id}/",
        "pageviewEvents": list(settings.ANALYTICS_PAGEVIEW_EVENTS),
        **(data or {}),
    }
    catalogue = {key: str(text) for key, text in {**COMMON_STRINGS, **(strings or {})}.items()}
    full = {**_layout(request, site, page), "script_data": script_data, "strings": catalogue, **(context or {})}
    return render(request, f"console/{page}.html", full)


def _layout(request: HttpRequest, site: ConsoleSite, page: str) -> dict[str, Any]:
    nav = [
        {"key": p.key, "title": p.title, "url": reverse(f"console:{p.key}", args=[site.id]), "current": p.key == page}
        for p in PAGES
        if role_at_least(site.role, p.role)
    ]
    return {
        "site": site,
        "sites": console_sites(user=request.user),
        "page": page,
        "page_title": PAGES_BY_KEY[page].title,
        "role_label": ROLE_LABELS[site.role.value],
        "nav": nav,
    }
