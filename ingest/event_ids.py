"""Ids for events whose sender gave none: time-ordered UUIDs (version 7, RFC 9562).

A random uuid4 lands on a random page of the (site, uuid) key index and the events table's primary key, so
every insert dirties another page; ids that start with the time are appended at the index's right edge.
The 74 random bits keep them unguessable and unique across processes. Python 3.14 has `uuid.uuid7`.
"""

from __future__ import annotations

import os
import time

# The variant's two fixed bits (0b10) over two random ones: the hex digit that starts the fourth group.
_VARIANT_DIGIT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def new_event_id() -> str:
    """A new id in the canonical text form (what the stream and PostgreSQL carry), built as text: a
    `uuid.UUID` and its `str()` cost about a microsecond more per event on the ingest path. 48 bits of Unix
    milliseconds, the version digit 7, then 74 random bits (12 + 2 + 12 + 48) around the variant bits."""
    random = os.urandom(10).hex()
    millis = f"{time.time_ns() // 1_000_000:012x}"
    return f"{millis[:8]}-{millis[8:]}-7{random[:3]}-{_VARIANT_DIGIT[random[3]]}{random[4:7]}-{random[7:19]}"
