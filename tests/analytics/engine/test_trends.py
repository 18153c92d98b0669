"""Trends on tiny datasets: counts, persons across a login, local days across DST, maths, breakdowns."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.analytics.dataset import at, event, write
from tests.analytics.engine.helpers import day_range, run
from tests.factories import make_site

pytestmark = pytest.mark.django_db
WEEK = day_range("2026-03-02", "2026-03-08")


def only(result, **match):
    found = [s for s in result["series"] if all(s[k] == v for k, v in match.items())]
    assert len(found) == 1, found
    return found[0]


def test_counts_and_persons_per_day_with_a_login_mid_journey():
    site = make_site().id
    write(
        event(site, "page_view", at(0), anon="a1"),
        event(site, "page_view", at(0, minutes=5), anon="a1", user="u1"),  # links a1 -> u1
        event(site, "page_view", at(1), user="u1"),
        event(site, "page_view", at(1), anon="a2"),
        event(site, "click", at(1), anon="a2"),
    )
    result = run(
        site,
        "trends",
        {"series": [{"event": "page_view"}, {"event": "page_view", "math": "persons"}], "date_range": WEEK},
    )
    assert result["buckets"][:2] == ["2026-03-02T00:00:00+00:00", "2026-03-03T00:00:00+00:00"]
    assert only(result, series=0)["data"] == [2, 2, 0, 0, 0, 0, 0]
    assert only(result, series=0)["total"] == 4
    assert only(result, series=1)["data"] == [1, 2, 0, 0, 0, 0, 0]


def test_events_exactly_at_the_range_edges():
    site = make_site().id
    write(
        event(site, "e", datetime(2026, 3, 2, 0, 0, tzinfo=UTC), anon="a"),  # first instant: in
        event(site, "e", datetime(2026, 3, 8, 23, 59, 59, 999999, tzinfo=UTC), anon="a"),  # last instant: in
        event(site, "e", datetime(2026, 3, 9, 0, 0, tzinfo=UTC), anon="a"),  # the end is exclusive
        event(site, "e", datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC), anon="a"),
    )
    data = run(site, "trends", {"series": [{"event": "e"}], "date_range": WEEK})["series"][0]["data"]
    assert data == [1, 0, 0, 0, 0, 0, 1]


@pytest.mark.parametrize(
    ("zone", "first", "last", "hours"),
    [
        ("Europe/Berlin", "2026-03-28", "2026-03-30", [24, 23, 24]),  # spring forward on the 29th
        ("America/New_York", "2026-10-31", "2026-11-02", [24, 25, 24]),  # fall back on Nov 1st
        ("Asia/Shanghai", "2026-03-28", "2026-03-30", [24, 24, 24]),
    ],
)
def test_local_days_follow_the_site_zone_across_dst(zone, first, last, hours):
    site = make_site(timezone=zone).id
    from analytics.queries.time_buckets import local_midnight

    start = local_midnight(datetime.fromisoformat(first).date(), zone)
    # One event at every UTC hour of the three local days: each day counts its own length in hours.
    write(*[event(site, "tick", at(hours=h, base=start), anon="a") for h in range(sum(hours))])
    result = run(site, "trends", {"series": [{"event": "tick"}], "date_range": day_range(first, last)})
    assert result["series"][0]["data"] == hours
    assert result["buckets"][0].startswith(first + "T00:00:00")


def test_shanghai_evening_in_utc_is_the_next_local_day():
    site = make_site(timezone="Asia/Shanghai").id
    write(event(site, "e", datetime(2026, 3, 2, 16, 30, tzinfo=UTC), anon="a"))  # 00:30 on the 3rd in Shanghai
    result = run(site, "trends", {"series": [{"event": "e"}], "date_range": WEEK})
    assert result["series"][0]["data"] == [0, 1, 0, 0, 0, 0, 0]
    assert result["buckets"][1] == "2026-03-03T00:00:00+08:00"


def test_weeks_months_and_hours():
    site = make_site().id
    write(
        event(site, "e", at(0), anon="a"),
        event(site, "e", at(7, hours=3), anon="a"),
        event(site, "e", at(30), anon="a"),
    )
    weeks = run(
        site,
        "trends",
        {"series": [{"event": "e"}], "date_range": day_range("2026-03-01", "2026-04-05"), "interval": "week"},
    )
    assert weeks["buckets"][:2] == ["2026-02-23T00:00:00+00:00", "2026-03-02T00:00:00+00:00"]
    assert weeks["series"][0]["data"] == [0, 1, 1, 0, 0, 1]
    months = run(
        site,
        "trends",
        {"series": [{"event": "e"}], "date_range": day_range("2026-03-01", "2026-04-30"), "interval": "month"},
    )
    assert months["series"][0]["data"] == [2, 1]
    hours = run(
        site,
        "trends",
        {"series": [{"event": "e"}], "date_range": day_range("2026-03-09", "2026-03-09"), "interval": "hour"},
    )
    assert len(hours["buckets"]) == 24 and hours["series"][0]["data"][12] == 1


def test_value_and_property_maths():
    site = make_site().id
    write(
        *[
            event(site, "gen", at(0, minutes=i), anon="a", value=v, props={"ms": v * 10})
            for i, v in enumerate([1, 2, 3, 4, 10])
        ],
        event(site, "gen", at(0, minutes=9), anon="a", props={"ms": "slow"}),  # not a number: ignored
    )
    series = [
        {"event": "gen", "math": "sum", "property": "value"},
        {"event": "gen", "math": "avg", "property": "value"},
        {"event": "gen", "math": "p50", "property": "props.ms"},
        {"event": "gen", "math": "p90", "property": "props.ms"},
    ]
    result = run(site, "trends", {"series": series, "date_range": WEEK})
    assert [s["data"][0] for s in result["series"]] == [20, 4.0, 30.0, pytest.approx(76.0)]
    assert [s["total"] for s in result["series"]] == [20, 4.0, 30.0, pytest.approx(76.0)]
    assert result["series"][1]["data"][1] is None


def test_sessions_math_counts_sessions_holding_the_event():
    site = make_site().id
    write(
        event(site, "page_view", at(0), anon="a"),
        event(site, "gen", at(0, minutes=10), anon="a"),
        event(site, "gen", at(0, minutes=20), anon="a"),  # same session
        event(site, "gen", at(0, minutes=51), anon="a"),  # 31 minutes later: a new session
        event(site, "page_view", at(0, minutes=60), anon="b"),
    )
    result = run(site, "trends", {"series": [{"event": "gen", "math": "sessions"}], "date_range": WEEK})
    assert result["series"][0]["data"][0] == 2


def test_breakdown_keeps_the_top_values_and_sums_the_rest_as_other():
    site = make_site().id
    rows = []
    for browser, n in (("Chrome", 5), ("Firefox", 3), ("Safari", 2), ("Edge", 1)):
        rows += [event(site, "e", at(0, minutes=i), anon=f"{browser}{i}", browser=browser) for i in range(n)]
    rows.append(event(site, "e", at(1), anon="x"))  # no browser
    write(*rows)
    result = run(
        site, "trends", {"series": [{"event": "e"}], "date_range": WEEK, "breakdown": {"key": "browser", "limit": 2}}
    )
    totals = {s["breakdown_value"]: s["total"] for s in result["series"]}
    assert totals == {"Chrome": 5, "Firefox": 3, "$other": 4}
    persons = run(
        site,
        "trends",
        {
            "series": [{"event": "e", "math": "persons"}],
            "date_range": WEEK,
            "breakdown": {"key": "browser", "limit": 2},
        },
    )
    assert {s["breakdown_value"]: sum(s["data"]) for s in persons["series"]} == {"Chrome": 5, "Firefox": 3, "$other": 4}


def test_filters_on_properties_dimensions_and_columns():
    site = make_site().id
    write(
        event(
            site, "e", at(0), anon="a", props={"plan": "pro", "n": 5}, dims={"image_version": "2.4"}, browser="Chrome"
        ),
        event(site, "e", at(0), anon="b", props={"plan": "free", "n": 1}, dims={"image_version": 2.5}),
        event(site, "e", at(0), anon="c", props={}, url="https://x.test/Pricing"),
    )

    def count(*filters):
        result = run(site, "trends", {"series": [{"event": "e"}], "date_range": WEEK, "filters": list(filters)})
        return result["series"][0]["total"]

    assert count({"key": "props.plan", "op": "eq", "value": "pro"}) == 1
    assert count({"key": "props.plan", "op": "neq", "value": "pro"}) == 2  # not set counts as not equal
    assert count({"key": "props.n", "op": "gt", "value": 2}) == 1
    assert count({"key": "dims.image_version", "op": "in", "value": [2.5, "2.4"]}) == 2
    assert count({"key": "props.plan", "op": "is_not_set"}) == 1
    assert count({"key": "url", "op": "contains", "value": "pricing"}) == 1
    assert count({"key": "url", "op": "contains", "value": "%"}) == 0  # a literal, not a wildcard
    assert count({"key": "browser", "op": "eq", "value": "Chrome"}, {"key": "props.n", "op": "lte", "value": 5}) == 1


def test_compare_with_the_previous_period_and_bots():
    site = make_site().id
    write(
        event(site, "e", at(0), anon="a"),
        event(site, "e", at(-7), anon="a"),
        event(site, "e", at(-6), anon="a"),
        event(site, "e", at(0), anon="bot", is_bot=True),
    )
    result = run(site, "trends", {"series": [{"event": "e"}], "date_range": WEEK, "compare": True})
    entry = result["series"][0]
    assert entry["data"][0] == 1 and entry["previous"] == {"data": [1, 1, 0, 0, 0, 0, 0], "total": 2}
    assert result["previous_buckets"][0] == "2026-02-23T00:00:00+00:00"
    with_bots = run(site, "trends", {"series": [{"event": "e"}], "date_range": WEEK, "include_bots": True})
    assert with_bots["series"][0]["total"] == 2
