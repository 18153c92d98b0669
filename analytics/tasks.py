from __future__ import annotations

import logging

from celery import shared_task

from analytics.services import event_partitions_ensure, rollups_refresh

logger = logging.getLogger(__name__)


@shared_task(name="analytics.ensure_event_partitions", ignore_result=True)
def ensure_event_partitions() -> None:
    created = event_partitions_ensure()
    if created:
        logger.info("created event partitions", extra={"partitions": created})


@shared_task(name="analytics.refresh_rollups", ignore_result=True, time_limit=600, soft_time_limit=540)
def refresh_rollups() -> None:
    hours = rollups_refresh()
    if hours:
        logger.info("refreshed hourly rollups", extra={"hours": hours})
