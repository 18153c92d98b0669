"""Memory and CPU of each part of the stack, sampled from /proc (no psutil needed).

Groups: each service's process tree (the web server: master + workers), the PostgreSQL backends serving the bench
database, and the load generators (this process with wrk and the probe). Memory is the peak over the run of a
group's summed VmRSS at one instant; pages a master shares with its forked workers count once per process, as
in `ps` and `top`. CPU is read at marks (`mark("a")`), so a phase's cores per group are a difference of two
marks; "other" is whatever else the machine was busy with meanwhile — other people's work on a shared machine,
and kernel time (TCP softirq) that no process is charged with.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

_PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
LOAD = "load generators"
OTHER = "other"


def _processes() -> dict[int, tuple[int, int, int]]:
    """pid → (parent pid, CPU ticks used, resident KiB) for every process now running."""
    found: dict[int, tuple[int, int, int]] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        # The command name (field 2) is in parentheses and may hold spaces; count fields after it.
        fields = stat[stat.rfind(")") + 2 :].split()
        found[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[21]) * _PAGE_KIB)
    return found


def _descendants(root: int, processes: dict[int, tuple[int, int, int]]) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in processes.items():
        children.setdefault(parent, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in processes:
            found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _cmdline(pid: int) -> str:
    try:
        return (_PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return ""


def _machine_busy_ticks() -> int:
    fields = [int(x) for x in (_PROC / "stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return user + nice + system + irq + softirq + steal


def _own_ticks() -> int:
    """This process plus its children already waited for (finished wrk runs, manage.py commands)."""
    fields = (_PROC / "self" / "stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15])


class ResourceSampler:
    """Samples in a thread every `interval` s; `mark()` records CPU so far, `peaks_mib()` the memory peaks."""

    def __init__(self, services: dict[str, int], database: str, interval: float = 0.25) -> None:
        self.services = services
        self.database = database
        self.interval = interval
        self._lock = threading.Lock()
        self._peaks = dict.fromkeys(services, 0)
        self._ticks: dict[int, tuple[str, int]] = {}  # pid → (group, last CPU ticks seen)
        self._postgres: dict[int, bool] = {}  # pid → is a backend of the bench database
        self._marks: dict[str, tuple[float, dict[str, int]]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-resources", daemon=True)

    def start(self) -> None:
        self.sample()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _is_bench_backend(self, pid: int) -> bool:
        known = self._postgres.get(pid)
        if known is not None:
            return known
        # Backends are titled "postgres: 15/main: USER DATABASE HOST(PORT) STATE" once the client has said which
        # database it wants. Until then a freshly forked backend still shows the postmaster's command line
        # (".../bin/postgres -D ..."): undecided, looked at again on the next sample. (Deciding "no" for good at
        # that moment lost a consumer's backend for the whole run: PostgreSQL's CPU showed as "other".)
        words = _cmdline(pid).split()
        if words and words[0] != "postgres:" and words[0].endswith("/postgres"):
            return False
        self._postgres[pid] = verdict = len(words) > 3 and words[0] == "postgres:" and words[3] == self.database
        return verdict

    def sample(self) -> None:
        processes = _processes()
        grouped: set[int] = set()
        with self._lock:
            for name, root in self.services.items():
                pids = _descendants(root, processes)
                grouped.update(pids)
                self._peaks[name] = max(self._peaks[name], sum(processes[pid][2] for pid in pids))
                for pid in pids:
                    self._ticks[pid] = (name, processes[pid][1])
            # Only live load generators: a finished one is in this process's own count (_own_ticks) once waited for.
            for pid in [pid for pid, (group, _) in self._ticks.items() if group == LOAD]:
                del self._ticks[pid]
            for pid in _descendants(os.getpid(), processes):
                if pid not in grouped and pid != os.getpid():
                    self._ticks[pid] = (LOAD, processes[pid][1])
            for pid, (_, ticks, _) in processes.items():
                if pid not in grouped and self._is_bench_backend(pid):
                    self._ticks[pid] = ("postgres", ticks)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def mark(self, name: str) -> None:
        """CPU ticks used so far by each group and by the whole machine, under `name`."""
        self.sample()
        with self._lock:
            totals: dict[str, int] = {}
            for group, ticks in self._ticks.values():
                totals[group] = totals.get(group, 0) + ticks
            totals[LOAD] = _own_ticks() + totals.get(LOAD, 0)
            totals["machine"] = _machine_busy_ticks()
            self._marks[name] = (time.monotonic(), totals)

    def times(self, start: str, end: str) -> tuple[float, float]:
        """The monotonic times of two marks."""
        return self._marks[start][0], self._marks[end][0]

    def cores(self, start: str, end: str) -> dict[str, float]:
        """Average cores each group used between two marks; `other` is the rest of the machine's busy time."""
        (t0, a), (t1, b) = self._marks[start], self._marks[end]
        seconds = max(t1 - t0, 1e-9)
        groups = [*self.services, "postgres", LOAD]
        used = {g: (b.get(g, 0) - a.get(g, 0)) / _TICKS / seconds for g in groups}
        machine = (b["machine"] - a["machine"]) / _TICKS / seconds
        used[OTHER] = machine - sum(used.values())
        used["machine"] = machine
        return {g: round(v, 3) for g, v in used.items()}

    def peaks_mib(self) -> dict[str, float]:
        with self._lock:
            return {name: kib / 1024 for name, kib in self._peaks.items()}
