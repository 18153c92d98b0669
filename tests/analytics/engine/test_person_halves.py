"""Person halves (analytics/engine/person_halves.py): two statements on two connections in one snapshot, and
funnels and retention answered that way equal to the same questions over raw events.

These tests commit (a second connection sees only committed rows), so the database is emptied after each.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction

from analytics.derived_tables import person_events_refresh
from analytics.engine import insights
from analytics.engine.person_halves import fetch_halves
from analytics.engine.sql import Sql
from tests.analytics.dataset import at, event, write
from tests.analytics.engine.helpers import day_range, run
from tests.analytics.engine.test_funnel_totals import payloads, random_events
from tests.factories import make_site

pytestmark = pytest.mark.django_db(transaction=True)
WHO_AND_WHAT = Sql("SELECT pg_backend_pid(), pg_current_snapshot()::text, (SELECT COUNT(*) FROM analytics_site)")


def test_outside_a_transaction_the_halves_run_on_two_connections_in_one_snapshot():
    make_site()
    ctx = insights.context_for(make_site().id)
    first, second = fetch_halves(ctx, [WHO_AND_WHAT, WHO_AND_WHAT])
    (pid_a, snapshot_a, sites_a), (pid_b, snapshot_b, sites_b) = first[0], second[0]
    assert pid_a != pid_b
    assert snapshot_a == snapshot_b and sites_a == sites_b == 2
    # The caller's connection is back in autocommit, outside any transaction.
    assert connection.get_autocommit() and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("SELECT now() = statement_timestamp()")
        assert cursor.fetchone() == (True,)


def test_inside_a_transaction_they_run_one_after_the_other_on_its_connection():
    site = make_site().id
    with transaction.atomic():
        make_site()  # uncommitted: another connection would not count it
        first, second = fetch_halves(insights.context_for(site), [WHO_AND_WHAT, WHO_AND_WHAT])
    assert first[0][0] == second[0][0]
    assert first[0][2] == second[0][2] == 2


def test_a_failing_half_raises_and_leaves_the_connection_usable():
    ctx = insights.context_for(make_site().id)
    with pytest.raises(Exception, match="division by zero"):
        fetch_halves(ctx, [WHO_AND_WHAT, Sql("SELECT 1 / 0")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@pytest.mark.parametrize("seed", [4, 5])
def test_funnels_and_retention_by_halves_equal_the_answers_from_events(seed):
    site = make_site().id
    random_events(site, seed)
    assert person_events_refresh() > 0
    for payload in payloads():
        assert run(site, "funnels", payload, rollups=True) == run(site, "funnels", payload), payload
    grids = [
        {"target": {"event": "a"}, "returning": {"event": "b"}, "period": "day"},
        {"target": {"event": "a"}, "returning": {"event": "a"}, "period": "week"},
        {"target": {"event": "b"}, "returning": {"event": "c"}, "period": "month"},
    ]
    # From the range's second day: persons seen on the first are history (first-time grids leave them out).
    for retention in grids:
        for kind in ("first_time", "recurring"):
            payload = {**retention, "retention_type": kind, "date_range": day_range("2026-03-03", "2026-03-09")}
            by_halves = run(site, "retention", payload, rollups=True)
            assert by_halves == run(site, "retention", payload), (kind, retention)
            assert sum(c["size"] for c in by_halves["cohorts"]) > 0


def test_a_person_in_each_half_counts_once_in_each():
    site = make_site().id
    write(
        *[event(site, "a", at(1, hours=h), anon=f"p{p}") for p in range(4) for h in (0, 1)],
        *[event(site, "b", at(1, hours=2) + timedelta(minutes=p), anon=f"p{p}") for p in range(3)],
    )
    assert person_events_refresh() > 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT person %% 2 FROM analytics_personevent WHERE site_id = %s", [site])
        assert {half for (half,) in cursor.fetchall()} == {0, 1}
    funnel = {"steps": [{"event": "a"}, {"event": "b"}], "date_range": day_range("2026-03-01", "2026-03-09")}
    result = run(site, "funnels", funnel, rollups=True)
    assert [s["count"] for s in result["steps"]] == [4, 3]
