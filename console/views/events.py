"""Events explorer: series, filters, breakdown and interval → a trends query, drawn as a chart and tables.

The script (frontend/src/console/pages/events.js) builds the same query object a REST client sends
(docs/queries.md); this view resolves the picked date range and hands over the words the script shows.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from console.views.analysis_page import Strings, render_analysis_page

STRINGS: Strings = {
    "add_series": _("Add series"),
    "remove_series": _("Remove this series"),
    "series": _("Series"),
    "measure": _("Measure"),
    "math_count": _("Events"),
    "math_persons": _("Unique persons"),
    "math_sessions": _("Sessions"),
    "math_sum": _("Sum of"),
    "math_avg": _("Average of"),
    "math_p50": _("Median (p50) of"),
    "math_p90": _("90th percentile of"),
    "property": _("Property"),
    "interval": _("Interval"),
    "interval_hour": _("Hour"),
    "interval_day": _("Day"),
    "interval_week": _("Week"),
    "interval_month": _("Month"),
    "period_start": _("Period"),
}


@require_GET
@login_required
def events(request: HttpRequest, site_id: int) -> HttpResponse:
    return render_analysis_page(request, site_id=site_id, page="events", strings=STRINGS, default_range="7d")
