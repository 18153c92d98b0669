"""The stream's COPY text format (docs/decisions/0005), the writer that COPYs it, time-ordered event ids, and the
door's lazy Django request signals."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime

import orjson
import pytest
import redis
from django.conf import settings
from django.core import signals

from analytics import facade
from analytics.event_store.copy_text import copy_line, decode_line, encode_rows
from analytics.event_store.rows import COLUMN_INDEX
from analytics.models import Event, IdentityLink
from ingest.buffer import KEYS_FIELD, LEGACY_FIELD, ROWS_FIELD, redis_client
from ingest.event_ids import new_event_id
from ingest.models import DeadLetter
from ingest.stream_consumer import StreamConsumer, start_consumer_threads
from tests.analytics.dataset import event
from tests.factories import make_site

WHEN = datetime(2026, 11, 20, 10, tzinfo=UTC)
# Every character COPY's text format treats specially, in text columns and inside JSON.
AWKWARD = 'tab\there, line\nbreak, return\rhere, back\\slash, \\N, quote" and 你好 ✓'


def row(site_id: int, **overrides) -> list[object]:
    return event(site_id, overrides.pop("name", "e"), WHEN, anon=overrides.pop("anon", "a"), **overrides)


def awkward_row(site_id: int) -> list[object]:
    values = row(site_id, name="awkward")
    for column in ("label", "title", "url", "referrer", "user_id"):
        values[COLUMN_INDEX[column]] = AWKWARD
    values[COLUMN_INDEX["properties"]] = {"text": AWKWARD, "nested": {"list": [1, 2.5, None, AWKWARD]}}
    values[COLUMN_INDEX["dimensions"]] = {"d": AWKWARD}
    values[COLUMN_INDEX["value"]] = 1.5
    return values


# --- the format, without a database -------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, 0.0, 1.5, -3.25e10])
def test_a_line_decodes_to_the_row_it_was_made_from(value):
    values = awkward_row(7)
    values[COLUMN_INDEX["value"]] = value
    line = copy_line(values)
    assert "\n" not in line and line.count("\t") == len(values) - 1
    assert decode_line(line.encode()) == values


def test_keys_and_links_follow_the_rows():
    a, b = row(1, anon="anon-1"), row(1, anon="anon-2", user_id="user-2", device_id="dev-2")
    encoded = encode_rows([a, b])
    lines, keys = encoded.text.splitlines(), encoded.keys.splitlines()
    assert len(lines) == len(keys) == 2
    assert keys[1] == f"1\t{b[1]}\t{b[2]}".encode()
    assert all(line.startswith(key + b"\t") for line, key in zip(lines, keys, strict=True))
    assert sorted(encoded.links.splitlines()) == [
        f"1\tanon-2\tuser-2\t{b[2]}".encode(),
        f"1\tdev-2\tuser-2\t{b[2]}".encode(),
    ]
    assert encode_rows([a]).links == b""


def test_uuids_are_written_in_the_form_postgres_prints():
    upper = row(1, uuid="A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11")
    assert copy_line(upper).split("\t")[1] == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    with pytest.raises(ValueError, match="badly formed"):
        copy_line(row(1, uuid="not-a-uuid"))


def test_event_ids_are_version_7_time_ordered_and_unique():
    first = [uuid.UUID(new_event_id()) for _ in range(1000)]
    time.sleep(0.002)
    later = uuid.UUID(new_event_id())
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in first)
    assert len(set(first)) == 1000
    assert max(first) < later  # a later millisecond sorts after every id of an earlier one
    assert abs(int(later.hex[:12], 16) - time.time() * 1000) < 1000  # the first 48 bits are the Unix time in ms


def test_event_ids_are_in_the_text_form_postgres_prints():
    ids = [new_event_id() for _ in range(200)]
    assert all(text == str(uuid.UUID(text)) for text in ids)  # lower-case, hyphenated, 36 characters
    assert {text[14] for text in ids} == {"7"}  # the version digit
    assert {text[19] for text in ids} <= set("89ab")  # the RFC 9562 variant bits


# --- the writer, against PostgreSQL -------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_special_character_survives_copy_unchanged():
    site = make_site()
    values = awkward_row(site.id)
    result = facade.events_write_copy_texts([encode_rows([values])])
    assert (result.written, result.failed) == (1, [])
    stored = Event.objects.get()
    for column in ("label", "title", "url", "referrer", "user_id"):
        assert getattr(stored, column) == AWKWARD
    assert stored.properties == values[COLUMN_INDEX["properties"]]
    assert stored.dimensions == {"d": AWKWARD}
    assert stored.value == 1.5


@pytest.mark.django_db
def test_duplicates_within_a_batch_and_against_stored_rows_are_written_once():
    site = make_site()
    a, b, c = row(site.id, name="a"), row(site.id, name="b"), row(site.id, name="c")
    first = facade.events_write_copy_texts([encode_rows([a, b]), encode_rows([a])])  # a retried request
    assert (first.written, first.duplicates) == (2, 1)
    again = facade.events_write_copy_texts([encode_rows([c, b]), encode_rows([c])])
    assert (again.written, again.duplicates) == (1, 2)
    assert sorted(Event.objects.values_list("name", flat=True)) == ["a", "b", "c"]


@pytest.mark.django_db
def test_a_line_postgres_refuses_is_isolated_and_the_rest_lands():
    site = make_site()
    good = [row(site.id, name=f"ok{i}") for i in range(20)]
    bad = row(site.id, name="bad")
    bad[COLUMN_INDEX["timestamp"]] = "not a time"
    texts = [encode_rows(good[:10]), encode_rows([bad]), encode_rows(good[10:])]
    result = facade.events_write_copy_texts(texts)
    assert (result.written, result.duplicates) == (20, 0)
    assert [f.row[COLUMN_INDEX["name"]] for f in result.failed] == ["bad"]
    assert Event.objects.count() == 20


@pytest.mark.django_db
def test_identity_links_from_copy_text_first_user_wins():
    site = make_site()
    early = row(site.id, anon="browser-1", user_id="alice")
    late = row(site.id, anon="browser-1", user_id="bob")
    late[COLUMN_INDEX["timestamp"]] = datetime(2026, 11, 21, tzinfo=UTC).isoformat()
    facade.events_write_copy_texts([encode_rows([late, early])])
    assert list(IdentityLink.objects.values_list("anonymous_id", "user_id")) == [("browser-1", "alice")]


# --- the consumer ---------------------------------------------------------------------------------------------


def _consumer(stream: str) -> StreamConsumer:
    c = StreamConsumer(redis_client(), stream=stream, group="g", name="c1", batch=100, claim_idle_ms=60_000)
    c.ensure_group()
    return c


@pytest.mark.django_db
def test_the_door_puts_copy_text_on_the_stream_and_the_consumer_stores_it(door, stream):
    site = make_site()
    door.post("/api/v1/collect", {"key": site.public_key, "events": [{"name": "a", "title": AWKWARD}]})
    ((_, fields),) = redis.Redis.from_url(settings.REDIS_URL).xrange(stream)
    assert fields[ROWS_FIELD].count(b"\n") == fields[KEYS_FIELD].count(b"\n") == 1
    c = _consumer(stream)
    assert c.run_once(block_ms=1) == 1
    assert Event.objects.get().title == AWKWARD


@pytest.mark.django_db
def test_entries_in_the_earlier_json_format_are_still_stored(stream):
    site = make_site()
    rows = [row(site.id, name="old"), row(site.id, name="old too")]
    bad = row(site.id, name="unencodable")
    bad[COLUMN_INDEX["uuid"]] = "not-a-uuid"
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.xadd(stream, {LEGACY_FIELD: orjson.dumps([*rows, bad])})
    c = _consumer(stream)
    c.run_once(block_ms=1)
    assert sorted(Event.objects.values_list("name", flat=True)) == ["old", "old too"]
    assert DeadLetter.objects.get().payload.count("unencodable") == 1
    assert client.xlen(stream) == 0


@pytest.mark.django_db(transaction=True)
def test_two_consumer_threads_share_the_stream(door, stream, settings):
    settings.INGEST_CONSUMER_GROUP = f"g-{uuid.uuid4().hex}"
    site = make_site()
    auth = {"Authorization": f"Bearer {site.secret_key}"}
    for n in range(20):
        events = [{"name": "e", "props": {"n": n * 10 + i}} for i in range(10)]
        door.post("/api/v1/batch", {"events": events}, headers=auth)
    stop = threading.Event()
    threads = start_consumer_threads(stop, 2, name="test")
    try:
        deadline = time.monotonic() + 30
        while Event.objects.count() < 200 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
    assert sorted(p["n"] for p in Event.objects.values_list("properties", flat=True)) == list(range(200))
    consumers = redis_client().xinfo_consumers(stream, settings.INGEST_CONSUMER_GROUP)
    assert sorted(c["name"] for c in consumers) == [b"test-1", b"test-2"]


# --- the door's request signals -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_django_request_signals_are_sent_only_by_collect_requests_that_query(door, stream):
    site = make_site()
    started: list[object] = []

    def count(sender, **kwargs):  # type: ignore[no-untyped-def]
        started.append(sender)

    signals.request_started.connect(count)
    try:
        body = {"key": site.public_key, "name": "a"}
        door.post("/api/v1/collect", body)  # the site and today's salt are loaded: queries
        assert len(started) == 1
        door.post("/api/v1/collect", body)  # both cached now: no query, no signal
        door.post("/api/v1/collect", body)
        assert len(started) == 1
    finally:
        signals.request_started.disconnect(count)
