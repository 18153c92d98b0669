"""Saved cohort definitions: people who did an event at least N times in a period, or have a property."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from analytics.queries.errors import FieldError, Reader, child
from analytics.queries.parts import (
    CohortFilter,
    DateRange,
    EventSelector,
    Filter,
    read_date_range,
    read_filter,
    read_selector,
)


@dataclass(frozen=True, slots=True)
class EventCriterion:
    selector: EventSelector
    min_count: int = 1
    date_range: DateRange = field(default_factory=lambda: DateRange(last_days=30))


@dataclass(frozen=True, slots=True)
class PropertyCriterion:
    filter: Filter
    # None: any time.
    date_range: DateRange | None = None


Criterion = EventCriterion | PropertyCriterion


@dataclass(frozen=True, slots=True)
class CohortDefinition:
    criteria: tuple[Criterion, ...]
    match: Literal["all", "any"] = "all"


def _criterion(r: Reader, raw: Any, path: str) -> Criterion | None:
    data = r.obj(raw, path, frozenset({"type", "event", "filters", "min_count", "date_range", "key", "op", "value"}))
    if data is None:
        return None
    kind = r.choice(data, "type", path, ("event", "property"), None)
    if kind == "event":
        for extra in ("key", "op", "value"):
            if extra in data:
                r.fail(child(path, extra), "Unknown field for an event criterion.")
        selector = read_selector(r, {k: v for k, v in data.items() if k in ("event", "filters")}, path)
        count = r.integer(data, "min_count", path, low=1, high=10**6, default=1)
        span = read_date_range(r, data, path, required=False) or DateRange(last_days=30)
        return None if selector is None or count is None else EventCriterion(selector, count, span)
    for extra in ("event", "filters", "min_count"):
        if extra in data:
            r.fail(child(path, extra), "Unknown field for a property criterion.")
    found = read_filter(r, {k: v for k, v in data.items() if k in ("key", "op", "value")}, path)
    if isinstance(found, CohortFilter):
        r.fail(child(path, "key"), "A cohort cannot refer to another cohort.")
        return None
    since = read_date_range(r, data, path, required=False)
    return None if found is None else PropertyCriterion(found, since)


def parse_cohort(raw: Any) -> CohortDefinition | list[FieldError]:
    r = Reader()
    data = r.obj(raw, "", frozenset({"match", "criteria"}))
    if data is None:
        return r.errors
    match = r.choice(data, "match", "", ("all", "any"), "all")
    items = r.items(data, "criteria", "", low=1, high=20)
    criteria = [_criterion(r, item, child("criteria", i)) for i, item in enumerate(items)]
    if r.errors:
        return r.errors
    return CohortDefinition(criteria=tuple(c for c in criteria if c is not None), match=match)  # type: ignore[arg-type]
