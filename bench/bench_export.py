"""Benchmark the raw-event export endpoint end to end: HTTP view, database cursor, encoder, streamed body.

Run from the repository root, against a database bench/generate_events.py filled:
    .venv/bin/python bench/bench_export.py --database-url postgres://postgres@127.0.0.1:5432/sightline_bench_1m \
        [--site-name bench] [--formats csv,json,ndjson] [--limit-days 30]

For each format it requests GET /api/v1/sites/{id}/events/export through the real DRF view (as a superuser,
rate limits off), reads the whole streamed body, and prints rows/s, MB/s and the peak memory growth (RSS)
while streaming; then the same encoders alone over rows already in memory, to show what the database costs.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a plain script, the repository root is not on sys.path

TARGET_ROWS_S = 100_000


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--site-name", default="bench")
    parser.add_argument("--formats", default="csv,json,ndjson")
    parser.add_argument("--limit-days", type=float, default=0, help="export only the last N days (0: everything)")
    return parser.parse_args()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    args = _arguments()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("REDIS_URL", "")
    os.environ["API_RATE_LIMIT"] = ""
    os.environ["API_EXPORT_RATE_LIMIT"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from rest_framework.test import APIRequestFactory, force_authenticate

    from analytics.api.events import EventExportView
    from analytics.api.exports import ENCODERS

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM analytics_site WHERE name = %s ORDER BY id LIMIT 1", [args.site_name])
        found = cursor.fetchone()
        if found is None:
            sys.exit(f"No site named {args.site_name!r}; run bench/generate_events.py first.")
        site_id = found[0]
        cursor.execute("SELECT min(timestamp), max(timestamp) FROM analytics_event WHERE site_id = %s", [site_id])
        first, last = cursor.fetchone()
        end = last + timedelta(seconds=1)
        start = end - timedelta(days=args.limit_days) if args.limit_days else first
        cursor.execute(
            "SELECT count(*) FROM analytics_event WHERE site_id = %s AND timestamp >= %s AND timestamp < %s",
            [site_id, start, end],
        )
        rows = cursor.fetchone()[0]
    print(f"site #{site_id}, events {start:%Y-%m-%d %H:%M} → {end:%Y-%m-%d %H:%M} UTC, load {os.getloadavg()[0]:.2f}")

    superuser = get_user_model()(username="bench", is_superuser=True, is_active=True)
    factory, view = APIRequestFactory(), EventExportView.as_view()
    for fmt in args.formats.split(","):
        query = {"start": start.isoformat(), "end": end.isoformat(), "format": fmt}
        request = factory.get(f"/api/v1/sites/{site_id}/events/export", query)
        force_authenticate(request, user=superuser)
        rss_before = _peak_rss_mb()
        began = time.perf_counter()
        response = view(request, site_id=site_id)
        size = sum(len(chunk) for chunk in response.streaming_content)  # type: ignore[attr-defined]
        seconds = time.perf_counter() - began
        rate = rows / seconds
        verdict = "ok" if rate >= TARGET_ROWS_S else f"BELOW the {TARGET_ROWS_S:,} rows/s target"
        print(
            f"{fmt:>6}: {rows:,} rows in {seconds:.2f} s = {rate:,.0f} rows/s, {size / seconds / 1e6:.0f} MB/s, "
            f"peak RSS +{_peak_rss_mb() - rss_before:.0f} MB  [{verdict}]"
        )

    from analytics import facade

    header_t, rows_it = facade.events_export(site_id=site_id, start=start, end=end, filters=None)
    header = list(header_t)
    sample = [list(r) for r in itertools.islice(rows_it, 200_000)]
    for fmt, encoder in ENCODERS.items():
        began = time.perf_counter()
        size = sum(len(c) for c in encoder(header, sample, 2000))
        seconds = time.perf_counter() - began
        print(f"{fmt:>6} encoder alone: {len(sample) / seconds:,.0f} rows/s ({size / len(sample):.0f} bytes/row)")
    print(f"done at {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")


if __name__ == "__main__":
    main()
