"""Drains a test's Redis stream into the database in-process, as the worker's consumer would."""

from __future__ import annotations

from django.conf import settings

from ingest.buffer import redis_client
from ingest.stream_consumer import StreamConsumer


def drain(stream: str) -> StreamConsumer:
    consumer = StreamConsumer(
        redis_client(),
        stream=stream,
        group=settings.INGEST_CONSUMER_GROUP,
        name="test",
        batch=500,
        claim_idle_ms=60000,
    )
    consumer.ensure_group()
    while consumer.run_once(block_ms=1):
        pass
    return consumer
