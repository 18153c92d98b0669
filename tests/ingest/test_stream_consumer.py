"""The consumer's acknowledgement rules, deterministically (the process-killing versions are in test_worker_faults)."""

from __future__ import annotations

import threading
import time

import pytest
import redis
from django.conf import settings

from analytics.models import Event
from ingest.buffer import LEGACY_FIELD, redis_client
from ingest.models import DeadLetter
from ingest.stream_consumer import GATHER_MS, StreamConsumer
from tests.factories import make_site
from tests.wsgi_client import DoorClient

pytestmark = pytest.mark.django_db


def consumer(stream: str, name: str = "c1", claim_idle_ms: int = 60_000) -> StreamConsumer:
    c = StreamConsumer(redis_client(), stream=stream, group="g", name=name, batch=100, claim_idle_ms=claim_idle_ms)
    c.ensure_group()
    return c


def test_a_crash_after_commit_before_ack_stores_nothing_twice(door, stream):
    site = make_site()
    door.post("/api/v1/collect", {"key": site.public_key, "events": [{"name": "a"}, {"name": "b"}]})
    first = consumer(stream)
    entries = first._read_new(block_ms=1)
    from ingest.services import events_store_copy_texts
    from ingest.stream_consumer import _copy_texts

    events_store_copy_texts(texts=[t for _, fields in entries for t in _copy_texts(fields, [])])
    # committed, then the process "dies" before XACK
    client = redis.Redis.from_url(settings.REDIS_URL)
    assert client.xpending(stream, "g")["pending"] == 1
    # Another consumer takes the abandoned entry over and writes it again: a no-op.
    second = consumer(stream, name="c2", claim_idle_ms=0)
    assert second.run_once(block_ms=1) == 1
    assert (second.stats.written, second.stats.duplicates) == (0, 2)
    assert client.xpending(stream, "g")["pending"] == 0
    assert client.xlen(stream) == 0
    assert Event.objects.count() == 2


def test_an_undecodable_entry_goes_to_dead_letters_and_the_rest_lands(door, stream):
    site = make_site()
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.xadd(stream, {LEGACY_FIELD: b"{not json"})
    door.post("/api/v1/collect", {"key": site.public_key, "name": "good"})
    c = consumer(stream)
    while c.run_once(block_ms=1):
        pass
    assert list(Event.objects.values_list("name", flat=True)) == ["good"]
    letter = DeadLetter.objects.get()
    assert "JSONDecodeError" in letter.reason
    assert client.xlen(stream) == 0


def test_entries_added_before_the_group_existed_are_not_skipped(door, stream):
    site = make_site()
    door.post("/api/v1/collect", {"key": site.public_key, "name": "early"})
    c = consumer(stream)  # creates the group only now
    c.run_once(block_ms=1)
    assert Event.objects.get().name == "early"


class RecordingRedis:
    """The real client, with the XREADGROUP calls made through it counted."""

    def __init__(self, client):
        self._client = client
        self.reads = 0

    def xreadgroup(self, *args, **kwargs):
        self.reads += 1
        return self._client.xreadgroup(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._client, name)


def _add_later(stream: str, site, names: list[str], delay: float) -> threading.Thread:
    def add() -> None:
        for name in names:
            time.sleep(delay)
            DoorClient().post("/api/v1/collect", {"key": site.public_key, "name": name})

    thread = threading.Thread(target=add)
    thread.start()
    return thread


def test_a_round_gathers_the_entries_that_arrive_soon_after_its_first_with_two_reads(door, stream):
    site = make_site()
    c = consumer(stream)
    c._recovering = False  # a running consumer, past its start-up look at its own pending entries
    c.client = recording = RecordingRedis(c.client)
    door.post("/api/v1/collect", {"key": site.public_key, "name": "first"})
    # Three more single-event requests within the gathering time, one every 15 ms.
    later = _add_later(stream, site, ["second", "third", "fourth"], delay=GATHER_MS / 1000 / 7)
    assert c.run_once(block_ms=1000) == 4
    later.join()
    assert recording.reads == 2  # the first entry, then everything gathered meanwhile: not one read per entry
    assert sorted(Event.objects.values_list("name", flat=True)) == ["first", "fourth", "second", "third"]


def test_a_full_batch_is_written_without_waiting_to_gather(door, stream):
    site = make_site()
    c = StreamConsumer(redis_client(), stream=stream, group="g", name="c1", batch=3, claim_idle_ms=60_000)
    c.ensure_group()
    c._recovering = False
    for n in range(3):
        door.post("/api/v1/collect", {"key": site.public_key, "name": f"e{n}"})
    started = time.monotonic()
    assert c.run_once(block_ms=1000) == 3
    assert time.monotonic() - started < GATHER_MS / 1000
    assert Event.objects.count() == 3
