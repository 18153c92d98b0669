"""Which parser reads which insight kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analytics.queries.funnels import FunnelQuery, parse_funnel
from analytics.queries.live import LiveQuery, parse_live
from analytics.queries.paths import PathsQuery, parse_paths
from analytics.queries.retention import RetentionQuery, parse_retention
from analytics.queries.sessions import SessionsQuery, parse_sessions
from analytics.queries.trends import TrendsQuery, parse_trends

Query = TrendsQuery | SessionsQuery | FunnelQuery | RetentionQuery | PathsQuery | LiveQuery

PARSERS: dict[str, Callable[[Any], Any]] = {
    "trends": parse_trends,
    "sessions": parse_sessions,
    "funnels": parse_funnel,
    "retention": parse_retention,
    "paths": parse_paths,
    "live": parse_live,
}
INSIGHT_KINDS: tuple[str, ...] = tuple(PARSERS)
