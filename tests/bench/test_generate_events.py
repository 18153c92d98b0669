"""The benchmark data generator: on a tiny size, against the real database, it loads what it says it does."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from django.db import connection

from analytics.models import Event, EventKey, IdentityLink
from bench.datagen.loader import drop_indexes, finish, load, prepare_partitions, restore_indexes
from bench.datagen.traffic import TrafficConfig, TrafficGenerator
from tests.factories import make_site

pytestmark = pytest.mark.django_db

END = datetime(2026, 11, 3, 12, tzinfo=UTC)  # the window crosses into October: a partition to create
START = END - timedelta(days=7)
EVENTS = 6000


def config(site_id: int, **overrides) -> TrafficConfig:
    values = {"site_id": site_id, "events": EVENTS, "start": START, "end": END, "seed": 7, "chunk_rows": 700}
    return TrafficConfig(**{**values, **overrides})


@pytest.fixture
def loaded():
    site = make_site(name="bench", timezone="Asia/Shanghai")
    connection.ensure_connection()
    raw = connection.connection
    assert isinstance(raw, psycopg.Connection)
    # Inside the test's transaction, so every chunk is a savepoint and the test's rollback removes it all.
    assert raw.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    created = prepare_partitions(raw, START, END)
    stats = load(raw, TrafficGenerator(config(site.id)).chunks())
    finish(raw)
    return site.id, stats, created


def test_it_loads_exactly_the_events_keys_and_links_it_reports(loaded):
    site_id, stats, created = loaded
    assert stats.rows == EVENTS
    assert Event.objects.filter(site_id=site_id).count() == EVENTS
    assert EventKey.objects.filter(site_id=site_id).count() == EVENTS
    assert IdentityLink.objects.filter(site_id=site_id).count() == stats.links > 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM analytics_event e JOIN analytics_eventkey k "
            "ON k.site_id = e.site_id AND k.uuid = e.uuid AND k.timestamp = e.timestamp WHERE e.site_id = %s",
            [site_id],
        )
        assert cursor.fetchone()[0] == EVENTS
        cursor.execute("SELECT count(*) FROM analytics_event_default")
        assert cursor.fetchone()[0] == 0
        # October's events went to their own month, made before the load if it was missing.
        cursor.execute("SELECT count(*) FROM analytics_event_2026_10 WHERE site_id = %s", [site_id])
        assert cursor.fetchone()[0] > 0
    assert set(created) <= {"analytics_event_2026_10"}


def test_the_traffic_looks_like_an_ai_tool_site(loaded):
    site_id, _, _ = loaded
    events = list(
        Event.objects.filter(site_id=site_id)
        .order_by("timestamp")
        .values("timestamp", "name", "label", "value", "properties", "dimensions", "anonymous_id", "user_id",
                "session_id", "is_bot", "device_type", "ip", "url", "referrer", "category")
    )  # fmt: skip
    assert all(START <= e["timestamp"] < END for e in events)
    names = {e["name"] for e in events}
    assert {"page_view", "click_generate", "image_generated", "download", "signup", "inpaint"} <= names
    for e in events:
        if e["name"] == "click_generate":
            assert e["category"] == "image_generation"
            assert len(e["label"]) <= 50 and e["value"] == e["properties"]["prompt_length"] >= len(e["label"])
            assert {"model", "steps", "width", "height"} <= e["properties"].keys()
        if e["name"] == "start_training":
            assert e["dimensions"]["image_version"] in {"2.3", "2.4", "2.5"} and e["dimensions"]["role"]
        assert e["properties"]["exp_group"] in {"A", "B"}
        assert e["ip"].endswith((".0", "::")) and "@" not in e["url"] + e["referrer"] + e["label"]
        assert e["session_id"] and e["anonymous_id"]
        assert e["is_bot"] == (e["device_type"] == "bot")
    assert 0 < sum(e["is_bot"] for e in events) < len(events) * 0.2
    # Sessions: consecutive events of one session are less than 30 minutes apart.
    last_seen: dict[str, datetime] = {}
    for e in events:
        previous = last_seen.get(e["session_id"])
        assert previous is None or e["timestamp"] - previous < timedelta(minutes=30)
        last_seen[e["session_id"]] = e["timestamp"]
    # Returning visitors: some anonymous ids are seen on more than one day.
    days = defaultdict(set)
    for e in events:
        days[e["anonymous_id"]].add(e["timestamp"].date())
    assert any(len(d) > 1 for d in days.values())
    # Identify mid-journey: before the link an anonymous id's events carry no user, from it on they do.
    for link in IdentityLink.objects.filter(site_id=site_id):
        own = [e for e in events if e["anonymous_id"] == link.anonymous_id]
        assert all(not e["user_id"] for e in own if e["timestamp"] < link.linked_at)
        assert all(e["user_id"] == link.user_id for e in own if e["timestamp"] >= link.linked_at)
        assert any(e["name"] in {"signup", "login"} and e["timestamp"] == link.linked_at for e in own)


def test_the_same_seed_gives_the_same_events_and_another_seed_others():
    def text(seed: int) -> str:
        return "".join(chunk.events for chunk in TrafficGenerator(config(1, events=2000, seed=seed)).chunks())

    first = text(3)
    assert first == text(3) != text(4)
    assert first.count("\n") == 2000


def test_bulk_mode_rebuilds_every_index_as_it_was():
    def indexes() -> set[tuple[str, str, str, bool]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, i.relname, pg_get_indexdef(i.oid), x.indisvalid FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid "
                "WHERE c.relname LIKE 'analytics_event%%'"
            )
            return set(cursor.fetchall())

    before = indexes()
    raw = connection.connection
    restore = drop_indexes(raw)
    assert restore and not {i for i in indexes() if i[0] in {"analytics_event", "analytics_eventkey"}}
    restore_indexes(raw, restore)
    assert indexes() == before and all(valid for *_, valid in before)
