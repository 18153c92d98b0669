"""Event rows in PostgreSQL's COPY text format: what the Redis stream carries and what the writer COPYs as is.

The door encodes each row once (a join and a few C-speed scans per row); the consumer then neither decodes
nor re-encodes anything: it finds each line's (site, uuid) for de-duplication and hands the lines to COPY.
One line per row, columns in EVENT_COLUMNS order, tab-separated, `\\N` for NULL, and backslash, tab,
newline and carriage return escaped as COPY's text format requires. See docs/decisions/0005.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import orjson

from analytics.event_store.rows import COLUMN_INDEX, EVENT_COLUMNS, EventRow

_COLUMNS = len(EVENT_COLUMNS)
_VALUE, _PROPS, _DIMS, _IS_BOT = (COLUMN_INDEX[c] for c in ("value", "properties", "dimensions", "is_bot"))
_TIMESTAMP = COLUMN_INDEX["timestamp"]
_SITE, _USER, _ANON, _DEVICE = (COLUMN_INDEX[c] for c in ("site_id", "user_id", "anonymous_id", "device_id"))
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", "v": "\v"}
NULL = "\\N"


@dataclass(frozen=True, slots=True)
class CopyText:
    """COPY text lines (each ending in a newline); the same rows' keys, one "site\tuuid\ttimestamp" line
    each, in the same order (what the writer de-duplicates by, without looking into the rows); and the
    identity links the rows make, one "site\tanonymous or device id\tuser id\ttimestamp" line each."""

    text: bytes
    keys: bytes
    links: bytes = b""


def copy_line(row: EventRow) -> str:
    """One row as a COPY text line, without its newline. Its first three columns are the row's key line.
    Raises ValueError or TypeError for a row that is not an event row of JSON-friendly values."""
    (
        site_id, uuid_text, timestamp, received_at, name, category, action, label, value, anonymous_id, user_id,
        device_id, session_id, url, path, referrer, title, properties, dimensions, source, browser, os_family,
        device_type, is_bot, ip,
    ) = row  # fmt: skip
    if len(uuid_text) != 36 or uuid_text != uuid_text.lower():
        # The writer matches keys as text, so every line carries the canonical form PostgreSQL prints.
        uuid_text = str(UUID(uuid_text))
    fields: tuple[str, ...] = (
        str(int(site_id)), uuid_text, timestamp, received_at, name, category, action, label,
        NULL if value is None else repr(float(value)), anonymous_id, user_id, device_id, session_id, url, path,
        referrer, title, orjson.dumps(properties).decode(), orjson.dumps(dimensions).decode(), source, browser,
        os_family, device_type, "t" if is_bot else "f", ip,
    )  # fmt: skip
    try:
        line = "\t".join(fields)
    except TypeError:  # a caller's row with e.g. a datetime in a text column: its str() is what COPY reads
        fields = tuple(field if isinstance(field, str) else str(field) for field in fields)
        line = "\t".join(fields)
    # The common row holds no character COPY treats specially: then the plain join is already the line.
    # (The one backslash allowed is the NULL marker's.)
    if (
        line.count("\t") == _COLUMNS - 1
        and line.count("\\") == (value is None)
        and "\n" not in line
        and "\r" not in line
    ):
        return line
    return "\t".join(field if i == _VALUE else field.translate(_ESCAPES) for i, field in enumerate(fields))


def _link_lines(row: EventRow) -> list[str]:
    user = row[_USER]
    if not user or not (row[_ANON] or row[_DEVICE]):
        return []
    others = {other for other in (row[_ANON], row[_DEVICE]) if other and other != user}
    tail = "\t" + user.translate(_ESCAPES) + "\t" + str(row[_TIMESTAMP])
    return [str(row[_SITE]) + "\t" + other.translate(_ESCAPES) + tail for other in sorted(others)]


def _key_line(line: str) -> str:
    third_tab = line.index("\t", line.index("\t", line.index("\t") + 1) + 1)
    return line[:third_tab]


def _joined(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode() if lines else b""


def encode_rows(rows: Sequence[EventRow]) -> CopyText:
    """Raises ValueError or TypeError for a row that cannot be encoded (e.g. an integer JSON cannot hold)."""
    lines = [copy_line(row) for row in rows]
    return CopyText(
        text=_joined(lines),
        keys=_joined([_key_line(line) for line in lines]),
        links=_joined([link for row in rows for link in _link_lines(row)]),
    )


def _unescape(field: str) -> str:
    if "\\" not in field:
        return field
    out, chars = [], iter(field)
    for char in chars:
        out.append(_UNESCAPES.get(next(chars, ""), "") if char == "\\" else char)
    return "".join(out)


def decode_line(line: bytes) -> EventRow:
    """A COPY text line back into a row (the rare paths: SQLite, identity links, dead letters).
    Raises ValueError when the line is not a well-formed event row."""
    fields = line.rstrip(b"\n").decode().split("\t")
    if len(fields) != _COLUMNS:
        raise ValueError(f"a COPY line has {_COLUMNS} columns, not {len(fields)}")
    row: EventRow = [_unescape(field) for field in fields]
    row[_SITE] = int(row[_SITE])
    row[_VALUE] = None if fields[_VALUE] == NULL else float(row[_VALUE])
    row[_PROPS] = orjson.loads(row[_PROPS])
    row[_DIMS] = orjson.loads(row[_DIMS])
    row[_IS_BOT] = row[_IS_BOT] == "t"
    return row
