"""The stream consumer: drains the Redis stream in batches and writes them with COPY.

Entries are acknowledged (XACK + XDEL) only after the transaction that stored them committed. If the
consumer dies in between, the entries stay pending and are claimed again (by this consumer on restart
or by another one after INGEST_CONSUMER_CLAIM_IDLE_MS); the rewrite is a no-op because every event's
(site, uuid) is stored once. Hence: none lost, none doubled.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import orjson
import redis
from django.conf import settings
from django.db import DatabaseError, close_old_connections

from analytics.event_store.copy_text import CopyText, encode_rows
from analytics.event_store.rows import FailedRow
from ingest.buffer import KEYS_FIELD, LEGACY_FIELD, LINKS_FIELD, ROWS_FIELD, redis_client
from ingest.services import dead_letters_record, events_store_copy_texts

logger = logging.getLogger(__name__)

StreamEntry = tuple[bytes, dict[bytes, bytes]]
# How long a round keeps gathering new entries once the first has arrived.
GATHER_MS = 100


@dataclass
class ConsumerStats:
    entries: int = 0
    written: int = 0
    duplicates: int = 0
    failed: int = 0


class StreamConsumer:
    def __init__(self, client: redis.Redis, *, stream: str, group: str, name: str, batch: int, claim_idle_ms: int):
        self.client = client
        self.stream = stream
        self.group = group
        self.name = name
        self.batch = batch
        self.claim_idle_ms = claim_idle_ms
        self.stats = ConsumerStats()
        # Our own unacknowledged entries are re-read after a start or a failed round, not every round.
        self._recovering = True
        self._next_claim = 0.0

    def ensure_group(self) -> None:
        try:
            # From the start of the stream ("0"): entries added before the group existed are not skipped.
            self.client.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _claim_abandoned(self) -> list[StreamEntry]:
        """Entries another (dead) consumer read but never acknowledged."""
        result: Any = self.client.xautoclaim(
            self.stream,
            self.group,
            self.name,
            min_idle_time=self.claim_idle_ms,
            start_id="0-0",
            count=self.batch,
        )
        return list(result[1]) if result else []

    def _read_new(self, block_ms: int | None, count: int | None = None) -> list[StreamEntry]:
        """Up to `count` (else `batch`) new entries, waiting up to `block_ms` for the first (None: not at all)."""
        response: Any = self.client.xreadgroup(
            self.group, self.name, {self.stream: ">"}, count=count or self.batch, block=block_ms
        )
        return list(response[0][1]) if response else []

    def _own_pending(self) -> list[StreamEntry]:
        response: Any = self.client.xreadgroup(self.group, self.name, {self.stream: "0"}, count=self.batch)
        entries: list[StreamEntry] = response[0][1] if response else []
        return [entry for entry in entries if entry[1]]

    def process(self, entries: list[StreamEntry]) -> None:
        texts: list[CopyText] = []
        unreadable: list[FailedRow] = []
        for entry_id, fields in entries:
            try:
                texts += _copy_texts(fields, unreadable)
            except (KeyError, TypeError, ValueError, orjson.JSONDecodeError) as exc:
                unreadable.append(FailedRow(row=[entry_id.decode()], reason=f"{type(exc).__name__}: {exc}"))
        result = events_store_copy_texts(texts=texts)
        dead_letters_record(failed=unreadable)
        ids = [entry_id for entry_id, _ in entries]
        # Acknowledge only now: everything above has committed.
        pipe = self.client.pipeline(transaction=False)
        pipe.xack(self.stream, self.group, *ids)
        pipe.xdel(self.stream, *ids)
        pipe.execute()
        self.stats.entries += len(entries)
        self.stats.written += result.written
        self.stats.duplicates += result.duplicates
        self.stats.failed += len(result.failed) + len(unreadable)

    def _claim_due(self) -> list[StreamEntry]:
        # Abandoned entries wait at least claim_idle_ms anyway; looking twice per that period is enough.
        now = time.monotonic()
        if now < self._next_claim:
            return []
        self._next_claim = now + min(self.claim_idle_ms, 10_000) / 2000
        return self._claim_abandoned()

    def _read_batch(self, block_ms: int) -> list[StreamEntry]:
        """New entries: a full batch at once if the stream holds one, else what arrives within GATHER_MS of
        the first. Single-event requests make small entries, and a round costs about the same for 5 rows as
        for 5,000. The gathering is a sleep and then one read: reading as entries came in took a Redis call
        per entry or two (under single-event load most of the consumer's and much of Redis's CPU)."""
        entries = self._read_new(block_ms)
        if entries and len(entries) < self.batch:
            time.sleep(GATHER_MS / 1000)
            entries += self._read_new(None, count=self.batch - len(entries))
        return entries

    def run_once(self, block_ms: int = 1000) -> int:
        """One round: own pending entries after a start or failure, abandoned ones when due, else new ones."""
        entries: list[StreamEntry] = []
        if self._recovering:
            entries = self._own_pending()
            self._recovering = bool(entries)
        entries = entries or self._claim_due() or self._read_batch(block_ms)
        if entries:
            try:
                self.process(entries)
            except BaseException:
                self._recovering = True  # what was read stays pending: take it again next round
                raise
        return len(entries)


def _copy_texts(fields: dict[bytes, bytes], unreadable: list[FailedRow]) -> list[CopyText]:
    """An entry's rows as COPY text (rows that cannot be encoded are added to `unreadable`); raises KeyError,
    TypeError or ValueError for an entry that holds no rows at all."""
    if ROWS_FIELD in fields:
        return [CopyText(text=fields[ROWS_FIELD], keys=fields[KEYS_FIELD], links=fields.get(LINKS_FIELD, b""))]
    # Written before the COPY text format (docs/decisions/0005): JSON rows, encoded here, one by one so a
    # bad row cannot take the rest of its entry with it.
    rows = orjson.loads(fields[LEGACY_FIELD])
    if not isinstance(rows, list):
        raise TypeError("stream entry is not a list of rows")
    texts = []
    for row in rows:
        try:
            texts.append(encode_rows([row]))
        except (TypeError, ValueError) as exc:
            unreadable.append(
                FailedRow(row=row if isinstance(row, list) else [row], reason=f"{type(exc).__name__}: {exc}"[:500])
            )
    return texts


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def start_consumer_threads(stop: threading.Event, count: int, name: str | None = None) -> list[threading.Thread]:
    """`count` consumers in daemon threads of this process, named `<name or host-pid>-<n>` in the group."""
    base = name or consumer_name()
    threads = [
        threading.Thread(
            target=run_consumer_forever, args=(stop, f"{base}-{n}"), name=f"sightline-stream-consumer-{n}", daemon=True
        )
        for n in range(1, max(1, count) + 1)
    ]
    for thread in threads:
        thread.start()
    return threads


def run_consumer_forever(stop: threading.Event, name: str | None = None) -> None:
    """The consumer loop of a worker: never dies of a Redis or database outage, only waits and retries."""
    consumer = StreamConsumer(
        redis_client(),
        stream=settings.INGEST_STREAM,
        group=settings.INGEST_CONSUMER_GROUP,
        name=name or consumer_name(),
        batch=settings.INGEST_CONSUMER_BATCH,
        claim_idle_ms=settings.INGEST_CONSUMER_CLAIM_IDLE_MS,
    )
    backoff = 0.5
    group_ready = False
    while not stop.is_set():
        try:
            if not group_ready:
                consumer.ensure_group()
                group_ready = True
            close_old_connections()
            consumer.run_once()
            backoff = 0.5
        except (redis.RedisError, DatabaseError) as exc:
            logger.warning("stream consumer waiting for its services", extra={"error": type(exc).__name__})
            group_ready = False
            stop.wait(backoff)
            backoff = min(backoff * 2, 10.0)
        except Exception:  # the top of a worker loop: log, pause, go on
            logger.exception("stream consumer round failed")
            time.sleep(1)
