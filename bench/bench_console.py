"""Benchmark how long each console page takes to load on a generated dataset, in real headless Chromium.

Run from the repository root, against a database bench/generate_events.py filled:
    .venv/bin/python bench/bench_console.py --database-url postgres://postgres@127.0.0.1:5432/sightline_bench_10m \
        [--runs 3] [--only overview,events] [--json bench/results/console-10m.json]

It migrates the database if needed, makes sure the user `bench-console` exists with the admin role on the site
(idempotent), starts gunicorn with production settings (DEBUG off), signs in through the login form and opens
every page of console/navigation.py: with its default range and with the 30 local days that end on the
dataset's last day (pages without a date range once), plus the funnel builder with a 3-step funnel in its URL.
A page is loaded when nothing under <main> is aria-busy any more — every query it asked has answered — timed
from the navigation's start by the page's own clock. Each API request's time (request start to response end)
is recorded too, so a slow page names its slow query. Medians, min and max are printed with the load average.
See BENCHMARKS.md ("Console").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ itself: console_server
from console_server import ROOT, BenchSite, launch_chromium, prepare_database, running_gunicorn, sign_in, wait_loaded

# Proposed budgets (BENCHMARKS.md, "Console"): an analyst waits this long at most for a page's numbers.
BUDGETS_MS = {
    # Pages that answer a question: 3 s, the analysis pages with their engine queries at the insight targets
    # (≤ 1 s on 30 days, BENCHMARKS.md "Queries") plus the event catalogue and drawing.
    "overview": 3000,
    "events": 3000,
    "funnels": 3000,
    "funnels+3-step": 3000,
    "retention": 3000,
    "paths": 3000,
    "cohorts": 2000,
    # Pages of settings and lists: nothing to compute.
    "settings": 1500,
    "consent": 1500,
    "members": 1500,
    "tokens": 1500,
}
# Extra variants: a page opened with a query in its URL (the analysis pages' shareable #q= state).
FUNNEL_3_STEP = {
    "steps": [{"event": "page_view"}, {"event": "click_generate"}, {"event": "download"}],
    "conversion_window": {"value": 1, "unit": "day"},
    "order": "ordered",
    "exclusions": [],
    "filters": [],
    "breakdown": None,
}
VARIANTS = {"funnels": [("3-step", FUNNEL_3_STEP)]}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/sightline_bench_10m", help="a bench database"
    )
    parser.add_argument("--site-name", default="bench")
    parser.add_argument("--username", default="bench-console")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured loads of each case first")
    parser.add_argument("--only", help="only the pages whose key contains one of these (comma-separated)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (gthread)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a page may take before it counts as failed")
    parser.add_argument("--json", type=Path, help="also write the figures here (bench/results/ is git-ignored)")
    return parser.parse_args()


def _cases(site: BenchSite, only: str | None) -> list[tuple[str, str, str]]:
    """(page key, case name, path) for every page of the navigation, in its order."""
    from console.navigation import PAGES

    wanted = [w.strip() for w in only.split(",")] if only else None
    cases = []
    last = site.last_day
    first = last - timedelta(days=29)
    thirty = f"?range=custom&from={first.isoformat()}&to={last.isoformat()}"
    for page in PAGES:
        if wanted and not any(w in page.key for w in wanted):
            continue
        base = f"/sites/{site.site_id}/{page.key}/"
        cases.append((page.key, "default", base))
        cases.append((page.key, "30d", base + thirty))
        for name, state in VARIANTS.get(page.key, []):
            cases.append((f"{page.key}+{name}", "30d", base + thirty + "#q=" + quote(json.dumps(state))))
    return cases


def _request_label(request: Any, site_id: int) -> str:
    """`sessions by browser 2026-11-16..2026-11-22` for an insight, the path (and query) for anything else."""
    parts = urlsplit(request.url)
    path = parts.path.removeprefix(f"/api/v1/sites/{site_id}/")
    if "/insights/" in parts.path and request.method == "POST":
        body = json.loads(request.post_data or "{}")
        kind = path.removeprefix("insights/").strip("/")
        label = kind
        if body.get("breakdown"):
            label += f" by {body['breakdown'].get('key')}"
        if kind == "trends":
            label += f" {len(body.get('series', []))} series" + (" +compare" if body.get("compare") else "")
        if kind == "funnels":
            label += f" {len(body.get('steps', []))} steps"
        if date_range := body.get("date_range"):
            label += f" {date_range.get('from')}..{date_range.get('to')}"
        return label
    return f"{request.method} {path}" + (f"?{parts.query}" if parts.query else "")


def _measure(context: Any, url: str, site_id: int, timeout_s: float) -> tuple[float | None, dict[str, Any], bool]:
    """One load of `url` in a fresh tab: (ms until loaded or None, per API request its ms from the page asking
    and from the request leaving the browser, whether the page has a date range)."""
    page = context.new_page()
    requests: dict[str, tuple[float, float]] = {}

    def finished(request: Any) -> None:
        if "/api/" not in request.url:
            return
        timing = request.timing
        label = _request_label(request, site_id)
        while label in requests:  # the same request twice on one page: keep both
            label += " (again)"
        # Timings are ms after the page asked; requestStart excludes the wait for one of Chromium's 6 connections.
        requests[label] = (timing["responseEnd"], timing["responseEnd"] - max(0.0, timing["requestStart"]))

    page.on("requestfinished", finished)
    response = page.goto(url, wait_until="domcontentloaded")
    if response is None or response.status != 200:
        print(f"  {url} answered {response.status if response else 'nothing'}: counted as not loaded")
        page.close()
        return None, {}, False
    loaded = wait_loaded(page, timeout_s)
    has_range = bool(
        page.evaluate("(e => !!e && !!JSON.parse(e.textContent).range)(document.getElementById('console-data'))")
    )
    page.wait_for_timeout(50)  # let the last requestfinished events arrive
    page.close()
    return loaded, requests, has_range


def _stats(values: list[float]) -> dict[str, float]:
    return {"median_ms": statistics.median(values), "min_ms": min(values), "max_ms": max(values)}


def _request_stats(times: list[tuple[float, float]]) -> dict[str, Any]:
    """median/min/max from the page asking, and the median once sent (without Chromium's connection queue)."""
    return _stats([t for t, _ in times]) | {"sent_median_ms": statistics.median([s for _, s in times])}


def main() -> None:
    args = _arguments()
    site = prepare_database(args.database_url, site_name=args.site_name, username=args.username)
    if site.last_day is None:
        raise SystemExit(f"site {args.site_name!r} has no events: fill it with bench/generate_events.py first.")
    today = datetime.now(ZoneInfo(site.timezone)).date()  # what the pages' default ranges end on
    print(f"site {site.site_id} ({site.timezone}): events {site.first_day} .. {site.last_day}; today there {today}")
    if site.last_day < today - timedelta(days=1):
        print("note: the data ends before today, so 'default' ranges (which end today) cover less of it.")
    from playwright.sync_api import sync_playwright

    cases = _cases(site, args.only)
    load_before = os.getloadavg()[0]
    results = []
    log = ROOT / "var" / "bench-console-gunicorn.log"
    gunicorn = running_gunicorn(args.database_url, workers=args.workers, threads=args.threads, log=log)
    with gunicorn as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = sign_in(browser, base_url, site)
        ranged: dict[str, bool] = {}
        for key, range_name, path in cases:
            if range_name == "30d" and not ranged.get(key, True):
                continue  # the page takes no date range: its default load already says it all
            runs: list[float] = []
            failures = 0
            per_request: dict[str, list[tuple[float, float]]] = defaultdict(list)
            has_range = True
            for attempt in range(args.warmup + args.runs):
                loaded, requests, has_range = _measure(context, base_url + path, site.site_id, args.timeout)
                if attempt < args.warmup:
                    continue
                if loaded is None:
                    failures += 1
                else:
                    runs.append(loaded)
                for label, ms in requests.items():
                    per_request[label].append(ms)
            ranged[key] = has_range
            row = {
                "page": key,
                "range": range_name,
                "path": path,
                "runs_ms": runs,
                "timeouts": failures,
                "budget_ms": BUDGETS_MS.get(key),
                **(_stats(runs) if runs else {}),
                "requests": {label: _request_stats(times) for label, times in per_request.items()},
            }
            results.append(row)
            _print_row(row)
        browser.close()
    load_after = os.getloadavg()[0]
    print(f"\nload average {load_before:.1f} before, {load_after:.1f} after ({os.cpu_count()} CPUs)")
    _print_slow_requests(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        summary = {
            "database": args.database_url.rsplit("/", 1)[-1],
            "site_id": site.site_id,
            "data_days": [site.first_day.isoformat(), site.last_day.isoformat()],
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{platform.node()} {os.cpu_count()} CPUs",
            "gunicorn": f"{args.workers} workers x {args.threads} threads",
            "runs": args.runs,
            "warmup": args.warmup,
            "load_before": load_before,
            "load_after": load_after,
            "pages": results,
        }
        args.json.write_text(json.dumps(summary, indent=2, default=str))
        print(f"wrote {args.json}")


def _print_row(row: dict[str, Any]) -> None:
    budget = row["budget_ms"]
    if "median_ms" in row:
        verdict = "" if budget is None else ("ok" if row["median_ms"] <= budget else "MISSED")
        figures = f"{row['median_ms']:9,.0f} {row['min_ms']:9,.0f} {row['max_ms']:9,.0f}"
    else:
        verdict, figures = "TIMED OUT", f"{'-':>9} {'-':>9} {'-':>9}"
    timeouts = f" ({row['timeouts']} timed out)" if row["timeouts"] else ""
    budget_text = f"{budget:,}" if budget else "-"
    print(f"{row['page']:<16} {row['range']:<8} {figures} ms  budget {budget_text:>6}  {verdict}{timeouts}", flush=True)


def _print_slow_requests(results: list[dict[str, Any]]) -> None:
    print("\nAPI requests per page (median ms from the page asking / once sent; slowest first):")
    for row in results:
        print(f"  {row['page']} [{row['range']}]")
        ranked = sorted(row["requests"].items(), key=lambda item: -item[1]["median_ms"])
        for label, figures in ranked:
            print(f"    {figures['median_ms']:9,.0f} / {figures['sent_median_ms']:9,.0f}  {label}")


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"took {time.monotonic() - started:.0f} s")
