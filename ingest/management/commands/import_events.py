"""`manage.py import_events FILE.ndjson --site ID`: loads spooled or exported native events, idempotently.

Exit status 0 when every line was stored, already stored or ignored for consent; 1 when any line was
rejected or refused by the database (after the summary, and with every good line stored), so a script
or a CI step notices a broken file. Importing the same file again stores nothing twice.
"""

from __future__ import annotations

import gzip
import os
import sys
import time
from collections.abc import Generator, Iterable, Iterator
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError

from analytics import facade as analytics
from ingest.importing import MAX_REPORTED_REJECTIONS, ImportReport, events_import

BAR_WIDTH = 30


class _Input:
    """The lines of a file (plain or .gz) or stdin, counting the bytes read for the progress bar."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.total = 0 if path == "-" else os.stat(path).st_size  # a missing file fails here, before any work
        self.position = 0

    def lines(self) -> Generator[bytes]:
        if self.path == "-":
            yield from self._counted(sys.stdin.buffer, sys.stdin.buffer)
            return
        with open(self.path, "rb") as raw:
            if self.path.endswith(".gz"):
                with gzip.open(raw) as stream:
                    yield from self._counted(raw, stream)
            else:
                yield from self._counted(raw, raw)

    def _counted(self, raw: IO[bytes], stream: Iterable[bytes]) -> Iterator[bytes]:
        for line in stream:
            # For .gz the compressed position is what the file size measures.
            self.position = raw.tell() if stream is not raw else self.position + len(line)
            yield line


class _Progress:
    """A one-line text bar on stderr: redrawn in place on a terminal, a line every few seconds otherwise."""

    def __init__(self, out: Any, source: _Input, enabled: bool) -> None:
        self.out = out
        self.source = source
        self.enabled = enabled
        self.tty = enabled and out.isatty()
        self.started = time.monotonic()
        self.shown_at = 0.0

    def line(self, report: ImportReport) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        counts = f"{report.lines:,} lines  {report.lines / elapsed:,.0f} lines/s  {report.rejected:,} rejected"
        if not self.source.total:
            return counts
        fraction = min(self.source.position / self.source.total, 1.0)
        filled = int(fraction * BAR_WIDTH)
        return f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {fraction:4.0%}  {counts}"

    def update(self, report: ImportReport) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.shown_at < (0.2 if self.tty else 5.0):
            return
        self.shown_at = now
        self.out.write(("\r" if self.tty else "") + self.line(report), ending="" if self.tty else "\n")
        self.out.flush()

    def finish(self, report: ImportReport) -> None:
        if self.enabled:
            self.out.write(("\r" if self.tty else "") + self.line(report))


class Command(BaseCommand):
    help = "Import native events from an NDJSON file (an SDK spool or an export); - reads stdin."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="NDJSON file, one native event per line (.gz accepted), or - for stdin.")
        parser.add_argument("--site", type=int, required=True, help="The id of the site the events belong to.")
        parser.add_argument("--batch-size", type=int, default=1000, help="Events per database write.")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw the progress bar on stderr.")

    def handle(self, *args: Any, **options: Any) -> None:
        site = analytics.site_snapshot_by_id(options["site"])
        if site is None:
            raise CommandError(f"There is no site {options['site']}.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            source = _Input(options["file"])
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error.strerror}.") from None
        progress = _Progress(self.stderr, source, enabled=not options["no_progress"])
        # stderr is styled red by default; the bar is not an error.
        self.stderr.style_func = None
        started = time.monotonic()
        lines = source.lines()
        try:
            report = events_import(site=site, lines=lines, batch_size=options["batch_size"], on_batch=progress.update)
        except (OSError, EOFError) as error:  # e.g. a truncated .gz
            raise CommandError(f"Reading {options['file']} failed: {error}.") from None
        finally:
            lines.close()
        progress.finish(report)
        self._summary(report, time.monotonic() - started, site.id)
        if report.rejected or report.failed:
            raise CommandError(
                f"{report.rejected + report.failed:,} lines were not imported (see above).", returncode=1
            )

    def _summary(self, report: ImportReport, seconds: float, site_id: int) -> None:
        write = self.stdout.write
        write(f"site {site_id}: read {report.lines:,} lines in {seconds:.1f}s")
        write(f"  accepted    {report.accepted:>10,}  new events stored")
        write(f"  duplicates  {report.duplicates:>10,}  already stored (same uuid)")
        write(f"  ignored     {report.ignored:>10,}  dropped by the consent decision")
        write(f"  rejected    {report.rejected:>10,}  not valid events")
        if report.failed:
            write(f"  failed      {report.failed:>10,}  refused by the database; kept in the dead-letter table")
        for rejection in report.rejections:
            where = f" ({rejection.field})" if rejection.field else ""
            write(f"    line {rejection.line}: {rejection.code}{where}: {rejection.detail}")
        if report.rejected > len(report.rejections):
            more = report.rejected - len(report.rejections)
            write(f"    … and {more:,} more (only the first {MAX_REPORTED_REJECTIONS} are listed)")
