"""`manage.py consume_events`: the stream consumer on its own, without a Celery worker around it."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ingest.stream_consumer import run_consumer_forever


class Command(BaseCommand):
    help = "Drain the Redis event stream into the database until interrupted."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--name", help="Consumer name in the group (default: host-pid).")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.EMBEDDED:
            raise CommandError("REDIS_URL is not set: in embedded mode events are written inside the request.")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        self.stdout.write("consuming events; Ctrl-C to stop")
        run_consumer_forever(stop, name=options["name"])
