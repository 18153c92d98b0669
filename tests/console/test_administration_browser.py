"""The administration pages in real headless Chromium: settings saved, a test event sent through the real collect
endpoint and seen arriving, consent rates, members and tokens — with tracked strings that try to be HTML, no
request beyond 127.0.0.1, no console error, no CSP violation, no dialog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from access.models import ApiToken, SiteMembership
from analytics import facade
from analytics.models import Event, Site
from consent.models import BannerSettings, ConsentRecord
from tests.console.conftest import wait_until
from tests.factories import make_site

pytestmark = [pytest.mark.slow]

XSS = '<img src=x onerror="window.__xss=1">'


def _status_of(page, selector: str, text: str) -> None:
    wait_until(lambda: text in page.inner_text(selector), what=f"{text!r} in {selector}", page=page)


def test_an_admin_changes_settings_and_sees_a_test_event_arrive(console_page, console_user):
    created = make_site("Shop", origins=["https://example.com"])
    site = created.id
    facade.alias_set(site_id=site, alias=XSS, name="click_banner")
    facade.dimension_create(site_id=site, key="plan", display_name=XSS)
    browsing = console_page(console_user("adam", sites={site: "admin"}))
    page = browsing.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=browsing.base_url)
    browsing.goto(f"/sites/{site}/settings/")
    browsing.wait_loaded()

    # The snippet, copied with its button.
    page.click('[data-copy="snippet"]')
    _status_of(page, '[data-copy-status="snippet"]', "Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert f'data-key="{created.public_key}"' in copied and copied == page.inner_text('[data-copy-source="snippet"]')

    # Tracked-looking strings in aliases and dimensions are text.
    assert XSS in page.inner_text("[data-aliases]") and XSS in page.inner_text("[data-dimensions]")

    # Privacy and retention, saved through the API.
    page.check('input[name="ip_truncation"][value="strong"]')
    page.fill("#site-retention", "400")
    page.click("#privacy button[type=submit]")
    _status_of(page, "#privacy [data-form-status]", "Saved.")
    stored = Site.objects.get(pk=site)
    assert (stored.ip_truncation, stored.retention_days) == ("strong", 400)

    # A refused value is shown next to its field and nothing is saved.
    page.fill("#site-origins", "https://example.com\nnot an origin")
    page.click("#general button[type=submit]")
    wait_until(lambda: page.is_visible('[data-error-for="allowed_origins"]'), what="the field error", page=page)
    assert Site.objects.get(pk=site).allowed_origins == ["https://example.com"]
    page.fill("#site-origins", "https://example.com")

    # The banner: show always, an English title override; other stored overrides are kept.
    BannerSettings.objects.create(site_id=site, texts={"en": {"opt_out": "Stop"}})
    browsing.goto(f"/sites/{site}/settings/")
    browsing.wait_loaded()
    page.select_option("#banner-show", "always")
    page.click("#banner summary")
    page.fill("#text-en-title", "Cookies? None.")
    page.click("#banner button[type=submit]")
    _status_of(page, "#banner [data-form-status]", "Saved.")
    banner = BannerSettings.objects.get(site_id=site)
    assert banner.show == "always" and banner.texts == {"en": {"opt_out": "Stop", "title": "Cookies? None."}}

    # An alias added and one removed (the "really?" is asked in place, not in a dialog).
    page.fill("#alias-from", "tap_ad")
    page.fill("#alias-to", "click_banner")
    page.click("[data-add-alias] button[type=submit]")
    wait_until(lambda: "tap_ad" in page.inner_text("[data-aliases] [data-list-body]"), what="the alias", page=page)
    row = page.locator("[data-aliases] tbody tr", has_text="tap_ad")
    row.get_by_role("button", name="Remove").click()
    row.get_by_role("button", name="Really remove?").click()
    wait_until(lambda: "tap_ad" not in page.inner_text("[data-aliases] [data-list-body]"), what="removal", page=page)
    assert {a.alias for a in facade.alias_list(site_id=site)} == {XSS}

    # The test event: the console's own origin may send although it is not among the site's origins.
    page.click("[data-test-send]")
    _status_of(page, "[data-test-status]", "Collection works.")
    assert browsing.base_url not in Site.objects.get(pk=site).allowed_origins
    stored_event = Event.objects.get(site_id=site, name="sightline_test_event")
    assert stored_event.path == f"/sites/{site}/settings/"
    assert "sightline_test_event" in page.inner_text("[data-test-results] tbody")
    assert page.evaluate("window.__xss") is None
    # The refused origin list (400), shown on the page.
    browsing.assert_clean(expected_errors=("status of 400",))


def test_a_viewer_reads_settings_but_cannot_change_them(console_page, console_user):
    site = make_site("Shop", origins=[]).id  # any origin may send
    browsing = console_page(console_user("vera", sites={site: "viewer"}))
    page = browsing.page
    browsing.goto(f"/sites/{site}/settings/")
    browsing.wait_loaded()
    assert page.is_disabled("#site-retention") and page.is_disabled("#banner-show")
    assert page.locator("#privacy button[type=submit]").count() == 0
    assert page.locator("[data-add-alias]").count() == 0
    assert page.locator("[data-aliases] button").count() == 0
    # The test event is sent; seeing it arrive needs the analyst role, and the page says so.
    page.click("[data-test-send]")
    _status_of(page, "[data-test-status]", "needs the analyst role")
    assert Event.objects.filter(site_id=site, name="sightline_test_event").count() == 1
    browsing.assert_clean(expected_errors=("status of 403",))


def test_consent_rates_match_the_ledger(console_page, console_user):
    site = make_site("Shop", timezone="Asia/Shanghai").id
    today = datetime.now(UTC)
    for days_ago, choice in [(1, "granted"), (1, "granted"), (1, "denied"), (3, "granted")]:
        ConsentRecord.objects.create(
            site_id=site, subject=f"s{days_ago}{choice}", choice=choice, policy_version="1", source="banner",
            recorded_at=today - timedelta(days=days_ago),
        )  # fmt: skip
    browsing = console_page(console_user("vera", sites={site: "viewer"}))
    page = browsing.page
    browsing.goto(f"/sites/{site}/consent/")
    browsing.wait_loaded()
    assert page.inner_text('[data-kpi="granted"] [data-value]') == "3"
    assert page.inner_text('[data-kpi="denied"] [data-value]') == "1"
    assert page.inner_text('[data-kpi="opt_in_rate"] [data-value]') == "75%"
    assert page.locator("[data-consent-table] tbody tr").count() == 30
    assert "66.7%" in page.inner_text("[data-consent-table] tbody")
    assert page.is_hidden("[data-empty-state]")
    assert page.evaluate("!!document.querySelector('[data-chart]').getContext('2d')")

    with page.expect_navigation():
        page.select_option("#language-select", "zh-hans")
    wait_until(lambda: page.evaluate("document.documentElement.lang") == "zh-hans", what="中文", page=page)
    browsing.wait_loaded()
    assert page.inner_text("main h1") == "同意情况"
    assert "同意率" in page.inner_text("[data-consent-table] thead")
    browsing.assert_clean()


def test_an_admin_manages_members(console_page, console_user):
    site = make_site("Shop").id
    admin = console_user("adam", sites={site: "admin"})
    console_user("bea")
    browsing = console_page(admin)
    page = browsing.page
    browsing.goto(f"/sites/{site}/members/")
    browsing.wait_loaded()
    assert "adam (you)" in page.inner_text("[data-members] tbody")

    # The last admin stays: the page says what to do.
    page.select_option('[data-members] tbody select[aria-label="Role of adam"]', "viewer")
    _status_of(page, "[data-members] [data-list-status]", "make someone else admin first")
    assert SiteMembership.objects.get(site_id=site, user=admin).role == "admin"

    # An existing user added; a new one created with a password shown once.
    page.fill("#member-username", "bea")
    page.click("[data-add-member] button[type=submit]")
    _status_of(page, "[data-add-member] [data-form-status]", "bea is now viewer")
    page.fill("#member-username", "cho")
    page.select_option("#member-role", "analyst")
    page.check('input[name="create_user"]')
    page.click("[data-add-member] button[type=submit]")
    wait_until(lambda: page.is_visible("[data-new-password]"), what="the one-time password", page=page)
    password = page.inner_text("[data-new-password] [data-secret]").strip()
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get(username="cho").check_password(password)
    wait_until(lambda: "cho" in page.inner_text("[data-members] tbody"), what="the new member", page=page)

    # bea's role changed in place, then removed.
    page.select_option('[data-members] tbody select[aria-label="Role of bea"]', "analyst")
    _status_of(page, "[data-members] [data-list-status]", "bea is now analyst")
    row = page.locator("[data-members] tbody tr", has_text="bea")
    row.get_by_role("button", name="Remove").click()
    row.get_by_role("button", name="Really remove?").click()
    wait_until(lambda: "bea" not in page.inner_text("[data-members] tbody"), what="bea's removal", page=page)
    assert set(SiteMembership.objects.filter(site_id=site).values_list("user__username", "role")) == {
        ("adam", "admin"),
        ("cho", "analyst"),
    }
    browsing.goto(f"/sites/{site}/members/")
    browsing.wait_loaded()
    assert password not in page.content()  # shown once, never again
    browsing.assert_clean(expected_errors=("status of 409",))


def test_a_token_is_created_shown_once_used_and_revoked(console_page, console_user):
    site = make_site("Shop").id
    user = console_user("anna", sites={site: "analyst"})
    browsing = console_page(user)
    page = browsing.page
    browsing.goto(f"/sites/{site}/tokens/")
    browsing.wait_loaded()
    assert "You have no API tokens" in page.inner_text("[data-tokens]")
    assert page.locator("[data-site-tokens]").count() == 0  # not an admin here
    # The role offered stops at the user's own.
    assert page.eval_on_selector_all("#token-role option", "os => os.map(o => o.value)") == ["viewer", "analyst"]

    page.fill("#token-name", XSS)
    page.select_option("#token-role", "viewer")
    page.click("[data-new-token] button[type=submit]")
    wait_until(lambda: page.is_visible("[data-new-token-secret]"), what="the new token", page=page)
    token = page.inner_text("[data-new-token-secret] [data-secret]").strip()
    assert token.startswith("slt_")
    wait_until(lambda: XSS in page.inner_text("[data-tokens] tbody"), what="the token in the list", page=page)
    assert "Shop, as viewer" in page.inner_text("[data-tokens] tbody")
    stored = ApiToken.objects.get(user=user)
    assert (stored.site_id, stored.role) == (site, "viewer") and token not in stored.token_hash

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get(f"/api/v1/sites/{site}/").json()["role"] == "viewer"

    browsing.goto(f"/sites/{site}/tokens/")
    browsing.wait_loaded()
    assert token not in page.content() and token[:10] in page.inner_text("[data-tokens] tbody")
    row = page.locator("[data-tokens] tbody tr").first
    row.get_by_role("button", name="Revoke").click()
    row.get_by_role("button", name="Really revoke? Programs using it stop working at once.").click()
    wait_until(lambda: "You have no API tokens" in page.inner_text("[data-tokens]"), what="revocation", page=page)
    assert api.get(f"/api/v1/sites/{site}/").status_code == 401
    assert page.evaluate("window.__xss") is None
    browsing.assert_clean()


def test_a_site_admin_revokes_someone_elses_token_narrowed_to_the_site(console_page, console_user):
    from access.services import api_token_create

    site, other = make_site("Shop").id, make_site("Other").id
    vera = console_user("vera", sites={site: "viewer", other: "viewer"})
    theirs = api_token_create(user_id=vera.pk, name="vera's notebook", site_id=site, role="viewer").info.id
    elsewhere = api_token_create(user_id=vera.pk, name="other site", site_id=other, role="viewer").info.id
    browsing = console_page(console_user("adam", sites={site: "admin"}))
    page = browsing.page
    browsing.goto(f"/sites/{site}/tokens/")
    browsing.wait_loaded()
    listed = page.inner_text("[data-site-tokens] tbody")
    assert "vera's notebook" in listed and "vera" in listed and "other site" not in listed
    assert "You have no API tokens" in page.inner_text("[data-tokens]")  # vera's are not adam's own
    row = page.locator("[data-site-tokens] tbody tr", has_text="vera's notebook")
    row.get_by_role("button", name="Revoke").click()
    row.get_by_role("button", name="Really revoke? Programs using it stop working at once.").click()
    wait_until(
        lambda: "No tokens are narrowed to this site." in page.inner_text("[data-site-tokens]"),
        what="revocation",
        page=page,
    )
    assert set(ApiToken.objects.values_list("pk", flat=True)) == {elsewhere} and theirs != elsewhere
    browsing.assert_clean()
