"""The PostgreSQL event store: COPY writes, dedup, dead letters for rows it cannot store, partitions."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime

import pytest
from django.db import connection, transaction

from analytics import facade
from analytics.event_store import postgres_writer
from analytics.event_store.copy_text import encode_rows
from analytics.event_store.rows import COLUMN_INDEX
from analytics.models import Event, EventKey
from analytics.services import event_partitions_ensure
from tests.analytics.dataset import event
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def row(site_id: int, **overrides) -> list[object]:
    return event(site_id, overrides.pop("name", "e"), datetime(2026, 11, 20, 10, tzinfo=UTC), anon="a", **overrides)


def test_bad_rows_are_isolated_and_the_rest_lands():
    site = make_site()
    rows = [row(site.id, name=f"ok{i}") for i in range(50)]
    rows[7][COLUMN_INDEX["timestamp"]] = "not a time"
    rows[31][COLUMN_INDEX["uuid"]] = "not-a-uuid"
    rows[40][COLUMN_INDEX["name"]] = "n" * 500  # longer than the column
    result = facade.events_write(rows)
    assert (result.written, result.duplicates) == (47, 0)
    assert sorted(rows.index(f.row) for f in result.failed) == [7, 31, 40]
    assert all(f.reason for f in result.failed)
    assert Event.objects.count() == 47 == EventKey.objects.count()


def test_duplicates_within_and_across_batches():
    site = make_site()
    first = row(site.id)
    assert facade.events_write([first, first, row(site.id)]).written == 2
    again = facade.events_write([first, row(site.id)])
    assert (again.written, again.duplicates) == (1, 1)
    assert Event.objects.count() == 3


class RecordingCursor:
    """The real psycopg cursor, with the text of every statement it executes kept."""

    def __init__(self, cursor):
        self._cursor = cursor
        self.statements = []

    def execute(self, query, *args, **kwargs):
        self.statements.append(query.as_string(self._cursor) if hasattr(query, "as_string") else str(query))
        return self._cursor.execute(query, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._cursor, name)


def _write_recorded(rows):
    encoded = encode_rows(rows)
    with transaction.atomic():
        connection.ensure_connection()
        with connection.connection.cursor() as raw:
            raw.execute(postgres_writer._CREATE_STAGES)
            cursor = RecordingCursor(raw)
            written = postgres_writer._write(cursor, encoded.text, encoded.keys, len(rows))
    return written, cursor.statements


def test_a_round_of_new_keys_asks_for_no_keys_back():
    # RETURNING every key cost PostgreSQL and the consumer ~0.8 µs per row each; only a round with some keys
    # stored before needs to know which are new.
    site = make_site()
    written, statements = _write_recorded([row(site.id), row(site.id), row(site.id)])
    assert written == 3 == Event.objects.count()
    assert not any("RETURNING" in statement for statement in statements)


def test_a_round_of_new_keys_copies_them_straight_into_the_key_table():
    site = make_site()
    written, statements = _write_recorded([row(site.id), row(site.id)])
    assert written == 2 == EventKey.objects.count()
    assert not any("sightline_event_key_stage" in statement for statement in statements)
    assert not any("ROLLBACK" in statement for statement in statements)


def test_a_round_with_a_stored_key_undoes_its_insert_and_asks_which_keys_are_new():
    site = make_site()
    stored = row(site.id, name="stored")
    facade.events_write([stored])
    fresh = [row(site.id, name="fresh"), row(site.id, name="fresh")]
    written, statements = _write_recorded([stored, fresh[0], fresh[1], fresh[0]])
    assert written == 2
    assert sum("RETURNING" in statement for statement in statements) == 1
    assert sorted(Event.objects.values_list("name", flat=True)) == ["fresh", "fresh", "stored"]
    assert EventKey.objects.count() == 3


def test_same_uuid_on_two_sites_is_two_events():
    a, b = make_site(), make_site()
    shared = str(uuid.uuid4())
    assert facade.events_write([row(a.id, uuid=shared), row(b.id, uuid=shared)]).written == 2


def _partition_of(event_uuid: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM analytics_event WHERE uuid = %s", [event_uuid])
        return str(cursor.fetchone()[0])


def test_events_of_a_month_without_partition_go_to_default_then_move():
    site = make_site()
    old = row(site.id, timestamp="2019-03-15T08:00:00+00:00")
    assert facade.events_write([old]).written == 1
    assert _partition_of(old[1]) == "analytics_event_default"
    created = event_partitions_ensure()
    assert "analytics_event_2019_03" in created
    assert _partition_of(old[1]) == "analytics_event_2019_03"
    assert event_partitions_ensure() == []  # idempotent
    assert Event.objects.get().timestamp == datetime(2019, 3, 15, 8, tzinfo=UTC)


def test_upcoming_months_exist():
    from analytics.event_store.partitions import next_month, partition_name

    event_partitions_ensure()
    month = datetime.now(UTC).date().replace(day=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE 'analytics_event_2%%'")
        names = {r[0] for r in cursor.fetchall()}
    for _ in range(4):
        assert partition_name(month) in names
        month = next_month(month)
    assert partition_name(date(2026, 12, 1)) == "analytics_event_2026_12"


@pytest.mark.django_db(transaction=True)
def test_two_writers_of_the_same_keys_in_opposite_orders_store_each_once():
    # Both COPY the same keys straight into the key table; each waits for a key the other holds, PostgreSQL
    # stops one of them (a deadlock) or makes it wait for the other's commit, and it takes the keyed path.
    site = make_site()
    rows = [row(site.id, name=f"e{i}") for i in range(200)]
    start = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def write(ordered):
        try:
            start.wait()
            results.append(facade.events_write(ordered).written)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(order,)) for order in (rows, rows[::-1])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(results) == 200 == Event.objects.count() == EventKey.objects.count()
