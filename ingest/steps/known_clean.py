"""Values the scrubber found nothing in, remembered across requests: a site's pages, titles and property sets
recur in request after request, and scrubbing each again was ~10 % of the door's work on a batch.

Only what came out of the scrubber unchanged is kept, so nothing here is personal data by the scrubber's own
rules; a value with something to scrub is never remembered (its raw form would outlive its request) and is
scrubbed again in every request that carries it, once per request (`RequestContext.once`). Keys start with
the site's id, so one site's traffic never decides anything for another's. IP addresses, user agents and
visitor ids never come here. Bounded in entries and in the size of each: when full it is emptied and fills
again with what recurs.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class KnownClean(Generic[V]):
    """A bounded map from (site id, value) to what the step derived from the clean value. Thread-safe under the
    GIL: single dict operations only."""

    def __init__(self, *, entries: int, max_chars: int) -> None:
        self._entries = entries
        self.max_chars = max_chars  # longer values are not remembered: a few of them could fill the memory
        self._known: dict[tuple[int, Hashable], V] = {}

    def __len__(self) -> int:
        return len(self._known)

    def get(self, site_id: int, value: Hashable) -> V | None:
        return self._known.get((site_id, value))

    def remember(self, site_id: int, value: Hashable, derived: V, chars: int) -> None:
        """Call only for a value the scrubber left unchanged; `chars` is its size."""
        if chars > self.max_chars:
            return
        if len(self._known) >= self._entries:
            self._known.clear()
        self._known[(site_id, value)] = derived

    def keys(self) -> list[tuple[int, Hashable]]:
        """What is remembered (for tests)."""
        return list(self._known)

    def clear(self) -> None:
        self._known.clear()
