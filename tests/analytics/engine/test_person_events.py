"""Person events: funnels and retention read from analytics_personevent give exactly the answers read from events,
after identity links that appear later (anonymous and device ids), late events and data retention."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from analytics import facade
from analytics.derived_tables import person_events_refresh
from analytics.engine import insights
from analytics.engine.funnel_sql import funnel_people
from analytics.engine.runners.funnels import _person_events
from analytics.models import Event, PersonEvent, Site
from analytics.services import events_retention_enforce
from tests.analytics.dataset import at, event, write
from tests.analytics.engine.helpers import day_range, run
from tests.factories import make_site

pytestmark = pytest.mark.django_db
WEEK = day_range("2026-03-02", "2026-03-08")
FUNNELS = [
    {"steps": [{"event": "a"}, {"event": "b"}, {"event": "c"}], "conversion_window": {"value": 2, "unit": "hour"}},
    {"steps": [{"event": "a"}, {"event": "b"}], "order": "strict", "conversion_window": {"value": 1, "unit": "day"}},
    {"steps": [{"event": "c"}, {"event": "a"}, {"event": "b"}], "order": "any"},
    {"steps": [{"event": "a"}, {"event": "a"}, {"event": "b"}], "order": "any"},  # shared steps: matched in Python
    {"steps": [{"event": "a"}, {"event": "c"}], "exclusions": [{"event": "b", "from_step": 0, "to_step": 1}]},
]
RETENTIONS = [
    {"target": {"event": "a"}, "returning": {"event": "b"}},
    {"target": {"event": "a"}, "retention_type": "recurring", "period": "week"},
    {"target": {"event": "c"}, "returning": {"event": "a"}, "include_bots": True},
]


def received(minutes: float = 0) -> datetime:
    """A receipt time as the server's clock gives it: after any refresh made earlier in the test."""
    return datetime.now(UTC) + timedelta(minutes=minutes)


def random_events(site, rng, persons=40, *, prefix="", when=None):
    """Anonymous visitors (some with a device id too), some of whom log in; equal timestamps happen."""
    rows = []
    for p in range(persons):
        anon, device = f"{prefix}anon{p}", (f"{prefix}dev{p % 7}" if rng.random() < 0.3 else "")
        user = f"user{p % 25}" if rng.random() < 0.5 else ""
        login_at = rng.randrange(30)
        clock = at(rng.uniform(-1, 6))
        for k in range(rng.randrange(3, 40)):
            clock += timedelta(minutes=rng.choice([0, 0, 1, 5, 30, 200, 900]))
            logged_in = user and k >= login_at
            fields = {"received_at": when} if when else {}
            rows.append(
                event(
                    site,
                    rng.choice(["a", "b", "c", "noise"]),
                    clock,
                    anon=anon if not logged_in or rng.random() < 0.5 else "",
                    user=user if logged_in else "",
                    device_id=device,
                    is_bot=rng.random() < 0.05,
                    **fields,
                )
            )
    write(*rows)


def assert_same_answers(site):
    """Every funnel and grid is answered from person events (checked) and equals the answer from events."""
    for payload in FUNNELS:
        query = facade.insight_parse("funnels", {**payload, "date_range": WEEK})
        assert _person_events(insights.context_for(site), query)
        assert run(site, "funnels", {**payload, "date_range": WEEK}, rollups=True) == run(
            site, "funnels", {**payload, "date_range": WEEK}
        ), payload
    for payload in RETENTIONS:
        assert run(site, "retention", {**payload, "date_range": WEEK}, rollups=True) == run(
            site, "retention", {**payload, "date_range": WEEK}
        ), payload


def stored(site):
    return PersonEvent.objects.filter(site_id=site).count(), Event.objects.filter(site_id=site).count()


def test_random_events_links_after_the_build_late_events_and_retention():
    site = make_site().id
    rng = random.Random(5)
    random_events(site, rng, when=received(-60))
    assert person_events_refresh(now=received(-1)) > 0
    assert_same_answers(site)
    # Later: logins link ids whose events are stored already, and events arrive with old timestamps.
    random_events(site, rng, prefix="", when=received())
    random_events(site, rng, persons=10, prefix="late", when=received())
    assert_same_answers(site)  # the query catches the table up itself
    before = PersonEvent.objects.filter(site_id=site, anon_key__isnull=True).count()
    assert person_events_refresh(now=received(1)) == 0  # the lookback re-reads, stores nothing twice
    assert PersonEvent.objects.filter(site_id=site, anon_key__isnull=True).count() == before
    count, events = stored(site)
    assert count == events
    Site.objects.filter(pk=site).update(retention_days=(datetime.now(UTC) - at(2)).days)
    events_retention_enforce()
    assert stored(site)[0] == stored(site)[1] and 0 < stored(site)[1] < events
    assert_same_answers(site)


def test_a_link_moves_exactly_the_events_it_resolves():
    """A device id's link moves the events of an unlinked anonymous id seen with it; the anonymous id's own link,
    coming later, wins over the device's (base.PERSON's order)."""
    site = make_site().id
    write(
        event(site, "a", at(0), anon="A", received_at=received(-9)),
        event(site, "b", at(0, hours=1), anon="B", device_id="D", received_at=received(-9)),
        event(site, "c", at(0, hours=2), device_id="D", received_at=received(-9)),
        event(site, "b", at(0, hours=3), anon="A", device_id="E", received_at=received(-9)),
    )
    person_events_refresh(now=received(-8))
    steps = {"steps": [{"event": "a"}, {"event": "b"}, {"event": "c"}], "date_range": WEEK}

    def persons():
        keys = dict(facade_keys(site))
        return sorted((e.name, keys[e.person]) for e in PersonEvent.objects.filter(site_id=site))

    assert persons() == [("a", "A"), ("b", "A"), ("b", "B"), ("c", "D")]
    write(event(site, "noise", at(1), user="u1", device_id="D", received_at=received(-7)))  # links D -> u1
    assert run(site, "funnels", steps, rollups=True) == run(site, "funnels", steps)
    assert persons() == [("a", "A"), ("b", "A"), ("b", "u1"), ("c", "u1"), ("noise", "u1")]
    write(event(site, "noise", at(1), user="u2", anon="B", received_at=received(-6)))  # B's own link wins over D's
    write(event(site, "noise", at(1), user="u3", device_id="E", received_at=received(-6)))  # only A's event with E
    person_events_refresh(now=received(-5))
    after = [("a", "A"), ("b", "u2"), ("b", "u3"), ("c", "u1"), ("noise", "u1"), ("noise", "u2"), ("noise", "u3")]
    assert persons() == after
    assert run(site, "funnels", steps, rollups=True) == run(site, "funnels", steps)


def facade_keys(site):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, key FROM analytics_person WHERE site_id = %s", [site])
        return cursor.fetchall()


def test_filters_breakdowns_and_a_missing_table_read_events():
    site = make_site().id
    write(event(site, "a", at(0), anon="p", received_at=received(-5)), event(site, "b", at(1), anon="p"))
    plain = facade.insight_parse("funnels", {"steps": [{"event": "a"}, {"event": "b"}], "date_range": WEEK})
    assert not _person_events(insights.context_for(site), plain)  # never refreshed: no table to read
    person_events_refresh(now=received(-4))
    assert _person_events(insights.context_for(site), plain)
    assert not _person_events(insights.context_for(site, rollups=False), plain)
    for extra in ({"breakdown": {"key": "browser"}}, {"filters": [{"key": "browser", "op": "eq", "value": "x"}]}):
        query = facade.insight_parse(
            "funnels", {"steps": [{"event": "a"}, {"event": "b"}], "date_range": WEEK, **extra}
        )
        assert not _person_events(insights.context_for(site), query)
    text = funnel_people(insights.context_for(site), plain, person_events=True).text
    assert "analytics_personevent" in text and "analytics_identitylink" not in text
