"""What the pages look like in real headless Chromium: text that looks like markup shown as text, result tables
whose headers do not run into each other and that scroll inside their own box, the API's whole-range totals, and
the frame showing a site's new name as soon as it is saved."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from urllib.parse import quote

import pytest

from analytics import facade
from analytics.models import Site
from tests.analytics.dataset import event, write
from tests.console.analysis_dataset import load_analysis_dataset
from tests.console.conftest import wait_until
from tests.factories import make_site

pytestmark = [pytest.mark.slow]

MOBILE = {"width": 390, "height": 844}

# The rectangles of each header cell's text (not of the cell: overflowing text spills over its neighbours).
HEADER_TEXT_BOXES = """
cells => cells.map(cell => {
  const range = document.createRange();
  range.selectNodeContents(cell);
  const box = range.getBoundingClientRect();
  return [box.left, box.right];
})
"""


def _assert_apart(boxes: list[list[float]]) -> None:
    for (_left_a, right_a), (left_b, _right_b) in pairwise(boxes):
        assert right_a <= left_b + 0.5, f"header texts overlap: {boxes}"


@pytest.mark.parametrize(("locale", "expected"), [("en-US", "just before </head>:"), ("zh-CN", "</head> 之前")])
def test_a_tag_named_in_a_sentence_is_shown_as_text(console_page, console_user, locale, expected):
    site = make_site("Shop").id  # no events: the overview shows its empty state with the snippet
    browsing = console_page(console_user("adam", sites={site: "admin"}), locale=locale)
    page = browsing.page
    browsing.goto(f"/sites/{site}/settings/")
    browsing.wait_loaded()
    assert expected in page.inner_text("#install")
    browsing.goto(f"/sites/{site}/overview/")
    browsing.wait_loaded()
    page.locator("[data-empty-state]").wait_for()
    assert expected in page.inner_text("[data-empty-state]")
    browsing.assert_clean()


def test_events_tables_keep_their_headers_apart_and_show_the_api_totals(console_page, console_user):
    site = make_site("Shop", timezone="Europe/Berlin").id
    load_analysis_dataset(site)
    browsing = console_page(console_user("anna", sites={site: "analyst"}))
    page = browsing.page
    state = {
        "series": [
            {"event": "page_view", "math": "count", "filters": []},
            {"event": "page_view", "math": "persons", "filters": []},
        ],
        "filters": [],
        "breakdown": {"key": "browser", "limit": 5},
        "interval": "day",
    }
    browsing.goto(f"/sites/{site}/events/?range=7d#q=" + quote(json.dumps(state)))
    browsing.wait_loaded()
    page.locator("[data-values] table").wait_for()
    headers = page.locator("[data-values] thead th")
    assert headers.count() == 5  # the period, then 2 series × Chrome/Firefox
    _assert_apart(headers.evaluate_all(HEADER_TEXT_BOXES))

    # Each browser's 10 people view pages on day one and 4 of them again on day two: 14 events, but 10 unique
    # persons over the range, the API's total, not the sum of the days' uniques (also 14).
    totals = page.eval_on_selector_all(
        "[data-totals] tbody tr", "rows => rows.map(r => [...r.children].map(c => c.textContent.trim()))"
    )
    data = page.evaluate("JSON.parse(document.getElementById('console-data').textContent)")
    answer = facade.insight_run(
        site_id=site, query=facade.insight_parse("trends", {**state, "date_range": data["range"]["current"]})
    )
    assert [s["total"] for s in answer["series"]] == [14, 14, 10, 10]
    assert [sum(s["data"]) for s in answer["series"]] == [14, 14, 14, 14]
    assert [row[1] for row in totals] == [str(s["total"]) for s in answer["series"]]
    assert page.locator("[data-no-total-note]").count() == 0
    browsing.assert_clean()


def test_a_wide_retention_grid_scrolls_in_its_own_box_with_the_cohort_in_view(console_page, console_user):
    site = make_site("Shop").id
    start = (datetime.now(UTC) - timedelta(days=29)).replace(hour=12, minute=0, second=0, microsecond=0)
    # A new person each day who comes back every day after: 30 cohorts, 30 periods wide.
    write(*[event(site, "page_view", start + timedelta(days=d), user=f"p{n}") for n in range(30) for d in range(n, 30)])
    browsing = console_page(console_user("anna", sites={site: "analyst"}))
    page = browsing.page
    page.set_viewport_size(MOBILE)
    state = {"target": {"event": "page_view"}, "retention_type": "first_time", "period": "day", "filters": []}
    browsing.goto(f"/sites/{site}/retention/?range=30d#q=" + quote(json.dumps(state)))
    browsing.wait_loaded()
    page.locator(".heat-table").first.wait_for()

    # The page itself does not scroll sideways; the grid's box does.
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    box = page.locator(".heat-table").first.locator("xpath=..")
    assert box.evaluate("b => b.scrollWidth > b.clientWidth + 100")
    _assert_apart(page.locator(".heat-table thead th").evaluate_all(HEADER_TEXT_BOXES)[:3])

    # Scrolled to the end, the cohort and its size are still where they were, beside the last periods.
    def first_cells_left() -> list[float]:
        return page.eval_on_selector_all(
            ".heat-table tbody tr:first-child > :nth-child(-n+2)",
            "cells => cells.map(c => c.getBoundingClientRect().left)",
        )

    before = first_cells_left()
    box.evaluate("b => { b.scrollLeft = b.scrollWidth; }")
    wait_until(lambda: box.evaluate("b => b.scrollLeft > 0"), what="the grid to scroll", page=page)
    assert first_cells_left() == before
    browsing.assert_clean()


def test_a_saved_site_name_shows_in_the_frame_at_once(console_page, console_user):
    site = make_site("Old name").id
    browsing = console_page(console_user("adam", sites={site: "admin"}))
    page = browsing.page
    browsing.goto(f"/sites/{site}/settings/")
    browsing.wait_loaded()
    page.fill("#site-name", "New <b>name</b>")
    page.click("#general button[type=submit]")
    wait_until(lambda: "Saved." in page.inner_text("#general [data-form-status]"), what="the save", page=page)
    assert Site.objects.get(pk=site).name == "New <b>name</b>"
    assert page.inner_text("#site-select option:checked") == "New <b>name</b>"
    assert page.inner_text("[data-site-name]") == "New <b>name</b>"
    assert page.title().endswith(" · New <b>name</b>")
    assert page.locator("#site-select b, .sidenav b").count() == 0  # shown as text, never as markup
    browsing.assert_clean()
