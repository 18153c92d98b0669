"""Cohorts: list, create, edit and delete the site's saved groups of people (changes need analyst).

The script is frontend/src/console/pages/cohorts.js; viewers see the list and use cohorts as filters.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from console.views.analysis_page import Strings, render_analysis_page

STRINGS: Strings = {
    "name": _("Name"),
    "definition": _("Definition"),
    "updated": _("Changed"),
    "actions": _("Actions"),
    "edit": _("Edit"),
    "delete": _("Delete"),
    "confirm_delete": _("Delete cohort %(name)s? Queries that use it will be refused."),
    "new_cohort": _("New cohort"),
    "edit_cohort": _("Edit cohort %(name)s"),
    "save": _("Save cohort"),
    "cancel": _("Cancel"),
    "saved": _("Saved."),
    "match": _("People who match"),
    "match_all": _("all of these"),
    "match_any": _("any of these"),
    "add_event_criterion": _("Add: did an event"),
    "add_property_criterion": _("Add: has a property"),
    "did_event": _("Did %(event)s at least %(n)s times in the last %(days)s days"),
    "has_property": _("Has an event where %(key)s %(op)s %(value)s"),
    "min_count": _("At least (times)"),
    "last_days": _("In the last (days)"),
    "any_time": _("any time"),
    "no_cohorts": _(
        "No cohorts yet. A cohort is a group of people, e.g. everyone who signed up three times this month."
    ),
    "no_cohorts_viewer": _("No cohorts yet. Analysts and admins of this site can create them."),
    "read_only": _("You can use cohorts as filters; creating and changing them needs the analyst role."),
    "use_in_explorer": _("Use in the events explorer"),
}


@require_GET
@login_required
def cohorts(request: HttpRequest, site_id: int) -> HttpResponse:
    return render_analysis_page(request, site_id=site_id, page="cohorts", strings=STRINGS, default_range="30d")
