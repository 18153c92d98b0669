"""The analysis pages in real headless Chromium: the numbers shown equal the API's for the same query, a funnel
built through the form, who dropped, a cohort created and used as a filter, exports; nothing leaves 127.0.0.1,
no console error, no CSP violation, and tracked HTML/script in the data never runs."""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from urllib.parse import unquote

import pytest

from analytics import facade
from tests.console.analysis_dataset import (
    GENERATED,
    PURCHASED,
    SIGNED_UP,
    XSS_EVENT,
    XSS_PATH,
    XSS_PLAN,
    load_analysis_dataset,
)
from tests.console.conftest import wait_until
from tests.factories import make_site

pytestmark = [pytest.mark.slow]


def api(site_id, kind, payload):
    return facade.insight_run(site_id=site_id, query=facade.insight_parse(kind, payload))


def page_query(browsing) -> dict[str, Any]:
    """The query the page ran: its state in the URL's fragment plus the page's date range."""
    page = browsing.page
    state = json.loads(unquote(page.evaluate("location.hash").removeprefix("#q=")))
    data = page.evaluate("JSON.parse(document.getElementById('console-data').textContent)")
    return {**state, "date_range": data["range"]["current"]}


def cells(page, selector) -> list[list[str]]:
    return page.eval_on_selector_all(
        selector + " tbody tr", "rows => rows.map(r => [...r.children].map(c => c.textContent.trim()))"
    )


def downloaded(page, button_text: str) -> str:
    with page.expect_download() as info:
        page.click(f"button:has-text('{button_text}')")
    return open(info.value.path(), encoding="utf-8").read()


@pytest.fixture
def shop(console_user):
    site = make_site("Shop", timezone="Europe/Berlin").id
    load_analysis_dataset(site)
    return site, console_user("anna", sites={site: "analyst"})


def test_events_explorer_shows_the_apis_numbers_and_exports_them(console_page, shop):
    site, analyst = shop
    browsing = console_page(analyst)
    page = browsing.page
    browsing.goto(f"/sites/{site}/events/?range=30d")
    browsing.wait_loaded()
    query = page_query(browsing)
    assert query["series"][0]["event"] == "page_view"  # the most frequent event is the default
    result = api(site, "trends", query)
    shown = cells(page, "[data-values]")
    assert [row[1] for row in shown] == [f"{int(v):,}" for v in result["series"][0]["data"]]
    assert cells(page, "[data-totals]")[0][1] == f"{int(result['series'][0]['total']):,}" == "28"

    # Unique persons of signup, broken down by browser, through the form.
    page.fill(".series-row input[list]", "signup")
    page.select_option(".series-row select", "persons")
    page.fill("[data-field='breakdown.key']", "browser")
    page.click("button:has-text('Run query')")
    browsing.wait_loaded()
    query = page_query(browsing)
    assert query["series"][0] == {"event": "signup", "math": "persons", "filters": []}
    result = api(site, "trends", query)
    by_value = {s["breakdown_value"]: s["data"] for s in result["series"]}
    assert set(by_value) == {"Chrome", "Firefox"}
    header = page.eval_on_selector_all("[data-values] thead th", "cells => cells.map(c => c.textContent)")
    shown = cells(page, "[data-values]")
    for column, title in enumerate(header[1:], start=1):
        value = title.rsplit(" · ", 1)[1]
        assert [row[column] for row in shown] == [f"{int(v):,}" for v in by_value[value]]
    # The totals table shows the API's whole-range distinct count for each value, not a sum of the periods.
    assert [row[1] for row in cells(page, "[data-totals]")] == [f"{int(s['total']):,}" for s in result["series"]]

    # A filter's value field suggests the key's common values (GET …/catalogue/values/).
    page.click(".query-part button:has-text('Add filter')")
    row = page.locator(".query-part .filter-row").last
    row.locator("input[list]").first.fill("props.plan")
    row.locator("input[list]").first.press("Tab")
    row.locator("input[list]").nth(1).focus()
    options = lambda: row.locator("datalist option").evaluate_all("o => o.map(x => x.value)")  # noqa: E731
    wait_until(lambda: len(options()) == 2, what="value suggestions", page=page)
    assert sorted(options()) == sorted(["pro", XSS_PLAN])
    page.click(".filter-row button[aria-label='Remove this filter']")

    # Exports: the same query's rows, and the raw events of the range.
    rows = list(csv.reader(io.StringIO(downloaded(page, "Export CSV"))))
    assert rows[0] == ["series", "label", "math", "breakdown_value", "period", "bucket", "value", "total"]
    assert sum(float(r[6]) for r in rows[1:] if r[4] == "current") == sum(sum(d) for d in by_value.values())
    totals = {s["breakdown_value"]: s["total"] for s in result["series"]}
    assert {r[3]: float(r[7]) for r in rows[1:]} == totals  # each row carries its value's whole-range total
    raw = list(csv.reader(io.StringIO(downloaded(page, "Raw events (CSV)"))))
    assert len(raw) - 1 == 20 + 15 + 5 + 10 + 5 + 8
    assert XSS_EVENT in {r[raw[0].index("name")] for r in raw[1:]}
    browsing.assert_clean()


def test_build_a_funnel_and_list_who_dropped(console_page, shop):
    site, analyst = shop
    browsing = console_page(analyst)
    page = browsing.page
    browsing.goto(f"/sites/{site}/funnels/")
    browsing.wait_loaded()
    steps = page.locator(".step-row input[list]")
    steps.nth(0).fill("signup")
    steps.nth(1).fill("")
    page.click("button:has-text('Run query')")
    # An empty step is refused by the API and the reason shows next to that step's event.
    error = page.locator(".step-row .field-error")
    error.wait_for()
    assert "non-empty" in error.inner_text()
    steps.nth(1).fill("generate")
    page.click("button:has-text('Add step')")
    page.locator(".step-row input[list]").nth(2).fill("purchase")
    page.click("button:has-text('Run query')")
    page.locator("[data-steps] table").wait_for()
    browsing.wait_loaded()
    query = page_query(browsing)
    assert [s["event"] for s in query["steps"]] == ["signup", "generate", "purchase"]
    result = api(site, "funnels", query)
    shown = cells(page, "[data-steps]")
    assert [row[1] for row in shown] == [str(s["count"]) for s in result["steps"]] == ["15", "10", "5"]
    assert page.inner_text("[data-headline='conversion']") == "33.3%"

    page.click("[data-show-dropped='1']")
    page.locator("[data-dropped-body] table").wait_for()
    browsing.wait_loaded()
    want = list(facade.funnel_dropped_people(site_id=site, query=facade.insight_parse("funnels", query), step=1))
    assert [row[0] for row in cells(page, "[data-dropped-body]")] == want == sorted(set(SIGNED_UP) - set(GENERATED))
    exported = list(csv.reader(io.StringIO(downloaded(page, "Export all (CSV)"))))
    assert exported == [["person_id"], *[[p] for p in want]]
    browsing.assert_clean(expected_errors=("400 (Bad Request)",))  # the refused empty step


def test_retention_heat_map_and_paths_match_the_api(console_page, shop):
    site, analyst = shop
    browsing = console_page(analyst)
    page = browsing.page
    browsing.goto(f"/sites/{site}/retention/")
    page.select_option("[data-field='period']", "day")
    page.fill("[data-field='target.event']", "page_view")
    page.click("button:has-text('Run query')")
    page.locator(".heat-table").first.wait_for()
    browsing.wait_loaded()
    result = api(site, "retention", page_query(browsing))
    shown = page.eval_on_selector_all(
        ".retention-grid:first-child tbody tr",
        "rows => rows.map(r => [...r.querySelectorAll('td[data-value]')].map(c => Number(c.dataset.value)))",
    )
    assert shown == [c["values"] for c in result["cohorts"] if c["size"]]  # periods nobody entered are left out
    assert any(8 in row for row in shown) and any(20 in row for row in shown)
    # Shaded by class (heat-0 … heat-10), never by a style attribute (the CSP refuses those).
    assert page.locator(".heat-table [style]").count() == 0
    assert page.locator(".heat-table td.heat-4").count() >= 1  # 8 of 20 came back: 40 %
    assert page.inner_text("[data-headline='D1']").endswith("40%")

    browsing.goto(f"/sites/{site}/paths/")
    browsing.wait_loaded()
    page.fill("[data-field='start_event']", "page_view")
    page.click("button:has-text('Run query')")
    browsing.wait_loaded()
    page.locator(".path-step").first.wait_for()
    result = api(site, "paths", page_query(browsing))
    for step in result["steps"]:
        shown = cells(page, f".path-step[data-offset='{step['offset']}']")
        assert [(r[0], r[1]) for r in shown] == [(e["event"], str(e["count"])) for e in step["events"]]
    # The XSS event name is shown, as text, as a next step of page_view; nothing ran.
    assert XSS_EVENT in page.inner_text("[data-steps]")
    assert page.locator("[data-result] img, [data-result] svg").count() == 0
    browsing.assert_clean()


def test_create_a_cohort_and_use_it_as_a_filter(console_page, console_user, shop):
    site, analyst = shop
    browsing = console_page(analyst)
    page = browsing.page
    browsing.goto(f"/sites/{site}/cohorts/")
    browsing.wait_loaded()
    assert "No cohorts yet" in page.inner_text("[data-cohort-table]")
    page.click("[data-new-cohort]")
    page.fill("[data-field='name']", "")
    page.click("button:has-text('Save cohort')")
    page.locator(".field-error").first.wait_for()
    page.fill("[data-field='name']", "Buyers <b>")
    page.locator(".criterion input[list]").fill("purchase")
    page.click("button:has-text('Save cohort')")
    page.locator("[data-cohort-table] table").wait_for()
    browsing.wait_loaded()
    (cohort,) = facade.cohort_list(site_id=site)
    assert cohort.name == "Buyers <b>" and cohort.definition["criteria"][0]["event"] == "purchase"
    assert page.inner_text("[data-cohort-table] tbody th") == "Buyers <b>"

    page.click("a:has-text('Use in the events explorer')")
    page.wait_for_url(f"**/sites/{site}/events/#q=*")
    browsing.wait_loaded()
    query = page_query(browsing)
    assert query["filters"] == [{"key": "cohort", "op": "in", "value": cohort.id}]
    result = api(site, "trends", query)
    total_persons = {int(v) for v in result["series"][0]["data"]}
    assert [row[1] for row in cells(page, "[data-values]")] == [f"{int(v):,}" for v in result["series"][0]["data"]]
    assert max(total_persons) == len(PURCHASED)

    # In the funnel builder the cohort is a filter choice too.
    browsing.goto(f"/sites/{site}/funnels/")
    browsing.wait_loaded()
    page.click(".query-part button:has-text('Add filter')")
    row = page.locator(".query-part .filter-row").last
    row.locator("input[list]").first.fill("cohort")
    row.locator("select").nth(1).select_option(str(cohort.id))
    page.click("button:has-text('Run query')")
    page.locator("[data-steps] table").wait_for()
    browsing.wait_loaded()
    assert page_query(browsing)["filters"] == [{"key": "cohort", "op": "in", "value": cohort.id}]
    assert cells(page, "[data-steps]")[0][1] == str(len(PURCHASED))
    browsing.assert_clean(expected_errors=("400 (Bad Request)",))  # the refused empty name

    # A viewer sees the cohort and can use it, but is offered no way to change it.
    viewer = console_page(console_user("vera", sites={site: "viewer"}))
    viewer.goto(f"/sites/{site}/cohorts/")
    viewer.wait_loaded()
    assert viewer.page.inner_text("[data-cohort-table] tbody th") == "Buyers <b>"
    assert viewer.page.locator("[data-edit], [data-delete]").count() == 0
    assert viewer.page.is_hidden("[data-new-cohort]")
    assert "analyst role" in viewer.page.inner_text("[data-read-only]")
    # Nor lists of people or raw events: those need the analyst role.
    funnel = {"steps": [{"event": "signup"}, {"event": "generate"}], "filters": [], "exclusions": []}
    viewer.goto(f"/sites/{site}/funnels/#q=" + json.dumps(funnel))
    viewer.page.locator("[data-steps] table").wait_for()
    viewer.wait_loaded()
    assert cells(viewer.page, "[data-steps]")[1][4] == "5"
    assert viewer.page.locator("[data-show-dropped]").count() == 0
    viewer.goto(f"/sites/{site}/events/")
    viewer.wait_loaded()
    assert viewer.page.locator("button:has-text('Export CSV')").count() == 1
    assert viewer.page.locator("button:has-text('Raw events')").count() == 0
    viewer.assert_clean()

    # Deleting asks in the row (no dialog), then the cohort is gone.
    page.goto(browsing.base_url + f"/sites/{site}/cohorts/")
    browsing.wait_loaded()
    page.click(f"[data-delete='{cohort.id}']")
    page.click(f"[data-confirm-delete='{cohort.id}']")
    wait_until(lambda: not facade.cohort_list(site_id=site), what="the cohort to be deleted", page=page)
    page.locator("[data-no-cohorts]").wait_for()
    browsing.assert_clean(expected_errors=("400 (Bad Request)",))  # the refused empty name


def test_xss_in_tracked_fields_never_runs_on_the_analysis_pages(console_page, shop):
    site, analyst = shop
    browsing = console_page(analyst)
    page = browsing.page
    by_plan = {
        "series": [{"event": "signup", "math": "count", "filters": []}],
        "filters": [],
        "breakdown": {"key": "props.plan", "limit": 10},
        "interval": "day",
    }
    by_label = {
        **by_plan,
        "series": [{"event": XSS_EVENT, "math": "count", "filters": []}],
        "breakdown": {"key": "label", "limit": 10},
    }
    by_path = {
        **by_plan,
        "series": [{"event": None, "math": "count", "filters": []}],
        "breakdown": {"key": "path", "limit": 10},
    }
    for state in (by_plan, by_label, by_path):
        browsing.goto(f"/sites/{site}/events/#q=" + json.dumps(state))
        browsing.wait_loaded()
        text = page.inner_text("[data-totals]")
        assert any(x in text for x in ("<script>alert(3)</script>", "<svg onload=alert(2)>", XSS_PATH)), text
    for path in ("funnels", "retention", "paths", "cohorts"):
        browsing.goto(f"/sites/{site}/{path}/")
        browsing.wait_loaded()
    assert page.evaluate("document.querySelectorAll('main img, main script, main svg:not(.brand-mark)').length") == 0
    browsing.assert_clean()  # includes: no dialog opened


def test_the_analysis_pages_speak_chinese(console_page, shop):
    site, analyst = shop
    browsing = console_page(analyst, locale="zh-CN")
    page = browsing.page
    browsing.goto(f"/sites/{site}/funnels/")
    browsing.wait_loaded()
    assert page.inner_text("main h1") == "漏斗"
    assert page.inner_text("button[type=submit]:has-text('运行查询')") == "运行查询"
    assert "第 1 步" in page.inner_text("[data-query-form]")
    browsing.goto(f"/sites/{site}/events/")
    browsing.wait_loaded()
    result = api(site, "trends", page_query(browsing))
    # Numbers in the reader's locale (zh-Hans groups thousands like en), labels in Chinese.
    assert cells(page, "[data-totals]")[0] == [f"page_view · {'事件'}", str(int(result["series"][0]["total"]))]
    browsing.assert_clean()
