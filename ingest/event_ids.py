"""Ids for events whose sender gave none: time-ordered UUIDs (version 7, RFC 9562).

A random uuid4 lands on a random page of the (site, uuid) key index and the events table's primary key, so
every insert dirties another page; ids that start with the time are appended at the index's right edge.
The 74 random bits keep them unguessable and unique across processes. Python 3.14 has `uuid.uuid7`.

The random bits come from `os.urandom` in blocks of `IDS_PER_DRAW` ids, not one call per id: `os.urandom`
is a system call that lets go of the GIL, and in a web process whose threads all want the GIL every such
release is a hand-over to another thread and a wait to get it back. One call per id cost a batched event
~25 µs of CPU under 8 threads (in-process, 8 threads × 100-event batches: 52 → 25 µs per event); one
call per 256 ids costs nothing measurable. Each thread draws its own block (no two threads can hand out
the same bits), and a forked child starts without one (it never repeats its parent's ids).
"""

from __future__ import annotations

import os
import threading
import time

# The variant's two fixed bits (0b10) over two random ones: the hex digit that starts the fourth group.
_VARIANT_DIGIT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}
# Ids whose random bits one os.urandom call provides: 2.5 KB of random bytes, 5 KB of text per thread.
IDS_PER_DRAW = 256
_HEX_PER_ID = 20  # 10 random bytes as hex; 19 digits are used


class _RandomHex(threading.local):
    """One thread's block of id endings (random digits around the variant bits), how many it handed out, and
    the id start of the last millisecond it saw."""

    def __init__(self) -> None:
        self.endings: list[str] = []
        self.used = 0
        self.millis = -1
        self.start = ""


_random = _RandomHex()


def _forget_random_after_fork() -> None:
    global _random
    _random = _RandomHex()


os.register_at_fork(after_in_child=_forget_random_after_fork)


def _endings(count: int) -> list[str]:
    """`count` id endings: 74 random bits (12, 2 + 12, 48) with the variant bits, as "xxx-vxxx-xxxxxxxxxxxx"."""
    digits = os.urandom(count * _HEX_PER_ID // 2).hex()
    return [
        f"{r[:3]}-{_VARIANT_DIGIT[r[3]]}{r[4:7]}-{r[7:19]}"
        for r in (digits[i : i + _HEX_PER_ID] for i in range(0, count * _HEX_PER_ID, _HEX_PER_ID))
    ]


def new_event_id() -> str:
    """A new id in the canonical text form (what the stream and PostgreSQL carry), built as text: a
    `uuid.UUID` and its `str()` cost about a microsecond more per event on the ingest path. 48 bits of Unix
    milliseconds, the version digit 7, then 74 random bits. The endings are made a block at a time and the
    start once per millisecond, so an id is mostly one concatenation."""
    block = _random
    used = block.used
    if used >= len(block.endings):
        block.endings = _endings(IDS_PER_DRAW)
        used = 0
    block.used = used + 1
    millis = time.time_ns() // 1_000_000
    if millis != block.millis:
        block.millis = millis
        block.start = f"{millis >> 16:08x}-{millis & 0xFFFF:04x}-7"
    return block.start + block.endings[used]
