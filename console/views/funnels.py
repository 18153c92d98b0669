"""Funnel builder: steps, conversion window, order, exclusions → a funnels query; who dropped at a step.

The script is frontend/src/console/pages/funnels.js; lists of people need the analyst role (the API says so).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from console.views.analysis_page import Strings, render_analysis_page

STRINGS: Strings = {
    "step": _("Step"),
    "step_n": _("Step %(n)s"),
    "add_step": _("Add step"),
    "remove_step": _("Remove this step"),
    "step_filters": _("Filters of this step"),
    "window": _("Conversion window"),
    "window_unit": _("Unit"),
    "unit_minute": _("minutes"),
    "unit_hour": _("hours"),
    "unit_day": _("days"),
    "unit_week": _("weeks"),
    "order": _("Order"),
    "order_ordered": _("In order (other events allowed between)"),
    "order_strict": _("Strictly in order (nothing between)"),
    "order_any": _("Any order"),
    "exclusions": _("Exclusions"),
    "add_exclusion": _("Add exclusion"),
    "exclusion_between": _("between step"),
    "exclusion_and": _("and step"),
    "conversion": _("Conversion"),
    "step_conversion": _("From previous step"),
    "dropped": _("Dropped"),
    "median_time": _("Median time from previous"),
    "overall_conversion": _("Overall conversion"),
    "median_to_convert": _("Median time to convert"),
    "show_dropped": _("Who dropped?"),
    "dropped_title": _("People who reached step %(from)s but not step %(to)s"),
    "dropped_none": _("Nobody dropped out at this step."),
    "person_id": _("Person id"),
    "export_dropped": _("Export all (CSV)"),
    "page_of": _("%(first)s–%(last)s"),
    "converted": _("Converted"),
}


@require_GET
@login_required
def funnels(request: HttpRequest, site_id: int) -> HttpResponse:
    return render_analysis_page(request, site_id=site_id, page="funnels", strings=STRINGS, default_range="30d")
