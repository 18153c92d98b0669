from __future__ import annotations

from datetime import UTC, datetime, timedelta

from celery import shared_task

from consent.services import visitor_salt_rotate


@shared_task(name="consent.rotate_visitor_salts", ignore_result=True)
def rotate_visitor_salts() -> None:
    """Creates tomorrow's salt ahead of midnight and deletes expired ones."""
    today = datetime.now(UTC).date()
    visitor_salt_rotate(today=today)
    visitor_salt_rotate(today=today + timedelta(days=1))
