"""Funnel numbers from each person's best attempt: counts, conversion, drop-off, time to convert. Pure Python."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from analytics.engine.breakdown import OTHER, public, top_values
from analytics.engine.dialect import percentile_cont

# Edges of the time-to-convert histogram, in seconds: a minute, 5, 15, an hour, 4 hours, a day, 3, 7, 14, 30 days.
HISTOGRAM_EDGES = (0, 60, 300, 900, 3600, 4 * 3600, 86400, 3 * 86400, 7 * 86400, 14 * 86400, 30 * 86400)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One person's best attempt: how many steps they reached and when (epoch seconds) they did each."""

    reached: int
    times: tuple[float, ...]
    breakdown: str


def attempt_from_row(row: Sequence[Any], steps: int, order: str, window: int) -> Attempt:
    """A row of funnel_sql.funnel_people: person, bd, ts, uuid, reached, t_0 … t_{n-1}, …"""
    reached = int(row[4])
    raw = [None if t is None else float(t) for t in row[5 : 5 + steps]]
    if order == "any":
        entry = float(row[2])
        times = tuple(sorted(t for t in raw if t is not None and t <= entry + window))[:reached]
    else:
        times = tuple(t for t in raw[:reached] if t is not None)
    return Attempt(reached=reached, times=times, breakdown=str(row[1]))


def _plain_sum(values: Sequence[float]) -> float:
    # Added one by one, as PostgreSQL's SUM(float8) does in funnel_sql.funnel_totals (in ascending order
    # there and here), so both give the same bits; Python 3.12's sum() compensates and would not.
    total = 0.0
    for value in values:
        total += value
    return total


def _steps(attempts: Sequence[Attempt], names: Sequence[str | None]) -> dict[str, Any]:
    n = len(names)
    counts = [sum(1 for a in attempts if a.reached > k) for k in range(n)]
    gaps = [sorted(a.times[k] - a.times[k - 1] for a in attempts if a.reached > k) for k in range(1, n)]
    durations = sorted(a.times[-1] - a.times[0] for a in attempts if a.reached == n)
    return _numbers(names, counts, gaps, durations)


def _numbers(
    names: Sequence[str | None], counts: Sequence[int], gaps: Sequence[Sequence[float]], durations: Sequence[float]
) -> dict[str, Any]:
    """The numbers from the counts per step, each step's gaps from the previous one (ascending, steps 1…n−1)
    and the converted persons' total durations (ascending)."""
    steps = []
    for k in range(len(names)):
        step_gaps = gaps[k - 1] if k else ()
        steps.append(
            {
                "index": k,
                "event": names[k],
                "count": counts[k],
                "conversion_rate": counts[k] / counts[0] if counts[0] else 0.0,
                "step_conversion_rate": (counts[k] / counts[k - 1] if counts[k - 1] else 0.0)
                if k
                else 1.0
                if counts[0]
                else 0.0,
                "dropped": counts[k - 1] - counts[k] if k else 0,
                "median_time_from_previous_s": percentile_cont(step_gaps, 0.5) if k else None,
                "avg_time_from_previous_s": _plain_sum(step_gaps) / counts[k] if step_gaps else None,
            }
        )
    histogram = []
    for low, high in zip(HISTOGRAM_EDGES, (*HISTOGRAM_EDGES[1:], None), strict=True):
        histogram.append(sum(1 for d in durations if d >= low and (high is None or d < high)))
    edges = zip(HISTOGRAM_EDGES, (*HISTOGRAM_EDGES[1:], None), histogram, strict=True)
    return {
        "steps": steps,
        "conversion_rate": counts[-1] / counts[0] if counts[0] else 0.0,
        "median_time_to_convert_s": percentile_cont(durations, 0.5),
        "time_to_convert_histogram": [{"from_s": low, "to_s": high, "count": c} for low, high, c in edges],
    }


def totals_result(rows: Sequence[Sequence[Any]], names: Sequence[str | None], order: str) -> dict[str, Any]:
    """The result from the rows of funnel_sql.funnel_totals (one per person half, or one for everyone): the
    same numbers funnel_result gives from attempts. Counts add; each half's ascending arrays merge."""
    n = len(names)
    counts = [sum(int(row[k]) for row in rows) for k in range(n)]
    merged = [_merge(row[n + j] for row in rows) for j in range(n)]
    numbers = _numbers(names, counts, merged[:-1], merged[-1])
    return {"kind": "funnels", "order": order, **numbers, "breakdown": None}


def _merge(parts: Iterable[Sequence[float] | None]) -> list[float]:
    # Sorting concatenated ascending runs is a linear merge for Python's sort.
    return sorted(chain.from_iterable(p for p in parts if p))


def funnel_result(
    attempts: Iterable[Attempt], names: Sequence[str | None], order: str, breakdown_limit: int | None
) -> dict[str, Any]:
    everyone = list(attempts)
    result: dict[str, Any] = {"kind": "funnels", "order": order, **_steps(everyone, names), "breakdown": None}
    if breakdown_limit is not None:
        groups: dict[str, list[Attempt]] = defaultdict(list)
        for attempt in everyone:
            groups[attempt.breakdown].append(attempt)
        top = top_values({value: len(group) for value, group in groups.items()}, breakdown_limit)
        merged: dict[str, list[Attempt]] = defaultdict(list)
        for value, group in groups.items():
            merged[value if value in top else OTHER].extend(group)
        ordered = sorted(merged, key=lambda v: (v == OTHER, -len(merged[v]), v))
        result["breakdown"] = [{"breakdown_value": public(v), **_steps(merged[v], names)} for v in ordered]
    return result
