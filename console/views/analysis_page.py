"""What the analysis pages (events, funnels, retention, paths, cohorts) share: the date range picked in the
site's zone, and the words of the query controls every one of them shows (frontend/src/console/query_controls.js,
analysis_page.js). Each page's view adds its own STRINGS.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from console.date_ranges import pick_range
from console.selectors import console_site
from console.views.site_page import render_site_page

Strings = dict[str, str | Promise]

CONTROLS: Strings = {
    "all_events": _("All events"),
    "event_name": _("Event name"),
    "event": _("Event"),
    "filters": _("Filters"),
    "add_filter": _("Add filter"),
    "remove_filter": _("Remove this filter"),
    "filter_key": _("Property"),
    "filter_op": _("Condition"),
    "filter_value": _("Value"),
    "values_hint": _("Separate several values with commas."),
    "cohort": _("Cohort"),
    "op_eq": _("equals"),
    "op_neq": _("does not equal"),
    "op_in": _("is one of"),
    "op_not_in": _("is none of"),
    "op_member": _("belongs to"),
    "op_not_member": _("does not belong to"),
    "op_contains": _("contains"),
    "op_not_contains": _("does not contain"),
    "op_gt": _("greater than"),
    "op_gte": _("at least"),
    "op_lt": _("less than"),
    "op_lte": _("at most"),
    "op_is_set": _("is set"),
    "op_is_not_set": _("is not set"),
    "breakdown": _("Breakdown"),
    "breakdown_none": _("No breakdown"),
    "breakdown_value": _("Breakdown value"),
    "top_n": _("Top"),
    "run": _("Run query"),
    "running": _("Running the query…"),
    "export_csv": _("Export CSV"),
    "export_json": _("Export JSON"),
    "export_raw": _("Raw events (CSV)"),
    "export_failed": _("The export failed: %(detail)s"),
    "no_events_yet": _(
        "This site has received no events in the last 90 days. Install the snippet (see Overview) or send a "
        "test event, then come back."
    ),
    "no_results": _("Nothing matches this query in this period. Widen the date range or remove a filter."),
    "count": _("Count"),
    "persons": _("Persons"),
    "total": _("Total"),
    "previous": _("Previous"),
    "next": _("Next"),
    "remove": _("Remove"),
}


def render_analysis_page(
    request: HttpRequest, *, site_id: int, page: str, strings: Strings, default_range: str
) -> HttpResponse:
    """An analysis page: the picked range (`?range=…`, else this page's default) and the script's words."""
    site = console_site(user=request.user, site_id=site_id)
    today = datetime.now(ZoneInfo(site.timezone if site else "UTC")).date()
    params = request.GET if "range" in request.GET else {"range": default_range}
    picked = pick_range(params, today)
    return render_site_page(
        request,
        site_id=site_id,
        page=page,
        context={"picked": picked},
        data={"range": picked.as_query(), "interval": picked.interval},
        strings={**CONTROLS, **strings},
    )
