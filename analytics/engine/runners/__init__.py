"""The runner registry: one runner per insight kind, each in its own module."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from analytics.engine.runners.funnels import funnels_rows, run_funnels
from analytics.engine.runners.live import live_rows, run_live
from analytics.engine.runners.paths import paths_rows, run_paths
from analytics.engine.runners.retention import retention_rows, run_retention
from analytics.engine.runners.sessions import run_sessions, sessions_rows
from analytics.engine.runners.trends import run_trends, trends_rows


@dataclass(frozen=True, slots=True)
class Runner:
    run: Callable[..., dict[str, Any]]
    rows: Callable[[dict[str, Any]], tuple[list[str], Iterator[list[Any]]]]


RUNNERS: dict[str, Runner] = {
    "trends": Runner(run_trends, trends_rows),
    "sessions": Runner(run_sessions, sessions_rows),
    "funnels": Runner(run_funnels, funnels_rows),
    "retention": Runner(run_retention, retention_rows),
    "paths": Runner(run_paths, paths_rows),
    "live": Runner(run_live, live_rows),
}
