"""Data retention: each site keeps its events for retention_days, and whole old partitions are dropped."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection

from analytics.event_store.retention import droppable_partitions, partition_month
from analytics.models import Event, EventKey, HourlyRollup, Site
from analytics.services import event_partitions_ensure, events_retention_enforce
from analytics.tasks import enforce_retention
from tests.analytics.dataset import event, write
from tests.factories import make_site

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def _names(site_id: int) -> set[str]:
    return set(Event.objects.filter(site_id=site_id).values_list("name", flat=True))


def _partitions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'analytics_event'"
        )
        return {row[0] for row in cursor.fetchall()}


def test_each_site_keeps_its_own_retention():
    short = make_site("Short", retention_days=30).id
    long = make_site("Long", retention_days=365).id
    for site in (short, long):
        write(
            event(site, "yesterday", NOW - timedelta(days=1)),
            event(site, "day_29", NOW - timedelta(days=29, hours=23)),
            event(site, "day_31", NOW - timedelta(days=31)),
            event(site, "day_400", NOW - timedelta(days=400)),
        )
    result = events_retention_enforce(now=NOW)
    assert _names(short) == {"yesterday", "day_29"}
    assert _names(long) == {"yesterday", "day_29", "day_31"}
    assert (result.events_deleted, result.keys_deleted) == (3, 3)
    # The dedup keys go with their events, and only theirs.
    assert EventKey.objects.filter(site_id=short).count() == 2
    assert EventKey.objects.filter(site_id=long).count() == 3
    assert events_retention_enforce(now=NOW).events_deleted == 0  # nothing left to do


def test_deletes_in_batches_until_done(monkeypatch):
    from analytics.event_store import retention

    site = make_site(retention_days=1).id
    write(*(event(site, f"old{i}", NOW - timedelta(days=3, minutes=i)) for i in range(7)))
    write(event(site, "new", NOW))
    calls = []
    original = retention.delete_batch

    def counted(cursor, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs["keys"])
        return original(cursor, **kwargs, batch=2)

    monkeypatch.setattr("analytics.services.delete_batch", counted)
    result = events_retention_enforce(now=NOW)
    assert result.events_deleted == 7 and _names(site) == {"new"}
    # Four batches of at most two events, one that finds none; the same for the keys.
    assert calls.count(False) == 5 and calls.count(True) == 5


def test_hourly_counts_past_retention_go_too():
    site = make_site(retention_days=10).id
    now = NOW + timedelta(minutes=20)  # the cut-off falls at 12:20, ten days back
    hours = [datetime(2026, 6, 5, h, tzinfo=UTC) for h in (10, 11, 12, 13)]
    for hour in hours:
        HourlyRollup.objects.create(site_id=site, hour=hour, name="e", events=1)
    events_retention_enforce(now=now)
    # 12:00-13:00 straddles the cut-off and still has kept events in it: its count stays.
    assert sorted(HourlyRollup.objects.filter(site_id=site).values_list("hour", flat=True)) == hours[2:]


def test_a_month_past_every_sites_retention_is_dropped_whole():
    a = make_site("A", retention_days=100).id
    b = make_site("B", retention_days=200).id
    # January 2025 is past both sites' retention; December 2025 only past A's.
    write(event(a, "jan_a", datetime(2025, 1, 10, tzinfo=UTC)), event(b, "jan_b", datetime(2025, 1, 20, tzinfo=UTC)))
    write(event(a, "dec_a", datetime(2025, 12, 10, tzinfo=UTC)), event(b, "dec_b", datetime(2025, 12, 10, tzinfo=UTC)))
    event_partitions_ensure()  # moves both months out of DEFAULT into their own partitions
    assert {"analytics_event_2025_01", "analytics_event_2025_12"} <= _partitions()
    result = events_retention_enforce(now=NOW)
    assert result.partitions_dropped == ("analytics_event_2025_01",)
    assert "analytics_event_2025_01" not in _partitions() and "analytics_event_2025_12" in _partitions()
    assert _names(a) == set() and _names(b) == {"dec_b"}
    # The dropped month's rows were not counted one by one, but their keys were deleted all the same.
    assert result.events_deleted == 1
    assert set(EventKey.objects.values_list("site_id", flat=True)) == {b}


def test_no_sites_drops_nothing():
    Site.objects.all().delete()
    assert events_retention_enforce(now=NOW).partitions_dropped == ()


@pytest.mark.parametrize(
    ("name", "month"),
    [
        ("analytics_event_2025_01", date(2025, 1, 1)),
        ("analytics_event_1999_12", date(1999, 12, 1)),
        ("analytics_event_default", None),
        ("analytics_event_2025_13", None),
        ("analytics_event_25_01", None),
        ("analytics_event_2025_1a", None),
    ],
)
def test_partition_month(name, month):
    assert partition_month(name) == month


def test_droppable_partitions_need_their_whole_month_past():
    names = ["analytics_event_2025_01", "analytics_event_2025_02", "analytics_event_default"]
    assert droppable_partitions(names, datetime(2025, 2, 1, tzinfo=UTC)) == ["analytics_event_2025_01"]
    assert droppable_partitions(names, datetime(2025, 1, 31, 23, tzinfo=UTC)) == []
    assert droppable_partitions(names, datetime(2030, 1, 1, tzinfo=UTC)) == names[:2]


def test_the_task_runs_and_is_scheduled():
    site = make_site(retention_days=1).id
    write(event(site, "ancient", datetime(2000, 1, 1, tzinfo=UTC)), event(site, "now", datetime.now(UTC)))
    enforce_retention()
    assert _names(site) == {"now"}
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "analytics.enforce_retention" in scheduled


def test_the_command_does_the_same_and_says_what_it_did():
    import io

    from django.core.management import call_command

    site = make_site(retention_days=1).id
    write(event(site, "ancient", datetime(2000, 1, 1, tzinfo=UTC)), event(site, "now", datetime.now(UTC)))
    out = io.StringIO()
    call_command("enforce_retention", stdout=out)
    assert _names(site) == {"now"}
    assert out.getvalue().startswith("Deleted 1 events;")
