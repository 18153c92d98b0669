"""One run of the benchmark on a fresh stack: warm-up, then phases a–f.

a. single-event collect requests, consumer running;
b. batches of 100 events, consumer running; rows written meanwhile;
c. the consumer paused (SIGSTOP), the stream filled through the door and topped up with copies of those
   door-made rows under fresh uuids and times, then the consumer resumed and timed over the drain window, with more
   copies added whenever the backlog runs low, so the window times the consumer, not the size of the prefill;
d. every acknowledged (and injected) event counted against the rows in PostgreSQL;
e. during a and b, the probe process timing acknowledgement → row visible;
f. peak RSS sampled throughout, and the CPU each part of the stack used in every phase.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.ingest_bench.disk import DiskSyncSampler
from bench.ingest_bench.load import LoadResult, Request, batch_request, collect_request, run_load
from bench.ingest_bench.probe import ProbeConfig, ProbeProcess
from bench.ingest_bench.resources import ResourceSampler
from bench.ingest_bench.stack import STREAM, Stack, StackConfig, wait_for

Log = Callable[[str], None]


@dataclass(frozen=True)
class RunConfig:
    seconds: float = 15.0  # each of phases a and b
    collect_connections: int = 16
    batch_connections: int = 16
    batch_size: int = 100
    wrk_threads: int = 2
    prefill_seconds: float = 10.0  # door-made rows in the stream before the drain
    # The stream holds this many events when the consumer resumes: enough for the whole window, so that the
    # copier's top-ups (~0.2 cores of XADDs, ~0.15 more for Redis) do not compete with the consumer it times.
    drain_events: int = 7_200_000
    drain_window: float = 60.0
    consumers: int = 2  # consumer threads draining (INGEST_CONSUMERS): the backlog kept must cover them all
    warmup_seconds: float = 2.0


class _Run:
    def __init__(
        self, stack: Stack, config: RunConfig, workdir: Path, log: Log, sampler: ResourceSampler, disk: DiskSyncSampler
    ) -> None:
        self.stack = stack
        self.sampler = sampler
        self.disk = disk
        self.config = config
        self.workdir = workdir
        self.log = log
        self.acknowledged = 0  # events the door acknowledged with a 2xx, from the replies' `accepted`
        self.injected = 0  # events XADDed by the benchmark itself (phase c's copies)
        self.non2xx = 0
        self.socket_errors = 0
        self.probes: list[ProbeProcess] = []

    def load(self, request: Request, connections: int, seconds: float) -> LoadResult:
        result = run_load(
            self.stack.base_url,
            request,
            connections=connections,
            seconds=seconds,
            workdir=self.workdir,
            threads=self.config.wrk_threads,
        )
        self.acknowledged += result.accepted
        self.non2xx += result.non2xx
        self.socket_errors += result.socket_errors + result.timeouts
        self.stack.check_alive()
        return result

    def probe(self, seconds: float) -> ProbeProcess:
        keys = self.stack.keys()
        config = ProbeConfig(
            host="127.0.0.1",
            port=self.stack.http_port,
            public_key=keys.public_key,
            site_id=keys.id,
            database_url=self.stack.database_url,
            seconds=seconds,
        )
        process = ProbeProcess(config)
        process.start()
        self.probes.append(process)
        return process

    def probe_result(self, process: ProbeProcess) -> dict[str, Any]:
        result = process.result()
        self.probes.remove(process)
        self.acknowledged += int(result["acknowledged"])
        self.non2xx += int(result["non2xx_or_error"])
        return result

    def wait_drained(self, timeout: float = 300) -> float:
        """Waits until the stream is empty twice in a row (entries are deleted only after their COPY committed)."""

        def empty() -> bool:
            self.stack.check_alive()
            if self.stack.stream_length():
                return False
            time.sleep(0.3)  # a request still in flight may XADD just after the first look
            return self.stack.stream_length() == 0

        return wait_for(empty, timeout, "the consumer to drain the stream", interval=0.25)

    # --- phases ----------------------------------------------------------------------------------
    def warm_up(self) -> None:
        keys = self.stack.keys()
        self.load(collect_request(keys.public_key), 4, self.config.warmup_seconds)
        self.load(batch_request(keys.secret_key, self.config.batch_size), 4, self.config.warmup_seconds)
        self.wait_drained(120)

    def collect_phase(self) -> dict[str, Any]:
        c = self.config
        probe = self.probe(c.seconds)
        self.sampler.mark("a")
        result = self.load(collect_request(self.stack.keys().public_key), c.collect_connections, c.seconds)
        self.sampler.mark("a end")
        return {
            "load": result.as_dict(),
            "probe": self.probe_result(probe),
            "cores": self.sampler.cores("a", "a end"),
            "disk_sync": self.disk.between(*self.sampler.times("a", "a end")),
        }

    def batch_phase(self) -> dict[str, Any]:
        c = self.config
        request = batch_request(self.stack.keys().secret_key, c.batch_size)
        before = self.stack.stored_events()
        probe = self.probe(c.seconds)
        start = time.monotonic()
        self.sampler.mark("b")
        result = self.load(request, c.batch_connections, c.seconds)
        self.sampler.mark("b end")
        elapsed = time.monotonic() - start
        written = self.stack.stored_events() - before
        probe_result = self.probe_result(probe)
        return {
            "load": result.as_dict(),
            "probe": probe_result,
            "cores": self.sampler.cores("b", "b end"),
            "disk_sync": self.disk.between(*self.sampler.times("b", "b end")),
            "written_while_accepting": written,
            "written_while_accepting_per_s": written / elapsed,
        }

    def drain_phase(self) -> dict[str, Any]:
        c = self.config
        self.stack.pause_consumer()
        self.sampler.mark("prefill")
        prefill = self.load(
            batch_request(self.stack.keys().secret_key, c.batch_size), c.batch_connections, c.prefill_seconds
        )
        self.sampler.mark("prefill end")
        self._settle()
        copier = _Copier(self.stack)
        copy_start = time.monotonic()
        copier.add_events(c.drain_events - copier.door_events)
        copy_seconds = time.monotonic() - copy_start
        entries = self.stack.stream_length()
        before = self.stack.stored_events()
        self.log(f"  drain: {copier.door_events + copier.copied:,} events in the stream; resuming the consumer")
        self.sampler.mark("drain")
        self.stack.resume_consumer()
        start = time.monotonic()
        timeline: list[tuple[float, int]] = []
        lowest = entries
        low_water = _LOW_WATER_ENTRIES_PER_CONSUMER * c.consumers
        while time.monotonic() - start < c.drain_window:
            time.sleep(0.25)
            left = self.stack.stream_length()
            timeline.append((round(time.monotonic() - start, 2), left))
            lowest = min(lowest, left)
            if left < low_water:
                # Keep a backlog for the whole window, so it times the consumer rather than the prefill's size.
                copier.add_entries(low_water)
        window = time.monotonic() - start
        self.sampler.mark("drain end")
        written = self.stack.stored_events() - before
        self.injected += copier.copied
        self.wait_drained()
        return {
            "prefill_door": prefill.as_dict(),
            "prefill_cores": self.sampler.cores("prefill", "prefill end"),
            "drain_cores": self.sampler.cores("drain", "drain end"),
            "door_events_in_stream": copier.door_events,
            "copied_events": copier.copied,
            "copy_seconds_before_drain": copy_seconds,
            "stream_entries_at_start": entries,
            "lowest_stream_entries": lowest,  # 0: the consumer ran out of work at some point in the window
            "window_s": window,
            "written": written,
            "events_per_s": written / window,
            "stream_length_timeline": timeline,
        }

    def _settle(self, quiet: float = 1.0, timeout: float = 30) -> None:
        """Waits until the stream stops growing: requests wrk had in flight when it stopped still XADD."""
        last = self.stack.stream_length()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(quiet)
            now = self.stack.stream_length()
            if now == last:
                return
            last = now

    def loss(self) -> dict[str, Any]:
        stored = self.stack.stored_events()
        expected = self.acknowledged + self.injected
        return {
            "acknowledged_by_door": self.acknowledged,
            "injected_by_bench": self.injected,
            "stored": stored,
            # Requests wrk had in flight when it stopped may be stored without their reply having been counted.
            "stored_unacknowledged": max(0, stored - expected),
            "lost": max(0, expected - stored),
            "non2xx": self.non2xx,
            "socket_errors": self.socket_errors,
        }


# A consumer reads 500 entries a round (INGEST_CONSUMER_BATCH); two rounds' worth each keeps them busy.
_LOW_WATER_ENTRIES_PER_CONSUMER = 1000
_VARIANTS = (b"8", b"9", b"a", b"b")


def _fresh_ids(count: int) -> list[bytes]:
    """`count` version-7 ids of the current millisecond, as text, like the door's (ingest/event_ids.py) but made
    in bulk: the copier has to outpace two consumers on the same two cores."""
    ms = time.time_ns() // 1_000_000
    prefix = f"{ms >> 16:08x}-{ms & 0xFFFF:04x}-7".encode()
    random = os.urandom(10 * count).hex().encode()
    ids = []
    for start in range(0, 20 * count, 20):
        r = random[start : start + 20]
        variant = _VARIANTS[int(r[3:4], 16) & 3]  # RFC 9562: the top two bits of this digit are 10
        ids.append(prefix + r[0:3] + b"-" + variant + r[4:7] + b"-" + r[7:19])
    return ids


class _Template:
    """A door-made stream entry cut around its rows' ids and times, so copies under fresh ids are quick to make.
    A key line is "site, id, time" (analytics/event_store/copy_text.py); a row line starts "site, id, time,
    received_at"."""

    def __init__(self, fields: dict[bytes, bytes]) -> None:
        self.fields = fields
        self.rows = []  # (site and a tab, the rest of the line after its two times)
        for line in fields[b"c"].splitlines():
            site, _, _, _, rest = line.split(b"\t", 4)
            self.rows.append((site + b"\t", b"\t" + rest + b"\n"))

    def copy(self) -> dict[bytes, bytes]:
        """The rows under fresh ids, timed now. The door times an event that brings no time of its own (all of
        the benchmark's) at its arrival, so a backlog holds rows in time order; copies with the prefill's times
        would scatter their inserts across the time indexes where the door's rows append at the end."""
        ids = _fresh_ids(len(self.rows))
        now = datetime.now(UTC).isoformat().encode()
        times = b"\t" + now + b"\t" + now
        lines = b"".join(site + id_ + times + rest for (site, rest), id_ in zip(self.rows, ids, strict=True))
        keys = b"".join(site + id_ + b"\t" + now + b"\n" for (site, _), id_ in zip(self.rows, ids, strict=True))
        return {**self.fields, b"c": lines, b"k": keys}


class _Copier:
    """Adds copies of the door-made entries to the stream (docs/decisions/0005's format): each row under a fresh
    time-ordered id and the time of the copy, as the door assigns them, the rest as the door made it."""

    def __init__(self, stack: Stack) -> None:
        self.client = stack.redis()
        entries: list[tuple[bytes, dict[bytes, bytes]]] = self.client.xrange(STREAM)  # type: ignore[assignment]
        self.templates = [_Template(fields) for _, fields in entries]
        if not self.templates:
            raise RuntimeError("the door put nothing in the stream during the prefill")
        self.door_events = sum(len(template.rows) for template in self.templates)
        self.copied = 0
        self._next = 0

    def add_entries(self, count: int) -> None:
        pipe = self.client.pipeline(transaction=False)
        for number in range(1, count + 1):
            template = self.templates[self._next % len(self.templates)]
            self._next += 1
            pipe.xadd(STREAM, template.copy())  # type: ignore[arg-type]
            self.copied += len(template.rows)
            if number % 200 == 0:
                pipe.execute()
        pipe.execute()

    def add_events(self, events: int) -> None:
        per_entry = max(1, self.door_events // len(self.templates))
        self.add_entries(max(0, -(-events // per_entry)))


def run_once(stack_config: StackConfig, config: RunConfig, workdir: Path, log: Log) -> dict[str, Any]:
    stack = Stack(stack_config, workdir)
    sampler: ResourceSampler | None = None
    disk = DiskSyncSampler(workdir)
    run: _Run | None = None
    started = time.monotonic()
    try:
        log(f"  starting PostgreSQL database, redis-server, {stack_config.server} and the consumer")
        stack.start()
        sampler = ResourceSampler(stack.pids(), stack_config.database)
        sampler.start()
        disk.start()
        run = _Run(stack, config, workdir, log, sampler, disk)
        run.warm_up()
        log(f"  a. single-event collect, {config.seconds:.0f} s")
        collect = run.collect_phase()
        run.wait_drained()
        log(f"  b. batches of {config.batch_size}, {config.seconds:.0f} s")
        batch = run.batch_phase()
        run.wait_drained()
        log(f"  c. consumer paused, prefill {config.prefill_seconds:.0f} s through the door")
        drain = run.drain_phase()
        loss = run.loss()
        sampler.stop()
        return {
            "collect": collect,
            "batch": batch,
            "drain": drain,
            "loss": loss,
            "memory_peak_mib": sampler.peaks_mib(),
            "seconds": time.monotonic() - started,
            "config": asdict(config),
        }
    finally:
        for probe in run.probes if run is not None else []:
            probe.stop()  # before the database it polls is dropped
        if sampler is not None:
            sampler.stop()
        disk.stop()
        stack.stop()
