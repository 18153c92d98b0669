"""The console overview's questions with the sessions table (session parts) and from raw events: answers, times.

Run from the repository root, against a bench database whose parts were built (`manage.py rebuild_sessions`):
    .venv/bin/python bench/bench_session_parts.py \
        --database-url postgres://postgres@127.0.0.1:5432/sightline_bench_10m \
        [--runs 3] [--ranges 2026-11-17:2026-11-23,2026-10-24:2026-11-22]

For each range (local dates, both inclusive): the overview's sessions query with its four breakdowns (with visitors
per value, and visits only as the overview asks), the previous period's sessions, its visitors/page-views chart
(with and without whole-range totals and the previous period), the previous period's page views and its top pages
(the hourly path rollup). Each runs both ways (the derived tables, and raw events only), alternating, --runs times
(the questions with `"totals": false` only the first way); medians are printed with the load average, and the two
answers must be equal. See BENCHMARKS.md ("Console").
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a plain script, the repository root is not on sys.path

BREAKDOWNS = [
    {"key": "referrer", "limit": 10},
    {"key": "browser", "limit": 8},
    {"key": "os", "limit": 8},
    {"key": "device_type", "limit": 5},
]
PAGE_VIEWS = [{"key": "name", "op": "in", "value": ["page_view", "$pageview"]}]


def _questions(first: date, last: date) -> list[tuple[str, str, dict[str, Any]]]:
    current = {"from": first.isoformat(), "to": last.isoformat()}
    days = (last - first).days + 1
    previous = {"from": (first - timedelta(days=days)).isoformat(), "to": (first - timedelta(days=1)).isoformat()}
    chart = {
        "series": [{"event": None, "math": "persons"}, {"event": None, "math": "count", "filters": PAGE_VIEWS}],
        "interval": "day",
        "date_range": current,
        "compare": True,
    }
    previous_views = {
        "series": [{"event": None, "math": "count", "filters": PAGE_VIEWS}],
        "interval": "month",
        "date_range": previous,
        "totals": False,
    }
    top_pages = {
        "series": [{"event": None, "math": "count", "filters": PAGE_VIEWS}],
        "interval": "month",
        "date_range": current,
        "breakdown": {"key": "path", "limit": 10},
    }
    return [
        ("sessions, 4 breakdowns", "sessions", {"date_range": current, "breakdowns": BREAKDOWNS}),
        (
            "sessions, 4 breakdowns, visits",
            "sessions",
            {"date_range": current, "breakdowns": BREAKDOWNS, "breakdown_visitors": False},
        ),
        ("sessions, previous period", "sessions", {"date_range": previous}),
        ("visitors chart", "trends", chart),
        ("visitors chart, totals false", "trends", chart | {"totals": False}),
        # As the overview asks since session 5: no compare (it draws no previous period) and the previous
        # period's page views counted on their own.
        ("visitors chart, no compare", "trends", chart | {"totals": False, "compare": False}),
        ("previous page views", "trends", previous_views),
        ("top pages (path rollup)", "trends", top_pages),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--site-id", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ranges", default="2026-11-17:2026-11-23,2026-10-24:2026-11-22")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django

    django.setup()
    from analytics.engine import insights

    ctx = insights.context_for(args.site_id)
    if ctx.session_parts is None:
        sys.exit("No session parts for today's settings: run `manage.py rebuild_sessions` on this database first.")
    print(f"parts until {ctx.session_parts.until.isoformat()}; load average {os.getloadavg()[0]:.1f}")
    unequal = 0
    for item in args.ranges.split(","):
        first, last = (date.fromisoformat(part) for part in item.split(":"))
        for label, kind, payload in _questions(first, last):
            query = insights.parse(kind, payload)
            ways = (True,) if payload.get("totals") is False else (True, False)
            times: dict[bool, list[float]] = {way: [] for way in ways}
            answers: dict[bool, Any] = {}
            for _ in range(args.runs):
                for way in ways:
                    began = time.perf_counter()
                    answers[way] = insights.run(insights.context_for(args.site_id, rollups=way), query)
                    times[way].append(time.perf_counter() - began)
            same = len(ways) == 1 or answers[True] == answers[False]
            unequal += not same
            raw = f"{statistics.median(times[False]):6.2f} s" if False in times else "      —"
            print(
                f"{first}..{last}  {label:30} parts {statistics.median(times[True]):6.2f} s  raw {raw}  "
                f"{'equal' if same else 'DIFFERENT'}  (load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    sys.exit(1 if unequal else 0)


if __name__ == "__main__":
    main()
