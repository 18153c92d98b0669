"""Trends: one or more series of an event measure over time buckets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from analytics.queries.errors import Reader, child
from analytics.queries.parts import (
    COMMON_FIELDS,
    Breakdown,
    EventSelector,
    FieldRef,
    Scope,
    range_days,
    read_breakdown,
    read_field,
    read_scope,
    read_selector,
)

MATHS = ("count", "persons", "sessions", "sum", "avg", "p50", "p90")
PROPERTY_MATHS = frozenset({"sum", "avg", "p50", "p90"})
INTERVALS = ("hour", "day", "week", "month")
Interval = Literal["hour", "day", "week", "month"]
MAX_HOUR_DAYS = 31


@dataclass(frozen=True, slots=True)
class Series:
    selector: EventSelector
    math: str = "count"
    prop: FieldRef | None = None

    @property
    def label(self) -> str:
        return self.selector.event or "all events"


@dataclass(frozen=True, slots=True)
class TrendsQuery:
    kind = "trends"
    scope: Scope
    series: tuple[Series, ...]
    interval: Interval = "day"
    breakdown: Breakdown | None = None
    compare: bool = False
    # False: leave out the whole-range totals that need a statement of their own (persons, sessions, p50,
    # p90: `total` is null); a chart that shows none of them (the console's overview) saves that work.
    totals: bool = True


def _series(r: Reader, raw: Any, path: str) -> Series | None:
    data = r.obj(raw, path, frozenset({"event", "filters", "math", "property"}))
    if data is None:
        return None
    selector = read_selector(r, {k: v for k, v in data.items() if k in ("event", "filters")}, path, allow_all=True)
    math = r.choice(data, "math", path, MATHS, "count")
    prop = None
    if math in PROPERTY_MATHS:
        prop = read_field(r, data.get("property"), child(path, "property"), numeric=True)
    elif data.get("property") is not None:
        r.fail(child(path, "property"), f"math {math} takes no property.")
    if selector is None or (math in PROPERTY_MATHS and prop is None):
        return None
    return Series(selector=selector, math=math, prop=prop)


def parse_trends(raw: Any) -> TrendsQuery | list[Any]:
    r = Reader()
    data = r.obj(raw, "", COMMON_FIELDS | {"series", "interval", "breakdown", "compare", "totals"})
    if data is None:
        return r.errors
    scope = read_scope(r, data)
    items = r.items(data, "series", "", low=1, high=10)
    series = [_series(r, item, child("series", i)) for i, item in enumerate(items)]
    interval = r.choice(data, "interval", "", INTERVALS, "day")
    breakdown = read_breakdown(r, data, "")
    compare = r.boolean(data, "compare", "", default=False)
    totals = r.boolean(data, "totals", "", default=True)
    if scope is not None and interval == "hour" and range_days(scope.date_range) > MAX_HOUR_DAYS:
        r.fail("interval", f"Hourly trends cover at most {MAX_HOUR_DAYS} days.")
    if r.errors or scope is None:
        return r.errors
    return TrendsQuery(
        scope=scope,
        series=tuple(s for s in series if s is not None),
        interval=interval,  # type: ignore[arg-type]
        breakdown=breakdown,
        compare=compare,
        totals=totals,
    )
