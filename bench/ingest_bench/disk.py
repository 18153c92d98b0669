"""How long the disk takes to sync, sampled while the benchmark runs.

Redis answers an XADD only after fsyncing its append-only file (`--appendfsync always`), so a request's latency
carries the disk's. On a shared VM that disk sometimes stalls for hundreds of milliseconds, and a collect p99
over 50 ms can be such a stall rather than the server. This samples it: every `interval` s it appends a few
hundred bytes to a file beside Redis's and fsyncs it, as Redis does, and keeps how long each sync took.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from pathlib import Path

STALL_MS = 50.0  # a sync this slow would by itself take a collect request past its p99 target


class DiskSyncSampler:
    def __init__(self, directory: Path, interval: float = 0.1) -> None:
        self.path = directory / "disk-sync-probe"
        self.interval = interval
        self._samples: list[tuple[float, float]] = []  # (monotonic time at the start, milliseconds)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-disk-sync", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.ident is not None:  # started
            self._thread.join(10)

    def _run(self) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            while not self._stop.is_set():
                os.write(fd, b"x" * 300)
                start = time.monotonic()
                os.fsync(fd)
                with self._lock:
                    self._samples.append((start, (time.monotonic() - start) * 1000))
                self._stop.wait(self.interval)
        finally:
            os.close(fd)

    def between(self, start: float, end: float) -> dict[str, float]:
        """The syncs started between two monotonic times: how many, their median and slowest, and the stalls."""
        with self._lock:
            took = [ms for at, ms in self._samples if start <= at <= end]
        if not took:
            return {"syncs": 0, "p50_ms": float("nan"), "max_ms": float("nan"), "stalls": 0}
        return {
            "syncs": len(took),
            "p50_ms": statistics.median(took),
            "max_ms": max(took),
            "stalls": sum(ms >= STALL_MS for ms in took),
        }
