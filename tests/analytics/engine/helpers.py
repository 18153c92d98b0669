"""Running insights in tests: through the facade, with rollups on or off."""

from __future__ import annotations

from typing import Any

from analytics import facade
from analytics.engine import insights


def run(site_id: int, kind: str, payload: dict[str, Any], *, rollups: bool = False) -> dict[str, Any]:
    query = facade.insight_parse(kind, payload)
    return insights.run(insights.context_for(site_id, rollups=rollups), query)


def day_range(first: str, last: str) -> dict[str, str]:
    return {"from": first, "to": last}
