"""Runs the stream consumer inside the Celery worker process, as a worker bootstep.

The consumer is one long-running loop, never a task per event: it drains the Redis stream in batches and
COPYs them into PostgreSQL. Running it as a bootstep means the worker deployment (docker-compose's
`worker` service) is all an operator starts.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import bootsteps

logger = logging.getLogger(__name__)


class StreamConsumerStep(bootsteps.StartStopStep):
    requires = ("celery.worker.components:Pool",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self, parent: Any) -> None:
        from django.conf import settings

        if settings.EMBEDDED or not settings.INGEST_RUN_CONSUMER_IN_WORKER:
            return
        from ingest.stream_consumer import start_consumer_threads

        self._threads = start_consumer_threads(self._stop, settings.INGEST_CONSUMERS)
        logger.info("stream consumers started in the worker", extra={"consumers": len(self._threads)})

    def stop(self, parent: Any) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
