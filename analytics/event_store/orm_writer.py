"""Writes event rows through the ORM: the embedded SQLite default, where one process does all writing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from django.db import DatabaseError, transaction

from analytics.event_store.rows import EVENT_COLUMNS, EventRow, FailedRow, WriteResult
from analytics.models import Event, EventKey, IdentityLink


def _to_event(row: EventRow) -> Event:
    values = dict(zip(EVENT_COLUMNS, row, strict=True))
    values["uuid"] = UUID(values["uuid"])
    values["timestamp"] = datetime.fromisoformat(values["timestamp"])
    values["received_at"] = datetime.fromisoformat(values["received_at"])
    return Event(**values)


def _links(events: Sequence[Event]) -> list[IdentityLink]:
    links: dict[tuple[int, str], IdentityLink] = {}
    for event in sorted(events, key=lambda e: e.timestamp):
        for other in (event.anonymous_id, event.device_id):
            if other and event.user_id and other != event.user_id:
                links.setdefault(
                    (event.site_id, other),
                    IdentityLink(
                        site_id=event.site_id,
                        anonymous_id=other,
                        user_id=event.user_id,
                        linked_at=event.timestamp,
                    ),
                )
    return list(links.values())


def _write_batch(events: Sequence[Event]) -> int:
    unique: dict[tuple[int, UUID], Event] = {}
    for event in events:
        unique.setdefault((event.site_id, event.uuid), event)
    existing = set(EventKey.objects.filter(uuid__in=[key[1] for key in unique]).values_list("site_id", "uuid"))
    new = [event for key, event in unique.items() if key not in existing]
    EventKey.objects.bulk_create(
        [EventKey(site_id=e.site_id, uuid=e.uuid, timestamp=e.timestamp) for e in new], batch_size=500
    )
    Event.objects.bulk_create(new, batch_size=200)
    IdentityLink.objects.bulk_create(_links(events), ignore_conflicts=True)
    return len(new)


def write_rows(rows: Sequence[EventRow]) -> WriteResult:
    converted: list[tuple[Event, EventRow]] = []
    failed: list[FailedRow] = []
    for row in rows:
        try:
            converted.append((_to_event(row), row))
        except (ValueError, TypeError) as exc:
            failed.append(FailedRow(row=list(row), reason=f"{type(exc).__name__}: {exc}"[:500]))
    try:
        with transaction.atomic():
            written = _write_batch([event for event, _ in converted])
    except DatabaseError:
        # Find the rows the database refuses, one at a time; embedded batches are small.
        written = 0
        for event, row in converted:
            try:
                with transaction.atomic():
                    written += _write_batch([event])
            except DatabaseError as exc:
                failed.append(FailedRow(row=list(row), reason=f"{type(exc).__name__}: {exc}"[:500]))
    return WriteResult(written=written, duplicates=len(rows) - written - len(failed), failed=failed)
