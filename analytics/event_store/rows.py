"""The row format that crosses from ingest into the event store (and through the Redis stream).

A row is a list in EVENT_COLUMNS order holding only JSON-friendly values: the uuid as a string, times as
ISO-8601 strings, properties and dimensions as objects. It is what the stream carries and what COPY writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EVENT_COLUMNS: tuple[str, ...] = (
    "site_id",
    "uuid",
    "timestamp",
    "received_at",
    "name",
    "category",
    "action",
    "label",
    "value",
    "anonymous_id",
    "user_id",
    "device_id",
    "session_id",
    "url",
    "path",
    "referrer",
    "title",
    "properties",
    "dimensions",
    "source",
    "browser",
    "os",
    "device_type",
    "is_bot",
    "ip",
)
COLUMN_INDEX = {name: i for i, name in enumerate(EVENT_COLUMNS)}
EventRow = list[Any]


@dataclass(frozen=True, slots=True)
class FailedRow:
    row: EventRow
    reason: str


@dataclass(frozen=True, slots=True)
class WriteResult:
    written: int = 0
    duplicates: int = 0
    failed: list[FailedRow] = field(default_factory=list)
