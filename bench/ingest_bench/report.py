"""Figures over the runs: median and range, target and verdict; the printed table and the JSON file."""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Run = dict[str, Any]


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str
    read: Callable[[Run], float]
    target: float | None = None
    at_least: bool = True  # the target is a floor (throughput) rather than a ceiling (latency, loss)

    def verdict(self, median: float) -> str:
        if self.target is None:
            return ""
        met = median >= self.target if self.at_least else median <= self.target
        return "pass" if met else "MISS"

    def target_text(self) -> str:
        if self.target is None:
            return ""
        return f"{'≥' if self.at_least else '≤'} {_number(self.target)}"


def _probe(phase: str, field: str) -> Callable[[Run], float]:
    return lambda run: float(run[phase]["probe"][field])


FIGURES: tuple[Figure, ...] = (
    Figure("collect_rps", "a. collect: single-event requests/s", "req/s",
           lambda r: r["collect"]["load"]["requests_per_s"], 3000),
    Figure("collect_p50", "a. collect: p50 latency", "ms", lambda r: r["collect"]["load"]["p50_ms"]),
    Figure("collect_p99", "a. collect: p99 latency", "ms", lambda r: r["collect"]["load"]["p99_ms"], 50, False),
    Figure("collect_disk", "a. disk: slowest fsync during collect (see disk.py)", "ms",
           lambda r: r["collect"]["disk_sync"]["max_ms"]),
    Figure("batch_eps", "b. batch: events/s accepted (100/request)", "events/s",
           lambda r: r["batch"]["load"]["events_per_s"], 50_000),
    Figure("batch_p99", "b. batch: p99 latency per request", "ms", lambda r: r["batch"]["load"]["p99_ms"]),
    Figure("batch_written", "b. batch: events/s written meanwhile", "events/s",
           lambda r: r["batch"]["written_while_accepting_per_s"]),
    Figure("prefill_eps", "c. batch accepted, consumer paused", "events/s",
           lambda r: r["drain"]["prefill_door"]["events_per_s"]),
    Figure("drain_eps", "c. events/s written to PostgreSQL (drain)", "events/s",
           lambda r: r["drain"]["events_per_s"], 100_000),
    Figure("acknowledged", "d. events acknowledged (2xx) + injected", "events",
           lambda r: r["loss"]["acknowledged_by_door"] + r["loss"]["injected_by_bench"]),
    Figure("lost", "d. events lost (acknowledged − stored)", "events", lambda r: r["loss"]["lost"], 0, False),
    Figure("unacked", "d. stored, reply not seen (in flight at wrk stop)", "events",
           lambda r: r["loss"]["stored_unacknowledged"]),
    Figure("non2xx", "d. non-2xx replies + socket errors", "count",
           lambda r: r["loss"]["non2xx"] + r["loss"]["socket_errors"]),
    Figure("probe_a_p50", "e. ack → queryable p50, collect load", "s", _probe("collect", "p50_s")),
    Figure("probe_a_p95", "e. ack → queryable p95, collect load", "s", _probe("collect", "p95_s"), 5, False),
    Figure("probe_b_p50", "e. ack → queryable p50, batch load", "s", _probe("batch", "p50_s")),
    Figure("probe_b_p95", "e. ack → queryable p95, batch load", "s", _probe("batch", "p95_s"), 5, False),
    Figure("rss_web", "f. peak RSS web server (master + workers)", "MiB",
           lambda r: r["memory_peak_mib"]["web"]),
    Figure("rss_consumer", "f. peak RSS consumer (Celery worker)", "MiB",
           lambda r: r["memory_peak_mib"]["consumer"]),
    Figure("rss_redis", "f. peak RSS redis-server", "MiB", lambda r: r["memory_peak_mib"]["redis"]),
)  # fmt: skip


def _number(value: float) -> str:
    if math.isinf(value):
        return "∞"
    if math.isnan(value):
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def summarize(runs: list[Run]) -> dict[str, dict[str, Any]]:
    summary: dict[str, dict[str, Any]] = {}
    for figure in FIGURES:
        values = [figure.read(run) for run in runs]
        median = statistics.median(values)
        summary[figure.key] = {
            "label": figure.label,
            "unit": figure.unit,
            "values": values,
            "median": median,
            "min": min(values),
            "max": max(values),
            "target": figure.target_text(),
            "verdict": figure.verdict(median),
        }
    return summary


def table(summary: dict[str, dict[str, Any]], runs: int) -> str:
    lines = [
        f"| figure | median of {runs} | range | unit | target | |",
        "|---|---:|---:|---|---|---|",
    ]
    for row in summary.values():
        span = f"{_number(row['min'])} – {_number(row['max'])}" if runs > 1 else ""
        cells = [row["label"], _number(row["median"]), span, row["unit"], row["target"], row["verdict"]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


_CPU_PHASES = (
    ("a. collect load", lambda r: r["collect"]["cores"]),
    ("b. batch load", lambda r: r["batch"]["cores"]),
    ("c. prefill (consumer paused)", lambda r: r["drain"]["prefill_cores"]),
    ("c. drain (no load)", lambda r: r["drain"]["drain_cores"]),
)


def cpu_table(runs: list[Run]) -> str:
    """Median cores used per process group in each phase (the machine has os.cpu_count() of them)."""
    groups = list(_CPU_PHASES[0][1](runs[0]))
    lines = ["| phase | " + " | ".join(groups) + " |", "|---|" + "---:|" * len(groups)]
    for label, read in _CPU_PHASES:
        cells = [f"{statistics.median(read(run)[g] for run in runs):.2f}" for g in groups]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Infinity (a probe never seen) is not JSON; null says "no value" to any reader.
    path.write_text(json.dumps(_finite(document), indent=2) + "\n")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
