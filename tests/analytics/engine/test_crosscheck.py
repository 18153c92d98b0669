"""Funnels and retention against a plain-Python computation over the exported events of a random dataset."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from analytics import facade
from analytics.derived_tables import person_events_refresh
from analytics.engine import insights
from analytics.engine.execute import fetch_all, stream
from analytics.engine.funnel_matching import best_attempts
from analytics.engine.funnel_math import attempt_from_row
from analytics.engine.funnel_sql import funnel_people, step_rows
from tests.analytics.dataset import at, event, write
from tests.analytics.engine.helpers import day_range, run
from tests.factories import make_site

pytestmark = pytest.mark.django_db
NAMES = ["a", "b", "c", "noise"]
RANGE = day_range("2026-03-03", "2026-03-09")
WINDOW = 2 * 3600


def random_events(site, seed):
    rng = random.Random(seed)
    rows = []
    for p in range(60):
        anon, user = f"anon{p}", (f"user{p % 45}" if rng.random() < 0.5 else "")
        login_at = rng.randrange(40)
        clock = at(rng.uniform(-2, 8), base=at(0, hours=-9))
        for k in range(rng.randrange(5, 70)):
            clock += timedelta(minutes=rng.choice([0, 0, 1, 5, 20, 90, 600]))  # equal timestamps happen
            logged_in = user and k >= login_at
            rows.append(
                event(
                    site,
                    rng.choice(NAMES),
                    clock,
                    anon=anon if not logged_in or rng.random() < 0.5 else "",
                    user=user if logged_in else "",
                    props={"group": rng.choice(["x", "y"])},
                )
            )
    write(*rows)  # one batch: identity links are the first user each id was seen with


def exported(site):
    header, rows = facade.events_export(site_id=site, start=at(-30), end=at(30))
    events = [dict(zip(header, row, strict=True)) for row in rows]
    links = {}
    for e in events:  # already in time order
        for other in (e["anonymous_id"], e["device_id"]):
            if other and e["user_id"] and other != e["user_id"]:
                links.setdefault(other, e["user_id"])
    persons = defaultdict(list)
    for e in events:
        person = (
            e["user_id"] or links.get(e["anonymous_id"]) or links.get(e["device_id"]) or e["anonymous_id"] or e["uuid"]
        )
        ts = datetime.fromisoformat(e["timestamp"]).timestamp()
        order = NAMES.index(e["name"]) if e["name"] in ("a", "b", "c") else 3
        persons[person].append((ts, order, e["uuid"], e["name"]))
    return {p: sorted(evs) for p, evs in persons.items()}


def reference_funnel(persons, steps, start, end, mode):
    n = len(steps)
    counts = [0] * n
    for evs in persons.values():
        if mode != "strict":
            evs = [e for e in evs if e[3] in steps]
        best = 0
        for i, (ts, _, _, name) in enumerate(evs):
            if not start <= ts < end:
                continue
            if mode == "any":
                if name not in steps:
                    continue
                firsts = {}
                for later in evs[i:]:
                    firsts.setdefault(later[3], later[0])
                best = max(best, sum(1 for s in steps if s in firsts and firsts[s] <= ts + WINDOW))
                continue
            if name != steps[0]:
                continue
            reached, cur = 1, i
            while reached < n:
                if mode == "strict":
                    nxt = cur + 1 if cur + 1 < len(evs) and evs[cur + 1][3] == steps[reached] else None
                else:
                    nxt = next((j for j in range(cur + 1, len(evs)) if evs[j][3] == steps[reached]), None)
                if nxt is None or evs[nxt][0] > ts + WINDOW:
                    break
                reached, cur = reached + 1, nxt
            best = max(best, reached)
        for k in range(best):
            counts[k] += 1
    return counts


@pytest.mark.parametrize("person_events", [False, True])
@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("mode", ["ordered", "strict", "any"])
def test_funnels_match_a_plain_python_funnel(seed, mode, person_events):
    site = make_site().id
    random_events(site, seed)
    if person_events:  # analytics_personevent answers; without a refresh the funnel reads events
        assert person_events_refresh() > 0
    persons = exported(site)
    start, end = at(1, hours=-9).timestamp(), at(8, hours=-9).timestamp()
    steps = ["a", "b", "c"]
    payload = {
        "steps": [{"event": s} for s in steps],
        "date_range": RANGE,
        "order": mode,
        "conversion_window": {"value": 2, "unit": "hour"},
    }
    result = run(site, "funnels", payload, rollups=person_events)
    assert [s["count"] for s in result["steps"]] == reference_funnel(persons, steps, start, end, mode)
    assert result["steps"][0]["count"] > 10 and result["steps"][-1]["count"] > 0


@pytest.mark.parametrize("person_events", [False, True])
@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
def test_retention_matches_a_plain_python_grid(zone, person_events):
    site = make_site(timezone=zone).id
    random_events(site, 3)
    if person_events:
        assert person_events_refresh() > 0
    persons = exported(site)
    tz = ZoneInfo(zone)
    days = [datetime(2026, 3, 3).date() + timedelta(days=i) for i in range(7)]
    grid = [[0] * (7 - c) for c in range(7)]
    for evs in persons.values():
        targets = [e for e in evs if e[3] == "a"]
        if not targets:
            continue
        first = datetime.fromtimestamp(targets[0][0], tz).date()
        if first not in days:
            continue
        c = days.index(first)
        grid[c][0] += 1
        back = {datetime.fromtimestamp(e[0], tz).date() for e in evs if e[3] == "b"}
        for k in range(1, 7 - c):
            grid[c][k] += days[c + k] in back
    payload = {"target": {"event": "a"}, "returning": {"event": "b"}, "date_range": RANGE}
    result = run(site, "retention", payload, rollups=person_events)
    assert [c["values"] for c in result["cohorts"]] == grid
    assert sum(row[0] for row in grid) > 0


@pytest.mark.parametrize("seed", [1, 2])
def test_any_order_matching_agrees_with_the_sql_funnel_where_steps_cannot_share_events(seed):
    """funnel_matching (one event, one step) and funnel_sql (each step's first event) must agree whenever no
    event can match two steps: every person's reached step, entry and step times."""
    site = make_site().id
    random_events(site, seed)
    payload = {
        "steps": [{"event": s} for s in ("a", "b", "c")],
        "date_range": RANGE,
        "order": "any",
        "conversion_window": {"value": 2, "unit": "hour"},
        "breakdown": {"key": "props.group"},
    }
    query = facade.insight_parse("funnels", payload)
    ctx = insights.context_for(site)
    end = ctx.window(query.scope.date_range).end.timestamp()
    in_sql = {row[0]: attempt_from_row(row, 3, "any", WINDOW) for row in fetch_all(ctx, funnel_people(ctx, query))}
    rows = stream(ctx, step_rows(ctx, query))
    matched = {row[0]: attempt_from_row(row, 3, "any", WINDOW) for row in best_attempts(rows, 3, WINDOW, end)}
    assert matched == in_sql
    assert len({a.reached for a in in_sql.values()}) == 3  # the data reaches every step count
