"""Acknowledgement → queryable: a separate process that sends a single event with its own uuid and `ts` every
~50 ms (from a few threads, so a slow reply does not hold up the next send) and polls PostgreSQL until each
one's row is visible.

The poll looks the rows up by the events table's primary key (site_id, timestamp, uuid): the probe sets `ts`,
which the pipeline keeps as the timestamp. Each pending probe is its own LATERAL lookup with all three key
columns bound, so the plan is an index probe per row whatever the planner believes about the table: the bench
database is never analyzed while it fills (no autovacuum here), and the earlier join of the whole key list
against the table was planned as a hash join over every row of the site, one full scan per poll (10 ms of
PostgreSQL CPU at 60,000 rows, growing with the table), which the CPU table booked as the consumer's cost.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import statistics
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg

from bench.ingest_bench.load import USER_AGENT

_LOOKUP = """
SELECT p.id FROM unnest(%s::timestamptz[], %s::uuid[]) AS p(ts, id)
CROSS JOIN LATERAL (
    SELECT 1 FROM analytics_event e WHERE e.site_id = %s AND e."timestamp" = p.ts AND e.uuid = p.id LIMIT 1
) AS found
"""


@dataclass(frozen=True)
class ProbeConfig:
    host: str
    port: int
    public_key: str
    site_id: int
    database_url: str
    seconds: float
    interval: float = 0.05
    poll_interval: float = 0.02
    give_up_after: float = 60.0  # a probe not visible this long after its acknowledgement counts as not seen
    senders: int = 8  # concurrent sends: under load one reply can take longer than the send interval


@dataclass
class _Pending:
    uuid: uuid.UUID
    ts: datetime
    acked: float


def _send(conn: http.client.HTTPConnection, config: ProbeConfig) -> tuple[str | None, _Pending]:
    """Sends one probe; returns None when it was acknowledged, else what went wrong (a status or an error name)."""
    event_id = uuid.uuid4()
    epoch_ms = time.time_ns() // 1_000_000
    ts = datetime.fromtimestamp(epoch_ms / 1000.0, tz=UTC)  # the very expression the server reads `ts` with
    body = json.dumps(
        {
            "key": config.public_key,
            "name": "bench_probe",
            "uuid": str(event_id),
            "ts": epoch_ms,
            "url": "https://example.com/probe",
        }
    )
    headers = {"Content-Type": "text/plain", "User-Agent": USER_AGENT}
    problem: str | None = None
    # A keep-alive connection the server closed as idle fails on reuse: retry once on a fresh one, as a browser
    # would. The retry carries the same uuid, so the server stores the event once even if both arrived.
    for _attempt in range(2):
        try:
            conn.request("POST", "/api/v1/collect", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.will_close:
                conn.close()
            problem = None if 200 <= response.status < 300 else str(response.status)
            break
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            problem = type(exc).__name__
    return problem, _Pending(event_id, ts, time.monotonic())


class _Sender:
    """Sends one probe per call from a small thread pool, so a slow reply under load does not delay the next send."""

    def __init__(self, config: ProbeConfig) -> None:
        self.config = config
        self.lock = threading.Lock()
        self.pending: list[_Pending] = []
        self.sent = self.ok = 0
        self.failures: dict[str, int] = {}
        self._local = threading.local()

    def send(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = http.client.HTTPConnection(self.config.host, self.config.port, timeout=10)
        problem, probe = _send(conn, self.config)
        with self.lock:
            self.sent += 1
            if problem is None:
                self.ok += 1
                self.pending.append(probe)
            else:
                self.failures[problem] = self.failures.get(problem, 0) + 1


def run_probe(config: ProbeConfig) -> dict[str, Any]:
    """Sends every config.interval for config.seconds, then keeps polling until every probe is seen or given up on."""
    sender = _Sender(config)
    latencies: list[float] = []
    gave_up = 0
    futures: list[Future[None]] = []
    with ThreadPoolExecutor(max_workers=config.senders) as pool, psycopg.connect(config.database_url) as db:
        db.autocommit = True
        start = time.monotonic()
        next_send = start
        while time.monotonic() - start < config.seconds + config.give_up_after + 5:
            now = time.monotonic()
            sending = now - start < config.seconds
            if sending and now >= next_send:
                futures.append(pool.submit(sender.send))
                next_send += config.interval
            with sender.lock:
                pending = list(sender.pending)
            if not sending and not pending and all(f.done() for f in futures):
                break
            if pending:
                rows = db.execute(
                    _LOOKUP, ([p.ts for p in pending], [p.uuid for p in pending], config.site_id)
                ).fetchall()
                seen = {row[0] for row in rows}
                found_at = time.monotonic()
                done: set[uuid.UUID] = set()
                for probe in pending:
                    if probe.uuid in seen:
                        latencies.append(found_at - probe.acked)
                        done.add(probe.uuid)
                    elif found_at - probe.acked > config.give_up_after:
                        gave_up += 1
                        done.add(probe.uuid)
                with sender.lock:
                    sender.pending = [p for p in sender.pending if p.uuid not in done]
            time.sleep(config.poll_interval)
    for future in futures:
        future.result()  # a bug in a send should fail the run, not vanish
    return summarize(latencies, sent=sender.sent, ok=sender.ok, failures=sender.failures, gave_up=gave_up)


def summarize(latencies: list[float], *, sent: int, ok: int, failures: dict[str, int], gave_up: int) -> dict[str, Any]:
    # Probes never seen count as infinitely late, so they push the percentiles up instead of vanishing.
    values = sorted(latencies) + [float("inf")] * gave_up
    cuts = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else [float("nan")] * 99
    return {
        "sent": sent,
        "acknowledged": ok,
        "non2xx_or_error": sum(failures.values()),
        "failures": failures,
        "seen": len(latencies),
        "not_seen": gave_up,
        "p50_s": cuts[49],
        "p95_s": cuts[94],
        "max_s": values[-1] if values else float("nan"),
    }


def _child(config: ProbeConfig, out: multiprocessing.Queue[dict[str, Any]]) -> None:
    out.put(run_probe(config))


class ProbeProcess:
    """The probe in its own process (spawned: nothing of the parent's state is shared)."""

    def __init__(self, config: ProbeConfig) -> None:
        self.config = config
        ctx = multiprocessing.get_context("spawn")
        self._queue: multiprocessing.Queue[dict[str, Any]] = ctx.Queue()
        self._process = ctx.Process(target=_child, args=(config, self._queue), name="bench-probe", daemon=True)

    def start(self) -> None:
        self._process.start()

    def result(self) -> dict[str, Any]:
        timeout = self.config.seconds + self.config.give_up_after + 60
        try:
            return self._queue.get(timeout=timeout)
        finally:
            self._process.join(10)
            if self._process.is_alive():
                self._process.kill()
                self._process.join(5)

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.kill()
            self._process.join(5)
