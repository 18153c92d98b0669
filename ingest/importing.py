"""Importing native events from NDJSON (an SDK spool, an export): the live path without HTTP.

Each line goes through the same `parse` and PIPELINE as a request to `/api/v1/batch` — scrubbed,
consent-checked and validated exactly like live traffic — under a trusted context whose source is
IMPORT, and the kept events are stored in batches with `events_store`, which skips every (site, uuid)
already stored. Importing a file twice, or a spool that was partly sent before, therefore stores each
event once. Lines are consumed one by one, so memory does not grow with the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
from django.conf import settings

from analytics.event_store.rows import EventRow
from analytics.site_snapshot import SiteSnapshot
from ingest import site_cache
from ingest.event_rows import event_row
from ingest.events import Dropped, RequestContext, Source
from ingest.pipeline import process
from ingest.pseudonyms import identity_key
from ingest.services import events_store

# Rejections kept with their line number; the rest are only counted, so a broken file of millions of
# lines cannot fill memory with reasons.
MAX_REPORTED_REJECTIONS = 50


@dataclass(frozen=True, slots=True)
class LineRejection:
    line: int  # 1-based line number in the input
    code: str
    detail: str
    field: str | None = None


@dataclass
class ImportReport:
    lines: int = 0  # non-blank lines read
    accepted: int = 0  # new events stored
    duplicates: int = 0  # already stored, or repeated in the input (same uuid)
    ignored: int = 0  # dropped by the consent decision (e.g. `"consent": "denied"`), as live
    rejected: int = 0  # lines that are not valid events
    failed: int = 0  # valid events the database refused; kept in the dead-letter table
    rejections: list[LineRejection] = field(default_factory=list)

    def reject(self, line: int, code: str, detail: str, field_name: str | None = None) -> None:
        self.rejected += 1
        if len(self.rejections) < MAX_REPORTED_REJECTIONS:
            self.rejections.append(LineRejection(line, code, detail, field_name))


def _context(site: SiteSnapshot) -> RequestContext:
    now = datetime.now(UTC)
    return RequestContext(
        site=site,
        source=Source.IMPORT,
        received_at=now,
        # No request, so no address or user agent: like a backend, only an event's own `ip`/`ua` count.
        client_ip="",
        user_agent="",
        trusted=True,
        visitor_salt=site_cache.visitor_salt(now.date()),
        identity_key=identity_key(),
        max_event_bytes=settings.INGEST_MAX_EVENT_BYTES,
    )


def events_import(
    *,
    site: SiteSnapshot,
    lines: Iterable[bytes],
    batch_size: int = 1000,
    on_batch: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Runs NDJSON lines through the pipeline and stores the kept events; reports every line's fate."""
    report = ImportReport()
    # A line far beyond the event size limit is refused before it is parsed.
    max_line_bytes = 4 * settings.INGEST_MAX_EVENT_BYTES
    ctx = _context(site)
    rows: list[EventRow] = []

    def store() -> None:
        nonlocal rows, ctx
        if rows:
            result = events_store(rows=rows)
            report.accepted += result.written
            report.duplicates += result.duplicates
            report.failed += len(result.failed)
            rows = []
        if on_batch is not None:
            on_batch(report)
        ctx = _context(site)  # a fresh "received" time (and the day's salt) for the next batch

    pending = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        report.lines += 1
        pending += 1
        if len(line) > max_line_bytes:
            report.reject(number, "event_too_large", f"The line is longer than {max_line_bytes} bytes.")
        else:
            try:
                raw = orjson.loads(line)
            except orjson.JSONDecodeError:
                report.reject(number, "invalid_json", "The line is not valid JSON.")
            else:
                result = process(raw, ctx)
                if isinstance(result, Dropped):
                    if result.reason.is_client_error:
                        report.reject(number, result.reason.value, result.detail, result.field)
                    else:
                        report.ignored += 1
                else:
                    rows.append(event_row(result, ctx))
        if pending >= batch_size:
            store()
            pending = 0
    store()
    return report
