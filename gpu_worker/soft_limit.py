"""Holding back Celery's soft-time-limit signal while a batch's outcome is being recorded.

The prefork pool sends SIGUSR1 to the child at the soft limit and its handler raises SoftTimeLimitExceeded
wherever the child is. Landing between a job's row being marked finished and its generation_* event being
queued, it would lose the event; held back, it arrives just after the section, when there is nothing left
to interrupt (the task then fails with nothing running, which ``GenerationTask.on_failure`` finds).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SOFT_LIMIT_SIGNAL = signal.SIGUSR1


@contextmanager
def soft_limit_deferred() -> Iterator[None]:
    """Blocks the soft-limit signal in this thread for the block; a signal sent meanwhile is delivered after."""
    if threading.current_thread() is not threading.main_thread():
        yield  # Python handlers run in the main thread only: nothing to hold back here
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {SOFT_LIMIT_SIGNAL})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
