"""Two small clocks over repeated happenings, kept apart from Jupyter so they are tested alone.

`RunAllDetector`: "Run All Cells" (and "Restart Kernel and Run All") makes JupyterLab and Notebook send
one execute_request per cell at once, in the same instant, and the kernel queues them; a person running
cells by hand sends them one at a time. So a burst of at least `min_cells` execute_requests on one
kernel connection, each within `window` seconds of the one before, is taken as run-all. Limits: a
notebook with fewer code cells than `min_cells` never counts; running a selection of several cells
does. `RepeatFilter` keeps the same thing from being counted twice within a window (JupyterLab reads a
notebook again, without content, when it saves it).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

MAX_KEYS = 10_000  # both clocks forget the least recent keys beyond this, so memory stays bounded


@dataclass
class _Burst:
    last_at: float
    count: int
    reported: bool


class RunAllDetector:
    def __init__(self, *, min_cells: int, window: float) -> None:
        self.min_cells = max(2, min_cells)
        self.window = window
        self._bursts: OrderedDict[Hashable, _Burst] = OrderedDict()

    def observe(self, key: Hashable, now: float) -> bool:
        """Records an execution; True exactly once per burst, when it reaches `min_cells`."""
        burst = self._bursts.get(key)
        if burst is None or now - burst.last_at > self.window:
            burst = _Burst(now, 1, False)
        else:
            burst.last_at = now
            burst.count += 1
        self._bursts[key] = burst
        self._bursts.move_to_end(key)
        while len(self._bursts) > MAX_KEYS:
            self._bursts.popitem(last=False)
        if burst.count >= self.min_cells and not burst.reported:
            burst.reported = True
            return True
        return False


class RepeatFilter:
    def __init__(self, window: float) -> None:
        self.window = window
        self._seen: OrderedDict[Hashable, float] = OrderedDict()

    def first(self, key: Hashable, now: float) -> bool:
        """True unless the key was let through less than `window` seconds ago."""
        last = self._seen.get(key)
        if last is not None and now - last < self.window:
            return False
        self._seen[key] = now
        self._seen.move_to_end(key)
        while len(self._seen) > MAX_KEYS:
            self._seen.popitem(last=False)
        return True
