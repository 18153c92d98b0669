"""Streamed exports as CSV, JSON (one array) or NDJSON, a chunk of rows at a time so memory stays constant.

Every CSV cell that is text and starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`,
headers included, so a spreadsheet shows it as text instead of running it as a formula (OWASP "CSV
injection"). Numbers from the database are written as numbers: their text is digits, a sign and a dot, which
no spreadsheet runs. JSON and NDJSON carry values as they are: nothing executes them.
"""

from __future__ import annotations

import csv
import io
import itertools
import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

import orjson
from django.conf import settings
from django.http import StreamingHttpResponse

from server.errors import DomainError

logger = logging.getLogger(__name__)

EXPORT_FORMATS = ("csv", "json", "ndjson")
_CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json", "ndjson": "application/x-ndjson"}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NEWLINE = orjson.OPT_APPEND_NEWLINE


def export_format(value: str | None, *, default: str | None = None) -> str | None:
    """The `?format=` of a request, checked; `default` when it is absent."""
    if value is None or value == "":
        return default
    if value not in EXPORT_FORMATS:
        raise DomainError("invalid_format", f"format must be one of {', '.join(EXPORT_FORMATS)}, not {value!r}.")
    return value


def csv_text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        return "'" + value if value.startswith(_FORMULA_STARTS) else value
    if kind is int or kind is float:
        return value
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list | tuple):
        return csv_text(orjson.dumps(value, default=str).decode())
    return csv_text(str(value))


def _chunks(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def encode_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], chunk_rows: int) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_text(name) for name in header])
    yield buffer.getvalue().encode()
    for chunk in _chunks(rows, chunk_rows):
        buffer.seek(0)
        buffer.truncate()
        # Plain text that needs nothing is by far the most common cell: tested inline, it skips a call per cell.
        writer.writerows(
            [
                [v if type(v) is str and not v.startswith(_FORMULA_STARTS) else _csv_cell(v) for v in row]
                for row in chunk
            ]
        )
        yield buffer.getvalue().encode()


def encode_ndjson(header: Sequence[str], rows: Iterable[Sequence[Any]], chunk_rows: int) -> Iterator[bytes]:
    keys = tuple(header)
    for chunk in _chunks(rows, chunk_rows):
        yield b"".join([orjson.dumps(dict(zip(keys, row, strict=True)), default=str, option=_NEWLINE) for row in chunk])


def encode_json(header: Sequence[str], rows: Iterable[Sequence[Any]], chunk_rows: int) -> Iterator[bytes]:
    """One JSON array of objects, written a chunk at a time (the brackets of each chunk's array are cut off)."""
    keys = tuple(header)
    yield b"["
    separator = b""
    for chunk in _chunks(rows, chunk_rows):
        yield separator + orjson.dumps([dict(zip(keys, row, strict=True)) for row in chunk], default=str)[1:-1]
        separator = b","
    yield b"]"


ENCODERS = {"csv": encode_csv, "json": encode_json, "ndjson": encode_ndjson}


class _Stream:
    """The chunks of one export. Closing it (the server does, when the client is done or gone) closes the row
    source at once, so its server-side cursor is not left open until garbage collection."""

    def __init__(self, chunks: Iterator[bytes], source: object, filename: str) -> None:
        self._chunks, self._source, self._filename = chunks, source, filename

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._chunks)
        except StopIteration:
            self.close()
            raise
        except Exception:
            # The status line is already sent: the client sees a cut-off file, the log says why.
            logger.exception("export failed while streaming", extra={"export": self._filename})
            self.close()
            raise

    def close(self) -> None:
        close = getattr(self._source, "close", None)
        if close is not None:
            close()


def export_response(
    *, header: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str, filename: str
) -> StreamingHttpResponse:
    # The first row is fetched before the status line goes out, so a query that fails at once (a bad step, a
    # database error) is still answered with a proper error instead of a 200 that breaks off.
    source = iter(rows)
    first = next(source, None)
    remaining = source if first is None else itertools.chain((first,), source)
    chunks = ENCODERS[fmt](header, remaining, settings.API_EXPORT_CHUNK_ROWS)
    response = StreamingHttpResponse(_Stream(chunks, source, filename), content_type=_CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response
