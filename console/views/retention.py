"""Retention: first-time or recurring cohorts by day, week or month, as a heat-map with D1/D7/D30 numbers.

The script is frontend/src/console/pages/retention.js.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from console.views.analysis_page import Strings, render_analysis_page

STRINGS: Strings = {
    "target": _("First event (cohort entry)"),
    "returning": _("Returning event"),
    "same_as_target": _("Same as the first event"),
    "retention_type": _("Cohort by"),
    "type_first_time": _("First time ever"),
    "type_recurring": _("Every time (recurring)"),
    "period": _("Period"),
    "period_day": _("Day"),
    "period_week": _("Week"),
    "period_month": _("Month"),
    "cohort_start": _("Cohort"),
    "size": _("Persons"),
    "offset": _("%(unit)s %(n)s"),
    "unit_D": _("Day"),
    "unit_W": _("Week"),
    "unit_M": _("Month"),
    "headline_none": _("not enough history yet"),
    "all_persons": _("Everyone"),
}


@require_GET
@login_required
def retention(request: HttpRequest, site_id: int) -> HttpResponse:
    return render_analysis_page(request, site_id=site_id, page="retention", strings=STRINGS, default_range="30d")
