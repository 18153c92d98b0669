"""Paths: the next or previous steps from an event, as tables per step, a tree and the flows.

The script is frontend/src/console/pages/paths.js.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from console.views.analysis_page import Strings, render_analysis_page

STRINGS: Strings = {
    "direction": _("Direction"),
    "direction_next": _("What happens after"),
    "direction_previous": _("What happens before"),
    "depth": _("Steps"),
    "per_step": _("Events per step"),
    "collapse": _("Merge repeated events"),
    "persons_anchor": _("%(n)s persons did %(event)s in this period."),
    "offset_n": _("Step %(n)s"),
    "from": _("From"),
    "to": _("To"),
    "flows": _("Flows between steps"),
    "other_events": _("Other events"),
}


@require_GET
@login_required
def paths(request: HttpRequest, site_id: int) -> HttpResponse:
    return render_analysis_page(request, site_id=site_id, page="paths", strings=STRINGS, default_range="7d")
