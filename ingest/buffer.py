"""The buffer between a collect request and the event store.

Production: one XADD per request to a Redis stream (append-only file on), which the consumer drains.
Embedded mode, or Redis unreachable: the rows are written to the database inside the request. Either
way the request is answered only once the events are durable.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import redis
from django.conf import settings

from analytics.event_store.copy_text import encode_rows
from analytics.event_store.rows import EventRow
from ingest.request_signals import database_needed
from ingest.services import events_store

logger = logging.getLogger(__name__)

# A stream entry is one request's rows in COPY text form (docs/decisions/0005): the lines, their keys, and
# the identity links they make. Entries written before that format hold JSON rows under LEGACY_FIELD.
ROWS_FIELD, KEYS_FIELD, LINKS_FIELD = b"c", b"k", b"l"
LEGACY_FIELD = b"e"
_client: tuple[str, redis.Redis] | None = None


def redis_client() -> redis.Redis:
    global _client
    if _client is None or _client[0] != settings.REDIS_URL:
        # Short timeouts: a stalled Redis should send us to the database fallback, not hold the request.
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=1, health_check_interval=30
        )
        _client = (settings.REDIS_URL, client)
    return _client[1]


def redis_ping() -> bool:
    try:
        return bool(redis_client().ping())
    except redis.RedisError:
        return False


def buffer_rows(rows: Sequence[EventRow]) -> str:
    """Makes rows durable; returns where they went ("stream" or "database")."""
    if not rows:
        return "none"
    if not settings.EMBEDDED:
        try:
            encoded = encode_rows(rows)
            entry = {ROWS_FIELD: encoded.text, KEYS_FIELD: encoded.keys}
            if encoded.links:
                entry[LINKS_FIELD] = encoded.links
            redis_client().xadd(settings.INGEST_STREAM, entry)  # type: ignore[arg-type]
            return "stream"
        except redis.RedisError as exc:
            # Nothing is lost: the same rows go to the database now. If the XADD did land after all,
            # the consumer's write is a duplicate by uuid and is skipped.
            logger.warning("redis unavailable, writing events directly", extra={"error": type(exc).__name__})
    database_needed()
    events_store(rows=rows)
    return "database"
