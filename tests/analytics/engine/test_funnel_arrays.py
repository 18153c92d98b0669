"""funnel_arrays on hand-made packed rows: funnel order at one instant, the order check, best attempts.
(test_funnel_totals compares it with the SQL funnel on random data.)"""

from __future__ import annotations

import struct
from typing import Any

import pytest

from analytics.engine.funnel_arrays import OutOfOrder, totals_row

EPOCH_2000 = 946_684_800
STEPS = ["view", "click", "buy"]  # name numbers 3, 2, 1 (packed_names sorts them)
NUMBER = {"buy": 1, "click": 2, "view": 3, "other": 0}


def packed(rows: list[tuple[int, str, float]]) -> tuple[bytes, bytes]:
    """(person, name, epoch seconds) rows, packed as funnel_sql.packed_rows sends them, in the order given."""
    keys = b"".join(struct.pack(">q", person * 256 + NUMBER[name]) for person, name, _ in rows)
    times = b"".join(struct.pack(">q", round((t - EPOCH_2000) * 1_000_000)) for _, _, t in rows)
    return keys, times


def totals(rows: list[tuple[int, str, float]], order: str = "ordered", window: int = 3600) -> tuple[Any, ...]:
    return totals_row([packed(rows)], steps=STEPS, order=order, window=window, end=2e9)


def by_name(rows: list[tuple[int, str, float]]) -> list[tuple[bytes, bytes]]:
    """The rows as packed_rows sends an ordered funnel's: one packed row per name, each in the given order."""
    return [packed([r for r in rows if r[1] == name]) for name in ("buy", "click", "view")]


T = 1_780_000_000.0


def test_events_of_one_instant_count_in_funnel_order_whatever_order_they_come_in():
    # Descending time per person; at T all three steps at once, sent in the wrong order (view first).
    rows = [(1, "view", T), (1, "click", T), (1, "buy", T)]
    assert totals(rows)[:3] == (1, 1, 1)
    assert totals(list(reversed(rows)))[:3] == (1, 1, 1)


def test_rows_out_of_person_or_time_order_are_refused():
    with pytest.raises(OutOfOrder):
        totals([(2, "view", T), (1, "view", T)])
    with pytest.raises(OutOfOrder):
        totals([(1, "view", T), (1, "click", T + 5)])


def test_the_best_attempt_is_the_furthest_then_the_earliest():
    rows = [
        (1, "buy", T + 7200), (1, "click", T + 7000), (1, "view", T + 6000), (1, "view", T + 10), (1, "view", T),
        (2, "click", T + 50), (2, "other", T + 20), (2, "view", T),
    ]  # fmt: skip
    counts_and_gaps = totals(rows)
    assert counts_and_gaps[:3] == (2, 2, 1)
    # Person 1 converts from the entry at T+6000 (the earlier views are out of the hour's window for buy).
    assert counts_and_gaps[3] == [50.0, 1000.0] and counts_and_gaps[4] == [200.0] and counts_and_gaps[5] == [1200.0]
    # Strict: person 2's click is not the very next event after the view.
    assert totals(rows, order="strict")[:3] == (2, 1, 1)


def test_rows_per_name_merge_into_the_answer_of_one_row():
    rows = [
        (1, "buy", T + 7200), (1, "click", T + 7000), (1, "view", T + 6000), (1, "view", T + 10), (1, "view", T),
        (2, "click", T + 50), (2, "view", T + 50), (2, "view", T), (5, "view", T + 1), (5, "click", T + 1),
    ]  # fmt: skip
    merged = totals_row(by_name(rows), steps=STEPS, order="ordered", window=3600, end=2e9)
    assert merged == totals(rows)
    assert merged[:3] == (3, 3, 1)


@pytest.mark.parametrize("spread", [1, 1 << 40], ids=["persons-close", "persons-far-apart"])
def test_merging_gives_the_same_answer_whether_person_ids_are_close_or_far_apart(spread):
    # Far apart, the person offsets and the times no longer share 64 bits: the merge ranks the persons instead.
    rows = [
        (1, "buy", T + 7200), (1, "click", T + 7000), (1, "view", T + 6000), (1, "view", T),
        (2, "click", T + 50), (2, "view", T + 50), (2, "view", T - 86400 * 365), (3, "view", T + 1),
    ]  # fmt: skip
    spread_rows = [(person * spread, name, t) for person, name, t in rows]
    merged = totals_row(by_name(spread_rows), steps=STEPS, order="ordered", window=3600, end=2e9)
    assert merged == totals(spread_rows)
    assert merged[:3] == (3, 2, 1)
