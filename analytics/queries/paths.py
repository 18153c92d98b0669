"""Paths: the most common next steps after an event, or previous steps before one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analytics.queries.errors import Reader
from analytics.queries.parts import COMMON_FIELDS, Scope, read_scope


@dataclass(frozen=True, slots=True)
class PathsQuery:
    kind = "paths"
    scope: Scope
    anchor: str
    # True: steps after the anchor (start_event); False: steps before it (end_event).
    forward: bool = True
    depth: int = 5
    limit: int = 10
    collapse_repeats: bool = True


def parse_paths(raw: Any) -> PathsQuery | list[Any]:
    r = Reader()
    data = r.obj(raw, "", COMMON_FIELDS | {"start_event", "end_event", "depth", "limit", "collapse_repeats"})
    if data is None:
        return r.errors
    scope = read_scope(r, data)
    start = r.string(data, "start_event", "", required=False)
    end = r.string(data, "end_event", "", required=False)
    if (start is None) == (end is None):
        r.fail("start_event", "Give exactly one of start_event or end_event.")
    depth = r.integer(data, "depth", "", low=1, high=10, default=5)
    limit = r.integer(data, "limit", "", low=1, high=50, default=10)
    collapse = r.boolean(data, "collapse_repeats", "", default=True)
    anchor = start or end
    if r.errors or scope is None or anchor is None or depth is None or limit is None:
        return r.errors
    return PathsQuery(
        scope=scope, anchor=anchor, forward=start is not None, depth=depth, limit=limit, collapse_repeats=collapse
    )
