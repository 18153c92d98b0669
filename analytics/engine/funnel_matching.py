"""Any-order funnels whose steps can match the same event: one event fills one step. Pure Python.

``funnel_sql`` takes, for every step, its first event after the entry. When two steps share an event name
(or one is "any event"), that would let one event fill both steps. Here each entry's events inside the
window are matched to distinct steps instead (Kuhn's augmenting paths; at most 10 steps), in time order,
so the k-th step counts as done at the first moment k distinct events can cover k distinct steps. With
steps that cannot share an event this gives exactly the times ``funnel_sql`` gives; it only runs for the
funnels that need it, since it reads every step event of the range into Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby
from typing import Any

# One event of a person: epoch seconds, uuid, breakdown value, the steps it matches.
_Event = tuple[float, Any, Any, tuple[int, ...]]


def best_attempts(rows: Iterable[Sequence[Any]], steps: int, window: int, end: float) -> Iterator[tuple[Any, ...]]:
    """From ``person, ts, uuid, bd, s_0 … s_{n-1}`` rows in each person's order (ts, step, uuid), each
    person's best attempt shaped like a ``funnel_sql.funnel_people`` row: person, bd, ts, uuid, reached,
    t_0 … t_{n-1} (here the times at which 1, 2, … steps were done). Entries are events before ``end``."""
    for person, group in groupby(rows, key=lambda row: row[0]):
        events: list[_Event] = [
            (float(row[1]), row[2], row[3], tuple(j for j in range(steps) if row[4 + j])) for row in group
        ]
        best: tuple[int, float, str] | None = None
        chosen: tuple[Any, ...] = ()
        for index, (ts, uuid, bd, matched) in enumerate(events):
            if not matched or ts >= end:
                continue
            if best is not None and best[0] == -steps and ts > best[1]:
                break  # a complete attempt: only an entry at the same instant could still come first
            done = _completions(events, index, steps, ts + window)
            # Furthest step, then earliest entry: the order funnel_sql's ROW_NUMBER uses.
            key = (-len(done), ts, str(uuid))
            if best is None or key < best:
                best = key
                chosen = (person, bd, ts, uuid, len(done), *done, *([None] * (steps - len(done))))
        if chosen:
            yield chosen


def _completions(events: Sequence[_Event], entry: int, steps: int, limit: float) -> list[float]:
    """The times at which 1, 2, … distinct steps are covered by distinct events from ``entry`` on."""
    owner: dict[int, int] = {}  # step -> the event filling it
    times: list[float] = []
    # Step sets that found no augmenting path since the matching last grew: they cannot find one now
    # (a heavy user's hundredth page view in a window costs a set lookup, not a search).
    stuck: set[tuple[int, ...]] = set()
    for index in range(entry, len(events)):
        ts, _uuid, _bd, matched = events[index]
        if ts > limit:
            break
        if not matched or matched in stuck:
            continue
        if _augment(events, index, owner, set()):
            times.append(ts)
            stuck.clear()
            if len(times) == steps:
                break
        else:
            stuck.add(matched)
    return times


def _augment(events: Sequence[_Event], index: int, owner: dict[int, int], seen: set[int]) -> bool:
    for step in events[index][3]:
        if step in seen:
            continue
        seen.add(step)
        if step not in owner or _augment(events, owner[step], owner, seen):
            owner[step] = index
            return True
    return False
