"""Funnels: 2–10 steps in a conversion window, ordered, strict or in any order, with exclusions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from analytics.queries.errors import Reader, child
from analytics.queries.parts import (
    COMMON_FIELDS,
    Breakdown,
    EventSelector,
    Scope,
    read_breakdown,
    read_scope,
    read_selector,
)

ORDERS = ("ordered", "strict", "any")
WINDOW_UNITS = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400}
MAX_WINDOW_SECONDS = 90 * 86400


@dataclass(frozen=True, slots=True)
class Exclusion:
    selector: EventSelector
    from_step: int
    to_step: int


@dataclass(frozen=True, slots=True)
class FunnelQuery:
    kind = "funnels"
    scope: Scope
    steps: tuple[EventSelector, ...]
    window_seconds: int = 14 * 86400
    order: Literal["ordered", "strict", "any"] = "ordered"
    exclusions: tuple[Exclusion, ...] = ()
    breakdown: Breakdown | None = None


def _window(r: Reader, data: dict[str, Any]) -> int:
    raw = data.get("conversion_window")
    if raw is None:
        return 14 * 86400
    window = r.obj(raw, "conversion_window", frozenset({"value", "unit"}))
    if window is None:
        return 0
    value = r.integer(window, "value", "conversion_window", low=1, high=10**6, default=None)
    unit = r.choice(window, "unit", "conversion_window", tuple(WINDOW_UNITS), "day")
    if value is None:
        return 0
    seconds = value * WINDOW_UNITS[unit]
    if seconds > MAX_WINDOW_SECONDS:
        r.fail("conversion_window", "At most 90 days.")
    return seconds


def _exclusion(r: Reader, raw: Any, path: str, steps: int) -> Exclusion | None:
    data = r.obj(raw, path, frozenset({"event", "filters", "from_step", "to_step"}))
    if data is None:
        return None
    selector = read_selector(r, {k: v for k, v in data.items() if k in ("event", "filters")}, path)
    start = r.integer(data, "from_step", path, low=0, high=max(steps - 2, 0), default=0)
    end = r.integer(data, "to_step", path, low=1, high=max(steps - 1, 1), default=steps - 1)
    if start is not None and end is not None and end <= start:
        r.fail(child(path, "to_step"), "Must be after from_step.")
        return None
    if selector is None or start is None or end is None:
        return None
    return Exclusion(selector, start, end)


def parse_funnel(raw: Any) -> FunnelQuery | list[Any]:
    r = Reader()
    data = r.obj(raw, "", COMMON_FIELDS | {"steps", "conversion_window", "order", "exclusions", "breakdown"})
    if data is None:
        return r.errors
    scope = read_scope(r, data)
    items = r.items(data, "steps", "", low=2, high=10)
    steps = [read_selector(r, item, child("steps", i)) for i, item in enumerate(items)]
    window = _window(r, data)
    order = r.choice(data, "order", "", ORDERS, "ordered")
    raw_exclusions = r.items(data, "exclusions", "", low=0, high=10)
    if raw_exclusions and order != "ordered":
        r.fail("exclusions", "Exclusion steps need order ordered.")
    exclusions = [_exclusion(r, item, child("exclusions", i), len(items)) for i, item in enumerate(raw_exclusions)]
    breakdown = read_breakdown(r, data, "")
    if r.errors or scope is None:
        return r.errors
    return FunnelQuery(
        scope=scope,
        steps=tuple(s for s in steps if s is not None),
        window_seconds=window,
        order=order,  # type: ignore[arg-type]
        exclusions=tuple(e for e in exclusions if e is not None),
        breakdown=breakdown,
    )
