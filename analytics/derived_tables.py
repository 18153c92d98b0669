"""Writes of the tables kept from the events so that insights need not scan them: the hourly rollups, the session
parts (the sessions table) and the person events. The periodic task ``analytics.refresh_rollups`` runs the three
refreshes; retention calls the ``*_forget`` functions after deleting events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, connections, transaction

from analytics.engine import person_events, session_parts
from analytics.engine.context import RunContext
from analytics.engine.dialect import dialect_for
from analytics.engine.insights import engine_settings
from analytics.engine.rollups import ROLLUP_KEY, floor_hour, recompute, runs, touched_hours
from analytics.event_store.retention import DELETE_BATCH
from analytics.models import RollupWatermark, SessionPart, SessionPartsWatermark

# --- Rollups ---------------------------------------------------------------------------------------------


def rollups_refresh(*, now: datetime | None = None, using: str = "default") -> int:
    """Recounts every hour that received events since the last run (and the lookback); returns hours redone."""
    now = now or datetime.now(UTC)
    db = connections[using]
    dialect = dialect_for(db)
    redone = 0
    with transaction.atomic(using=using):
        mark = RollupWatermark.objects.using(using).select_for_update().filter(key=ROLLUP_KEY).first()
        since = mark.received_until - timedelta(seconds=settings.ANALYTICS_ROLLUP_LOOKBACK_SECONDS) if mark else None
        dialect.prepare(db)
        with db.cursor() as cursor:
            for site_id, hours in touched_hours(cursor, dialect, since, now).items():
                for start, end in runs(hours):
                    recompute(cursor, dialect, site_id, start, end)
                    redone += int((end - start).total_seconds() // 3600)
        RollupWatermark.objects.using(using).update_or_create(key=ROLLUP_KEY, defaults={"received_until": now})
    return redone


# --- Session parts (the sessions table, analytics/engine/session_parts.py) ------------------------------------


def _parts_context(site_id: int, using: str, now: datetime) -> RunContext:
    db = connections[using]
    return RunContext(
        site_id=site_id, zone="UTC", now=now, connection=db, dialect=dialect_for(db), settings=engine_settings()
    )


def session_parts_refresh(*, now: datetime | None = None, using: str = "default", rebuild: bool = False) -> int:
    """Re-cuts the session parts of every hour that received events since the last run (and the lookback), or of
    every hour when `rebuild` is set or the settings they were cut with changed; returns the hours redone.

    Parts take their persons from the person events, so only what those hold is cut (up to their refresh, which
    the periodic task runs first) and their refresh is held meanwhile: no identity link moves persons in between.
    Nothing is cut before the first person-events refresh, nor on SQLite (no person events there)."""
    now = now or datetime.now(UTC)
    db = connections[using]
    if db.vendor != "postgresql":
        return 0
    dialect = dialect_for(db)
    wanted = session_parts.recipe(engine_settings())
    redone = 0
    with transaction.atomic(using=using):
        # The row exists before it is locked, so two first runs cannot both build the whole table.
        marks = SessionPartsWatermark.objects.using(using)
        marks.get_or_create(key=session_parts.PARTS_KEY, defaults={"received_until": now, "recipe": {}})
        mark = marks.select_for_update().get(key=session_parts.PARTS_KEY)
        persons_until = person_events.lock(using)
        if persons_until is None:
            return 0
        until = min(now, persons_until)
        since = None
        if rebuild or mark.recipe != wanted:
            SessionPart.objects.using(using).all().delete()
        else:
            since = mark.received_until - timedelta(seconds=settings.ANALYTICS_ROLLUP_LOOKBACK_SECONDS)
        with db.cursor() as cursor:
            for site_id, hours in touched_hours(cursor, dialect, since, until).items():
                ctx = _parts_context(site_id, using, now)
                recut = runs(hours)
                redone += sum(int((end - start).total_seconds() // 3600) for start, end in recut)
                if since is None:
                    session_parts.build(cursor, ctx, recut)  # into the emptied table, sessions and all
                    continue
                for start, end in recut:
                    session_parts.recompute(cursor, ctx, start, end)
            session_parts.assign_sessions(cursor, wanted["timeout_seconds"])
            if since is None:
                # A whole new table: planner statistics now rather than whenever autovacuum comes by.
                cursor.execute("ANALYZE analytics_sessionpart")
        mark.received_until, mark.recipe = until, wanted
        mark.save(using=using)
    return redone


def session_parts_forget(site_id: int, before: datetime, using: str = "default") -> None:
    """After retention deleted a site's events before `before`: their hours' parts go, the hour it cuts is re-cut
    (before the person events of the deleted events go: the re-cut takes its persons from them)."""
    if not SessionPartsWatermark.objects.using(using).exists():
        return
    ctx = _parts_context(site_id, using, before)
    hour = floor_hour(before)
    with transaction.atomic(using=using), ctx.connection.cursor() as cursor:
        person_events.lock(using)
        session_parts.delete(cursor, ctx, None, hour)
        if hour < before:
            session_parts.recompute(cursor, ctx, hour, hour + timedelta(hours=1))
        session_parts.assign_sessions(cursor, ctx.settings.session_timeout_seconds)


# --- Person events (funnels' and retention's narrow table, analytics/engine/person_events.py) ----------------


def person_events_refresh(*, now: datetime | None = None, using: str = "default") -> int:
    """Stores the events received since the last run (and the rollups' lookback) with their persons as integers
    and applies new identity links; the first run stores every event. Returns the rows added (0 on SQLite)."""
    if connections[using].vendor != "postgresql":
        return 0
    lookback = timedelta(seconds=settings.ANALYTICS_ROLLUP_LOOKBACK_SECONDS)
    return person_events.refresh(using=using, now=now or datetime.now(UTC), lookback=lookback) or 0


def person_events_forget(site_id: int, before: datetime) -> None:
    """After retention deleted a site's events before `before`: their person-event rows go too, in batches."""
    if not settings.IS_POSTGRES:
        return
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if not person_events.forget_batch(cursor, site_id=site_id, before=before, batch=DELETE_BATCH):
                return
