"""funnel_sql.funnel_totals (counts and sorted gaps in SQL, alone or per person half) against funnel_math over
funnel_people's rows (one per person).

Random events with microsecond timestamps, equal timestamps and repeated entries, so that the best attempt's
tie-breaks, the medians' interpolation and the order of the sums are all exercised.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from analytics import facade
from analytics.derived_tables import person_events_refresh
from analytics.engine import insights
from analytics.engine.execute import fetch_all
from analytics.engine.funnel_arrays import OutOfOrder, totals_row
from analytics.engine.funnel_math import attempt_from_row, funnel_result, totals_result
from analytics.engine.funnel_sql import funnel_people, funnel_totals, packed_rows, packs, totals_in_sql
from analytics.engine.person_halves import HALVES
from analytics.engine.runners import funnels as funnels_runner
from tests.analytics.dataset import at, event, write
from tests.analytics.engine.helpers import day_range, run
from tests.factories import make_site

pytestmark = pytest.mark.django_db
RANGE = day_range("2026-03-03", "2026-03-09")


def random_events(site: int, seed: int) -> None:
    rng = random.Random(seed)
    rows = []
    for p in range(50):
        clock = at(rng.uniform(-2, 8), base=at(0, hours=-9))
        for _ in range(rng.randrange(5, 60)):
            step = rng.choice([timedelta(0), timedelta(microseconds=rng.randrange(1, 10**6)), timedelta(minutes=7)])
            clock += step + timedelta(seconds=rng.choice([0, 1, 30, 600, 5000]))
            name = rng.choice(["a", "a", "b", "c", "x", "noise"])
            rows.append(event(site, name, clock, anon=f"anon{p}", user=f"user{p % 40}" if p % 3 == 0 else ""))
    write(*rows)


def payloads() -> list[dict[str, object]]:
    steps = [{"event": s} for s in ("a", "b", "c")]
    window = {"value": 2, "unit": "hour"}
    base = {"steps": steps, "date_range": RANGE, "conversion_window": window}
    exclusion = [{"event": "x", "from_step": 0, "to_step": 1}]
    return [
        {**base, "order": "ordered"},
        {**base, "order": "strict"},
        {**base, "order": "ordered", "exclusions": exclusion},
        {**base, "order": "ordered", "steps": [{"event": "a"}, {"event": "a"}]},
        {**base, "order": "strict", "steps": [*steps, {"event": "a"}]},
    ]


@pytest.mark.parametrize("person_events", [False, True])
@pytest.mark.parametrize("seed", [1, 2])
def test_totals_in_sql_equal_the_numbers_from_each_persons_attempt(seed, person_events):
    site = make_site().id
    random_events(site, seed)
    if person_events:
        assert person_events_refresh() > 0
    ctx = insights.context_for(site)
    for payload in payloads():
        query = facade.insight_parse("funnels", payload)
        assert totals_in_sql(ctx, query)
        names = [s.event for s in query.steps]
        n = len(names)
        rows = fetch_all(ctx, funnel_people(ctx, query, person_events=person_events))
        attempts = [attempt_from_row(row, n, query.order, query.window_seconds) for row in rows]
        expected = funnel_result(attempts, names, query.order, None)
        if person_events:
            if packs(query):
                packed = [fetch_all(ctx, packed_rows(ctx, query, half)) for half in HALVES]
                end = ctx.window(query.scope.date_range).end.timestamp()
                arrays = [
                    totals_row(row, steps=names, order=query.order, window=query.window_seconds, end=end)
                    for row in packed
                ]
                assert totals_result(arrays, names, query.order) == expected, payload
            # The two person halves, each alone, add up to everyone.
            totals = [
                row
                for half in HALVES
                for row in fetch_all(ctx, funnel_totals(ctx, query, person_events=True, half=half))
            ]
            assert len(totals) == 2 and all(row[0] for row in totals)
        else:
            totals = fetch_all(ctx, funnel_totals(ctx, query))
        assert totals_result(totals, names, query.order) == expected, payload
        assert expected["steps"][1]["count"] > 0
    # The data has what the comparison needs: fractional gaps.
    assert any(a.times[1] % 1 for a in attempts if a.reached > 1)


def test_the_runner_reads_totals_where_they_apply_and_people_elsewhere():
    site = make_site().id
    random_events(site, 3)
    base = {"steps": [{"event": "a"}, {"event": "b"}], "date_range": RANGE}
    ctx = insights.context_for(site)
    assert totals_in_sql(ctx, facade.insight_parse("funnels", base))
    for other in ({"order": "any"}, {"breakdown": {"key": "browser"}}):
        assert not totals_in_sql(ctx, facade.insight_parse("funnels", {**base, **other}))
    result = run(site, "funnels", base)
    assert result["breakdown"] is None and result["steps"][0]["count"] > 0
    assert [b["count"] for b in result["time_to_convert_histogram"]] != [0] * 11


def test_rows_out_of_order_fall_back_to_the_funnel_in_sql(monkeypatch, caplog):
    # Should the planner ever hand the packed rows over out of order, funnel_arrays refuses them and the runner
    # answers from the SQL funnel instead: same numbers, and a warning says so.
    site = make_site().id
    random_events(site, 6)
    assert person_events_refresh() > 0
    payload = payloads()[0]
    expected = run(site, "funnels", payload)

    def refuse(*args: object, **kwargs: object) -> tuple[object, ...]:
        raise OutOfOrder

    monkeypatch.setattr(funnels_runner, "totals_row", refuse)
    assert run(site, "funnels", payload, rollups=True) == expected
    assert "out of order" in caplog.text
