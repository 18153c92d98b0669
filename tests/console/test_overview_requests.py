"""The overview cuts each range into sessions once: the current range's totals and its referrers, browsers,
systems and devices lists come from one sessions query with several breakdowns (every sessions answer carries
its range's totals), and one more asks for the previous period (BENCHMARKS.md, "Console"). Its chart asks for no
whole-range visitor total it would not show."""

from __future__ import annotations

import json

import pytest

from analytics import facade
from tests.console.dataset import load_dataset
from tests.factories import make_site

pytestmark = [pytest.mark.slow]


def test_the_overview_cuts_each_range_into_sessions_once(console_page, console_user):
    site = make_site("Shop").id
    load_dataset(site)
    browsing = console_page(console_user("vera", sites={site: "viewer"}))
    asked, trends = [], []
    browsing.page.on(
        "request", lambda r: asked.append(json.loads(r.post_data)) if r.url.endswith("/insights/sessions/") else None
    )
    browsing.page.on(
        "request", lambda r: trends.append(json.loads(r.post_data)) if r.url.endswith("/insights/trends/") else None
    )
    browsing.goto(f"/sites/{site}/overview/")
    browsing.wait_loaded()

    current = browsing.page.evaluate("JSON.parse(document.getElementById('console-data').textContent).range.current")
    of_current = [[b["key"] for b in q.get("breakdowns", [])] for q in asked if q["date_range"] == current]
    assert of_current == [["referrer", "browser", "os", "device_type"]]  # one query: no totals or list of its own
    assert len(asked) == 2  # and one for the previous period
    chart = [q for q in trends if q.get("compare")]
    assert len(chart) == 1 and chart[0]["totals"] is False and chart[0]["series"][0]["math"] == "persons"

    totals = facade.insight_run(site_id=site, query=facade.insight_parse("sessions", {"date_range": current}))["totals"]
    kpi = lambda key: browsing.page.inner_text(f'[data-kpi="{key}"] [data-value]')  # noqa: E731
    assert kpi("visitors") == f"{totals['visitors']:,}" == "33"
    assert kpi("sessions") == f"{totals['sessions']:,}"
    browsing.assert_clean()
