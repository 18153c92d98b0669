"""The Celery application: maintenance tasks and, in the worker deployment, the stream consumer."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")

app = Celery("sightline")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _install_consumer_step() -> None:
    # Imported lazily: the bootstep pulls in Django models, which need the app registry ready.
    from ingest.worker_step import StreamConsumerStep

    app.steps["worker"].add(StreamConsumerStep)


_install_consumer_step()
