"""Group commit (ingest/group_commit.py): concurrent requests share one stream write, and none returns before
the write holding its rows succeeded. The unit tests drive it with a recording write function; the last test
sends concurrent requests through the door to a real Redis and stores them with the real consumer."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

import pytest
import redis

from analytics.event_store.copy_text import CopyText
from analytics.models import Event
from ingest.buffer import KEYS_FIELD, ROWS_FIELD, redis_client
from ingest.group_commit import GroupCommit, merged
from ingest.stream_consumer import StreamConsumer
from tests.factories import make_site
from tests.processes import RedisServer


def text(n: int, rows: int = 1) -> CopyText:
    lines = b"".join(f"row-{n}-{i}\n".encode() for i in range(rows))
    keys = b"".join(f"key-{n}-{i}\n".encode() for i in range(rows))
    return CopyText(text=lines, keys=keys, links=f"link-{n}\n".encode() if n % 2 else b"")


class Recorder:
    """A write function that records each group and can be held (to let requests queue) or made to fail."""

    def __init__(self) -> None:
        self.groups: list[CopyText] = []
        self.hold = threading.Event()
        self.hold.set()
        self.entered = threading.Event()
        self.fail_next = 0

    def __call__(self, group: CopyText) -> None:
        self.entered.set()
        self.hold.wait(10)
        if self.fail_next:
            self.fail_next -= 1
            raise redis.ConnectionError("Redis went away")
        self.groups.append(group)


def in_threads(count: int, target: Callable[[int], None]) -> tuple[list[threading.Thread], dict[int, BaseException]]:
    errors: dict[int, BaseException] = {}

    def run(n: int) -> None:
        try:
            target(n)
        except BaseException as exc:
            errors[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    return threads, errors


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def join(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive(), "a request never returned"


def test_merged_concatenates_every_field_in_order():
    assert merged([text(1), text(2, rows=2)]) == CopyText(
        text=b"row-1-0\nrow-2-0\nrow-2-1\n", keys=b"key-1-0\nkey-2-0\nkey-2-1\n", links=b"link-1\n"
    )
    assert merged([text(3)]) == text(3)


def test_a_lone_request_is_written_at_once_by_itself():
    write = Recorder()
    group = GroupCommit(write, max_rows=100)
    group.append(text(1), 1)
    assert write.groups == [text(1)] and group.writes == 1 and group.waiting == 0


def test_requests_arriving_during_a_write_share_the_next_one():
    write = Recorder()
    group = GroupCommit(write, max_rows=100)
    write.hold.clear()
    first, _ = in_threads(1, lambda n: group.append(text(0), 1))
    write.entered.wait(10)  # the first write is in flight ...
    others, errors = in_threads(5, lambda n: group.append(text(n + 1), 1))
    wait_until(lambda: group.waiting == 5)  # ... and five requests queue behind it
    assert not any(t.join(0.05) or not t.is_alive() for t in others), "returned before their rows were written"
    write.hold.set()
    join(first + others)
    assert not errors
    assert len(write.groups) == 2 and write.groups[0] == text(0)
    assert sorted(write.groups[1].text.splitlines()) == [f"row-{n}-0".encode() for n in range(1, 6)]
    assert write.groups[1].keys.count(b"\n") == 5


def test_a_group_holds_at_most_max_rows_and_a_large_request_goes_alone():
    write = Recorder()
    group = GroupCommit(write, max_rows=10)
    write.hold.clear()
    first, _ = in_threads(1, lambda n: group.append(text(0), 1))
    write.entered.wait(10)
    sizes = [4, 4, 4, 30, 2]
    queued: list[threading.Thread] = []
    for n, rows in enumerate(sizes, start=1):  # one at a time, so the queue's order is known
        threads, _ = in_threads(1, lambda _, n=n, rows=rows: group.append(text(n, rows), rows))
        queued += threads
        wait_until(lambda n=n: group.waiting == n)
    write.hold.set()
    join(first + queued)
    assert [g.text.count(b"\n") for g in write.groups] == [1, 8, 4, 30, 2]


def test_a_failed_write_fails_every_request_in_it_and_the_next_group_is_still_written():
    write = Recorder()
    group = GroupCommit(write, max_rows=100)
    write.hold.clear()
    write.fail_next = 2  # the first write (one request) and the second (the three queued behind it)
    first, first_errors = in_threads(1, lambda n: group.append(text(0), 1))
    write.entered.wait(10)
    queued, queued_errors = in_threads(3, lambda n: group.append(text(n + 1), 1))
    wait_until(lambda: group.waiting == 3)
    write.hold.set()
    join(first + queued)
    assert {type(e) for e in [*first_errors.values(), *queued_errors.values()]} == {redis.ConnectionError}
    assert len(first_errors) + len(queued_errors) == 4
    group.append(text(9), 1)  # the failures left no one stuck as the writer
    assert write.groups == [text(9)] and group.waiting == 0 and group.writes == 3


def test_many_concurrent_requests_each_written_exactly_once():
    lock = threading.Lock()
    written: list[bytes] = []

    def write(group: CopyText) -> None:
        time.sleep(random.random() / 1000)
        with lock:
            written.extend(group.text.splitlines())

    group = GroupCommit(write, max_rows=16)

    def requests(n: int) -> None:
        for i in range(100):
            rows = random.choice((1, 1, 1, 3, 20))
            group.append(text(n * 1000 + i, rows), rows)

    threads, errors = in_threads(16, requests)
    join(threads)
    assert not errors
    assert len(written) == len(set(written))
    assert {line.split(b"-")[1] for line in written} == {
        str(n * 1000 + i).encode() for n in range(16) for i in range(100)
    }
    assert group.writes < 1600  # requests did share writes


# --- through the door, to a real Redis ----------------------------------------------------------------------


@pytest.mark.django_db
def test_concurrent_collect_requests_share_stream_entries_and_are_all_stored(door, stream, settings, tmp_path):
    server = RedisServer(tmp_path)  # as deployed: append-only file, fsync on every write
    server.start()
    try:
        settings.REDIS_URL = server.url
        _send_concurrently_and_store(door, stream, settings)
    finally:
        server.stop()


def _send_concurrently_and_store(door, stream, settings):
    settings.INGEST_GROUP_COMMIT_ROWS = 100
    site = make_site()
    body = {"key": site.public_key, "name": "warm-up"}
    assert door.post("/api/v1/collect", body).status == 202  # loads the site into the process's cache
    # Redis holds writes for 0.3 s: the first request's write waits, and the requests behind it must queue.
    redis_client().execute_command("CLIENT", "PAUSE", 300, "WRITE")
    statuses: list[int] = []

    def send(n: int) -> None:
        for i in range(25):
            response = door.post("/api/v1/collect", {"key": site.public_key, "name": "e", "props": {"n": n * 25 + i}})
            statuses.append(response.status)

    threads, errors = in_threads(8, send)
    join(threads)
    assert not errors and statuses == [202] * 200
    entries = redis.Redis.from_url(settings.REDIS_URL).xrange(stream)
    rows = sum(fields[ROWS_FIELD].count(b"\n") for _, fields in entries)
    assert rows == sum(fields[KEYS_FIELD].count(b"\n") for _, fields in entries) == 201
    assert len(entries) < 195  # at least the seven requests queued behind the paused write shared one entry
    consumer = StreamConsumer(redis_client(), stream=stream, group="g", name="c1", batch=500, claim_idle_ms=60_000)
    consumer.ensure_group()
    while consumer.run_once(block_ms=1):
        pass
    numbers = sorted(p["n"] for p in Event.objects.filter(name="e").values_list("properties", flat=True))
    assert numbers == list(range(200))
