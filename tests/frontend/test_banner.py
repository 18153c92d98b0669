"""The consent banner and the opt-out element in a real browser: choices, storage, accessibility."""

from __future__ import annotations

import pytest

from consent.models import ConsentRecord
from consent.services import banner_settings_set
from tests.browser import FRONTEND
from tests.factories import make_site
from tests.frontend.pages import page_html, script_tag, wait_events, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("transactional_db")]
AXE = FRONTEND / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def site(page_server):
    site = make_site(origins=[page_server.url], consent_mode="opt_in")
    banner_settings_set(site_id=site.id, policy_url="https://example.com/privacy")
    return site


def banner_page(browsing, page_server, site, live_sightline, path, lang="en"):
    url = page_server.add(path, page_html(site.public_key, live_sightline.url, lang=lang))
    b = browsing()
    page = b.context.new_page()
    page.goto(url)
    page.wait_for_selector("#sightline-banner")
    return b, page


def records(site_id):
    return list(ConsentRecord.objects.filter(site_id=site_id).order_by("id"))


def test_reject_sends_nothing_and_stores_nothing(site, live_sightline, page_server, browsing):
    b, page = banner_page(browsing, page_server, site, live_sightline, "/reject")
    page.get_by_role("button", name="Reject analytics").click()
    assert page.query_selector("#sightline-banner") is None
    page.evaluate("sightline('track', 'after_reject')")
    page.wait_for_timeout(1000)
    assert b.collects() == []
    assert page.evaluate("localStorage.length") == 0
    assert b.context.cookies() == []
    (record,) = wait_until(lambda: records(site.id))
    assert (record.choice, record.source, record.policy_version) == ("denied", "banner", "1")
    assert record.categories == ["necessary"]


def test_accept_by_keyboard(site, live_sightline, page_server, browsing):
    _, page = banner_page(browsing, page_server, site, live_sightline, "/accept")
    # The banner comes first in the tab order: policy link, then reject, then accept.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#sightline-banner') !== null")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Accept analytics"
    page.keyboard.press("Enter")
    (view,) = wait_events(site.id, 1, name="page_view")  # the held page view, now with consent
    assert not view.anonymous_id.startswith("v:")
    (record,) = wait_until(lambda: records(site.id))
    assert (record.choice, record.categories) == ("granted", ["necessary", "analytics"])
    page.reload()
    page.wait_for_timeout(800)
    assert page.query_selector("#sightline-banner") is None  # the choice is remembered after consent


def test_categories_and_chinese_texts(site, live_sightline, page_server, browsing):
    _, page = banner_page(browsing, page_server, site, live_sightline, "/zh", lang="zh-CN")
    assert page.get_by_role("region").get_attribute("lang") == "zh-Hans"
    assert page.get_by_role("button", name="拒绝统计").is_visible()
    page.get_by_role("button", name="选择类别").click()
    assert page.get_by_label("必要").is_disabled() and page.get_by_label("必要").is_checked()
    page.get_by_label("统计分析").check()
    page.get_by_role("button", name="保存我的选择").click()
    (record,) = wait_until(lambda: records(site.id))
    assert record.choice == "granted"


def test_a_new_policy_version_asks_again(site, live_sightline, page_server, browsing):
    _, page = banner_page(browsing, page_server, site, live_sightline, "/policy")
    page.get_by_role("button", name="Accept analytics").click()
    wait_until(lambda: records(site.id))
    banner_settings_set(site_id=site.id, policy_version="2")
    page.route("**/api/v1/consent/config*", lambda route: route.continue_(headers={"cache-control": "no-cache"}))
    page.reload()
    page.wait_for_selector("#sightline-banner")


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_banner_passes_axe(lang, site, live_sightline, page_server, browsing):
    _, page = banner_page(browsing, page_server, site, live_sightline, f"/axe-{lang}", lang=lang)
    page.locator(".sightline-link-button").click()  # check the categories panel too
    page.add_script_tag(path=str(AXE))  # from node_modules: no CDN
    result = page.evaluate("axe.run('#sightline-banner')")
    assert result["violations"] == [], [(v["id"], v["help"]) for v in result["violations"]]
    assert len(result["passes"]) > 10


def test_opt_out_element_on_a_privacy_page(live_sightline, page_server, browsing):
    site = make_site(origins=[page_server.url])  # cookieless, no banner
    body = '<h2>Privacy policy</h2><div id="sightline-opt-out"></div>'
    url = page_server.add("/privacy", page_html(site.public_key, live_sightline.url, body=body))
    b = browsing()
    page = b.context.new_page()
    page.goto(url)
    status = page.get_by_role("status")
    wait_until(lambda: status.count() == 1, what="the opt-out element")
    assert "not measured" in status.text_content()
    page.get_by_role("button", name="Allow analytics").click()
    assert "anonymous identifier" in status.text_content()
    assert page.evaluate("localStorage.length") == 1
    wait_until(lambda: records(site.id))  # the two ledger requests would otherwise race each other
    page.get_by_role("button", name="Opt out").click()
    assert page.evaluate("localStorage.length") == 0
    wait_until(lambda: [r.source for r in records(site.id)] == ["opt_out", "opt_out"])
    assert [r.choice for r in records(site.id)] == ["granted", "denied"]


def test_banner_under_a_strict_content_security_policy(site, live_sightline, page_server, browsing):
    # The non-inline variant: no inline script, no eval, styles only from Sightline's own server.
    server = live_sightline.url
    csp = f"default-src 'none'; script-src {server}; style-src {server}; connect-src {server}"
    html = page_html(site.public_key, live_sightline.url, snippet=script_tag(site.public_key, live_sightline.url))
    url = page_server.add("/csp", html, {"Content-Security-Policy": csp})
    b = browsing()
    page = b.context.new_page()
    violations = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security" in message.text else 0)
    page.goto(url)
    page.wait_for_selector("#sightline-banner")
    assert page.evaluate("getComputedStyle(document.querySelector('#sightline-banner')).position") == "fixed"
    page.get_by_role("button", name="Accept analytics").click()
    wait_events(site.id, 1, name="page_view")
    assert violations == []
