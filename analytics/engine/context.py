"""What a runner needs besides its query: the site, its zone, the clock, the connection and the settings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from analytics.engine.dialect import Dialect
from analytics.queries.cohorts import CohortDefinition
from analytics.queries.parts import DateRange
from analytics.queries.time_buckets import Window, resolve


@dataclass(frozen=True, slots=True)
class EngineSettings:
    session_timeout_seconds: int = 30 * 60
    pageview_events: tuple[str, ...] = ("page_view", "$pageview")
    engagement_properties: tuple[str, ...] = ("engagement_ms", "$engagement_ms", "engagement_time_msec")
    bounce_seconds: float = 10.0
    # PostgreSQL's JIT compiles every large insight statement afresh (0.25-0.3 s each on the benchmark).
    query_jit: bool = False
    # Funnels and retention over person events run their two person halves on two connections at once
    # (analytics/engine/person_halves.py); off, one after the other on one connection.
    concurrent_halves: bool = True


@dataclass(frozen=True, slots=True)
class PartsCoverage:
    """The session parts (analytics_sessionpart) hold every non-bot event of the hours before `until`, cut
    into parts at gaps longer than `timeout_seconds`; they answer sessionings whose timeout is at least that."""

    until: datetime
    timeout_seconds: int


@dataclass(frozen=True, slots=True)
class RunContext:
    site_id: int
    zone: str
    now: datetime
    connection: Any
    dialect: Dialect
    settings: EngineSettings = EngineSettings()
    cohorts: Mapping[int, CohortDefinition] = field(default_factory=dict)
    # Rollups cover events of hours before this instant (None: do not use rollups).
    rollups_until: datetime | None = None
    # Session parts of the same settings as `settings` (None: do not use them).
    session_parts: PartsCoverage | None = None
    # Brings analytics_personevent up to date and says whether it can be read (None: do not use it).
    person_events: Callable[[], bool] | None = None

    def window(self, value: DateRange) -> Window:
        return resolve(value, self.zone, self.now)
