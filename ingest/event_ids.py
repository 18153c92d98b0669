"""Ids for events whose sender gave none: time-ordered UUIDs (version 7, RFC 9562).

A random uuid4 lands on a random page of the (site, uuid) key index and the events table's primary key, so
every insert dirties another page; ids that start with the time are appended at the index's right edge.
The 74 random bits keep them unguessable and unique across processes. Python 3.14 has `uuid.uuid7`.
"""

from __future__ import annotations

import os
import time
from uuid import UUID

_VERSION_7 = 0x7 << 76
_VARIANT = 0b10 << 62


def new_event_id() -> UUID:
    random = int.from_bytes(os.urandom(10), "big")
    return UUID(
        int=(time.time_ns() // 1_000_000) << 80
        | _VERSION_7
        | (random >> 62 & 0xFFF) << 64
        | _VARIANT
        | random & (1 << 62) - 1
    )
