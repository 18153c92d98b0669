"""Rollups: trends answered from hourly rollups (main dimensions, or name and path) equal trends from raw events,
late events included."""

from __future__ import annotations

import random

import pytest

from analytics.derived_tables import rollups_refresh
from analytics.engine import insights, rollups
from analytics.models import HourlyRollup, PathRollup
from analytics.tasks import refresh_rollups
from tests.analytics.dataset import at, event, write
from tests.analytics.engine.helpers import day_range, run
from tests.factories import make_site

pytestmark = pytest.mark.django_db
WEEK = day_range("2026-03-02", "2026-03-08")
QUERIES = [
    {"series": [{"event": "page_view"}], "date_range": WEEK},
    {"series": [{"event": None}], "date_range": WEEK, "interval": "hour"},
    {
        "series": [{"event": "page_view"}, {"event": "click"}],
        "date_range": WEEK,
        "breakdown": {"key": "browser", "limit": 2},
    },
    {
        "series": [{"event": "click", "filters": [{"key": "os", "op": "in", "value": ["iOS", "Android"]}]}],
        "date_range": WEEK,
    },
    {
        "series": [{"event": None}],
        "date_range": day_range("2026-02-23", "2026-03-15"),
        "interval": "week",
        "compare": True,
    },
    {"series": [{"event": "page_view"}], "date_range": WEEK, "include_bots": True, "breakdown": {"key": "device_type"}},
]
PAGE_VIEWS = [{"key": "name", "op": "in", "value": ["page_view", "$pageview"]}]
# The console overview's top pages and their neighbours: answered by the path rollup.
PATH_QUERIES = [
    {
        "series": [{"event": None, "math": "count", "filters": PAGE_VIEWS}],
        "interval": "month",
        "date_range": WEEK,
        "breakdown": {"key": "path", "limit": 3},
    },
    {"series": [{"event": "click", "filters": [{"key": "path", "op": "neq", "value": "/"}]}], "date_range": WEEK},
    {
        "series": [{"event": None}],
        "date_range": WEEK,
        "include_bots": True,
        "breakdown": {"key": "path", "limit": 1},
        "compare": True,
    },
]


def populate(site, seed=7, days=7, **overrides):
    rng = random.Random(seed)
    rows = []
    for _ in range(400):
        when = at(rng.uniform(-1, days), base=at(0, hours=-9))
        rows.append(
            event(
                site,
                rng.choice(["page_view", "page_view", "click", "signup"]),
                when,
                anon=f"p{rng.randrange(30)}",
                browser=rng.choice(["Chrome", "Firefox", "Safari", ""]),
                os=rng.choice(["iOS", "Android", "Windows"]),
                device_type=rng.choice(["mobile", "desktop"]),
                path=rng.choice(["/", "/pricing", "/docs/a", "/docs/b", ""]),
                is_bot=rng.random() < 0.1,
                received_at=overrides.get("received_at", when),
            )
        )
    write(*rows)


def both_ways(site, payload):
    return run(site, "trends", payload, rollups=True), run(site, "trends", payload, rollups=False)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
def test_rollups_give_the_same_answers_as_raw_events(zone):
    site = make_site(timezone=zone).id
    populate(site)
    assert rollups_refresh(now=at(10)) > 0
    assert HourlyRollup.objects.filter(site_id=site).exists()
    ctx = insights.context_for(site)
    assert ctx.rollups_until == at(10)
    assert PathRollup.objects.filter(site_id=site).exists()
    for payload, table in [(QUERIES[0], "analytics_hourlyrollup"), (PATH_QUERIES[0], "analytics_pathrollup")]:
        query = insights.parse("trends", payload)
        rollup = rollups.answering(ctx, query, query.series[0], ctx.window(query.scope.date_range))
        assert rollup is not None and rollup.table == table
    for payload in QUERIES + PATH_QUERIES:
        with_rollups, raw = both_ways(site, payload)
        assert with_rollups == raw, payload
    # The path and a main dimension together: no table keeps both, raw events answer.
    both = {
        **PATH_QUERIES[0],
        "series": [{"event": "page_view", "filters": [{"key": "os", "op": "eq", "value": "iOS"}]}],
    }
    query = insights.parse("trends", both)
    assert rollups.answering(ctx, query, query.series[0], ctx.window(query.scope.date_range)) is None
    assert both_ways(site, both)[0] == both_ways(site, both)[1]
    top_pages = both_ways(site, PATH_QUERIES[0])[0]["series"]
    assert len(top_pages) == 4 and top_pages[-1]["breakdown_value"] == "$other"  # the top 3 and the rest


def test_late_events_update_the_rollups_on_the_next_refresh():
    site = make_site().id
    populate(site)
    rollups_refresh(now=at(10))
    # Events of March 3rd that only arrive after the refresh (a phone that was offline).
    write(*[event(site, "page_view", at(1, minutes=i), anon="late", received_at=at(10, minutes=5)) for i in range(5)])
    stale, raw = both_ways(site, QUERIES[0])
    assert raw["series"][0]["data"][1] == stale["series"][0]["data"][1] + 5
    rollups_refresh(now=at(10, minutes=10))
    fresh, raw = both_ways(site, QUERIES[0])
    assert fresh == raw


def test_recent_hours_come_from_raw_events():
    site = make_site().id
    populate(site)
    rollups_refresh(now=at(3, hours=5, minutes=30))  # the rollups stop mid-week
    for payload in QUERIES + PATH_QUERIES:
        with_rollups, raw = both_ways(site, payload)
        assert with_rollups == raw, payload


def test_questions_rollups_cannot_answer_use_raw_events():
    site = make_site(timezone="Asia/Kolkata").id  # +05:30: local days do not start on UTC hours
    populate(site)
    rollups_refresh(now=at(10))
    ctx = insights.context_for(site)
    for payload in (
        QUERIES[0],
        {"series": [{"event": "page_view", "math": "persons"}], "date_range": WEEK},
        {"series": [{"event": "page_view", "filters": [{"key": "props.x", "op": "is_set"}]}], "date_range": WEEK},
    ):
        query = insights.parse("trends", payload)
        assert rollups.answering(ctx, query, query.series[0], ctx.window(query.scope.date_range)) is None
        with_rollups, raw = both_ways(site, payload)
        assert with_rollups == raw


def test_the_task_refreshes_and_is_idempotent():
    site = make_site().id
    write(event(site, "e", at(-1000), anon="a", received_at=at(-1000)))
    refresh_rollups()
    first = list(HourlyRollup.objects.filter(site_id=site).values_list("name", "events"))
    refresh_rollups()
    assert first == list(HourlyRollup.objects.filter(site_id=site).values_list("name", "events")) == [("e", 1)]
