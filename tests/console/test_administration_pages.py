"""The administration pages server-side: who may open which, read-only settings for non-admins, escaped values,
and every string of their scripts in Chinese."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.utils import translation

from consent.facade import banner_update
from console.views import administration, administration_strings, site_settings
from tests.factories import make_site

pytestmark = pytest.mark.django_db

PAGES = ("settings", "consent", "members", "tokens")
# Users & roles is for site admins; the other pages for every member. A site not granted is not found.
EXPECTED = {
    "viewer": {"settings": 200, "consent": 200, "members": 403, "tokens": 200},
    "analyst": {"settings": 200, "consent": 200, "members": 403, "tokens": 200},
    "admin": {"settings": 200, "consent": 200, "members": 200, "tokens": 200},
    "other_admin": dict.fromkeys(PAGES, 404),
}


@pytest.fixture
def site():
    return make_site("Shop <b>bold</b>", origins=["https://example.com"])


def _script_data(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="console-data" type="application/json">(.*?)</script>', html, re.S)
    assert found
    return json.loads(found.group(1))


@pytest.mark.parametrize("role", sorted(EXPECTED))
@pytest.mark.parametrize("page", PAGES)
def test_who_opens_which_page(console_user, console_client, site, role, page):
    other = make_site("Other").id
    user = console_user("u", sites={other if role == "other_admin" else site.id: role.removeprefix("other_")})
    response = console_client(user).get(f"/sites/{site.id}/{page}/")
    assert response.status_code == EXPECTED[role][page]
    if response.status_code == 200:
        assert response["Content-Security-Policy"].startswith("default-src 'self'")


def test_navigation_lists_the_pages_by_role(console_user, console_client, site):
    viewer = console_client(console_user("vera", sites={site.id: "viewer"})).get(f"/sites/{site.id}/consent/")
    admin = console_client(console_user("adam", sites={site.id: "admin"})).get(f"/sites/{site.id}/consent/")
    for page in ("settings", "consent", "tokens"):
        assert f'href="/sites/{site.id}/{page}/"' in viewer.content.decode()
    assert f'href="/sites/{site.id}/members/"' not in viewer.content.decode()
    assert f'href="/sites/{site.id}/members/"' in admin.content.decode()


def test_settings_are_read_only_below_admin(console_user, console_client, site):
    analyst = console_client(console_user("anna", sites={site.id: "analyst"})).get(f"/sites/{site.id}/settings/")
    html = analyst.content.decode()
    assert html.count("<fieldset disabled>") == 3  # general, privacy, banner
    assert 'type="submit"' not in html.split('id="general"')[1]
    assert "only admins of this site can change them" in html
    assert _script_data(html)["canEdit"] is False
    admin = console_client(console_user("adam", sites={site.id: "admin"})).get(f"/sites/{site.id}/settings/")
    html = admin.content.decode()
    assert "<fieldset disabled>" not in html and _script_data(html)["canEdit"] is True


def test_settings_show_the_snippet_guide_and_values_escaped(console_user, console_client, site):
    banner_update(site_id=site.id, texts={"en": {"title": '"><script>window.__xss=1</script>'}})
    html = console_client(console_user("adam", sites={site.id: "admin"})).get(f"/sites/{site.id}/settings/").content
    html = html.decode()
    # The snippet and the guide's lines are shown as text, never as tags of the console's page.
    assert '<script async src="http://testserver/s.js"' not in html
    assert f"data-key=&quot;{site.public_key}&quot;" in html
    assert f'hm.src = "http://testserver/s.js?key={site.public_key}";' in html  # Baidu's line, as text
    assert "Shop &lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html
    assert "<script>window.__xss" not in html
    assert 'value="&quot;&gt;&lt;script&gt;window.__xss=1&lt;/script&gt;"' in html
    assert "https://example.com</textarea>" in html
    assert '<option value="Asia/Shanghai">' in html and '<option value="UTC" selected>' in html


def test_tokens_offer_roles_up_to_ones_own(console_user, console_client, site):
    analyst = console_client(console_user("anna", sites={site.id: "analyst"})).get(f"/sites/{site.id}/tokens/")
    data = _script_data(analyst.content.decode())
    assert data["grantableRoles"] == ["viewer", "analyst"] and data["isSiteAdmin"] is False
    assert data["siteNames"] == {str(site.id): "Shop <b>bold</b>"}  # JSON in a json_script block: inert


def test_consent_page_hands_over_the_range_in_the_sites_zone(console_user, console_client):
    site = make_site("Shanghai", timezone="Asia/Shanghai").id
    response = console_client(console_user("vera", sites={site: "viewer"})).get(
        f"/sites/{site}/consent/?range=custom&from=2026-03-01&to=2026-03-31"
    )
    assert _script_data(response.content.decode())["range"]["current"] == {"from": "2026-03-01", "to": "2026-03-31"}


def test_every_script_string_is_translated():
    catalogues = [
        administration_strings.SETTINGS_STRINGS,
        administration_strings.CONSENT_STRINGS,
        administration_strings.MEMBERS_STRINGS,
        administration_strings.TOKENS_STRINGS,
    ]
    lazy = [text for catalogue in catalogues for text in catalogue.values()]
    lazy += [label for _, label in administration.CONSENT_KPIS]
    for choices in (
        site_settings.IP_TRUNCATION,
        site_settings.CONSENT_MODES,
        site_settings.PROMPT_POLICIES,
        site_settings.BANNER_SHOW,
        site_settings.BANNER_LANGUAGES,
    ):
        lazy += [label for _, label in choices]
    lazy += list(site_settings.BANNER_TEXT_LABELS.values())
    untranslated = []
    for text in lazy:
        with translation.override("en"):
            english = str(text)
        with translation.override("zh-hans"):
            if str(text) == english:
                untranslated.append(english)
    assert untranslated == []
