"""`manage.py rebuild_sessions`: cuts every hour's session parts (the sessions table) afresh from raw events.

The `analytics.refresh_rollups` beat task keeps the parts current; this rebuilds them whole — after loading
events some other way, or to build them the first time on a large database outside the task's time limit.
Embedded mode runs no beat: a cron line with `--refresh` does what the task does there.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from analytics.derived_tables import person_events_refresh, session_parts_refresh
from analytics.tasks import refresh_rollups


class Command(BaseCommand):
    help = "Rebuild the session parts (the sessions table) of every site from raw events."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--refresh",
            action="store_true",
            help="Only what the periodic task analytics.refresh_rollups does: the hours with new events.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        began = time.monotonic()
        if options["refresh"]:
            refresh_rollups()  # the task itself, run here: it logs what it redid
            self.stdout.write(f"Refreshed the rollups and session parts in {time.monotonic() - began:.1f} s.")
            return
        # Parts take their persons from the person events: those first (a no-op when the task keeps them).
        person_events_refresh()
        hours = session_parts_refresh(rebuild=True)
        self.stdout.write(f"Rebuilt {hours} hours of session parts in {time.monotonic() - began:.1f} s.")
