"""Getting batches to the server: retries with back-off, splitting on 413, and replaying spool files.

Runs on the client's background thread (and in `replay_spool` on the caller's). Nothing here raises for
a network or server problem; what could not be delivered is handed back so the caller can spool or drop it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sightline_sdk.events import QueuedEvent
from sightline_sdk.spool import read_events, sealed_files
from sightline_sdk.transport import Verdict, backoff_delay, post_batch

logger = logging.getLogger("sightline_sdk")


class Counters:
    """Running totals, shared by the delivery thread and callers of `replay_spool`; each update is locked."""

    FIELDS = ("sent", "rejected", "dropped", "spooled", "retries", "replayed_files")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sent = 0  # taken by the server (stored, deduplicated, or ignored for consent)
        self.rejected = 0  # refused one by one, or in a batch the server called invalid; never retried
        self.dropped = 0  # lost: queue overflow, or undeliverable without a spool
        self.spooled = 0
        self.retries = 0
        self.replayed_files = 0

    def add(self, name: str, count: int) -> int:
        """Adds to one total and returns its value before."""
        with self._lock:
            before: int = getattr(self, name)
            setattr(self, name, before + count)
            return before

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {name: getattr(self, name) for name in self.FIELDS}


@dataclass(frozen=True, slots=True)
class ReplayResult:
    files_sent: int  # spool files delivered completely and removed
    files_left: int  # still in the spool: the server could not be reached for them
    events_sent: int
    events_rejected: int
    unreadable_lines: int  # torn or foreign lines, skipped


@dataclass(frozen=True, slots=True)
class SendOutcome:
    undelivered: list[QueuedEvent]  # to be spooled or dropped by the caller
    sent: int
    rejected: int


@dataclass(frozen=True, slots=True)
class Target:
    server_url: str
    secret_key: str
    timeout: float
    max_retries: int
    backoff_base: float
    backoff_cap: float


class Sender:
    """Delivers batches to one server, stopping early when `stop` is set (the client is closing)."""

    def __init__(self, target: Target, counters: Counters, stop: threading.Event) -> None:
        self.target = target
        self.counters = counters
        self.stop = stop
        self._refusal_logged = False

    def send(self, batch: Sequence[QueuedEvent], *, retry: bool = True) -> SendOutcome:
        """Sends the batch, retrying what may succeed later; reports what could not be delivered."""
        target = self.target
        pending: list[Sequence[QueuedEvent]] = [batch]
        attempt = sent = rejected = 0

        def outcome(undelivered: list[QueuedEvent]) -> SendOutcome:
            self.counters.add("sent", sent)
            self.counters.add("rejected", rejected)
            return SendOutcome(undelivered, sent, rejected)

        while pending:
            part = pending.pop()
            reply = post_batch(target.server_url, target.secret_key, part, target.timeout)
            if reply.verdict is Verdict.SENT:
                sent += len(part) - reply.rejected
                rejected += reply.rejected
                if reply.rejected:
                    codes = sorted({str(r.get("code", "")) for r in reply.rejections})
                    logger.warning("server rejected %d events", reply.rejected, extra={"codes": codes})
                continue
            if reply.verdict is Verdict.SPLIT and len(part) > 1:
                middle = len(part) // 2
                pending += [part[middle:], part[:middle]]
                continue
            if reply.verdict in (Verdict.SPLIT, Verdict.REJECTED):
                rejected += len(part)
                logger.warning("server rejected a batch of %d events (HTTP %s %s)", len(part), reply.status, reply.code)
                continue
            if reply.verdict is Verdict.REFUSED:
                if not self._refusal_logged:
                    self._refusal_logged = True
                    logger.error(
                        "server refused the client (HTTP %s %s): check the server URL and the secret key",
                        reply.status,
                        reply.code,
                    )
                return outcome(_flatten([part, *pending]))
            attempt += 1
            if not retry or attempt > target.max_retries or self.stop.is_set():
                return outcome(_flatten([part, *pending]))
            self.counters.add("retries", 1)
            delay = backoff_delay(
                attempt, base=target.backoff_base, cap=target.backoff_cap, retry_after=reply.retry_after
            )
            logger.info("retrying a batch in %.2fs (HTTP %s)", delay, reply.status or "no reply")
            if self.stop.wait(delay):
                return outcome(_flatten([part, *pending]))
            pending.append(part)
        return outcome([])

    def replay(self, directory: Path, batch_size: int, *, retry: bool = True) -> ReplayResult:
        """Sends every sealed spool file, oldest first, removing each once it is delivered completely.

        Stops at the first file that cannot be delivered, so the order of the spool is kept. A file sent
        in part and sent again later is harmless: the server stores each uuid once.
        """
        files_sent = unreadable = sent = rejected = 0
        files = sealed_files(directory)
        for index, path in enumerate(files):
            delivered = True
            batch: list[QueuedEvent] = []
            try:
                for event in read_events(path):
                    if event is None:
                        unreadable += 1
                        continue
                    batch.append(event)
                    if len(batch) >= batch_size:
                        delivered, sent, rejected = self._replay_batch(batch, retry, sent, rejected)
                        batch = []
                        if not delivered:
                            break
                if delivered and batch:
                    delivered, sent, rejected = self._replay_batch(batch, retry, sent, rejected)
            except FileNotFoundError:
                continue  # another process replayed it meanwhile
            if not delivered:
                return ReplayResult(files_sent, len(files) - index, sent, rejected, unreadable)
            path.unlink(missing_ok=True)
            files_sent += 1
            self.counters.add("replayed_files", 1)
        return ReplayResult(files_sent, 0, sent, rejected, unreadable)

    def _replay_batch(self, batch: list[QueuedEvent], retry: bool, sent: int, rejected: int) -> tuple[bool, int, int]:
        result = self.send(batch, retry=retry)
        return not result.undelivered, sent + result.sent, rejected + result.rejected


def _flatten(parts: Sequence[Sequence[QueuedEvent]]) -> list[QueuedEvent]:
    return [event for part in parts for event in part]
