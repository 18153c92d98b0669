"""`manage.py enforce_retention`: what the `analytics.enforce_retention` beat task does, run once by hand.

Embedded mode runs no beat; a cron line with this command keeps its sites' retention there.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from analytics.services import events_retention_enforce


class Command(BaseCommand):
    help = "Delete every site's events older than its retention_days (and drop whole expired partitions)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = events_retention_enforce()
        dropped = ", ".join(result.partitions_dropped) or "none"
        self.stdout.write(f"Deleted {result.events_deleted} events; dropped partitions: {dropped}.")
