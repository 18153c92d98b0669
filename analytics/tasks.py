from __future__ import annotations

import logging

from celery import shared_task

from analytics.services import event_partitions_ensure

logger = logging.getLogger(__name__)


@shared_task(name="analytics.ensure_event_partitions", ignore_result=True)
def ensure_event_partitions() -> None:
    created = event_partitions_ensure()
    if created:
        logger.info("created event partitions", extra={"partitions": created})
