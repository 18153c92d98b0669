"""Sessions: visits, duration, bounce rate and pages per session, broken down by any dimension."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analytics.queries.errors import Reader, child
from analytics.queries.parts import COMMON_FIELDS, Breakdown, Scope, read_breakdown, read_field, read_scope

# Several top lists of one range (the console's overview: referrers, browsers, systems, devices) in one query:
# cutting the range into sessions is the costly part and is the same for every breakdown.
MAX_BREAKDOWNS = 6


@dataclass(frozen=True, slots=True)
class SessionsQuery:
    kind = "sessions"
    scope: Scope
    breakdown: Breakdown | None = None
    # Extra per-breakdown event counts in the same query, e.g. ("start_training",).
    count_events: tuple[str, ...] = ()
    # None: the server's ANALYTICS_SESSION_TIMEOUT_MINUTES.
    session_timeout_minutes: int | None = None
    # Instead of `breakdown`: each of these over the same sessions, answered side by side.
    breakdowns: tuple[Breakdown, ...] = ()
    # False: breakdown rows count sessions but not distinct visitors per value (their `visitors` is None). The
    # distinct persons of each value are most of a breakdown's cost; lists ranked by visits (the console's
    # overview) do without them. The totals count visitors either way.
    breakdown_visitors: bool = True


def _read_breakdowns(r: Reader, data: dict[str, Any]) -> tuple[Breakdown, ...]:
    found = []
    for i, item in enumerate(r.items(data, "breakdowns", "", low=0, high=MAX_BREAKDOWNS)):
        where = child("breakdowns", i)
        raw = r.obj(item, where, frozenset({"key", "limit"}))
        if raw is None:
            continue
        field = read_field(r, raw.get("key"), child(where, "key"))
        limit = r.integer(raw, "limit", where, low=1, high=100, default=10)
        if field is not None and limit is not None:
            found.append(Breakdown(field, limit))
    if found and data.get("breakdown") is not None:
        r.fail("breakdowns", "Give either breakdown or breakdowns, not both.")
    return tuple(found)


_FIELDS = frozenset({"breakdown", "breakdowns", "breakdown_visitors", "count_events", "session_timeout_minutes"})


def parse_sessions(raw: Any) -> SessionsQuery | list[Any]:
    r = Reader()
    data = r.obj(raw, "", COMMON_FIELDS | _FIELDS)
    if data is None:
        return r.errors
    scope = read_scope(r, data)
    breakdown = read_breakdown(r, data, "")
    breakdowns = _read_breakdowns(r, data)
    names: list[str] = []
    for i, item in enumerate(r.items(data, "count_events", "", low=0, high=10)):
        if not isinstance(item, str) or not item or len(item) > 200:
            r.fail(child("count_events", i), "Expected an event name.")
        elif item in names:
            r.fail(child("count_events", i), "Listed twice.")
        else:
            names.append(item)
    timeout = r.integer(data, "session_timeout_minutes", "", low=1, high=24 * 60, default=None, required=False)
    breakdown_visitors = r.boolean(data, "breakdown_visitors", "", default=True)
    if r.errors or scope is None:
        return r.errors
    return SessionsQuery(
        scope=scope,
        breakdown=breakdown,
        count_events=tuple(names),
        session_timeout_minutes=timeout,
        breakdowns=breakdowns,
        breakdown_visitors=breakdown_visitors,
    )
