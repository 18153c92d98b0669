"""Benchmark the insight engine over a generated dataset, through analytics.facade only.

Run from the repository root, against a database bench/generate_events.py filled:
    .venv/bin/python bench/bench_queries.py --database-url postgres://postgres@127.0.0.1:5432/sightline_bench_10m \
        [--site-name bench] [--runs 5] [--only funnel] [--json bench/results/queries-10m.json]

Each insight runs --warmup times unmeasured, then --runs times; the median, min and max are printed, with the
load average so a busy machine shows. Ranges end on the last local day that has events, so the figures do
not depend on when the dataset was made. Export reads every raw event of the 30-day range through
events_export and reports rows/s. See BENCHMARKS.md ("Queries").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a plain script, the repository root is not on sys.path

TARGETS_MS = {  # from the issue: 30 days ≈ 1M events, "all" = the whole 10M dataset
    "trend_dashboard_30d": 50,
    "funnel_3step_30d": 1000,
    "retention_weekly_30d": 1000,
    "funnel_3step_all": 3000,
    "retention_weekly_all": 3000,
}
EXPORT_TARGET_ROWS_S = 100_000


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    kind: str
    payload: dict[str, Any]
    rollups: bool = True  # False: trends read raw events even where hourly rollups could answer


@dataclass(frozen=True, slots=True)
class Timing:
    name: str
    kind: str
    runs_ms: list[float]
    median_ms: float
    min_ms: float
    max_ms: float
    target_ms: float | None
    load_before: float
    load_after: float
    summary: str


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sightline_bench")
    )
    parser.add_argument("--site-name", default="bench")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured runs first (cache, plans)")
    parser.add_argument("--only", help="run only the cases whose name contains one of these (comma-separated)")
    parser.add_argument("--no-export", action="store_true", help="skip the export throughput")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--work-mem", help="a diagnostic: SET work_mem on the engine's connection first (e.g. 256MB)")
    return parser.parse_args()


def _dataset(url: str, site_name: str) -> tuple[int, str, date, date, int]:
    """The site's id and zone, the first and last local day with events, and the event count."""
    with psycopg.connect(url) as conn:
        site = conn.execute(
            "SELECT id, timezone FROM analytics_site WHERE name = %s ORDER BY id LIMIT 1", (site_name,)
        ).fetchone()
        if site is None:
            sys.exit(f"no site named {site_name!r} in that database: run bench/generate_events.py first")
        first, last = conn.execute(
            'SELECT min("timestamp"), max("timestamp") FROM analytics_event WHERE site_id = %s', (site[0],)
        ).fetchone() or (None, None)
        count = conn.execute("SELECT count(*) FROM analytics_event WHERE site_id = %s", (site[0],)).fetchone()
    if first is None or last is None or count is None:
        sys.exit(f"site {site_name!r} has no events")
    zone = ZoneInfo(site[1])
    return int(site[0]), str(site[1]), first.astimezone(zone).date(), last.astimezone(zone).date(), int(count[0])


def _cases(first: date, last: date) -> list[Case]:
    d30 = {"from": (last - timedelta(days=29)).isoformat(), "to": last.isoformat()}
    everything = {"from": first.isoformat(), "to": last.isoformat()}
    funnel = {
        "steps": [{"event": "page_view"}, {"event": "click_generate"}, {"event": "download"}],
        "conversion_window": {"value": 1, "unit": "day"},
        "order": "ordered",
    }
    retention = {
        "target": {"event": "page_view"},
        "returning": {"event": "page_view"},
        "retention_type": "first_time",
        "period": "week",
    }
    return [
        Case("trend_dashboard_30d", "trends", {
            "series": [{"event": "page_view", "math": "count"}], "interval": "day", "date_range": d30,
        }),
        Case("trend_dashboard_30d_raw", "trends", {
            "series": [{"event": "page_view", "math": "count"}], "interval": "day", "date_range": d30,
        }, rollups=False),
        Case("trend_persons_30d", "trends", {
            "series": [{"event": "page_view", "math": "persons"}], "interval": "day", "date_range": d30,
        }),
        Case("trend_breakdown_30d", "trends", {
            "series": [{"event": "image_generated", "math": "p90", "property": "props.duration_ms"}],
            "interval": "day", "date_range": d30, "breakdown": {"key": "props.model", "limit": 5},
        }),
        Case("funnel_3step_30d", "funnels", {**funnel, "date_range": d30}),
        Case("retention_weekly_30d", "retention", {**retention, "date_range": d30}),
        Case("sessions_30d", "sessions", {"date_range": d30, "breakdown": {"key": "device_type"}}),
        Case("paths_30d", "paths", {"start_event": "signup", "depth": 4, "limit": 8, "date_range": d30}),
        Case("funnel_3step_all", "funnels", {**funnel, "date_range": everything}),
        Case("retention_weekly_all", "retention", {**retention, "date_range": everything}),
    ]  # fmt: skip


def _summary(result: dict[str, Any]) -> str:
    """A few numbers of the answer, to see at a glance that the query did real work."""
    kind = result.get("kind")
    if kind == "trends":
        return f"{len(result['series'])} series, total {result['series'][0].get('total') if result['series'] else 0}"
    if kind == "funnels":
        return "steps " + " > ".join(str(s["count"]) for s in result["steps"])
    if kind == "retention":
        sizes = [c["size"] for c in result["cohorts"]]
        return f"{len(sizes)} cohorts, {sum(sizes)} persons, headline {result.get('headline')}"
    if kind == "sessions":
        return f"{result['totals'].get('sessions')} sessions"
    if kind == "paths":
        return f"{result.get('persons')} persons"
    return ""


def _time(run: Callable[[], Any], runs: int, warmup: int) -> tuple[list[float], Any]:
    result = None
    for _ in range(warmup):
        result = run()
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        result = run()
        timings.append((time.perf_counter() - began) * 1000)
    return timings, result


def _export(facade: Any, site_id: int, zone: str, last: date, runs: int) -> dict[str, Any]:
    tz = ZoneInfo(zone)
    start = datetime.combine(last - timedelta(days=29), datetime.min.time(), tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tz).astimezone(UTC)
    rates, rows = [], 0
    for _ in range(runs):
        began = time.perf_counter()
        _header, iterator = facade.events_export(site_id=site_id, start=start, end=end, filters=None)
        rows = sum(1 for _ in iterator)
        rates.append(rows / (time.perf_counter() - began))
    return {
        "rows": rows,
        "runs_rows_per_s": [round(r) for r in rates],
        "median_rows_per_s": round(statistics.median(rates)),
        "target_rows_per_s": EXPORT_TARGET_ROWS_S,
    }


def _refresh_derived_tables() -> None:
    """What the beat does every minute in production. Without it, person events last refreshed more than an
    hour ago (CATCH_UP_LIMIT) are not caught up by a query, and funnels and retention read raw events."""
    from analytics.derived_tables import person_events_refresh, rollups_refresh, session_parts_refresh

    began = time.perf_counter()
    rollups_refresh()
    person_events_refresh()
    session_parts_refresh()
    print(f"derived tables refreshed (as the beat would) in {time.perf_counter() - began:.1f} s", flush=True)


def _machine() -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }


def main() -> None:
    args = _arguments()
    site_id, zone, first, last, count = _dataset(args.database_url, args.site_name)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django

    django.setup()
    from django.conf import settings

    from analytics import facade

    if args.work_mem:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, false)", [args.work_mem])
    missing = [f for f in ("insight_parse", "insight_run", "events_export") if not hasattr(facade, f)]
    if missing:
        sys.exit(f"analytics.facade has no {', '.join(missing)} yet: the query engine is not in this tree")
    _refresh_derived_tables()
    print(
        f"site #{site_id} ({zone}): {count:,} events, {first} to {last}; {args.runs} runs after {args.warmup} warm-up"
    )
    timings = []
    for case in _cases(first, last):
        if args.only and not any(part in case.name for part in args.only.split(",")):
            continue
        try:
            query = facade.insight_parse(case.kind, case.payload)
        except facade.QueryInvalid as exc:
            print(f"{case.name:24} INVALID {exc.errors}")
            continue
        settings.ANALYTICS_USE_ROLLUPS = case.rollups
        load_before = os.getloadavg()[0]
        runs, result = _time(lambda q=query: facade.insight_run(site_id=site_id, query=q), args.runs, args.warmup)
        timing = Timing(
            name=case.name,
            kind=case.kind,
            runs_ms=[round(r, 1) for r in runs],
            median_ms=round(statistics.median(runs), 1),
            min_ms=round(min(runs), 1),
            max_ms=round(max(runs), 1),
            target_ms=TARGETS_MS.get(case.name),
            load_before=round(load_before, 2),
            load_after=round(os.getloadavg()[0], 2),
            summary=_summary(result),
        )
        timings.append(timing)
        verdict = "" if timing.target_ms is None else ("  ok" if timing.median_ms <= timing.target_ms else "  MISSED")
        print(
            f"{case.name:24} median {timing.median_ms:9.1f} ms  min {timing.min_ms:9.1f}  max {timing.max_ms:9.1f}"
            f"  load {timing.load_before:.1f}->{timing.load_after:.1f}{verdict}  [{timing.summary}]",
            flush=True,
        )
    export = None
    if not args.no_export:
        export = _export(facade, site_id, zone, last, max(1, min(args.runs, 3)))
        print(f"{'export_30d':24} {export['rows']:,} rows, median {export['median_rows_per_s']:,} rows/s "
              f"(runs {export['runs_rows_per_s']})")  # fmt: skip
    if args.json:
        report = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": _machine(),
            "dataset": {"events": count, "first_day": str(first), "last_day": str(last), "timezone": zone},
            "runs": args.runs,
            "warmup": args.warmup,
            "work_mem": args.work_mem,
            "insights": [asdict(t) for t in timings],
            "export_30d": export,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
