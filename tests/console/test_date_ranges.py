"""The date-range picker's choices (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from console.date_ranges import pick_range

TODAY = date(2026, 3, 31)


@pytest.mark.parametrize(
    ("params", "key", "first", "last", "interval", "problem"),
    [
        ({}, "7d", date(2026, 3, 25), TODAY, "day", ""),
        ({"range": "today"}, "today", TODAY, TODAY, "hour", ""),
        ({"range": "30d"}, "30d", date(2026, 3, 2), TODAY, "day", ""),
        (
            {"range": "custom", "from": "2026-01-01", "to": "2026-01-02"},
            "custom",
            date(2026, 1, 1),
            date(2026, 1, 2),
            "hour",
            "",
        ),
        (
            {"range": "custom", "from": "2025-01-01", "to": "2025-12-31"},
            "custom",
            date(2025, 1, 1),
            date(2025, 12, 31),
            "week",
            "",
        ),
        ({"range": "custom", "from": "2026-01-02", "to": "2026-01-01"}, "7d", date(2026, 3, 25), TODAY, "day", "order"),
        ({"range": "custom", "from": "x", "to": "2026-01-01"}, "7d", date(2026, 3, 25), TODAY, "day", "dates"),
        (
            {"range": "custom", "from": "2000-01-01", "to": "2026-01-01"},
            "7d",
            date(2026, 3, 25),
            TODAY,
            "day",
            "length",
        ),
        ({"range": "bogus"}, "7d", date(2026, 3, 25), TODAY, "day", ""),
    ],
)
def test_pick_range(params, key, first, last, interval, problem):
    picked = pick_range(params, TODAY)
    assert (picked.key, picked.first, picked.last, picked.interval, picked.problem) == (
        key,
        first,
        last,
        interval,
        problem,
    )


def test_previous_period_is_the_same_length_just_before():
    picked = pick_range({"range": "7d"}, TODAY)
    assert picked.as_query() == {
        "current": {"from": "2026-03-25", "to": "2026-03-31"},
        "previous": {"from": "2026-03-18", "to": "2026-03-24"},
    }
