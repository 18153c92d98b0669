"""Overview: the site's headline numbers against the previous period, its chart, top lists and the live view.

The page's script (frontend/src/console/pages/overview.js) asks the REST API for every number; this view only
resolves the picked date range in the site's time zone and hands it over.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from analytics.snippet import site_snippet
from console.date_ranges import pick_range
from console.selectors import console_site
from console.views.site_page import render_site_page

STRINGS = {
    "visitors": _("Visitors"),
    "pageviews": _("Page views"),
    "sessions": _("Sessions"),
    "bounce_rate": _("Bounce rate"),
    "avg_duration": _("Avg. visit duration"),
    "vs_previous": _("vs. previous period"),
    "previous_none": _("no data before"),
    "page": _("Page"),
    "referrer": _("Referrer"),
    "direct": _("Direct / none"),
    "event": _("Event"),
    "browser": _("Browser"),
    "os": _("Operating system"),
    "device": _("Device"),
    "count": _("Count"),
    # The referrers, browsers, systems and devices lists count sessions, each under its first value.
    "visits": _("Visits"),
    "visits_hint": _("Visits (sessions), each counted under the first value seen in it"),
    "live_visitors": _("Visitors in the last 30 minutes"),
    "live_events": _("Events per minute"),
    "live_updated": _("Updated %(time)s"),
    "no_data_list": _("Nothing in this period."),
    "unknown": _("Unknown"),
}
KPIS = ("visitors", "pageviews", "sessions", "bounce_rate", "avg_duration")
LISTS = {
    "pages": _("Top pages"),
    "referrers": _("Top referrers"),
    "events": _("Top events"),
    "browsers": _("Browsers"),
    "os": _("Operating systems"),
    "devices": _("Devices"),
}


@require_GET
@login_required
def overview(request: HttpRequest, site_id: int) -> HttpResponse:
    site = console_site(user=request.user, site_id=site_id)
    today = datetime.now(ZoneInfo(site.timezone)).date() if site else datetime.now(ZoneInfo("UTC")).date()
    picked = pick_range(request.GET, today)
    server = request.build_absolute_uri("/").rstrip("/")
    return render_site_page(
        request,
        site_id=site_id,
        page="overview",
        context={
            "picked": picked,
            "kpis": [(key, STRINGS[key]) for key in KPIS],
            "lists": list(LISTS.items()),
            "snippet": site_snippet(public_key=site.public_key, server_url=server) if site else "",
        },
        data={"range": picked.as_query(), "interval": picked.interval},
        strings=STRINGS,
    )
