"""Sessions: the seed's table (image version → session length, training starts, bounce rate) is one query."""

from __future__ import annotations

import pytest

from analytics.queries.sessions import parse_sessions
from tests.analytics.dataset import at, event, write
from tests.analytics.engine.helpers import day_range, run
from tests.factories import make_site

pytestmark = pytest.mark.django_db
WEEK = day_range("2026-03-02", "2026-03-08")


def seed(site):
    v24, v25 = {"image_version": "2.4"}, {"image_version": "2.5"}
    write(
        # A (2.4): two pages and a training start over two minutes.
        event(site, "page_view", at(0), anon="A", dims=v24),
        event(site, "start_training", at(0, seconds=60), anon="A", dims=v24),
        event(site, "page_view", at(0, seconds=120), anon="A", dims=v24, props={"engagement_ms": 30000}),
        # B (2.4): one page, 5 s engaged: a bounce.
        event(site, "page_view", at(0, minutes=5), anon="B", dims=v24, props={"engagement_ms": 5000}),
        # C (2.5): one page engaged 15 s (no bounce), then 40 minutes later a second session whose first event
        # carries no version: the session takes the first value it has.
        event(site, "$pageview", at(0, minutes=10), anon="C", dims=v25, props={"$engagement_ms": 15000}),
        event(site, "page_view", at(0, minutes=50), anon="C"),
        event(site, "start_training", at(0, minutes=51), anon="C", dims=v25),
        event(site, "start_training", at(0, minutes=52), anon="C", dims=v25),
        # D: no version, a zero-length single page.
        event(site, "page_view", at(1), anon="D"),
    )


def test_the_seed_table_in_one_query():
    site = make_site().id
    seed(site)
    result = run(
        site,
        "sessions",
        {"date_range": WEEK, "breakdown": {"key": "dims.image_version"}, "count_events": ["start_training"]},
    )
    table = {
        r["breakdown_value"]: (
            r["sessions"],
            r["visitors"],
            r["avg_duration_s"],
            r["bounce_rate"],
            r["pages_per_session"],
            r["events"],
        )
        for r in result["rows"]
    }
    assert table == {
        "2.4": (2, 2, 62.5, 0.5, 1.5, {"start_training": 1}),
        "2.5": (2, 1, 67.5, 0.0, 1.0, {"start_training": 2}),
        None: (1, 1, 0.0, 1.0, 1.0, {"start_training": 0}),
    }
    totals = result["totals"]
    assert (totals["sessions"], totals["visitors"], totals["events"]) == (5, 4, {"start_training": 3})
    assert totals["bounce_rate"] == pytest.approx(2 / 5)


def test_the_timeout_is_configurable_per_query_and_in_settings(settings):
    site = make_site().id
    seed(site)
    longer = run(site, "sessions", {"date_range": WEEK, "session_timeout_minutes": 60})
    assert longer["totals"]["sessions"] == 4
    settings.ANALYTICS_SESSION_TIMEOUT_MINUTES = 5
    shorter = run(site, "sessions", {"date_range": WEEK})
    assert shorter["totals"]["sessions"] == 5


def test_exactly_thirty_minutes_is_still_the_same_session():
    site = make_site().id
    write(event(site, "page_view", at(0), anon="a"), event(site, "page_view", at(0, minutes=30), anon="a"))
    write(event(site, "page_view", at(1), anon="b"), event(site, "page_view", at(1, minutes=30, seconds=1), anon="b"))
    assert run(site, "sessions", {"date_range": WEEK})["totals"]["sessions"] == 3


def test_a_login_mid_session_keeps_one_session_and_one_visitor():
    site = make_site().id
    write(
        event(site, "page_view", at(0), anon="anon-1"),
        event(site, "login", at(0, minutes=2), anon="anon-1", user="u-9"),
        event(site, "page_view", at(0, minutes=4), user="u-9"),
    )
    totals = run(site, "sessions", {"date_range": WEEK})["totals"]
    assert (totals["sessions"], totals["visitors"], totals["avg_duration_s"], totals["pages_per_session"]) == (
        1,
        1,
        240.0,
        2.0,
    )


def test_breakdown_by_browser_with_other_and_filters():
    site = make_site().id
    write(
        *[event(site, "page_view", at(0, minutes=i), anon=f"c{i}", browser="Chrome") for i in range(3)],
        event(site, "page_view", at(0), anon="f", browser="Firefox"),
        event(site, "page_view", at(0), anon="s", browser="Safari", os="iOS"),
    )
    result = run(site, "sessions", {"date_range": WEEK, "breakdown": {"key": "browser", "limit": 1}})
    assert [(r["breakdown_value"], r["sessions"], r["visitors"]) for r in result["rows"]] == [
        ("Chrome", 3, 3),
        ("$other", 2, 2),
    ]
    ios = run(site, "sessions", {"date_range": WEEK, "filters": [{"key": "os", "op": "eq", "value": "iOS"}]})
    assert ios["totals"]["sessions"] == 1


def test_no_events_gives_empty_rows_and_zero_totals():
    site = make_site().id
    result = run(site, "sessions", {"date_range": WEEK, "count_events": ["x"]})
    assert result["rows"] == [] or result["rows"][0]["sessions"] == 0
    assert result["totals"]["sessions"] == 0 and result["totals"]["avg_duration_s"] is None


def test_several_breakdowns_in_one_query_answer_as_each_alone():
    site = make_site().id
    seed(site)
    write(event(site, "page_view", at(2), anon="E", browser="Firefox", dims={"image_version": "2.5"}))
    asked = [{"key": "dims.image_version", "limit": 1}, {"key": "browser"}]
    together = run(site, "sessions", {"date_range": WEEK, "breakdowns": asked, "count_events": ["start_training"]})
    assert [b["key"] for b in together["breakdowns"]] == ["dims.image_version", "browser"]
    for breakdown, answer in zip(asked, together["breakdowns"], strict=True):
        alone = run(site, "sessions", {"date_range": WEEK, "breakdown": breakdown, "count_events": ["start_training"]})
        assert answer["rows"] == alone["rows"] and together["totals"] == alone["totals"]
    by_version = {r["breakdown_value"]: r["sessions"] for r in together["breakdowns"][0]["rows"]}
    assert by_version == {"2.5": 3, "$other": 3}  # 2.5 leads; 2.4 (2) and not set (1) are the rest
    assert together["rows"] == together["breakdowns"][0]["rows"]


def test_breakdowns_without_visitors_count_the_same_sessions():
    site = make_site().id
    seed(site)
    asked = {
        "date_range": WEEK,
        "breakdowns": [{"key": "dims.image_version"}, {"key": "browser"}],
        "count_events": ["start_training"],
    }
    lean = run(site, "sessions", {**asked, "breakdown_visitors": False})
    table = {r["breakdown_value"]: (r["sessions"], r["visitors"], r["avg_duration_s"]) for r in lean["rows"]}
    assert table == {"2.4": (2, None, 62.5), "2.5": (2, None, 67.5), None: (1, None, 0.0)}
    full = run(site, "sessions", asked)
    assert lean["totals"] == full["totals"] and lean["totals"]["visitors"] == 4  # the totals keep their visitors
    for a, b in zip(lean["breakdowns"], full["breakdowns"], strict=True):
        assert a["rows"] == [{**row, "visitors": None} for row in b["rows"]]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"breakdown": {"key": "os"}, "breakdowns": [{"key": "browser"}]}, "breakdowns"),
        ({"breakdowns": [{"key": "browser"}] * 7}, "breakdowns"),
        ({"breakdowns": [{"key": "nope"}]}, "breakdowns[0].key"),
        ({"breakdowns": [{"key": "os", "limit": 0}]}, "breakdowns[0].limit"),
    ],
)
def test_breakdowns_are_checked(payload, field):
    parsed = parse_sessions({"date_range": WEEK, **payload})
    assert isinstance(parsed, list) and [e.field for e in parsed] == [field]
