"""Benchmark the production ingest path: web server + Redis stream (AOF, fsync always) + Celery worker + PostgreSQL.

Run from the repository root:  .venv/bin/python bench/bench_ingest.py [--runs 3] [--duration 15] [--quick]

Each run starts a fresh stack on 127.0.0.1 (database `sightline_bench`, dropped and recreated; a throwaway
redis-server; granian or gunicorn; the Celery worker with the stream consumer), drives it with wrk and a probe process,
and ends everything it started. Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth), redis-server
on PATH and, for the real figures, wrk (`apt-get install -y wrk`). A script rather than a test: the figures
depend on the machine, so they are read by people, not asserted. See BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

# Run as a plain script, the repository root is not on sys.path; put it there so `bench.ingest_bench` imports.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ingest_bench.load import WRK_MISSING, wrk_available
from bench.ingest_bench.phases import RunConfig, run_once
from bench.ingest_bench.report import cpu_table, summarize, table, write_json
from bench.ingest_bench.stack import ROOT, StackConfig


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the median and range are reported")
    parser.add_argument("--duration", type=float, default=15, help="seconds of load in phases a and b")
    parser.add_argument("--drain-window", type=float, default=60, help="seconds the consumer's drain is timed")
    parser.add_argument(
        "--drain-events",
        type=int,
        default=7_200_000,
        help="events in the stream before the drain (the default lasts a 60 s window at 120,000/s, so the "
        "benchmark adds no copies while it times the consumer)",
    )
    parser.add_argument("--prefill", type=float, default=10, help="seconds of door-made rows in the stream")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (2 wrk threads)")
    # The production default (Dockerfile, docker-compose.yml; docs/decisions/0007): granian, 2 workers × 8 threads.
    parser.add_argument("--server", choices=["granian", "gunicorn"], default="granian", help="the web server")
    parser.add_argument("--workers", type=int, default=2, help="web server worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker (granian: --blocking-threads)")
    parser.add_argument("--worker-class", default="gthread", help="gunicorn's worker class (gthread, sync)")
    parser.add_argument(
        "--group-commit-rows", type=int, default=None, help="INGEST_GROUP_COMMIT_ROWS (0: one XADD per request)"
    )
    parser.add_argument("--consumer", choices=["celery", "command"], default="celery")
    parser.add_argument("--consumers", type=int, default=2, help="consumer threads in the worker (INGEST_CONSUMERS)")
    parser.add_argument("--database", default="sightline_bench", help="dropped and recreated for every run")
    parser.add_argument(
        "--pg-port", type=int, default=5432, help="PostgreSQL's port on 127.0.0.1 (user postgres, trust auth)"
    )
    parser.add_argument("--quick", action="store_true", help="one short run: a smoke check of the script")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.duration, args.drain_window, args.drain_events, args.prefill = 1, 5, 10, 100_000, 3
    return args


def _check_prerequisites() -> None:
    if shutil.which("redis-server") is None:
        sys.exit("redis-server is not on PATH (Debian: apt-get install -y redis-server)")
    if not wrk_available():
        print(f"NOTE: {WRK_MISSING}", file=sys.stderr)


def _machine() -> dict[str, Any]:
    def command(*argv: str) -> str:
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=10, cwd=ROOT).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "wrk": command("wrk", "--version").splitlines()[0] if wrk_available() else "missing",
        "redis": command("redis-server", "--version"),
        # A tree exported with `git archive` has no .git; a REVISION file beside it may name the commit.
        "git_commit": command("git", "rev-parse", "--short", "HEAD") or _revision_file(),
    }


def _busy_cores(seconds: float = 3.0) -> float:
    """Cores the machine is busy with before the benchmark starts anything: other people's work, on a shared box."""

    def busy() -> int:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
        return sum(fields) - fields[3] - fields[4]  # all but idle and iowait

    before = busy()
    time.sleep(seconds)
    return (busy() - before) / os.sysconf("SC_CLK_TCK") / seconds


def _revision_file() -> str:
    path = ROOT / "REVISION"
    return path.read_text().strip()[:12] if path.exists() else ""


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    args = _arguments()
    _check_prerequisites()
    signal.signal(signal.SIGTERM, _raise_interrupt)  # cleanup runs on `kill` as on Ctrl-C
    stack_config = StackConfig(
        database=args.database,
        pg_port=args.pg_port,
        server=args.server,
        workers=args.workers,
        threads=args.threads,
        worker_class=args.worker_class,
        group_commit_rows=args.group_commit_rows,
        consumer=args.consumer,
        consumers=args.consumers,
    )
    run_config = RunConfig(
        seconds=args.duration,
        collect_connections=args.connections,
        batch_connections=args.connections,
        prefill_seconds=args.prefill,
        drain_events=args.drain_events,
        drain_window=args.drain_window,
        consumers=args.consumers,
    )
    web = f"{args.server} --workers {args.workers} --threads {args.threads}"
    if args.server == "gunicorn":
        web += f" --worker-class {args.worker_class}"
    if args.group_commit_rows is not None:
        web += f"; INGEST_GROUP_COMMIT_ROWS={args.group_commit_rows}"
    print(f"web: {web}; consumer: {args.consumer} × {args.consumers}; {args.runs} run(s)", flush=True)
    idle_load = _busy_cores()
    print(f"machine busy with {idle_load:.2f} of {os.cpu_count()} cores before starting (other work)", flush=True)
    started = datetime.now(UTC)
    runs: list[dict[str, Any]] = []
    try:
        for number in range(1, args.runs + 1):
            print(f"run {number}/{args.runs}", flush=True)
            with tempfile.TemporaryDirectory(prefix="sightline-bench-") as tmp:
                run = run_once(stack_config, run_config, Path(tmp), lambda line: print(line, flush=True))
            runs.append(run)
            print(f"  done in {run['seconds']:.0f} s", flush=True)
    except KeyboardInterrupt:
        print("interrupted; every process started was ended", file=sys.stderr)
        if not runs:
            return 130
    summary = summarize(runs)
    print()
    print(table(summary, len(runs)))
    print(
        f"\nCPU cores used, median over the runs ({os.cpu_count()} cores; `other`: the rest of the machine's busy time)"
    )
    print(cpu_table(runs))
    path = ROOT / "bench" / "results" / f"ingest-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    write_json(
        path,
        {
            "started": started.isoformat(),
            "command": " ".join([".venv/bin/python", "bench/bench_ingest.py", *sys.argv[1:]]),
            "machine": {**_machine(), "busy_cores_before_start": idle_load},
            "web": web,
            "consumer": args.consumer,
            "consumers": args.consumers,
            "summary": summary,
            "runs": runs,
            "total_seconds": (datetime.now(UTC) - started).total_seconds(),
        },
    )
    print(f"\nJSON: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
