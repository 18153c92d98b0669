"""The spool: events kept on disk as NDJSON until the server can be reached (or the files are carried to it).

Each line is one native event with its uuid and time, exactly what `manage.py import_events` and the
replay read. A writer appends to its current segment, `<ns>-<pid>-<random>.ndjson.tmp`, and seals it by
renaming it to `.ndjson` once it is larger than `max_bytes` or older than `max_age` seconds, or when the
client flushes or closes. Readers only ever see sealed files, so a half-written segment is never
replayed or copied away while a client still appends to it. A process that died leaves its `.tmp`
segment behind; `recover_orphans` seals those, and a torn last line is skipped when read.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from sightline_sdk.events import QueuedEvent, event_from_line

logger = logging.getLogger("sightline_sdk")

SEALED = ".ndjson"
OPEN = ".ndjson.tmp"
# Where a process cannot be asked whether it is alive (not POSIX), a segment this old is taken as orphaned.
ORPHAN_AGE_SECONDS = 3600.0


def sealed_files(directory: Path) -> list[Path]:
    """Sealed spool files, oldest first (names start with the creation time in nanoseconds)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.name.endswith(SEALED) and p.is_file())


def read_events(path: Path) -> Iterator[QueuedEvent | None]:
    """The events of a spool file in order; None for a line that is not an event (a torn write)."""
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if line.strip():
                yield event_from_line(line)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 only asks; on POSIX it never touches the process
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by someone else
    return True


def recover_orphans(directory: Path) -> int:
    """Seals `.tmp` segments whose writer is gone; returns how many."""
    if not directory.is_dir():
        return 0
    recovered = 0
    for path in directory.iterdir():
        if not path.name.endswith(OPEN):
            continue
        try:
            pid = int(path.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if os.name == "posix":
            orphaned = pid != os.getpid() and not _pid_alive(pid)
        else:
            orphaned = time.time() - path.stat().st_mtime > ORPHAN_AGE_SECONDS
        if orphaned:
            try:
                path.rename(path.with_name(path.name[: -len(OPEN)] + SEALED))
                recovered += 1
            except FileNotFoundError:  # another process recovered it first
                continue
    return recovered


class SpoolWriter:
    """Appends batches to this process's open segment. Used by one thread at a time (the client's lock)."""

    def __init__(self, directory: Path, *, max_bytes: int, max_age: float) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.max_age = max_age
        self._path: Path | None = None
        self._opened_at = 0.0
        self._size = 0

    def write(self, events: Sequence[QueuedEvent]) -> None:
        """Appends the events and makes them durable (fsync) before returning. Raises OSError."""
        if not events:
            return
        if self._path is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}{OPEN}"
            self._path = self.directory / name
            self._opened_at = time.monotonic()
            self._size = 0
        data = ("\n".join(e.line for e in events) + "\n").encode("utf-8")
        with self._path.open("ab") as segment:
            segment.write(data)
            segment.flush()
            os.fsync(segment.fileno())
        self._size += len(data)
        if self._size >= self.max_bytes:
            self.seal()

    def seal_if_old(self) -> None:
        if self._path is not None and time.monotonic() - self._opened_at >= self.max_age:
            self.seal()

    def seal(self) -> None:
        """Renames the open segment to `.ndjson` (atomic on one file system), so readers may take it."""
        if self._path is None:
            return
        path, self._path = self._path, None
        try:
            path.rename(path.with_name(path.name[: -len(OPEN)] + SEALED))
        except FileNotFoundError:
            logger.warning("spool segment disappeared before it was sealed")

    def forget(self) -> None:
        """After fork: the parent owns the open segment; the child starts its own."""
        self._path = None
        self._size = 0
