"""Site settings: the snippet, the migration guide, the site's and the banner's settings, aliases, dimensions and
the "send a test event" check.

Every member sees the page; only admins change anything (the REST API enforces it; the page shows the forms
read-only to others). The form values are rendered here, escaped by the template; the script saves them through
the REST API (`/api/v1/sites/<id>/`, `…/banner/`, `…/aliases/`, `…/dimensions/`) and sends the test event
through the real collect endpoint.
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from access.roles import Role, role_at_least
from analytics import facade
from analytics.snippet import beacon_url, site_snippet
from consent import facade as consent
from console.selectors import console_site
from console.views.administration_strings import SETTINGS_STRINGS
from console.views.site_page import render_site_page

TEST_EVENT_NAME = "sightline_test_event"
# The banner texts the page offers to change; other keys keep whatever the API set.
BANNER_TEXT_KEYS = ("title", "body", "accept", "reject")

IP_TRUNCATION = [
    ("standard", _("Standard: the last octet of IPv4, the last 80 bits of IPv6")),
    ("strong", _("Strong: the last two octets of IPv4, the last 96 bits of IPv6")),
]
CONSENT_MODES = [
    ("cookieless", _("Cookieless: count visitors without any identifier until they consent")),
    ("opt_in", _("Opt-in: keep nothing until the visitor consents")),
]
PROMPT_POLICIES = [
    ("none", _("Never store prompt text")),
    ("scrubbed", _("Store scrubbed, truncated prompt text")),
    ("hashed", _("Store a keyed hash of the prompt")),
]
BANNER_SHOW = [
    ("auto", _("On opt-in sites only")),
    ("always", _("Always, until the visitor chooses")),
    ("never", _("Never (the site has its own consent tool)")),
]
BANNER_LANGUAGES = [
    ("auto", _("The page's language, else the browser's")),
    ("en", _("English")),
    ("zh-Hans", _("Simplified Chinese")),
]
BANNER_TEXT_LABELS = {
    "title": _("Title"),
    "body": _("Text"),
    "accept": _("Accept button"),
    "reject": _("Reject button"),
}


def _banner_fields(banner: consent.BannerInfo) -> list[dict[str, object]]:
    """One row per (language, text): the site's override (may be empty) and the default shown as placeholder."""
    rows = []
    for language, label in (("en", _("English")), ("zh-Hans", _("Simplified Chinese"))):
        for key in BANNER_TEXT_KEYS:
            rows.append(
                {
                    "name": f"text-{language}-{key}",
                    "language": language,
                    "language_label": label,
                    "key": key,
                    "label": BANNER_TEXT_LABELS[key],
                    "value": banner.texts.get(language, {}).get(key, ""),
                    "default": consent.DEFAULT_TEXTS[language][key],
                    "long": key == "body",
                }
            )
    return rows


@require_GET
@login_required
def site_settings(request: HttpRequest, site_id: int) -> HttpResponse:
    site = console_site(user=request.user, site_id=site_id)
    if site is None:
        return render_site_page(request, site_id=site_id, page="settings")  # the console's 404
    info = facade.site_get(site_id=site_id)
    banner = consent.banner_get(site_id=site_id)
    server = request.build_absolute_uri("/").rstrip("/")
    can_edit = role_at_least(site.role, Role.ADMIN)
    context = {
        "info": info,
        "banner": banner,
        "banner_fields": _banner_fields(banner),
        "can_edit": can_edit,
        "sees_events": role_at_least(site.role, Role.ANALYST),
        "snippet": site_snippet(public_key=info.public_key, server_url=server),
        "beacon_url": beacon_url(server),
        "server_url": server,
        "origins_text": "\n".join(info.allowed_origins),
        "timezones": sorted(zoneinfo.available_timezones()),
        "ip_truncations": IP_TRUNCATION,
        "consent_modes": CONSENT_MODES,
        "prompt_policies": PROMPT_POLICIES,
        "banner_shows": BANNER_SHOW,
        "banner_languages": BANNER_LANGUAGES,
        "test_event_name": TEST_EVENT_NAME,
    }
    data = {
        "canEdit": can_edit,
        "publicKey": info.public_key,
        "allowedOrigins": info.allowed_origins,
        "testEventName": TEST_EVENT_NAME,
        "collectUrl": "/api/v1/collect",
        # How long the collect endpoint may still answer with a site's old origins after a change.
        "siteCacheSeconds": settings.INGEST_SITE_CACHE_SECONDS,
        "bannerTextKeys": list(BANNER_TEXT_KEYS),
    }
    return render_site_page(
        request, site_id=site_id, page="settings", context=context, data=data, strings=SETTINGS_STRINGS
    )
