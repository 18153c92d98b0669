"""The date-range picker's choices turned into local dates (pure: no Django). Later pages reuse it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

PRESETS = {"today": 1, "7d": 7, "30d": 30}
DEFAULT = "7d"
MAX_DAYS = 3660
# Hourly buckets read well for a day or two; beyond 92 days a week is the finest a chart can show clearly.
HOURLY_UP_TO_DAYS = 2
DAILY_UP_TO_DAYS = 92


@dataclass(frozen=True, slots=True)
class PickedRange:
    key: str  # "today", "7d", "30d" or "custom"
    first: date
    last: date
    # Why the request's custom dates were not used (they fell back to the default), else "".
    problem: str = ""

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def previous_first(self) -> date:
        return self.first - timedelta(days=self.days)

    @property
    def previous_last(self) -> date:
        return self.first - timedelta(days=1)

    @property
    def interval(self) -> str:
        if self.days <= HOURLY_UP_TO_DAYS:
            return "hour"
        return "day" if self.days <= DAILY_UP_TO_DAYS else "week"

    def as_query(self) -> dict[str, dict[str, str]]:
        """The `date_range` and its previous period, as the REST API's query objects take them."""
        return {
            "current": {"from": self.first.isoformat(), "to": self.last.isoformat()},
            "previous": {"from": self.previous_first.isoformat(), "to": self.previous_last.isoformat()},
        }


def _preset(key: str, today: date, problem: str = "") -> PickedRange:
    return PickedRange(key, today - timedelta(days=PRESETS[key] - 1), today, problem)


def pick_range(params: Mapping[str, str], today: date) -> PickedRange:
    """`?range=today|7d|30d`, or `?range=custom&from=YYYY-MM-DD&to=YYYY-MM-DD`; anything else is the default."""
    key = params.get("range", DEFAULT)
    if key in PRESETS:
        return _preset(key, today)
    if key != "custom":
        return _preset(DEFAULT, today)
    try:
        first = date.fromisoformat(params.get("from", ""))
        last = date.fromisoformat(params.get("to", ""))
    except ValueError:
        return _preset(DEFAULT, today, "dates")
    if last < first:
        return _preset(DEFAULT, today, "order")
    if (last - first).days + 1 > MAX_DAYS:
        return _preset(DEFAULT, today, "length")
    return PickedRange("custom", first, last)
