from __future__ import annotations

import logging

from celery import shared_task

from analytics.derived_tables import person_events_refresh, rollups_refresh, session_parts_refresh
from analytics.services import event_partitions_ensure, events_retention_enforce

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
    # Funnels' and retention's person events (analytics/engine/person_events.py): its own transaction and mark.
    added = person_events_refresh()
    if added:
        logger.info("refreshed person events", extra={"rows": added})
    # The sessions table (session parts) follows, taking its persons from the person events just stored.
    parts = session_parts_refresh()
    if parts:
        logger.info("refreshed session parts", extra={"hours": parts})


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
