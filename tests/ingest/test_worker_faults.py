"""The production write path with real processes: a Celery worker drains the stream; killing the worker or
Redis mid-load loses no event and stores none twice."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import redis
from django.db import connection

from analytics.models import Event
from consent.models import VisitorSalt
from tests.factories import make_site
from tests.processes import CeleryWorker, RedisServer, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BATCH = "/api/v1/batch"


def _worker_env(settings, stream: str) -> dict[str, str]:
    db = connection.settings_dict
    return {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "INGEST_STREAM": stream,
        "INGEST_CONSUMER_GROUP": settings.INGEST_CONSUMER_GROUP,
        # Small batches and a short claim time make a kill land mid-batch and recovery quick.
        "INGEST_CONSUMER_BATCH": "10",
        "INGEST_CONSUMER_CLAIM_IDLE_MS": "1000",
    }


def _stored(site_id: int) -> int:
    return Event.objects.filter(site_id=site_id).count()


def _send(door, site, count: int, per_request: int = 100) -> Iterator[int]:
    """Sends `count` events; yields after each request the number sent so far."""
    auth = {"Authorization": f"Bearer {site.secret_key}"}
    sent = 0
    while sent < count:
        events = [{"name": "load", "props": {"n": sent + i}} for i in range(per_request)]
        response = door.post(BATCH, {"events": events}, headers=auth)
        assert response.status == 202, response.body
        sent += per_request
        yield sent


def _assert_exactly(site_id: int, total: int, worker: CeleryWorker) -> None:
    try:
        wait_for(lambda: _stored(site_id) >= total, 90, f"{total} events to be stored")
    except AssertionError:
        raise AssertionError(f"stored {_stored(site_id)} of {total}\n{worker.output()}") from None
    assert _stored(site_id) == total
    numbers = sorted(e["n"] for e in Event.objects.filter(site_id=site_id).values_list("properties", flat=True))
    assert numbers == list(range(total))


def test_a_worker_drains_the_stream_and_runs_maintenance_tasks(door, settings, stream):
    site = make_site(origins=[])
    worker = CeleryWorker(_worker_env(settings, stream))
    worker.start()
    try:
        for _ in _send(door, site, 500):
            pass
        _assert_exactly(site.id, 500, worker)
        from consent.tasks import rotate_visitor_salts

        VisitorSalt.objects.all().delete()
        rotate_visitor_salts.delay()
        wait_for(lambda: VisitorSalt.objects.count() == 2, 30, "the worker to run the salt task")
        assert VisitorSalt.objects.filter(day=datetime.now(UTC).date()).exists()
    finally:
        worker.stop()


def test_sigkill_of_the_consumer_mid_batch(door, settings, stream):
    site = make_site(origins=[])
    env = _worker_env(settings, stream)
    worker = CeleryWorker(env, name="first")
    worker.start()
    kills = 0
    try:
        for sent in _send(door, site, 20_000):
            if sent % 5_000 == 0 and kills < 3:
                wait_for(lambda: _stored(site.id) > 0, 60, "the worker to start writing")
                worker.kill()  # SIGKILL: no chance to finish or acknowledge the batch in hand
                kills += 1
                worker = CeleryWorker(env, name=f"restart{kills}")
                worker.start()
        _assert_exactly(site.id, 20_000, worker)
        client = redis.Redis.from_url(settings.REDIS_URL)
        wait_for(lambda: client.xlen(stream) == 0, 30, "the stream to be emptied")
    finally:
        worker.stop()
    assert kills == 3


def test_sigkill_of_redis_with_append_only_file(door, settings, tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    settings.REDIS_URL = server.url
    stream = f"sightline:test:{uuid.uuid4().hex}"
    settings.INGEST_STREAM = stream
    site = make_site(origins=[])
    worker = CeleryWorker(_worker_env(settings, stream))
    worker.start()
    try:
        for sent in _send(door, site, 10_000):
            if sent == 4_000:
                server.kill()  # acknowledged events are in the append-only file; the rest go to PostgreSQL
            if sent == 6_000:
                server.start()  # same directory: the stream and its consumer group come back from the file
        _assert_exactly(site.id, 10_000, worker)
    finally:
        worker.stop()
        server.stop()
