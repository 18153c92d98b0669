"""Funnels on tiny datasets: window edges, equal timestamps, merged persons, order modes, exclusions."""

from __future__ import annotations

import pytest

from analytics import facade
from analytics.engine.errors import QueryInvalid
from tests.analytics.dataset import at, event, write
from tests.analytics.engine.helpers import day_range, run
from tests.factories import make_site

pytestmark = pytest.mark.django_db
WEEK = day_range("2026-03-02", "2026-03-08")
ABC = [{"event": "a"}, {"event": "b"}, {"event": "c"}]


def counts(site, **extra):
    payload = {"steps": ABC, "date_range": WEEK, "conversion_window": {"value": 1, "unit": "hour"}} | extra
    return [s["count"] for s in run(site, "funnels", payload)["steps"]]


def test_the_window_edge_is_inclusive():
    site = make_site().id
    write(
        event(site, "a", at(0), anon="in"),
        event(site, "b", at(0, minutes=30), anon="in"),
        event(site, "c", at(0, hours=1), anon="in"),  # exactly one hour after entry: converts
        event(site, "a", at(0), anon="out"),
        event(site, "b", at(0, minutes=30), anon="out"),
        event(site, "c", at(0, hours=1, seconds=1), anon="out"),
    )
    assert counts(site) == [2, 2, 1]


def test_steps_with_the_same_timestamp_convert_but_one_event_fills_one_step():
    site = make_site().id
    write(
        event(site, "a", at(0), anon="p"),
        event(site, "b", at(0), anon="p"),
        event(site, "c", at(0), anon="p"),
    )
    assert counts(site) == [1, 1, 1]
    again = make_site().id
    write(event(again, "a", at(0), anon="q"))
    assert counts(again, steps=[{"event": "a"}, {"event": "a"}]) == [1, 0]
    write(event(again, "a", at(0), anon="q"))
    assert counts(again, steps=[{"event": "a"}, {"event": "a"}]) == [1, 1]


def test_a_person_who_logs_in_mid_funnel_counts_once():
    site = make_site().id
    write(
        event(site, "a", at(0), anon="browser-1"),
        event(site, "b", at(0, minutes=1), anon="browser-1", user="alice"),
        event(site, "c", at(0, minutes=2), user="alice"),
        event(site, "a", at(0, minutes=3), device_id="phone-1", user="alice"),
    )
    assert counts(site) == [1, 1, 1]


def test_each_person_counts_with_their_best_attempt():
    site = make_site().id
    write(
        event(site, "a", at(0), anon="p"),
        event(site, "b", at(0, minutes=5), anon="p"),  # first attempt stops at b
        event(site, "a", at(1), anon="p"),
        event(site, "b", at(1, minutes=5), anon="p"),
        event(site, "c", at(1, minutes=9), anon="p"),  # second attempt converts in 9 minutes
    )
    result = run(site, "funnels", {"steps": ABC, "date_range": WEEK, "conversion_window": {"value": 1, "unit": "hour"}})
    assert [s["count"] for s in result["steps"]] == [1, 1, 1]
    assert result["median_time_to_convert_s"] == 540.0
    assert result["steps"][2]["median_time_from_previous_s"] == 240.0
    assert [b["count"] for b in result["time_to_convert_histogram"]][:3] == [0, 0, 1]


def test_order_modes():
    site = make_site().id
    write(
        # reversed: only "any" converts
        event(site, "c", at(0), anon="rev"),
        event(site, "b", at(0, minutes=1), anon="rev"),
        event(site, "a", at(0, minutes=2), anon="rev"),
        # an event between steps: "strict" stops there
        event(site, "a", at(0), anon="gap"),
        event(site, "other", at(0, minutes=1), anon="gap"),
        event(site, "b", at(0, minutes=2), anon="gap"),
        event(site, "c", at(0, minutes=3), anon="gap"),
        # back to back: converts in every mode
        event(site, "a", at(0), anon="tight"),
        event(site, "b", at(0, minutes=1), anon="tight"),
        event(site, "c", at(0, minutes=2), anon="tight"),
    )
    assert counts(site, order="ordered") == [3, 2, 2]
    assert counts(site, order="strict") == [3, 1, 1]
    assert counts(site, order="any") == [3, 3, 3]


def test_exclusion_between_steps_drops_the_attempt():
    site = make_site().id
    write(
        event(site, "a", at(0), anon="excluded"),
        event(site, "logout", at(0, minutes=1), anon="excluded"),
        event(site, "b", at(0, minutes=2), anon="excluded"),
        event(site, "a", at(0), anon="after"),
        event(site, "b", at(0, minutes=2), anon="after"),
        event(site, "logout", at(0, minutes=3), anon="after"),  # after step b: harmless
    )
    exclusion = [{"event": "logout", "from_step": 0, "to_step": 1}]
    assert counts(site, steps=ABC[:2], exclusions=exclusion) == [1, 1]
    assert counts(site, steps=ABC[:2]) == [2, 2]


def test_entries_must_be_in_the_range_but_later_steps_may_follow_it():
    site = make_site().id
    write(
        event(site, "a", at(6, hours=14, minutes=50), anon="late"),  # 2026-03-08 23:50
        event(site, "b", at(7, hours=-9, minutes=5), anon="late"),  # 2026-03-09 00:05, after the range
        event(site, "a", at(-1), anon="before"),
        event(site, "b", at(0), anon="before"),
    )
    assert counts(site, steps=ABC[:2]) == [1, 1]


def test_step_filters_breakdown_and_dropped_people():
    site = make_site().id
    write(
        event(site, "a", at(0), anon="p1", browser="Chrome"),
        event(site, "b", at(0, minutes=1), anon="p1", props={"ok": True}),
        event(site, "a", at(0), anon="p2", browser="Chrome"),
        event(site, "b", at(0, minutes=1), anon="p2", props={"ok": False}),
        event(site, "a", at(0), anon="p3", browser="Firefox"),
    )
    payload = {
        "steps": [{"event": "a"}, {"event": "b", "filters": [{"key": "props.ok", "op": "eq", "value": True}]}],
        "date_range": WEEK,
        "breakdown": {"key": "browser"},
    }
    result = run(site, "funnels", payload)
    assert [s["count"] for s in result["steps"]] == [3, 1]
    assert result["steps"][1]["dropped"] == 2
    by_browser = {b["breakdown_value"]: [s["count"] for s in b["steps"]] for b in result["breakdown"]}
    assert by_browser == {"Chrome": [2, 1], "Firefox": [1, 0]}
    query = facade.insight_parse("funnels", payload)
    assert sorted(facade.funnel_dropped_people(site_id=site, query=query, step=1)) == ["p2", "p3"]
    with pytest.raises(QueryInvalid):
        list(facade.funnel_dropped_people(site_id=site, query=query, step=2))


def test_a_cohort_filter_and_an_unknown_cohort():
    site = make_site().id
    write(
        event(site, "a", at(0), anon="p1"),
        event(site, "train", at(0), anon="p1"),
        event(site, "a", at(0), anon="p2"),
    )
    cohort = facade.cohort_create(
        site_id=site,
        name="trainers",
        definition={"criteria": [{"type": "event", "event": "train", "date_range": WEEK}]},
    )
    only = {"key": "cohort", "op": "in", "value": cohort.id}
    assert counts(site, steps=ABC[:2], filters=[only]) == [1, 0]
    assert counts(site, steps=ABC[:2], filters=[only | {"op": "not_in"}]) == [1, 0]
    assert counts(site, steps=[{"event": "a"}, {"event": "train"}], filters=[only]) == [1, 1]
    with pytest.raises(QueryInvalid) as caught:
        counts(site, steps=ABC[:2], filters=[only | {"value": cohort.id + 1000}])
    assert caught.value.errors[0]["field"] == "filters"


def test_any_order_steps_that_share_an_event_need_one_event_each():
    site = make_site().id
    write(
        event(site, "a", at(0), anon="one"),  # one "a" cannot fill both "a" steps
        event(site, "b", at(0, minutes=5), anon="one"),
        event(site, "b", at(0), anon="two"),  # two "a"s after a "b": all three steps
        event(site, "a", at(0, minutes=10), anon="two"),
        event(site, "a", at(0, minutes=20), anon="two"),
        event(site, "a", at(0), anon="late"),
        event(site, "a", at(0, hours=2), anon="late"),  # outside the 1-hour window
    )
    payload = {
        "steps": [{"event": "a"}, {"event": "b"}, {"event": "a"}],
        "date_range": WEEK,
        "conversion_window": {"value": 1, "unit": "hour"},
        "order": "any",
    }
    result = run(site, "funnels", payload)
    assert [s["count"] for s in result["steps"]] == [3, 2, 1]
    # "two" did its three steps at 0, 10 and 20 minutes: 20 minutes to convert.
    assert result["median_time_to_convert_s"] == 1200.0
    query = facade.insight_parse("funnels", payload)
    assert list(facade.funnel_dropped_people(site_id=site, query=query, step=1)) == ["late"]
    assert list(facade.funnel_dropped_people(site_id=site, query=query, step=2)) == ["one"]


def test_any_order_matching_gives_each_event_the_step_only_it_can_fill():
    site = make_site().id
    # The first event matches both steps, the second only the unfiltered one: matched, they cover both.
    write(
        event(site, "gen", at(0), anon="p", props={"model": "x"}),
        event(site, "gen", at(0, minutes=1), anon="p", props={"model": "y"}),
        event(site, "gen", at(0), anon="q", props={"model": "y"}),  # matches only the unfiltered step
        event(site, "gen", at(0), anon="r", props={"model": "x"}),  # matches both, but is one event
    )
    steps = [{"event": "gen", "filters": [{"key": "props.model", "op": "eq", "value": "x"}]}, {"event": "gen"}]
    assert counts(site, steps=steps, order="any") == [3, 1]
