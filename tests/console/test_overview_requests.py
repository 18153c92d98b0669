"""The overview cuts each range into sessions once: the current range's totals and its referrers, browsers,
systems and devices lists come from one sessions query with several breakdowns (every sessions answer carries
its range's totals), and one more asks for the previous period (BENCHMARKS.md, "Console"). The lists count visits,
so that query asks for no visitors per value; its chart asks for no whole-range visitor total it would not
show."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from analytics import facade
from tests.analytics.dataset import event, write
from tests.console.dataset import load_dataset
from tests.factories import make_site

pytestmark = [pytest.mark.slow]


def test_the_overview_cuts_each_range_into_sessions_once(console_page, console_user):
    site = make_site("Shop").id
    load_dataset(site)
    # Two visits by one Firefox visitor, hours apart: that browser's visits and visitors differ.
    back = datetime.now(UTC) - timedelta(minutes=90)
    write(event(site, "page_view", back, anon="visitor-1", browser="Firefox", os="Linux", device_type="desktop"))
    # Two page views in the previous period (the default range is the last 7 days).
    earlier = datetime.now(UTC) - timedelta(days=10)
    write(*[event(site, "page_view", earlier + timedelta(minutes=m), anon="before") for m in (0, 1)])
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
    assert [q.get("breakdown_visitors") for q in asked if q["date_range"] == current] == [False]
    assert len(asked) == 2  # and one for the previous period
    # The chart draws no previous period: no `compare` (it would count that period's visitors per bucket too);
    # the previous page views come from a count of their own.
    assert not any(q.get("compare") for q in trends)
    chart = [q for q in trends if q["series"][0]["math"] == "persons"]
    assert len(chart) == 1 and chart[0]["totals"] is False and chart[0]["date_range"] == current
    previous = browsing.page.evaluate("JSON.parse(document.getElementById('console-data').textContent).range.previous")
    assert [q["series"][0]["math"] for q in trends if q["date_range"] == previous] == ["count"]
    assert browsing.page.get_attribute('[data-kpi="pageviews"] [data-delta]', "title").endswith(": 2")

    totals = facade.insight_run(site_id=site, query=facade.insight_parse("sessions", {"date_range": current}))["totals"]
    kpi = lambda key: browsing.page.inner_text(f'[data-kpi="{key}"] [data-value]')  # noqa: E731
    assert kpi("visitors") == f"{totals['visitors']:,}" == "33"
    assert kpi("sessions") == f"{totals['sessions']:,}"

    # The lists count visits (sessions by their first value), and say so.
    browsers = {"date_range": current, "breakdown": {"key": "browser", "limit": 8}}
    by_browser = facade.insight_run(site_id=site, query=facade.insight_parse("sessions", browsers))["rows"]
    head = '[data-list="browsers"] thead th.num'
    assert browsing.page.inner_text(head) == "Visits"
    assert browsing.page.get_attribute(head, "title").startswith("Visits (sessions)")
    shown = browsing.page.locator('[data-list="browsers"] tbody td.num').all_inner_texts()
    assert shown == [f"{r['sessions']:,}" for r in by_browser if r["sessions"]]
    assert [r["sessions"] for r in by_browser] != [r["visitors"] for r in by_browser]  # the check means something
    browsing.assert_clean()
