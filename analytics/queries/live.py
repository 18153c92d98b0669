"""Live: what is happening right now — visitors and events per minute over the last few minutes, top pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analytics.queries.errors import Reader
from analytics.queries.parts import Filter, read_filters

MAX_MINUTES = 60


@dataclass(frozen=True, slots=True)
class LiveQuery:
    """Not a date range: a window ending now, in whole UTC minutes (every zone's minutes start together)."""

    kind = "live"
    minutes: int = 30
    filters: tuple[Filter, ...] = ()
    include_bots: bool = False
    # Pages (page-view events by path) listed, most visited first.
    pages_limit: int = 10


def parse_live(raw: Any) -> LiveQuery | list[Any]:
    r = Reader()
    data = r.obj(raw if raw is not None else {}, "", frozenset({"minutes", "filters", "include_bots", "pages_limit"}))
    if data is None:
        return r.errors
    minutes = r.integer(data, "minutes", "", low=1, high=MAX_MINUTES, default=30)
    filters = read_filters(r, data, "filters", "")
    include_bots = r.boolean(data, "include_bots", "", default=False)
    pages_limit = r.integer(data, "pages_limit", "", low=1, high=50, default=10)
    if r.errors or minutes is None or pages_limit is None:
        return r.errors
    return LiveQuery(minutes=minutes, filters=filters, include_bots=include_bots, pages_limit=pages_limit)
