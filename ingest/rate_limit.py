"""A token bucket per site, per process: enough to stop one site from starving the others."""

from __future__ import annotations

import math
import threading
import time


class SiteRateLimiter:
    def __init__(self, events_per_second: int) -> None:
        self.rate = events_per_second
        self._buckets: dict[int, tuple[float, float]] = {}  # site -> (tokens, last refill)
        self._lock = threading.Lock()

    def take(self, site_id: int, events: int) -> int | None:
        """Takes tokens for `events`; returns None if allowed, else the seconds to wait before retrying."""
        if self.rate <= 0:
            return None
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(site_id, (float(self.rate), now))
            tokens = min(float(self.rate), tokens + (now - last) * self.rate)
            if tokens < events and tokens < self.rate:
                self._buckets[site_id] = (tokens, now)
                return max(1, math.ceil((min(events, self.rate) - tokens) / self.rate))
            # A batch larger than one second's allowance is let through on a full bucket, then waits.
            self._buckets[site_id] = (tokens - events, now)
            return None
