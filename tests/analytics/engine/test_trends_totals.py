"""Whole-range totals of trends: distinct persons and sessions counted once over the range, percentiles over
every value of the range, per breakdown value and compared period, equal on SQLite, with rollups and against
plain Python."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import pytest

from analytics import facade
from analytics.derived_tables import rollups_refresh
from analytics.engine import insights, rollups
from analytics.event_store.orm_writer import _links, _to_event
from analytics.models import Event, IdentityLink, Site
from tests.analytics.dataset import at, event, write
from tests.analytics.engine.helpers import day_range, run
from tests.analytics.engine.test_crosscheck import exported, random_events
from tests.analytics.engine.test_rollups import populate
from tests.analytics.engine.test_sqlite import sqlite  # noqa: F401  (the in-memory SQLite connection fixture)
from tests.factories import make_site

pytestmark = pytest.mark.django_db
WEEK = day_range("2026-03-02", "2026-03-08")
MEASURES = [
    {"event": "e", "math": "count"},
    {"event": "e", "math": "persons"},
    {"event": "e", "math": "sessions"},
    {"event": "e", "math": "sum", "property": "value"},
    {"event": "e", "math": "avg", "property": "value"},
    {"event": "e", "math": "p50", "property": "value"},
    {"event": "e", "math": "p90", "property": "value"},
]


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def two_days(site: int) -> list[list[object]]:
    """Monday: a (values 1, 2), b (3), one session of a crossing midnight. Tuesday: a (10), c (20) on Firefox."""
    return [
        event(site, "e", utc(2, 9), anon="a", value=1, browser="Chrome"),
        event(site, "e", utc(2, 23, 50), anon="a", value=2, browser="Chrome"),
        event(site, "e", utc(2, 12), anon="b", value=3, browser="Safari"),
        event(site, "e", utc(3, 0, 10), anon="a", value=10, browser="Chrome"),  # same session as 23:50
        event(site, "e", utc(3, 15), anon="c", value=20, browser="Firefox"),
        event(site, "other", utc(3, 16), anon="d", value=99, browser="Chrome"),
    ]


def by_math(result):
    return {s["math"]: (s["data"][:2], s["total"]) for s in result["series"]}


def test_each_measure_has_its_whole_range_total():
    site = make_site().id
    write(*two_days(site))
    result = by_math(run(site, "trends", {"series": MEASURES, "date_range": WEEK}))
    assert result["count"] == ([3, 2], 5)
    assert result["sum"] == ([6, 30], 36)
    # a is active on both days: two per-day uniques, one person over the range (the sum would say 4).
    assert result["persons"] == ([2, 2], 3)
    # a's 23:50-00:10 session holds an event on each day; over the range it is one session of three.
    assert result["sessions"] == ([3, 2], 4)
    assert result["avg"] == ([2.0, 15.0], pytest.approx(7.2))
    # Over 1, 2, 3, 10, 20: the median is 3, not a median of the days' medians (2 and 15).
    assert result["p50"] == ([2.0, 15.0], 3.0)
    assert result["p90"][1] == pytest.approx(16.0)  # 10 + 0.6 * (20 - 10), percentile_cont over the five


def test_an_empty_range_totals_zero_or_nothing():
    site = make_site().id
    result = by_math(run(site, "trends", {"series": MEASURES, "date_range": WEEK}))
    assert {math: total for math, (_, total) in result.items()} == {
        "count": 0,
        "persons": 0,
        "sessions": 0,
        "sum": 0,
        "avg": None,
        "p50": None,
        "p90": None,
    }


def test_breakdown_values_and_other_get_their_own_distinct_totals():
    site = make_site().id
    write(
        *two_days(site),
        event(site, "e", utc(4, 9), anon="b", value=4, browser="Firefox"),  # b: Safari Monday, Firefox Wednesday
    )
    payload = {"series": MEASURES[1:3] + MEASURES[5:6], "date_range": WEEK, "breakdown": {"key": "browser", "limit": 1}}
    result = run(site, "trends", payload)
    totals = {(s["math"], s["breakdown_value"]): s["total"] for s in result["series"]}
    # Chrome is the top value (3 events, all a's); b and c fall into "$other", where b counts once.
    assert totals[("persons", "Chrome")] == 1
    assert totals[("persons", "$other")] == 2
    other = next(s for s in result["series"] if s["math"] == "persons" and s["breakdown_value"] == "$other")
    assert sum(other["data"]) == 3
    assert totals[("sessions", "Chrome")] == 2  # Monday 09:00, and 23:50 to 00:10
    assert totals[("p50", "$other")] == 4.0  # over 3, 20 and 4


def test_the_previous_period_gets_its_own_whole_range_total():
    site = make_site().id
    write(
        event(site, "e", at(-7), anon="a"),
        event(site, "e", at(-6), anon="a"),
        event(site, "e", at(-5), anon="b"),
        event(site, "e", at(0), anon="a"),
    )
    payload = {"series": [{"event": "e", "math": "persons"}], "date_range": WEEK, "compare": True}
    entry = run(site, "trends", payload)["series"][0]
    assert entry["total"] == 1
    assert sum(entry["previous"]["data"]) == 3 and entry["previous"]["total"] == 2


def test_totals_are_the_same_on_sqlite_and_postgres(sqlite):  # noqa: F811
    pg_site = make_site(timezone="Europe/Berlin").id
    lite_site = (
        Site.objects.using(sqlite)
        .create(name="embedded", timezone="Europe/Berlin", public_key="pk-totals", secret_key_hash="h")
        .pk
    )
    write(*two_days(pg_site))
    events = [_to_event(r) for r in two_days(lite_site)]
    Event.objects.using(sqlite).bulk_create(events)
    IdentityLink.objects.using(sqlite).bulk_create(_links(events))
    for extra in ({}, {"breakdown": {"key": "browser", "limit": 1}}, {"compare": True}):
        query = insights.parse("trends", {"series": MEASURES, "date_range": WEEK, **extra})
        on_pg = insights.run(insights.context_for(pg_site, rollups=False), query)
        on_lite = insights.run(insights.context_for(lite_site, using=sqlite, rollups=False), query)
        assert on_lite == on_pg, extra
        if not extra:
            assert by_math(on_pg)["persons"][1] == 3 and by_math(on_pg)["p50"][1] == 3.0


def test_rollups_give_the_same_totals_and_never_answer_distinct_measures():
    site = make_site(timezone="Europe/Berlin").id
    populate(site)
    rollups_refresh(now=at(3, hours=5))  # rollups for the first half of the week, raw events after
    ctx = insights.context_for(site)
    for series in ({"event": "page_view"}, {"event": "page_view", "math": "persons"}, {"math": "sessions"}):
        for extra in ({}, {"breakdown": {"key": "browser", "limit": 2}}, {"compare": True}):
            payload = {"series": [series], "date_range": WEEK, **extra}
            query = insights.parse("trends", payload)
            answered = rollups.answering(ctx, query, query.series[0], ctx.window(query.scope.date_range)) is not None
            assert answered == (query.series[0].math == "count")
            with_rollups = run(site, "trends", payload, rollups=True)
            assert with_rollups == run(site, "trends", payload, rollups=False), payload
            assert all(s["total"] is not None for s in with_rollups["series"])


@pytest.mark.parametrize("seed", [1, 2])
def test_distinct_totals_match_plain_python(seed):
    site = make_site().id
    random_events(site, seed)
    persons = exported(site)
    start, end = at(0, hours=-9).timestamp(), at(7, hours=-9).timestamp()
    day_of = {day: (start + day * 86400, start + (day + 1) * 86400) for day in range(7)}
    per_day = defaultdict(set)
    sessions_per_day = defaultdict(set)
    whole = set()
    whole_sessions = set()
    for person, evs in persons.items():
        session, last = 0, None
        for ts, _, _, name in evs:
            if not start <= ts < end:
                continue  # sessions are cut over the range's events only
            session += last is None or ts - last > 30 * 60
            last = ts
            if name != "a":
                continue
            day = next(d for d, (a, b) in day_of.items() if a <= ts < b)
            per_day[day].add(person)
            sessions_per_day[day].add((person, session))
            whole.add(person)
            whole_sessions.add((person, session))
    payload = {"series": [{"event": "a", "math": "persons"}, {"event": "a", "math": "sessions"}], "date_range": WEEK}
    people, sessions = run(site, "trends", payload)["series"]
    assert people["data"] == [len(per_day[d]) for d in range(7)]
    assert sessions["data"] == [len(sessions_per_day[d]) for d in range(7)]
    assert (people["total"], sessions["total"]) == (len(whole), len(whole_sessions))
    assert sum(people["data"]) > people["total"] > 0  # the data has people active on several days


def test_exported_rows_carry_the_total_of_their_period():
    site = make_site().id
    write(*two_days(site), event(site, "e", at(-6), anon="a"), event(site, "e", at(-5), anon="a"))
    payload = {"series": [{"event": "e", "math": "persons"}], "date_range": WEEK, "compare": True}
    header, rows = facade.insight_result_rows(site_id=site, query=facade.insight_parse("trends", payload))
    records = [dict(zip(header, row, strict=True)) for row in rows]
    assert header[-1] == "total" and len(records) == 14
    assert {r["total"] for r in records if r["period"] == "current"} == {3}
    assert {r["total"] for r in records if r["period"] == "previous"} == {1}  # a, on two days


def test_totals_false_leaves_out_only_the_totals_that_need_a_statement_of_their_own():
    site = make_site().id
    write(*two_days(site))
    payload = {"series": MEASURES, "date_range": WEEK, "compare": True}
    full = run(site, "trends", payload)
    lean = run(site, "trends", payload | {"totals": False})
    for whole, part in zip(full["series"], lean["series"], strict=True):
        assert part["data"] == whole["data"] and part["previous"]["data"] == whole["previous"]["data"]
        kept = whole["math"] in ("count", "sum", "avg")
        assert part["total"] == (whole["total"] if kept else None), whole["math"]
        assert part["previous"]["total"] == (whole["previous"]["total"] if kept else None), whole["math"]
    assert by_math(full)["persons"][1] == 3
    with pytest.raises(facade.QueryInvalid) as refused:
        facade.insight_parse("trends", payload | {"totals": "no"})
    assert [e["field"] for e in refused.value.errors] == ["totals"]
