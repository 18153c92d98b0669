"""Retention: cohorts by first or every target event, returning in later days, weeks or months."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from analytics.queries.errors import Reader
from analytics.queries.parts import (
    COMMON_FIELDS,
    Breakdown,
    EventSelector,
    Scope,
    read_breakdown,
    read_scope,
    read_selector,
)
from analytics.queries.time_buckets import count_buckets_upper_bound

PERIODS = ("day", "week", "month")
MAX_PERIODS = 90


@dataclass(frozen=True, slots=True)
class RetentionQuery:
    kind = "retention"
    scope: Scope
    target: EventSelector
    returning: EventSelector
    retention_type: Literal["first_time", "recurring"] = "first_time"
    period: Literal["day", "week", "month"] = "day"
    breakdown: Breakdown | None = None


def parse_retention(raw: Any) -> RetentionQuery | list[Any]:
    r = Reader()
    data = r.obj(raw, "", COMMON_FIELDS | {"target", "returning", "retention_type", "period", "breakdown"})
    if data is None:
        return r.errors
    scope = read_scope(r, data)
    target = read_selector(r, data.get("target"), "target")
    returning = read_selector(r, data["returning"], "returning") if data.get("returning") is not None else target
    kind = r.choice(data, "retention_type", "", ("first_time", "recurring"), "first_time")
    period = r.choice(data, "period", "", PERIODS, "day")
    breakdown = read_breakdown(r, data, "")
    if scope is not None and count_buckets_upper_bound(scope.date_range, period) > MAX_PERIODS:
        r.fail("date_range", f"The grid may have at most {MAX_PERIODS} {period}s.")
    if r.errors or scope is None or target is None or returning is None:
        return r.errors
    return RetentionQuery(
        scope=scope,
        target=target,
        returning=returning,
        retention_type=kind,  # type: ignore[arg-type]
        period=period,  # type: ignore[arg-type]
        breakdown=breakdown,
    )
