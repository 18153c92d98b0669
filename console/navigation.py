"""The console's pages, in the order the navigation lists them. Adding a page? Add its line here (docs/console.md).

Only built pages are listed; the navigation links every entry. Pages of issue 6 still to come, in this order:
events explorer, funnels, retention, paths, cohorts, site settings, consent, users & roles, API tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from access.roles import Role


@dataclass(frozen=True, slots=True)
class Page:
    # Also the page's key: the view's name in console/urls.py ("console:<key>") and the script's page module.
    key: str
    title: str | Promise
    # The least role on the site that sees the page in the navigation and may open it.
    role: Role = Role.VIEWER


PAGES: tuple[Page, ...] = (
    Page("overview", _("Overview")),
    Page("events", _("Events")),
    Page("funnels", _("Funnels")),
    Page("retention", _("Retention")),
    Page("paths", _("Paths")),
    # Viewers see and use cohorts as filters; the page hides creating and changing them (analyst+).
    Page("cohorts", _("Cohorts")),
    # Everyone reads the settings (and copies the snippet); only admins change them, the page shows them read-only.
    Page("settings", _("Site settings")),
    Page("consent", _("Consent")),
    Page("members", _("Users & roles"), Role.ADMIN),
    # A user's own tokens: every member has some to manage.
    Page("tokens", _("API tokens")),
)
PAGES_BY_KEY = {page.key: page for page in PAGES}
