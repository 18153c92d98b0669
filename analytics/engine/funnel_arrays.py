"""Funnel totals from packed step rows, in numpy: the numbers funnel_sql.funnel_totals gives, without windows.

PostgreSQL spends about a microsecond per row and window pass on a funnel (funnel_sql), on one core. Here
PostgreSQL only reads one person half's step events in order out of an index (funnel_sql.packed_rows: two
byte strings, person and event name / time) and numpy follows each entry's chain of next steps over whole
arrays (about 0.1 µs per row and step).
The rules are funnel_sql's, step for step: rows in each person's (time, funnel order, uuid) order; from each
step-0 row inside the range, the first row of step 1 strictly after it, the first of step 2 strictly after
that, … (``ordered``), or the very next rows (``strict``); reached = 1 + the leading steps found within the
window; each person's best attempt is the furthest reached, then the earliest entry. Times are the epoch
seconds PostgreSQL's date_part gives (the exact microseconds divided by 10^6, correctly rounded either way),
so gaps and window comparisons come out bit for bit the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

# timestamptz_send counts microseconds from 2000-01-01 UTC.
_EPOCH_2000_US = 946_684_800_000_000


class OutOfOrder(Exception):
    """The packed rows did not come in (person, time) order: the caller computes the funnel in SQL."""


def totals_row(
    packed: Sequence[tuple[Any, ...]], *, steps: list[str], order: str, window: int, end: float
) -> tuple[Any, ...]:
    """One row shaped like funnel_sql.funnel_totals' (counts, then ascending gap lists and durations) from
    funnel_sql.packed_rows' rows. ``steps`` are the steps' event names, ``end`` the range's end (epoch s).

    The rows stay in (person ascending, time descending) order, so "the next event in the person's time" is
    the one before: nothing is reversed, and only several rows (one per step name) are merged."""
    n = len(steps)
    keys, micros = _merged(packed)
    if len(keys) == 0:
        return (*([0] * n), *([[]] * n))
    person, number = keys >> 8, keys & 255
    names = sorted(set(steps))  # numbered 1, 2, … as funnel_sql.packed_names numbers them
    # Per name number (0: none of the step names): its steps as bits, and the lowest (the funnel order).
    bits = np.array([0] + [sum(1 << j for j, s in enumerate(steps) if s == name) for name in names], dtype=np.int64)
    lowest = np.array([n] + [steps.index(name) for name in names], dtype=np.int64)
    number = _in_funnel_order(person, micros, number, lowest)
    flags = bits[number]
    ts = (micros + _EPOCH_2000_US) / 1e6
    is_step = [((flags >> k) & 1).astype(bool) for k in range(n)]
    entries = np.flatnonzero(is_step[0] & (ts < end))
    times, reached = _chains(person, ts, is_step, entries, order, window)
    best = _best_attempts(person[entries], reached)
    reached, times = reached[best], [t[best] for t in times]
    counts = [int(np.count_nonzero(reached > k)) for k in range(n)]
    gaps = [np.sort(times[k][reached > k] - times[k - 1][reached > k]).tolist() for k in range(1, n)]
    converted = reached == n
    durations = np.sort(times[-1][converted] - times[0][converted]).tolist()
    return (*counts, *gaps, durations)


def _merged(packed: Sequence[tuple[Any, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """Keys and times of every packed row, in (person, time descending) order."""
    parts = [(p[0], p[1]) for p in packed if p[0] is not None]
    keys = np.concatenate([np.frombuffer(bytes(k), dtype=">i8") for k, _ in parts] or [np.zeros(0, ">i8")])
    micros = np.concatenate([np.frombuffer(bytes(t), dtype=">i8") for _, t in parts] or [np.zeros(0, ">i8")])
    keys, micros = keys.astype(np.int64), micros.astype(np.int64)
    if len(parts) < 2:
        return keys, micros
    # Each part is in order: one stable sort on a key of (person, time descending) merges them (a merge of
    # runs for the sort). The key is the person's offset from the lowest where both fit in 64 bits, else the
    # person's rank among those present; where neither fits, a sort on the two.
    person = keys >> 8
    later = micros.max() - micros
    time_bits = int(later.max()).bit_length()
    lowest = person.min()
    if int(person.max() - lowest).bit_length() + time_bits <= 64:
        offset = (person - lowest).astype(np.uint64)
        merged = np.argsort((offset << np.uint64(time_bits)) | later.astype(np.uint64), kind="stable")
        return keys[merged], micros[merged]
    people = np.sort(person, kind="stable")
    people = people[np.concatenate(([True], people[1:] != people[:-1]))]
    rank = np.searchsorted(people, person)
    if time_bits + len(people).bit_length() <= 62:
        merged = np.argsort((rank << time_bits) | later, kind="stable")
    else:
        merged = np.lexsort((later, person))
    return keys[merged], micros[merged]


def _in_funnel_order(person: np.ndarray, micros: np.ndarray, number: np.ndarray, lowest: np.ndarray) -> np.ndarray:
    """The name numbers with the rows of each instant put in funnel order (descending here, like time), after
    checking the rows' (person, time) order. Rows of one instant differ only in their name, and rows of one
    name are interchangeable, so ordering the numbers within each instant is enough."""
    same_person = person[1:] == person[:-1]
    if np.any(person[1:] < person[:-1]) or np.any(same_person & (micros[1:] > micros[:-1])):
        raise OutOfOrder
    same_time = same_person & (micros[1:] == micros[:-1])
    rank = lowest[number]
    if not np.any(same_time & (rank[1:] > rank[:-1])):
        return number
    tied = np.zeros(len(number), dtype=bool)
    tied[1:] |= same_time
    tied[:-1] |= same_time
    rows = np.flatnonzero(tied)
    instant = np.concatenate(([0], np.cumsum(~same_time)))[rows]
    reordered = number.copy()
    reordered[rows] = number[rows][np.lexsort((-rank[rows], instant))]
    return reordered


def _chains(
    person: np.ndarray, ts: np.ndarray, is_step: list[np.ndarray], entries: np.ndarray, order: str, window: int
) -> tuple[list[np.ndarray], np.ndarray]:
    """Each entry's step times (NaN where the chain ends) and how many steps it reached."""
    limit = ts[entries] + window
    times = [ts[entries]]
    reached = np.ones(len(entries), dtype=np.int64)
    going = np.ones(len(entries), dtype=bool)
    at = entries
    for k in range(1, len(is_step)):
        if order == "strict":
            nxt = entries - k
        else:
            # The row of step k that comes next in time is the nearest one before: a running maximum.
            latest = np.maximum.accumulate(np.where(is_step[k], np.arange(len(ts)), -1))
            nxt = np.concatenate(([-1], latest[:-1]))[at]
        found = nxt >= 0
        safe = np.where(found, nxt, 0)
        found &= person[safe] == person[entries]
        found &= is_step[k][safe] if order == "strict" else np.isfinite(times[-1])
        t = np.where(found, ts[safe], np.nan)
        times.append(t)
        going &= found & (t <= limit)
        reached += going
        at = safe
    return times, reached


def _best_attempts(entry_person: np.ndarray, reached: np.ndarray) -> np.ndarray:
    """Per person, the entry that reached furthest, the earliest of those: entries come in blocks per person,
    each in descending time, so the last such one."""
    if len(entry_person) == 0:
        return np.zeros(0, dtype=np.int64)
    change = entry_person[1:] != entry_person[:-1]
    starts = np.flatnonzero(np.concatenate(([True], change)))
    block = np.concatenate(([0], np.cumsum(change)))
    furthest = np.maximum.reduceat(reached, starts)
    candidates = np.where(reached == furthest[block], np.arange(len(reached)), -1)
    return np.maximum.reduceat(candidates, starts)
