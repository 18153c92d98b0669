"""Session parts: the sessions table kept next to the hourly rollups (read by parts_reading.py).

A part is one person's non-bot events within one UTC hour, cut where two events are further apart than the
timeout (analytics_sessionpart). The person is the integer analytics_personevent gives the events
(person_events.py), with the same `anon_key` / `device_key`: the id whose identity link, written later, moves
the part to the linked user. A part's events are exactly those such a move takes together (one person, the same
keys), so they stay one person's; person events and parts move in the same transaction (``move``), and parts
are cut under the person events' lock, from what those hold.

Each part also carries its session: `session_start`, the first event time of the session it belongs to among
all of its person's parts (cut at the same timeout), and `alone` when it is that session's only part. A refresh
redoes them for the persons whose parts it re-cut, from their last session that started before; a move leaves
them NULL (the moved parts, and every part of the person they left) until the next refresh.

PostgreSQL only, like person events.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from analytics.engine.base import TIMESTAMP, UUID, field_number, field_text, source
from analytics.engine.context import EngineSettings, RunContext
from analytics.engine.sql import Sql, alias, all_of, join, param, params, q
from analytics.queries.parts import FieldRef

PARTS_KEY = "sessions"
# Breakdown columns a part keeps the first value of: what the console's overview lists.
PART_COLUMNS = ("referrer", "browser", "os", "device_type")
FIELDS = (
    "site_id",
    "hour",
    "person",
    "anon_key",
    "device_key",
    "first_at",
    "last_at",
    "pos",
    "page_views",
    "engagement_ms",
    *[name for column in PART_COLUMNS for name in (column, column + "_pos")],
)
# A refresh of many hours goes in slices, so no statement sorts more than a week of events.
SLICE = timedelta(days=7)
_NEW = Sql("sightline_parts_new")
_DROP = "DROP TABLE IF EXISTS {t}"
# Events a later identity link moves together: one person, the same ids that could still move it.
_IDENTITY = Sql("person, ak, dk, hr")
_WINDOW = Sql("PARTITION BY person, ak, dk, hr ORDER BY ts, uuid")
_COLUMNS = Sql(", ".join(FIELDS))
_STORED = Sql(", ".join("s." + f for f in FIELDS))


def recipe(settings: EngineSettings) -> dict[str, Any]:
    """What parts depend on besides the events; parts cut by another recipe are rebuilt, not read."""
    return {
        "timeout_seconds": settings.session_timeout_seconds,
        "pageview_events": list(settings.pageview_events),
        "engagement_properties": list(settings.engagement_properties),
    }


def page_view(ctx: RunContext) -> Sql:
    return q('CASE WHEN e."name" IN ({p}) THEN 1 ELSE 0 END', p=params(ctx.settings.pageview_events))


def engagement(ctx: RunContext) -> Sql:
    keys = [field_number(ctx, FieldRef("props", (key,))) for key in ctx.settings.engagement_properties]
    return q("COALESCE({k}, 0)", k=join(", ", keys)) if keys else Sql("0")


def parts_select(ctx: RunContext, start: datetime, end: datetime, timeout: int) -> Sql:
    """The parts of this site's non-bot events in [start, end), as rows in FIELDS order."""
    dialect, width = ctx.dialect, ctx.dialect.position_width
    rows = source(
        ctx,
        start=start,
        end=end,
        columns=[
            ("person", Sql("pe.person")),
            ("ak", Sql("pe.anon_key")),
            ("dk", Sql("pe.device_key")),
            ("hr", dialect.trunc("hour", TIMESTAMP, "UTC")),
            ("ets", TIMESTAMP),
            ("ts", dialect.epoch(TIMESTAMP)),
            ("uuid", UUID),
            ("p", dialect.position(TIMESTAMP, UUID)),
            ("pv", page_view(ctx)),
            ("eng", engagement(ctx)),
            *[(alias("v", i).text, field_text(ctx, FieldRef("column", (c,)))) for i, c in enumerate(PART_COLUMNS)],
        ],
        person_ids=True,
    )
    firsts, values = [], []
    for i, column in enumerate(PART_COLUMNS):
        v, m = alias("v", i), alias("m", i)
        firsts.append(
            q(", MIN({x}) AS {m}", x=dialect.binary(q("CASE WHEN {v} IS NOT NULL THEN p || {v2} END", v=v, v2=v)), m=m)
        )
        values.append(
            q(
                ", COALESCE(SUBSTR({m}, {after}), '') AS {c}, "
                "CASE WHEN SUBSTR({m2}, 1, {w}) = pos THEN NULL ELSE SUBSTR({m3}, 1, {w2}) END AS {c}_pos",
                m=m,
                after=Sql(str(width + 1)),
                c=Sql(column),
                m2=m,
                w=Sql(str(width)),
                m3=m,
                w2=Sql(str(width)),
            )
        )
    return q(
        "SELECT {site} AS site_id, hr AS hour, person, ak AS anon_key, dk AS device_key, first_at, last_at, pos, "
        "pv AS page_views, eng AS engagement_ms{values} FROM ("
        "SELECT {i1}, MIN(ets) AS first_at, MAX(ets) AS last_at, MIN({p}) AS pos, SUM(pv) AS pv, "
        "SUM(eng) AS eng{firsts} FROM ("
        "SELECT g.*, SUM(gap) OVER ({w1} ROWS UNBOUNDED PRECEDING) AS sno FROM ("
        "SELECT s.*, CASE WHEN ts - LAG(ts) OVER ({w2}) <= {t} THEN 0 ELSE 1 END AS gap FROM ({rows}) s"
        ") g) n GROUP BY {i2}, sno) m",
        site=param(ctx.site_id),
        values=join("", values),
        i1=_IDENTITY,
        p=dialect.binary(Sql("p")),
        firsts=join("", firsts),
        w1=_WINDOW,
        w2=_WINDOW,
        t=param(timeout),
        rows=rows,
        i2=_IDENTITY,
    )


def delete(cursor: Any, ctx: RunContext, start: datetime | None, end: datetime | None) -> None:
    """Deletes this site's parts of the hours in [start, end) (None: unbounded)."""
    conditions = [q("site_id = {s}", s=param(ctx.site_id))]
    if start is not None:
        conditions.append(q("hour >= {a}", a=param(ctx.dialect.time(start))))
    if end is not None:
        conditions.append(q("hour < {b}", b=param(ctx.dialect.time(end))))
    statement = q("DELETE FROM analytics_sessionpart WHERE {c}", c=all_of(conditions))
    cursor.execute(statement.text, statement.params)


def recompute(cursor: Any, ctx: RunContext, start: datetime, end: datetime) -> None:
    """Replaces this site's parts of the hours [start, end) (whole UTC hours) with parts cut from raw events; their
    sessions stay to be assigned (``assign_sessions``, once per refresh)."""
    _run(cursor, q(_NEW_TOUCHED, t=_TOUCHED))
    at = start
    while at < end:
        upto = min(at + SLICE, end)
        bounds = dict(s=param(ctx.site_id), a=param(at), b=param(upto))
        _run(cursor, q(_TOUCH, t=_TOUCHED, **bounds))
        delete(cursor, ctx, at, upto)
        _run(
            cursor,
            q(
                "INSERT INTO analytics_sessionpart ({c}, alone) SELECT n.*, FALSE FROM ({s}) n",
                c=_COLUMNS,
                s=parts_select(ctx, at, upto, ctx.settings.session_timeout_seconds),
            ),
        )
        at = upto


def build(cursor: Any, ctx: RunContext, runs: list[tuple[datetime, datetime]]) -> None:
    """Cuts the parts of this site's hours in `runs` into a table that holds none of its parts, with their sessions,
    in hour order: the order ranges are read in (assigning sessions afterwards would rewrite every row, leaving
    the table in the order of that update)."""
    _run(cursor, q(_DROP, t=_NEW))
    _run(cursor, q("CREATE TEMP TABLE {t} AS SELECT {c} FROM analytics_sessionpart WITH NO DATA", t=_NEW, c=_COLUMNS))
    timeout = ctx.settings.session_timeout_seconds
    for start, end in runs:
        at = start
        while at < end:
            upto = min(at + SLICE, end)
            _run(cursor, q("INSERT INTO {t} ({c}) {s}", t=_NEW, c=_COLUMNS, s=parts_select(ctx, at, upto, timeout)))
            at = upto
    cut = q(_SESSIONS, c=_COLUMNS, timeout=param(timeout), rows=q("SELECT * FROM {t}", t=_NEW))
    _run(
        cursor,
        q(
            "INSERT INTO analytics_sessionpart ({c}, session_start, alone) SELECT * FROM ({k}) k "
            "ORDER BY hour, first_at",
            c=_COLUMNS,
            k=cut,
        ),
    )
    _run(cursor, q(_DROP, t=_NEW))


# --- Each part's session -------------------------------------------------------------------------------------

_TOUCHED = Sql("sightline_parts_touched")
_NEW_TOUCHED = "CREATE TEMP TABLE IF NOT EXISTS {t} (site_id integer, person integer, since timestamptz)"
# The persons whose parts a re-cut deletes, from where: their sessions from there on are redone too.
_TOUCH = (
    "INSERT INTO {t} SELECT site_id, person, MIN(first_at) FROM analytics_sessionpart "
    "WHERE site_id = {s} AND hour >= {a} AND hour < {b} GROUP BY site_id, person"
)
# Every person with parts whose session is unknown (new, or moved), from the first such part; then, per person,
# the start of their last session before that point: the parts from there on are all that can change.
_AFFECTED = (
    "CREATE TEMP TABLE {a} AS SELECT t.site_id, t.person, (SELECT MAX(s.session_start) FROM analytics_sessionpart s "
    "WHERE s.site_id = t.site_id AND s.person = t.person AND s.first_at < t.since) AS since FROM ("
    "SELECT site_id, person, MIN(since) AS since FROM (SELECT site_id, person, since FROM {t} UNION ALL "
    "SELECT site_id, person, MIN(first_at) FROM analytics_sessionpart WHERE session_start IS NULL "
    "GROUP BY site_id, person) u GROUP BY site_id, person) t"
)
# A part starts a session unless it begins within the timeout of the latest end before it (in (first event,
# position) order, as parts_reading.py cuts them); it is alone if the next part starts a session too. The first
# part of `rows` for each person starts one.
_SESSIONS = (
    "SELECT {c}, MAX(CASE WHEN gap THEN first_at END) OVER w AS session_start, "
    "gap AND COALESCE(LEAD(gap) OVER w, TRUE) AS alone FROM ("
    "SELECT p.*, COALESCE(date_part('epoch', p.first_at) - MAX(date_part('epoch', p.last_at)) OVER ("
    'PARTITION BY p.site_id, p.person ORDER BY p.first_at, p.pos COLLATE "C" ROWS BETWEEN UNBOUNDED PRECEDING '
    "AND 1 PRECEDING) > {timeout}, TRUE) AS gap FROM ({rows}) p) g "
    'WINDOW w AS (PARTITION BY site_id, person ORDER BY first_at, pos COLLATE "C" ROWS UNBOUNDED PRECEDING)'
)
_REDONE = (
    "SELECT p.id, p.site_id, p.person, p.first_at, p.last_at, p.pos FROM analytics_sessionpart p "
    "JOIN {a} a ON a.site_id = p.site_id AND a.person = p.person WHERE a.since IS NULL OR p.first_at >= a.since"
)
_ASSIGN = (
    "UPDATE analytics_sessionpart s SET session_start = k.session_start, alone = k.alone FROM ({k}) k "
    "WHERE s.id = k.id AND (s.session_start IS DISTINCT FROM k.session_start OR s.alone <> k.alone)"
)
_AFFECTED_TABLE = Sql("sightline_parts_affected")


def assign_sessions(cursor: Any, timeout: int) -> None:
    """Gives every part whose session is unknown, and every later part of the same persons, its session (after a
    refresh's re-cuts, or identity links moved parts). The first part of the range redone starts a session: it
    did before, and nothing before it changed."""
    _run(cursor, q(_NEW_TOUCHED, t=_TOUCHED))
    _run(cursor, q(_DROP, t=_AFFECTED_TABLE))
    _run(cursor, q(_AFFECTED, a=_AFFECTED_TABLE, t=_TOUCHED))
    redone = q(_REDONE, a=_AFFECTED_TABLE)
    _run(cursor, q(_ASSIGN, k=q(_SESSIONS, c=Sql("id"), timeout=param(timeout), rows=redone)))
    _run(cursor, q(_DROP, t=_AFFECTED_TABLE))
    _run(cursor, q(_DROP, t=_TOUCHED))


# --- Identity links written later ------------------------------------------------------------------------------

_SOURCES = Sql("sightline_parts_sources")
# The persons that parts are about to leave: their remaining parts may fall apart into more sessions.
_LEAVING = (
    "CREATE TEMP TABLE {s} AS SELECT e.site_id, e.person FROM analytics_sessionpart e JOIN {t} k "
    "ON k.site_id = e.site_id AND e.anon_key = k.raw UNION SELECT e.site_id, e.person FROM analytics_sessionpart e "
    "JOIN {t2} k ON k.site_id = e.site_id AND e.device_key = k.raw"
)
_MOVE = (
    "UPDATE analytics_sessionpart e SET person = u.id, session_start = NULL, {cleared} FROM {t} k "
    "JOIN analytics_person u ON u.site_id = k.site_id AND u.key = k.user_id "
    "WHERE e.site_id = k.site_id AND e.{column} = k.raw"
)
_FORGET_SESSIONS = (
    "UPDATE analytics_sessionpart e SET session_start = NULL FROM {s} f "
    "WHERE e.site_id = f.site_id AND e.person = f.person AND e.session_start IS NOT NULL"
)


def move(cursor: Any, links: Sql) -> None:
    """Moves the parts of the ids in the temporary table ``links`` (site_id, raw, user_id) to their users, as
    person_events.store moves events (the anonymous id's link first), and forgets the sessions that changes."""
    _run(cursor, q(_DROP, t=_SOURCES))
    _run(cursor, q(_LEAVING, s=_SOURCES, t=links, t2=links))
    cleared = Sql("anon_key = NULL, device_key = NULL")
    _run(cursor, q(_MOVE, t=links, column=Sql("anon_key"), cleared=cleared))
    _run(cursor, q(_MOVE, t=links, column=Sql("device_key"), cleared=Sql("device_key = NULL")))
    _run(cursor, q(_FORGET_SESSIONS, s=_SOURCES))
    _run(cursor, q(_DROP, t=_SOURCES))


def _run(cursor: Any, statement: Sql) -> None:
    cursor.execute(statement.text, statement.params)
