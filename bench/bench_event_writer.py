"""PostgreSQL's CPU per event row written by the stream consumer's writer, with and without the keyed path.

    .venv/bin/python bench/bench_event_writer.py                     # ~1 minute
    .venv/bin/python bench/bench_event_writer.py --rounds 8 --rows 50000

Makes door-shaped rows the way the door does (a 100-event batch body through the ingest pipeline and COPY-text
encoding, fresh ids each time), then writes them in consumer-sized rounds through `analytics.facade`, and reads
the CPU time of the database backend that did the writing (from /proc, the backend's own process) per row.
Rounds alternate between the writer as it is (keys COPYed straight into the key table) and the keyed path it
takes when some key was stored before (a temporary stage, `INSERT … ON CONFLICT DO NOTHING`), forced by making
the straight COPY report a known key. The database is dropped and recreated first, and dropped at the end.
A script rather than a test: timings depend on the machine, so they are read by people, not asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_TICKS = os.sysconf("SC_CLK_TCK")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL to use")
    parser.add_argument("--database", default="sightline_bench_writer", help="dropped and recreated")
    parser.add_argument("--rounds", type=int, default=6, help="rounds of each kind, alternated")
    parser.add_argument("--rows", type=int, default=50_000, help="rows per round (a drain round is ~50,000)")
    return parser.parse_args()


def _recreate(server: str, database: str, drop_only: bool = False) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def _backend_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime


def main() -> None:
    args = _arguments()
    url = f"{args.server}/{args.database}"
    _recreate(args.server, args.database)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "server.settings"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
    os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="server.settings", LOG_LEVEL="WARNING")
    try:
        _measure(args)
    finally:
        from django.db import connections

        connections.close_all()
        _recreate(args.server, args.database, drop_only=True)


def _measure(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.db import connection

    from analytics import facade
    from analytics.event_store import postgres_writer
    from analytics.event_store.copy_text import CopyText, encode_rows
    from analytics.services import site_create
    from bench.ingest_bench.load import batch_request
    from ingest.adapters.base import DoorRequest
    from ingest.adapters.registry import PROTOCOLS
    from ingest.event_rows import event_row
    from ingest.events import Event
    from ingest.http import collect
    from ingest.pipeline import process

    site = site_create(name="bench", origins=[])
    request = batch_request(site.secret_key, 100)
    protocol = PROTOCOLS[request.path]
    door_request = DoorRequest(
        method="POST",
        path=request.path,
        query={},
        headers={"authorization": f"Bearer {site.secret_key}", "content-type": "application/json"},
        body=request.body.encode(),
        client_ip="127.0.0.1",
    )

    def one_round() -> list[CopyText]:
        texts = []
        for _ in range(args.rows // 100):
            submission = protocol.parse(door_request)
            snapshot, trusted = collect.authenticate(submission.credentials)
            ctx = collect._context(protocol, door_request, submission, snapshot, trusted)
            events = [process(raw, ctx) for raw in submission.events]
            texts.append(encode_rows([event_row(event, ctx) for event in events if isinstance(event, Event)]))
        return texts

    straight = postgres_writer._copied_as_new_keys
    results: dict[str, list[float]] = {"straight COPY of the keys": [], "keyed path (stage, ON CONFLICT)": []}
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = int(cursor.fetchone()[0])
    print(f"{args.rounds} rounds of each kind, {args.rows:,} rows each; backend {pid}", flush=True)
    for number in range(args.rounds * 2):
        kind = list(results)[number % 2]
        postgres_writer._copied_as_new_keys = straight if number % 2 == 0 else (lambda cursor, keys: False)
        texts = one_round()
        before = _backend_cpu_seconds(pid)
        started = time.perf_counter()
        written = facade.events_write_copy_texts(texts).written
        elapsed = time.perf_counter() - started
        used = _backend_cpu_seconds(pid) - before
        results[kind].append(used / written * 1e6)
        print(f"  {kind}: {written:,} rows, {used / written * 1e6:.1f} µs backend CPU per row, {elapsed:.2f} s")
    postgres_writer._copied_as_new_keys = straight
    print("\nmedian backend CPU per row written (min – max):")
    for kind, values in results.items():
        print(f"  {kind}: {statistics.median(values):.1f} µs ({min(values):.1f} – {max(values):.1f})")


if __name__ == "__main__":
    main()
