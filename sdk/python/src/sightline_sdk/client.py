"""The client a backend keeps for its lifetime: `track` queues, a background thread batches and delivers.

Calls from the host app never block on the network and never see a network error. The queue is bounded
and drops its *oldest* event when full (counted in `stats().dropped`): a host that cannot reach its
server for a long time keeps its newest behaviour, and `track` never stalls a request path. Hosts that
must not lose events use `mode="auto"` or `"spool"`, where the thread moves batches to disk at once.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sightline_sdk.delivery import Counters, ReplayResult, Sender, Target
from sightline_sdk.events import QueuedEvent, Scalar, build_event
from sightline_sdk.spool import SpoolWriter, recover_orphans, sealed_files
from sightline_sdk.transport import check_server_url

logger = logging.getLogger("sightline_sdk")

Mode = Literal["send", "spool", "auto"]
MAX_BATCH = 2000  # the server's INGEST_MAX_EVENTS_PER_REQUEST default
# In auto mode, how often a spool left by an outage is tried again while nothing else reaches the server.
REPLAY_PROBE_SECONDS = 30.0

_clients: weakref.WeakSet[Client] = weakref.WeakSet()


@dataclass(frozen=True, slots=True)
class Stats:
    queued: int
    sent: int
    rejected: int
    dropped: int
    spooled: int
    retries: int
    replayed_files: int


class Client:
    """Sends events to one Sightline site. Thread-safe; create one per process and keep it."""

    def __init__(
        self,
        server_url: str,
        secret_key: str,
        *,
        batch_size: int = 100,
        flush_interval: float = 5.0,
        max_queue: int = 10_000,
        spool_dir: str | os.PathLike[str] | None = None,
        mode: Mode = "send",
        timeout: float = 10.0,
        max_retries: int = 5,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        spool_max_bytes: int = 4 * 1024 * 1024,
        spool_max_age: float = 60.0,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be between 1 and {MAX_BATCH}")
        if mode not in ("send", "spool", "auto"):
            raise ValueError('mode must be "send", "spool" or "auto"')
        if mode != "send" and spool_dir is None:
            raise ValueError(f'mode="{mode}" needs a spool_dir')
        if not secret_key and mode != "spool":
            raise ValueError("a secret key is needed to send events")
        self.mode: Mode = mode
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.max_queue = max_queue
        self.spool_dir = Path(spool_dir) if spool_dir is not None else None
        # A spool-only client (an enclave with no route to the server) needs no server URL.
        url = check_server_url(server_url) if server_url or mode != "spool" else ""
        target = Target(url, secret_key, timeout, max_retries, backoff_base, backoff_cap)
        self._spool = (
            SpoolWriter(self.spool_dir, max_bytes=spool_max_bytes, max_age=spool_max_age) if self.spool_dir else None
        )
        self._counters = Counters()
        self._target = target
        self._reset_runtime()
        _clients.add(self)

    def _reset_runtime(self) -> None:
        """Everything a thread or a fork must not share: locks, the queue, the worker."""
        self._cond = threading.Condition(threading.Lock())
        self._spool_lock = threading.Lock()
        self._queue: deque[QueuedEvent] = deque()
        self._in_flight = 0
        self._flush_requested = 0
        self._flush_done = 0
        self._closed = False
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._sender = Sender(self._target, self._counters, self._stopping)
        self._replay_pending = self.mode == "auto"
        self._server_answered = False
        self._last_replay = 0.0

    # The host app's API ------------------------------------------------------------------------------

    def track(
        self,
        name: str,
        *,
        user_id: str | None = None,
        anonymous_id: str | None = None,
        device_id: str | None = None,
        session_id: str | None = None,
        props: Mapping[str, Any] | None = None,
        dims: Mapping[str, Scalar] | None = None,
        ts: datetime | None = None,
        **fields: Any,
    ) -> str:
        """Queues an event and returns its uuid. `fields`: url, referrer, title, category, action, label,
        value, ip, ua. Raises ValueError only for a malformed call, never for delivery."""
        event = build_event(
            name,
            user_id=user_id,
            anonymous_id=anonymous_id,
            device_id=device_id,
            session_id=session_id,
            props=props,
            dims=dims,
            ts=ts,
            fields=fields,
        )
        self._enqueue(event)
        return event.uuid

    def identify(self, user_id: str, anonymous_id: str | None = None, traits: Mapping[str, Any] | None = None) -> str:
        """Links `anonymous_id` to `user_id` on the server and records the user's traits in `$set`."""
        return self.track(
            "$identify", user_id=user_id, anonymous_id=anonymous_id, props={"$set": dict(traits)} if traits else None
        )

    def alias(self, user_id: str, previous_id: str) -> str:
        """Links an id the user had before (an anonymous or device id) to `user_id`."""
        return self.track("$alias", user_id=user_id, anonymous_id=previous_id)

    def flush(self, timeout: float | None = None) -> bool:
        """Blocks until everything tracked so far is delivered, rejected, spooled or dropped; False on timeout."""
        with self._cond:
            if not self._worker_alive() and not self._queue:
                # Nothing was ever handed to a thread (or a fork left none): nothing to wait for. Starting
                # one here would also fail when close() runs at interpreter exit (Python 3.12+).
                return True
            self._flush_requested += 1
            wanted = self._flush_requested
            self._start_worker()
            if not self._worker_alive():
                return False
            self._cond.notify_all()
            return self._cond.wait_for(lambda: self._flush_done >= wanted, timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Delivers what is queued (within `timeout`; what is left then is spooled or dropped) and stops."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
        deadline = time.monotonic() + timeout
        if not self.flush(timeout=timeout):
            logger.warning("close: the server did not take every event in time")
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(max(0.0, deadline - time.monotonic()) + 1.0)
        with self._spool_lock:
            if self._spool is not None:
                self._spool.seal()

    def replay_spool(self, directory: str | os.PathLike[str] | None = None) -> ReplayResult:
        """Sends the sealed files of a spool directory (default: this client's) now, on the calling thread."""
        path = Path(directory) if directory is not None else self.spool_dir
        if path is None:
            raise ValueError("no spool directory given")
        with self._spool_lock:
            if self._spool is not None and path == self.spool_dir:
                self._spool.seal()
            recover_orphans(path)
            return self._sender.replay(path, self.batch_size)

    def stats(self) -> Stats:
        with self._cond:
            queued = len(self._queue) + self._in_flight
        return Stats(queued=queued, **self._counters.snapshot())

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # The background thread ---------------------------------------------------------------------------

    def _enqueue(self, event: QueuedEvent) -> None:
        with self._cond:
            if self._closed:
                self._count_drop(1, "the client is closed")
                return
            if len(self._queue) >= self.max_queue:
                self._queue.popleft()
                self._count_drop(1, "the queue is full")
            self._queue.append(event)
            self._start_worker()
            if len(self._queue) >= self.batch_size:
                self._cond.notify_all()

    def _count_drop(self, count: int, why: str) -> None:
        before = self._counters.add("dropped", count)
        # The first drop and then one line per thousand: a long outage must not flood the host's logs.
        if before == 0 or before // 1000 != (before + count) // 1000:
            logger.warning("dropped %d events so far (%s)", before + count, why)

    def _worker_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _start_worker(self) -> None:
        # Called with the lock held. Lazy, so a process that forks before its first event starts no thread.
        if self._worker_alive():
            return
        thread = threading.Thread(target=self._run, name="sightline-sdk", daemon=True)
        try:
            thread.start()
        except RuntimeError:  # the interpreter is shutting down: the events stay queued, counted at close
            logger.warning("sightline-sdk: cannot start the delivery thread at interpreter shutdown")
            return
        self._thread = thread

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(
                    lambda: (
                        len(self._queue) >= self.batch_size
                        or self._flush_requested > self._flush_done
                        or self._stopping.is_set()
                    ),
                    self.flush_interval,
                )
                batch = [self._queue.popleft() for _ in range(min(self.batch_size, len(self._queue)))]
                self._in_flight = len(batch)
                # Once the queue is empty, everything tracked before the pending flush() is in this batch.
                flush_pending = self._flush_requested > self._flush_done
                settles = self._flush_requested if flush_pending and not self._queue else None
                stopping = self._stopping.is_set()
            try:
                if batch:
                    self._deliver(batch)
                self._housekeeping(flushing=settles is not None)
            except Exception:  # the host app must never see our failures; the thread must not die
                logger.exception("sightline-sdk delivery failed")
            with self._cond:
                self._in_flight = 0
                if settles is not None:
                    self._flush_done = max(self._flush_done, settles)
                self._cond.notify_all()
                if stopping and not self._queue:
                    return

    def _deliver(self, batch: list[QueuedEvent]) -> None:
        if self.mode == "spool":
            self._to_spool(batch)
            return
        undelivered = self._sender.send(batch, retry=not self._stopping.is_set()).undelivered
        if not undelivered:
            self._server_answered = True  # the moment to send what an outage left in the spool
            return
        if self.mode == "auto":
            self._to_spool(undelivered)
            self._replay_pending = True
        else:
            self._count_drop(len(undelivered), "the server could not be reached")

    def _to_spool(self, events: list[QueuedEvent]) -> None:
        assert self._spool is not None
        try:
            with self._spool_lock:
                self._spool.write(events)
            self._counters.add("spooled", len(events))
        except OSError as error:
            logger.error("cannot write the spool: %s", error.strerror)
            self._count_drop(len(events), "the spool cannot be written")

    def _housekeeping(self, *, flushing: bool) -> None:
        if self._spool is None:
            return
        with self._spool_lock:
            if flushing or self._stopping.is_set():
                self._spool.seal()
            else:
                self._spool.seal_if_old()
        if self.mode != "auto" or not self._replay_pending or self._stopping.is_set():
            return
        now = time.monotonic()
        if now - self._last_replay < REPLAY_PROBE_SECONDS and not (flushing or self._server_answered):
            return
        self._last_replay = now
        self._server_answered = False
        assert self.spool_dir is not None
        with self._spool_lock:
            self._spool.seal()
            recover_orphans(self.spool_dir)
            # One attempt per batch: this runs on the delivery thread, which must not sit in back-off here.
            result = self._sender.replay(self.spool_dir, self.batch_size, retry=False)
        self._replay_pending = result.files_left > 0 or bool(sealed_files(self.spool_dir))

    def _after_fork_in_child(self) -> None:
        # The parent's thread does not exist here and its lock may have been held at the fork; the parent
        # still delivers what was queued before, so the child starts empty.
        self._reset_runtime()
        if self._spool is not None:
            self._spool.forget()


def _close_all_at_exit() -> None:
    for client in list(_clients):
        try:
            client.close()
        except Exception:  # at interpreter exit there is nobody left to raise to
            logger.exception("sightline-sdk: closing at exit failed")


def _reset_all_after_fork() -> None:
    for client in list(_clients):
        client._after_fork_in_child()


atexit.register(_close_all_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_all_after_fork)
