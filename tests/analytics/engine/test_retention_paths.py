"""Retention grids (first-time and recurring, local weeks across DST, split by a property) and paths."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.analytics.dataset import at, event, write
from tests.analytics.engine.helpers import day_range, run
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def test_first_time_daily_grid_and_headline():
    site = make_site().id
    write(
        event(site, "signup", at(0), anon="p1", props={"group": "A"}),
        event(site, "use", at(1), anon="p1"),
        event(site, "use", at(2), anon="p1"),
        event(site, "signup", at(0), anon="p2", props={"group": "B"}),
        event(site, "use", at(2), anon="p2"),
        event(site, "signup", at(1), anon="p3", props={"group": "A"}),
        event(site, "use", at(1, hours=1), anon="p3"),  # same day: offset 0 only
        event(site, "signup", at(-5), anon="old"),  # first signup before the range: no cohort
        event(site, "signup", at(1), anon="old"),
        event(site, "use", at(2), anon="old"),
    )
    payload = {
        "target": {"event": "signup"},
        "returning": {"event": "use"},
        "date_range": day_range("2026-03-02", "2026-03-05"),
        "breakdown": {"key": "props.group"},
    }
    result = run(site, "retention", payload)
    assert [c["values"] for c in result["cohorts"]] == [[2, 1, 2, 0], [1, 0, 0], [0, 0], [0]]
    assert result["headline"] == {"D1": pytest.approx(1 / 3)}
    groups = {g["breakdown_value"]: [c["values"] for c in g["cohorts"]] for g in result["breakdown"]}
    assert groups == {"A": [[1, 1, 1, 0], [1, 0, 0], [0, 0], [0]], "B": [[1, 0, 1, 0], [0, 0, 0], [0, 0], [0]]}


def test_recurring_counts_every_period_of_activity():
    site = make_site().id
    write(*[event(site, "use", at(d), anon="p") for d in (0, 1, 3)])
    payload = {
        "target": {"event": "use"},
        "retention_type": "recurring",
        "date_range": day_range("2026-03-02", "2026-03-05"),
    }
    assert [c["values"] for c in run(site, "retention", payload)["cohorts"]] == [[1, 1, 0, 1], [1, 0, 1], [0, 0], [1]]
    payload["retention_type"] = "first_time"
    assert [c["values"] for c in run(site, "retention", payload)["cohorts"]] == [[1, 1, 0, 1], [0, 0, 0], [0, 0], [0]]


def test_weekly_cohorts_in_berlin_across_the_dst_change():
    site = make_site(timezone="Europe/Berlin").id
    # Sunday 2026-03-29 00:30 local is still in the week of Monday the 23rd; 23:30 UTC on the 29th is Monday the 30th.
    write(
        event(site, "use", datetime(2026, 3, 28, 23, 30, tzinfo=UTC), anon="p"),
        event(site, "use", datetime(2026, 3, 29, 22, 30, tzinfo=UTC), anon="p"),
        event(site, "use", datetime(2026, 4, 6, 0, 0, tzinfo=UTC), anon="p"),
    )
    payload = {"target": {"event": "use"}, "period": "week", "date_range": day_range("2026-03-23", "2026-04-12")}
    result = run(site, "retention", payload)
    assert [c["start"] for c in result["cohorts"]] == [
        "2026-03-23T00:00:00+01:00",
        "2026-03-30T00:00:00+02:00",
        "2026-04-06T00:00:00+02:00",
    ]
    assert [c["values"] for c in result["cohorts"]] == [[1, 1, 1], [0, 0], [0]]
    assert result["headline"] == {"W1": 1.0}


def test_a_merged_person_is_one_cohort_member():
    site = make_site().id
    write(
        event(site, "signup", at(0), anon="browser"),
        event(site, "login", at(0, minutes=1), anon="browser", user="u1"),
        event(site, "signup", at(1), user="u1"),
        event(site, "use", at(1), user="u1"),
    )
    payload = {
        "target": {"event": "signup"},
        "returning": {"event": "use"},
        "date_range": day_range("2026-03-02", "2026-03-03"),
    }
    assert [c["values"] for c in run(site, "retention", payload)["cohorts"]] == [[1, 1], [0]]


def test_next_and_previous_paths():
    site = make_site().id
    rows = []
    for i, names in enumerate(
        [
            ["home", "pricing", "pricing", "signup", "generate", "generate", "share", "logout"],
            ["home", "pricing", "signup", "docs"],
            ["docs", "home", "gallery"],
            ["gallery"],
        ]
    ):
        rows += [event(site, name, at(0, minutes=k), anon=f"p{i}") for k, name in enumerate(names)]
    write(*rows)
    week = day_range("2026-03-02", "2026-03-08")
    forward = run(site, "paths", {"start_event": "home", "depth": 5, "limit": 1, "date_range": week})
    assert forward["persons"] == 3
    steps = {s["offset"]: s["events"] for s in forward["steps"]}
    assert steps[1] == [{"event": "pricing", "count": 2}, {"event": "$other", "count": 1}]
    assert steps[5] == [{"event": "logout", "count": 1}]
    assert {"offset": 1, "from": "home", "to": "pricing", "count": 2} in forward["edges"]
    assert {"offset": 2, "from": "pricing", "to": "signup", "count": 2} in forward["edges"]  # repeats collapsed
    assert {"offset": 3, "from": "signup", "to": "docs", "count": 1} in forward["edges"]  # ties: by name
    backward = run(site, "paths", {"end_event": "signup", "depth": 5, "date_range": week, "collapse_repeats": False})
    back = {s["offset"]: s["events"] for s in backward["steps"]}
    assert back[-1] == [{"event": "pricing", "count": 2}]
    assert back[-3] == [{"event": "home", "count": 1}]
    assert {"offset": -2, "from": "home", "to": "pricing", "count": 1} in backward["edges"]


def test_first_time_history_counts_the_merged_persons_earlier_anonymous_events():
    site = make_site().id
    write(
        event(site, "signup", at(-3), anon="a1"),  # before the range, not yet logged in
        event(site, "signup", at(1), anon="a1", user="u1"),  # links a1 to u1: the same person
        event(site, "signup", at(1), anon="a2", user="u2"),  # a new person in the range
        event(site, "use", at(2), user="u2"),
    )
    payload = {
        "target": {"event": "signup"},
        "returning": {"event": "use"},
        "date_range": day_range("2026-03-02", "2026-03-05"),
    }
    result = run(site, "retention", payload)
    assert [c["size"] for c in result["cohorts"]] == [0, 1, 0, 0]
    assert result["cohorts"][1]["values"] == [1, 1, 0]


def test_retention_breakdown_takes_the_bytewise_smallest_value_of_the_period():
    site = make_site().id
    write(
        event(site, "signup", at(0), anon="p", props={"group": "a"}),
        event(site, "signup", at(0, hours=1), anon="p", props={"group": "B"}),  # "B" < "a" by code point
        event(site, "signup", at(0), anon="q", props={"group": "b"}),
    )
    payload = {
        "target": {"event": "signup"},
        "date_range": day_range("2026-03-02", "2026-03-03"),
        "breakdown": {"key": "props.group"},
    }
    result = run(site, "retention", payload)
    assert [(g["breakdown_value"], g["cohorts"][0]["size"]) for g in result["breakdown"]] == [("B", 1), ("b", 1)]
