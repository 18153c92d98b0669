"""Group commit: the collect requests a web process is answering at the same time share one stream write.

Every request still gets its 2xx only after a write holding its rows was acknowledged by Redis, which
answers an XADD after fsyncing its append-only file. What changes is how many writes that takes: a request
that finds no write of its process in flight sends its own rows at once; requests that arrive while one is in
flight queue up and leave together in the next write, as one stream entry. Under load, one round trip, one
command and one entry carry several requests (fewer Redis calls in the web process, less work in Redis and
for the consumer); an idle server adds no wait at all. See docs/decisions/0007-granian-and-group-commit.md.

One write at a time per process, leader/follower, no thread of its own: a request that finds no write under
way writes its own rows and those of the requests queued behind it (up to `max_rows` rows), wakes the
requests whose rows went out, and hands the next write to the oldest request still waiting. (Redis already
shares one fsync among the writes it reads together; what the grouping saves is the calls and commands.)
A failed write fails every request in it with the same error, and each one then makes its rows durable
another way (the buffer's database fallback); a write may have landed after all, so
that path may store a row twice, which the event store's (site, uuid) key turns into one.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence

from analytics.event_store.copy_text import CopyText


class _Waiter:
    __slots__ = ("_signal", "error", "lead", "rows", "text")

    def __init__(self, text: CopyText, rows: int) -> None:
        self.text = text
        self.rows = rows
        # A lock held from the start and released once: a one-shot signal at C speed (threading.Event is a
        # Condition in Python, several times the cost, paid by every request).
        self._signal = threading.Lock()
        self._signal.acquire()
        self.lead = False  # set (before the signal) when this waiter is to write the next group itself
        self.error: BaseException | None = None

    def wait(self) -> None:
        self._signal.acquire()

    def wake(self) -> None:
        self._signal.release()


def merged(texts: Sequence[CopyText]) -> CopyText:
    """Several requests' rows as one stream entry: every field is whole lines, so they concatenate."""
    if len(texts) == 1:
        return texts[0]
    return CopyText(
        text=b"".join(t.text for t in texts),
        keys=b"".join(t.keys for t in texts),
        links=b"".join(t.links for t in texts),
    )


class GroupCommit:
    """`append(text, rows)` returns once `write` has stored a group holding `text`, or raises its error."""

    def __init__(self, write: Callable[[CopyText], object], *, max_rows: int) -> None:
        self._write = write
        self._max_rows = max(1, max_rows)
        self._lock = threading.Lock()
        self._queue: deque[_Waiter] = deque()
        # Whether a write is under way. Requests queue only while one is, so the queue is empty whenever not.
        self._writing = False
        self.writes = 0  # writes attempted so far (for tests and benchmarks)

    @property
    def waiting(self) -> int:
        """Requests queued for the next write (the one in flight not counted)."""
        with self._lock:
            return len(self._queue)

    def append(self, text: CopyText, rows: int) -> None:
        waiter = _Waiter(text, rows)
        with self._lock:
            leads = not self._writing
            if leads:
                self._writing = True
            else:
                self._queue.append(waiter)
        if not leads:
            waiter.wait()  # until a write took our rows, or until a finishing writer hands us the next write
            leads = waiter.lead
        if leads:
            self._lead(waiter)
        if waiter.error is not None:
            raise waiter.error

    def _lead(self, own: _Waiter) -> None:
        # Our own rows go out even when they alone are over max_rows; queued requests join while they fit.
        group = [own]
        rows = own.rows
        with self._lock:
            while self._queue and rows + self._queue[0].rows <= self._max_rows:
                rows += self._queue[0].rows
                group.append(self._queue.popleft())
        error: BaseException | None = None
        try:
            self._write(merged([waiter.text for waiter in group]))
        except BaseException as exc:  # handed to every request of the group, each of which raises it
            error = exc
        finally:
            own.error = error
            for waiter in group[1:]:
                waiter.error = error
                waiter.wake()
            with self._lock:
                self.writes += 1
                if self._queue:  # the oldest waiting request writes next
                    successor = self._queue.popleft()
                    successor.lead = True
                    successor.wake()
                else:
                    self._writing = False
