"""Person events: every event narrowed to (site, time, uuid, name, bot flag) with its person as an integer.

Funnels and retention spend most of their time resolving each event's person (two joins to the identity
links and a long text key) and sorting by it. ``analytics_personevent`` holds that resolution done once, as
an integer from ``analytics_person`` (one row per person key), so a funnel or retention without property
filters, cohorts or a breakdown reads a narrow table and sorts integers (docs/queries.md, "Person events").

Exactness. A row's person is what ``base.PERSON`` gives for the event with the identity links known when the
row was written. A link written later changes the person of exactly the events that carry its anonymous or
device id, no user id, and no id already linked that takes precedence; those rows name that id in
``anon_key`` / ``device_key``, and each refresh applies every link whose id is still unmerged
(``analytics_person.merged``): the rows move to the linked user, and so do the session parts that took their
persons from these rows (``session_parts.move``; parts are cut under ``lock``). Events are taken by
``received_at``, so late events (old timestamps) come in with the refresh that sees them; a lookback re-reads
recent ones and keeps only those not stored yet. Retention deletes rows with their events. PostgreSQL only:
on SQLite insights read events (``available`` is false).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import OperationalError, connections, transaction
from psycopg.errors import LockNotAvailable

from analytics.engine import session_parts
from analytics.engine.base import PERSON, PERSON_JOINS
from analytics.engine.sql import Sql, all_of, param, q
from analytics.models import RollupWatermark
from analytics.queries.parts import Breakdown, EventSelector, Filter

PERSON_EVENTS_KEY = "person_events"
# A query brings the table up to date itself when the last refresh is at most this old; further behind (the
# beat not running, a first build pending), catching up could take longer than reading events, so it does not.
CATCH_UP_LIMIT = timedelta(hours=1)
# A query's catch-up that finds another refresh holding the table waits this long for it before reading raw
# events instead. Most holders are another query's catch-up of a few seconds' events, done in milliseconds —
# the console's overview asks three insights at once, and without waiting all but one read raw events, 5-10x
# slower (BENCHMARKS.md, "Console", session 5); a longer holder (the periodic refresh) is not waited out.
CATCH_UP_WAIT = timedelta(seconds=5)

_BATCH = Sql("sightline_person_batch")
_LINKS = Sql("sightline_person_links")
_DROP = "DROP TABLE IF EXISTS {t}"
# The events received in the interval that are not stored yet, each with its person key (k), the ids that a
# later link could still move (ka, kd; none once a user id or a link decided the person), and the ids it was
# seen with a user id, i.e. could have linked (ua, ud).
_STAGE = (
    'CREATE TEMP TABLE {t} AS SELECT e.site_id, e."timestamp", e.uuid, e."name", e.is_bot, {person} AS k, '
    "CASE WHEN e.user_id = '' AND la.user_id IS NULL AND e.anonymous_id <> '' THEN e.anonymous_id END AS ka, "
    "CASE WHEN e.user_id = '' AND la.user_id IS NULL AND ld.user_id IS NULL AND e.device_id <> '' "
    "THEN e.device_id END AS kd, "
    "CASE WHEN e.user_id <> '' AND e.anonymous_id <> '' THEN e.anonymous_id END AS ua, "
    "CASE WHEN e.user_id <> '' AND e.device_id <> '' THEN e.device_id END AS ud "
    "FROM analytics_event e{joins} WHERE {cond} AND NOT EXISTS (SELECT 1 FROM analytics_personevent p "
    'WHERE p.site_id = e.site_id AND p."timestamp" = e."timestamp" AND p.uuid = e.uuid)'
)
_ADD_PERSONS = (
    "INSERT INTO analytics_person (site_id, key, merged) SELECT DISTINCT site_id, k, FALSE FROM "
    "(SELECT site_id, k FROM {t} UNION ALL SELECT site_id, ka FROM {t} WHERE ka IS NOT NULL "
    "UNION ALL SELECT site_id, kd FROM {t} WHERE kd IS NOT NULL) keys ON CONFLICT (site_id, key) DO NOTHING"
)
_INSERT_ROWS = (
    'INSERT INTO analytics_personevent (site_id, "timestamp", uuid, person, "name", is_bot, anon_key, device_key) '
    'SELECT b.site_id, b."timestamp", b.uuid, p.id, b."name", b.is_bot, pa.id, pd.id FROM {t} b '
    "JOIN analytics_person p ON p.site_id = b.site_id AND p.key = b.k "
    "LEFT JOIN analytics_person pa ON pa.site_id = b.site_id AND pa.key = b.ka "
    "LEFT JOIN analytics_person pd ON pd.site_id = b.site_id AND pd.key = b.kd ON CONFLICT DO NOTHING"
)
# Links whose anonymous or device id still has events counted under a person of its own (or could have): all
# of them, or only those the batch's events could have made (an event with a user id and another id).
_PENDING_LINKS = (
    "CREATE TEMP TABLE {t} AS SELECT p.site_id, p.id AS raw, l.user_id FROM analytics_person p "
    "JOIN analytics_identitylink l ON l.site_id = p.site_id AND l.anonymous_id = p.key WHERE NOT p.merged"
)
_BATCH_LINKS = (
    "CREATE TEMP TABLE {t} AS SELECT p.site_id, p.id AS raw, l.user_id FROM (SELECT site_id, ua AS id FROM {b} "
    "WHERE ua IS NOT NULL UNION SELECT site_id, ud FROM {b} WHERE ud IS NOT NULL) ids "
    "JOIN analytics_identitylink l ON l.site_id = ids.site_id AND l.anonymous_id = ids.id "
    "JOIN analytics_person p ON p.site_id = l.site_id AND p.key = l.anonymous_id WHERE NOT p.merged"
)
_ADD_USERS = (
    "INSERT INTO analytics_person (site_id, key, merged) SELECT DISTINCT site_id, user_id, FALSE FROM {t} "
    "ON CONFLICT (site_id, key) DO NOTHING"
)
# The anonymous id's link comes first in PERSON, so it settles the person for good; the device id's link
# decides it only while the anonymous id has none (anon_key stays, in case it gets one).
_MOVE = (
    "UPDATE analytics_personevent e SET person = u.id, {cleared} FROM {t} k JOIN analytics_person u "
    "ON u.site_id = k.site_id AND u.key = k.user_id WHERE e.site_id = k.site_id AND e.{column} = k.raw"
)
_MARK_MERGED = "UPDATE analytics_person SET merged = TRUE WHERE id IN (SELECT raw FROM {t})"
_FORGET = (
    'DELETE FROM analytics_personevent WHERE (site_id, "timestamp", uuid) IN (SELECT site_id, "timestamp", uuid '
    'FROM analytics_personevent WHERE site_id = %s AND "timestamp" < %s LIMIT %s)'
)


def _run(cursor: Any, statement: Sql) -> int:
    cursor.execute(statement.text, statement.params)
    return int(cursor.rowcount)


def store(cursor: Any, since: datetime | None, until: datetime, *, every_link: bool) -> int:
    """Stores the events received in (since, until] that are not stored yet, then applies the identity links
    not applied yet: every one, or (``every_link`` false, for a query's catch-up) those the new events carry.
    Returns the rows added. Temporary tables are dropped here, not at commit: a caller's transaction may
    hold several refreshes (tests)."""
    received = [q("e.received_at <= {u}", u=param(until))]
    if since is not None:
        received.append(q("e.received_at > {s}", s=param(since)))
    _run(cursor, q(_DROP, t=_BATCH))
    _run(cursor, q(_STAGE, t=_BATCH, person=PERSON, joins=PERSON_JOINS, cond=all_of(received)))
    _run(cursor, q(_ADD_PERSONS, t=_BATCH))
    added = _run(cursor, q(_INSERT_ROWS, t=_BATCH))
    _run(cursor, q(_DROP, t=_LINKS))
    _run(cursor, q(_PENDING_LINKS, t=_LINKS) if every_link else q(_BATCH_LINKS, t=_LINKS, b=_BATCH))
    _run(cursor, q(_ADD_USERS, t=_LINKS))
    _run(cursor, q(_MOVE, t=_LINKS, column=Sql("anon_key"), cleared=Sql("anon_key = NULL, device_key = NULL")))
    _run(cursor, q(_MOVE, t=_LINKS, column=Sql("device_key"), cleared=Sql("device_key = NULL")))
    # The session parts took their persons from these rows: they move in the same transaction.
    session_parts.move(cursor, _LINKS)
    _run(cursor, q(_MARK_MERGED, t=_LINKS))
    _run(cursor, q(_DROP, t=_LINKS))
    _run(cursor, q(_DROP, t=_BATCH))
    return added


def forget_batch(cursor: Any, *, site_id: int, before: datetime, batch: int) -> int:
    """Deletes at most `batch` of a site's rows older than `before` (data retention); returns how many."""
    cursor.execute(_FORGET, (site_id, before, batch))
    return int(cursor.rowcount)


def answers(filters: Iterable[Filter], selectors: Iterable[EventSelector], breakdown: Breakdown | None) -> bool:
    """Whether person events can answer a query: steps or targets chosen by event name alone, no filters
    (they read columns this table does not keep), no breakdown."""
    return breakdown is None and not any(True for _ in filters) and all(not s.filters for s in selectors)


def refresh(*, using: str, now: datetime, lookback: timedelta | None, wait: bool | timedelta = True) -> int | None:
    """Stores the events received since the last refresh (``lookback`` before it) and applies new identity
    links, in one transaction; returns the rows added, or None when another refresh holds the table and ``wait``
    is false or the time it gives ran out. The first refresh stores every event (a backfill). ``lookback`` None
    (a query's catch-up): no re-read, and only the links the new events carry."""
    marks = RollupWatermark.objects.using(using)
    try:
        with transaction.atomic(using=using):
            before = _lock_timeout(using, wait) if isinstance(wait, timedelta) else None
            locked = marks.select_for_update(skip_locked=wait is False).filter(key=PERSON_EVENTS_KEY)
            # After a wait this reads the holder's new watermark: only what arrived since is stored.
            mark = locked.first()
            if before is not None:
                _lock_timeout(using, before)
            if mark is None and wait is False:
                return None
            since = None if mark is None else mark.received_until - (lookback or timedelta(0))
            with connections[using].cursor() as cursor:
                added = store(cursor, since, now, every_link=lookback is not None)
            # A refresh waited for may have stored up to a later instant than this one's: never go back.
            until = now if mark is None else max(now, mark.received_until)
            marks.update_or_create(key=PERSON_EVENTS_KEY, defaults={"received_until": until})
    except OperationalError as exc:
        if isinstance(exc.__cause__, LockNotAvailable):
            return None
        raise
    return added


def _lock_timeout(using: str, limit: timedelta | str) -> str:
    """Sets this transaction's lock_timeout (a duration, or a value this returned) and returns the one before."""
    value = limit if isinstance(limit, str) else f"{int(limit.total_seconds() * 1000)}ms"
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)", [value])
        return str(cursor.fetchone()[0])


def lock(using: str) -> datetime | None:
    """Holds the person events' refresh until the caller's transaction ends (so no link moves persons meanwhile) and
    returns the receipt time up to which events are stored; None before the first refresh."""
    marks = RollupWatermark.objects.using(using).select_for_update().filter(key=PERSON_EVENTS_KEY)
    return marks.values_list("received_until", flat=True).first()


def catch_up(using: str) -> bool:
    """For a query: whether analytics_personevent holds every event received until now (brought up to date
    here when its last refresh is recent); false on SQLite, before the first refresh, or while another refresh
    holds the table for longer than CATCH_UP_WAIT."""
    if connections[using].vendor != "postgresql":
        return False
    now = datetime.now(UTC)
    mark = RollupWatermark.objects.using(using).filter(key=PERSON_EVENTS_KEY).values_list("received_until", flat=True)
    until = mark.first()
    if until is None or now - until > CATCH_UP_LIMIT:
        return False
    return until >= now or refresh(using=using, now=now, lookback=None, wait=CATCH_UP_WAIT) is not None
