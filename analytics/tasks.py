from __future__ import annotations

import logging

from celery import shared_task

from analytics.services import event_partitions_ensure, events_retention_enforce, rollups_refresh

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


# Deleting years of events can take a while; batches commit as they go, so a run cut short loses nothing.
@shared_task(name="analytics.enforce_retention", ignore_result=True, time_limit=3600, soft_time_limit=3300)
def enforce_retention() -> None:
    result = events_retention_enforce()
    if result.events_deleted or result.partitions_dropped:
        logger.info(
            "enforced data retention",
            extra={
                "events_deleted": result.events_deleted,
                "keys_deleted": result.keys_deleted,
                "partitions_dropped": list(result.partitions_dropped),
            },
        )
