"""The buffer between a collect request and the event store.

Production: an XADD to a Redis stream (append-only file on), which the consumer drains; small requests that
a process answers at the same time share one XADD (`ingest.group_commit`). Embedded mode, or Redis
unreachable: the rows are written to the database inside the request. Either way the request is answered
only once the events are durable.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence

import redis
from django.conf import settings

from analytics.event_store.copy_text import CopyText, encode_rows
from analytics.event_store.rows import EventRow
from ingest.group_commit import GroupCommit
from ingest.request_signals import database_needed
from ingest.services import events_store

logger = logging.getLogger(__name__)

# A stream entry is one request's rows in COPY text form (docs/decisions/0005): the lines, their keys, and
# the identity links they make. Entries written before that format hold JSON rows under LEGACY_FIELD.
ROWS_FIELD, KEYS_FIELD, LINKS_FIELD = b"c", b"k", b"l"
LEGACY_FIELD = b"e"
_client: tuple[str, redis.Redis] | None = None
_group: tuple[tuple[int, str, str, int], GroupCommit] | None = None
_thread_append = threading.local()  # each thread's own XADD connection for requests too large to group


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


def stream_append(encoded: CopyText) -> None:
    """One XADD: one stream entry holding `encoded`'s rows, over this thread's own connection. The client's
    pool checks every connection it lends with a poll(), a system call that lets go of the GIL (under a web
    process's eight busy threads, a hand-over and a wait), and its per-command bookkeeping took more CPU
    than the command itself (decision 0007). A failed XADD is not retried here: the caller falls back to
    the database, as for the group commit's writes."""
    key = (os.getpid(), settings.REDIS_URL, settings.INGEST_STREAM)
    held: tuple[tuple[int, str, str], Callable[[CopyText], None]] | None = getattr(_thread_append, "held", None)
    if held is None or held[0] != key:
        held = (key, _append_on_own_connection())
        _thread_append.held = held
    held[1](encoded)


def _append_on_own_connection() -> Callable[[CopyText], None]:
    """An XADD over a connection of its own, sent and read directly. The group commit writes one group at a
    time, so it needs one connection and none of the client's per-command work (pool, retries, metrics),
    which took more CPU than sending the command and reading the reply. Errors are the client's own
    (ConnectionError, TimeoutError, ResponseError: all RedisError), and a broken connection reconnects."""
    pool = redis_client().connection_pool
    connection = pool.connection_class(**pool.connection_kwargs)
    stream = settings.INGEST_STREAM

    def append(encoded: CopyText) -> None:
        fields = [ROWS_FIELD, encoded.text, KEYS_FIELD, encoded.keys]
        if encoded.links:
            fields += [LINKS_FIELD, encoded.links]
        try:
            connection.send_command("XADD", stream, "*", *fields)
            connection.read_response()
        except BaseException:
            connection.disconnect()  # nothing half-read stays on it for the next group
            raise

    return append


def group_commit() -> GroupCommit:
    """This process's group commit (one per process: a forked child gets its own, as it gets its own locks)."""
    global _group
    key = (os.getpid(), settings.REDIS_URL, settings.INGEST_STREAM, settings.INGEST_GROUP_COMMIT_ROWS)
    if _group is None or _group[0] != key:
        _group = (key, GroupCommit(_append_on_own_connection(), max_rows=settings.INGEST_GROUP_COMMIT_ROWS))
    return _group[1]


def buffer_rows(rows: Sequence[EventRow]) -> str:
    """Makes rows durable; returns where they went ("stream" or "database")."""
    if not rows:
        return "none"
    if not settings.EMBEDDED:
        try:
            encoded = encode_rows(rows)
            if len(rows) < settings.INGEST_GROUP_COMMIT_ROWS:
                group_commit().append(encoded, len(rows))
            else:
                stream_append(encoded)
            return "stream"
        except redis.RedisError as exc:
            # Nothing is lost: the same rows go to the database now. If the XADD did land after all,
            # the consumer's write is a duplicate by uuid and is skipped.
            logger.warning("redis unavailable, writing events directly", extra={"error": type(exc).__name__})
    database_needed()
    events_store(rows=rows)
    return "database"
