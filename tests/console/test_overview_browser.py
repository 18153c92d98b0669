"""Overview in real headless Chromium: sign in, the numbers match the API, 中文, nothing leaves 127.0.0.1,
no console error, no CSP violation, and tracked HTML/script shows as text."""

from __future__ import annotations

import pytest

from analytics import facade
from tests.console.conftest import PASSWORD
from tests.console.dataset import XSS_PATH, load_dataset
from tests.factories import make_site

pytestmark = [pytest.mark.slow]


def api(site_id, kind, payload):
    return facade.insight_run(site_id=site_id, query=facade.insight_parse(kind, payload))


def test_sign_in_and_read_the_overview(console_page, console_user):
    site = make_site("Shop", timezone="Asia/Shanghai").id
    load_dataset(site)
    user = console_user("vera", sites={site: "viewer"})
    browsing = console_page(user, sign_in=False)
    page = browsing.page
    browsing.goto("/")
    assert page.url.endswith("/login/?next=/")
    page.fill("#id_username", "vera")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/sites/{site}/overview/")
    browsing.wait_loaded()

    data = page.evaluate("JSON.parse(document.getElementById('console-data').textContent)")
    current = data["range"]["current"]
    sessions = api(site, "sessions", {"date_range": current})["totals"]
    views = api(
        site,
        "trends",
        {
            "series": [{"event": None, "filters": [{"key": "name", "op": "in", "value": ["page_view", "$pageview"]}]}],
            "date_range": current,
        },
    )["series"][0]["total"]
    kpi = lambda key: page.inner_text(f'[data-kpi="{key}"] [data-value]')  # noqa: E731
    assert kpi("visitors") == f"{sessions['visitors']:,}"
    assert kpi("sessions") == f"{sessions['sessions']:,}"
    assert kpi("pageviews") == f"{int(views):,}"
    assert sessions["visitors"] == 33  # the dataset's 30 + 3 live visitors, all inside the last 7 days
    assert page.is_hidden("[data-empty-state]")

    live = api(site, "live", {"minutes": 30})
    assert page.inner_text("[data-live-visitors]") == str(live["visitors"]) == "3"

    # Tracked strings that look like HTML are text: in the top pages list, and nothing ran.
    assert XSS_PATH in page.inner_text('[data-list="pages"]')
    assert page.evaluate("window.__xss") is None
    assert page.locator('[data-list="pages"] img').count() == 0
    first_browser = page.inner_text('[data-list="browsers"] tbody tr:first-child th')
    assert first_browser in {"Chrome", "Firefox", "Safari"}

    # 中文 from the header's switch; the script's strings and numbers follow.
    page.select_option("#language-select", "zh-hans")
    browsing.wait_for("document.documentElement.lang === 'zh-hans'", what="中文")
    browsing.wait_loaded()
    assert page.inner_text("main h1") == "概览"
    assert page.inner_text('[data-kpi="visitors"] .kpi-label') == "访客"
    assert "浏览量" in page.inner_text('[data-list="pages"] thead')
    assert "访问次数" in page.inner_text('[data-list="browsers"] thead')
    assert page.inner_text('[data-kpi="visitors"] [data-value]') == f"{sessions['visitors']:,}"
    browsing.assert_clean()


def test_a_new_site_shows_how_to_start(console_page, console_user):
    created = make_site("Empty")
    user = console_user("vera", sites={created.id: "admin"})
    browsing = console_page(user)
    browsing.goto(f"/sites/{created.id}/overview/?range=30d")
    browsing.wait_loaded()
    assert browsing.page.is_visible("[data-empty-state]")
    assert created.public_key in browsing.page.inner_text("[data-empty-state]")
    assert browsing.page.inner_text('[data-list="pages"]').endswith("Nothing in this period.")
    browsing.assert_clean()


def test_a_site_not_granted_is_not_found(console_page, console_user):
    mine, theirs = make_site("Mine").id, make_site("Theirs").id
    browsing = console_page(console_user("vera", sites={mine: "viewer"}))
    response = browsing.goto(f"/sites/{theirs}/overview/")
    assert response.status == 404
    assert "does not exist or is not yours" in browsing.page.inner_text("main")
    browsing.assert_clean(expected_errors=("status of 404",))
