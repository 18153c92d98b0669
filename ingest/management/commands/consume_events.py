"""`manage.py consume_events`: the stream consumer on its own, without a Celery worker around it."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ingest.stream_consumer import start_consumer_threads


class Command(BaseCommand):
    help = "Drain the Redis event stream into the database until interrupted."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--name", help="Consumer name prefix in the group (default: host-pid).")
        parser.add_argument(
            "--consumers", type=int, default=None, help="Consumer threads (default: INGEST_CONSUMERS, 2)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.EMBEDDED:
            raise CommandError("REDIS_URL is not set: in embedded mode events are written inside the request.")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        count = options["consumers"] or settings.INGEST_CONSUMERS
        self.stdout.write(f"consuming events with {count} consumer(s); Ctrl-C to stop")
        threads = start_consumer_threads(stop, count, name=options["name"])
        while not stop.wait(0.5):
            if not any(thread.is_alive() for thread in threads):
                break
        for thread in threads:
            thread.join(timeout=30)
