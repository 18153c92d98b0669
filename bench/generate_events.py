"""Generate realistic traffic of an AI image tool site and load it into Sightline's event store with COPY.

Run from the repository root:
    .venv/bin/python bench/generate_events.py --events 10000000 --days 90 --site-name bench \
        --database-url postgres://postgres@127.0.0.1:5432/sightline_bench_10m [--fresh-database] [--seed 1]

Creates the site (or reuses one of that name that has no events yet), creates the month partitions of the
window, streams events, their dedup keys and identity links in chunks (constant memory), then runs the
partition maintenance task's SQL, ANALYZE, VACUUM and the periodic refreshes (rollups, person events, session
parts). The same --seed and --end give the same events. With --dry-run nothing is written: it measures the
generator alone. See BENCHMARKS.md ("Queries").
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a plain script, the repository root is not on sys.path

from bench.datagen.traffic import TrafficConfig, TrafficGenerator  # noqa: E402


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="exact number of events to generate")
    parser.add_argument("--days", type=float, default=30, help="the window: this many days ending at --end")
    parser.add_argument("--end", help="end of the window, ISO 8601 (default: now, to the second)")
    parser.add_argument("--site-name", default="bench")
    parser.add_argument("--timezone", default="Asia/Shanghai", help="the new site's time zone")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chunk-rows", type=int, default=50_000, help="events per COPY transaction")
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sightline_bench")
    )
    parser.add_argument("--fresh-database", action="store_true", help="drop, create and migrate the database first")
    parser.add_argument("--dry-run", action="store_true", help="generate only; write nothing")
    parser.add_argument(
        "--bulk", action="store_true", help="drop the events and keys indexes during the load, rebuild them after"
    )
    return parser.parse_args()


def _fresh_database(url: str) -> None:
    info = psycopg.conninfo.conninfo_to_dict(url)
    name = str(info["dbname"])
    with psycopg.connect(psycopg.conninfo.make_conninfo(url, dbname="postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300)
    print(f"database {name}: created and migrated")


def _site_id(name: str, timezone: str, host: str) -> int:
    """The site called `name` if it has no events yet, else a new one (Django only here, for site_create)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    django.setup()
    from analytics.models import Event, Site
    from analytics.services import site_create

    site = Site.objects.filter(name=name).order_by("pk").first()
    if site is not None:
        if Event.objects.filter(site_id=site.pk).exists():
            sys.exit(f"site {name!r} (#{site.pk}) already has events: choose another --site-name")
        return int(site.pk)
    return site_create(name=name, origins=[host], timezone=timezone).id


def _progress_printer(total: int) -> Callable[[int, float], None]:
    last = [0.0]

    def progress(rows: int, seconds: float) -> None:
        if seconds - last[0] >= 10 or rows == total:
            last[0] = seconds
            print(f"  {rows:>12,} events  {seconds:7.1f} s  {rows / seconds:>9,.0f} events/s", flush=True)

    return progress


def main() -> None:
    args = _arguments()
    end = datetime.fromisoformat(args.end) if args.end else datetime.now(UTC).replace(microsecond=0)
    if end.tzinfo is None:
        sys.exit("--end needs a time zone, e.g. 2026-11-22T12:00:00+00:00")
    start = end - timedelta(days=args.days)
    host = f"https://{args.site_name}.example"
    if args.dry_run:
        cfg = TrafficConfig(0, args.events, start, end, args.timezone, args.seed, host, args.chunk_rows)
        began, rows, size = time.perf_counter(), 0, 0
        for chunk in TrafficGenerator(cfg).chunks():
            rows, size = rows + chunk.rows, size + len(chunk.events)
        seconds = time.perf_counter() - began
        print(f"generated {rows:,} events ({size / 2**20:,.0f} MiB of COPY text) in {seconds:.1f} s: "
              f"{rows / seconds:,.0f} events/s, nothing written")  # fmt: skip
        return
    if args.fresh_database:
        _fresh_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    site_id = _site_id(args.site_name, args.timezone, host)

    from bench.datagen.loader import drop_indexes, finish, load, prepare_partitions, restore_indexes, vacuum

    cfg = TrafficConfig(site_id, args.events, start, end, args.timezone, args.seed, host, args.chunk_rows)
    print(f"site #{site_id} {args.site_name!r}: {args.events:,} events, {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} "
          f"UTC, seed {args.seed}")  # fmt: skip
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")  # a benchmark load: losing the last chunk on a crash is fine
        loading = time.perf_counter()
        created = prepare_partitions(conn, start, end)
        print(f"partitions created before the load: {', '.join(created) or 'none'}")
        restore = drop_indexes(conn) if args.bulk else []
        try:
            stats = load(conn, TrafficGenerator(cfg).chunks(), _progress_printer(args.events))
        finally:
            began = time.perf_counter()
            restore_indexes(conn, restore)
            if restore:
                print(f"indexes rebuilt: {time.perf_counter() - began:.1f} s")
        print(f"loaded {stats.rows:,} events and {stats.links:,} identity links in {stats.seconds:.1f} s: "
              f"{stats.rows_per_second:,.0f} events/s (COPY writer busy {stats.copy_seconds:.1f} s)")  # fmt: skip
        began = time.perf_counter()
        finish(conn)
        vacuum(conn)
        print(f"partition maintenance, ANALYZE and VACUUM: {time.perf_counter() - began:.1f} s")
        began = time.perf_counter()
        from analytics.derived_tables import person_events_refresh, rollups_refresh, session_parts_refresh

        hours = rollups_refresh()  # what the beat task does every minute: trends read these
        print(f"hourly rollups: {hours:,} hours counted in {time.perf_counter() - began:.1f} s")
        began = time.perf_counter()
        stored = person_events_refresh()  # funnels and retention without filters read it
        print(f"person events: {stored:,} rows stored in {time.perf_counter() - began:.1f} s")
        began = time.perf_counter()
        cut = session_parts_refresh()  # the sessions table (persons from the person events): the overview reads it
        print(f"session parts: {cut:,} hours cut in {time.perf_counter() - began:.1f} s; "
              f"total {time.perf_counter() - loading:.1f} s")  # fmt: skip
        row = conn.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('analytics_eventkey')), "
            "(SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits "
            "WHERE inhparent = 'analytics_event'::regclass), "
            "(SELECT count(*) FROM analytics_event_default)"
        ).fetchone()
        assert row is not None
        print(f"analytics_event {row[1]} with indexes, analytics_eventkey {row[0]}, rows left in DEFAULT: {row[2]}")


if __name__ == "__main__":
    main()
