"""The sessions table (session parts): sessions and visitor trends read from it equal those from raw events.

Every answer is computed twice — with the parts (rollups on) and from raw events only — and compared whole, on
random data with logins mid-journey, device ids, events without any id, bots, equal timestamps, sessions across
hours and midnights, and breakdown values missing on a session's first events. Then the parts are made stale
every way they can be: late events, identity links written after the parts (moving their persons), a changed
time zone, session timeout or page-view setting, and retention deleting old events.

Parts take their persons from the person events, whose freshness is judged by the server's clock: those are
refreshed at the real time (events written later are received at the real time too), while the parts'
watermark is set on the dataset's calendar to decide which hours they cover.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from analytics.derived_tables import person_events_refresh, session_parts_refresh
from analytics.engine import insights, parts_reading
from analytics.models import Cohort, SessionPart, SessionPartsWatermark, Site
from analytics.services import events_retention_enforce
from analytics.tasks import refresh_rollups
from tests.analytics.dataset import at, event, write
from tests.analytics.engine.helpers import day_range, run
from tests.factories import make_site

pytestmark = pytest.mark.django_db
RANGE = day_range("2026-03-03", "2026-03-09")
BREAKDOWNS = [
    {"key": "referrer", "limit": 3},
    {"key": "browser", "limit": 2},
    {"key": "os", "limit": 8},
    {"key": "device_type", "limit": 1},
]
# What the parts answer: the overview's questions and their neighbours.
ANSWERED = [
    ("sessions", {"date_range": RANGE}),
    ("sessions", {"date_range": RANGE, "breakdowns": BREAKDOWNS}),
    ("sessions", {"date_range": RANGE, "breakdowns": BREAKDOWNS, "breakdown_visitors": False}),  # the overview's
    ("sessions", {"date_range": day_range("2026-03-02", "2026-03-12"), "breakdown": {"key": "browser", "limit": 2}}),
    ("sessions", {"date_range": day_range("2026-03-05", "2026-03-05"), "breakdowns": BREAKDOWNS[:2]}),
    ("sessions", {"date_range": RANGE, "session_timeout_minutes": 45, "breakdowns": BREAKDOWNS[1:]}),
    (
        "sessions",
        {"date_range": RANGE, "session_timeout_minutes": 45, "breakdowns": BREAKDOWNS[1:], "breakdown_visitors": False},
    ),
    ("trends", {"series": [{"event": None, "math": "persons"}], "date_range": RANGE, "compare": True}),
    ("trends", {"series": [{"math": "persons"}], "date_range": RANGE, "interval": "hour", "totals": False}),
    (
        "trends",
        {"series": [{"math": "persons"}], "date_range": day_range("2026-02-23", "2026-03-15"), "interval": "week"},
    ),
]
# What they do not answer (raw events do): a shorter timeout, property filters, bots, counts, other columns.
UNANSWERED = [
    ("sessions", {"date_range": RANGE, "session_timeout_minutes": 10}),
    ("sessions", {"date_range": RANGE, "filters": [{"key": "browser", "op": "eq", "value": "Chrome"}]}),
    ("sessions", {"date_range": RANGE, "include_bots": True}),
    ("sessions", {"date_range": RANGE, "count_events": ["click"]}),
    ("sessions", {"date_range": RANGE, "breakdowns": BREAKDOWNS, "breakdown_visitors": False, "count_events": ["x"]}),
    ("sessions", {"date_range": RANGE, "breakdown": {"key": "path"}}),
    ("trends", {"series": [{"event": "page_view", "math": "persons"}], "date_range": RANGE}),
    ("trends", {"series": [{"math": "persons"}], "date_range": RANGE, "breakdown": {"key": "browser"}}),
]
VALUES = {
    "browser": ["Chrome", "Firefox", "Safari", ""],
    "referrer": ["", "", "", "https://a.example/", "https://b.example/", "https://c.example/"],
    "os": ["Windows", "iOS", "Android", ""],
    "device_type": ["desktop", "mobile", ""],
    "path": ["/", "/pricing", "/docs"],
}


def random_events(site, seed, **options):
    write(*random_rows(site, seed, **options))


def random_rows(site, seed, *, people=60, received_at=None, start=-1.0, days=12.0):
    """Visitors with anonymous and device ids who sometimes log in; some events carry no id at all."""
    rng = random.Random(seed)
    rows = []
    for p in range(people):
        anon = f"anon{seed}-{p}"
        device = f"dev{seed}-{p % 7}" if rng.random() < 0.3 else ""
        user = f"user{p % 25}" if rng.random() < 0.5 else ""
        login_at = rng.randrange(60)
        bot = rng.random() < 0.1
        clock = at(rng.uniform(start, start + days))
        for k in range(rng.randrange(5, 90)):
            clock += timedelta(minutes=rng.choice([0, 0, 1, 5, 20, 29, 30, 31, 45, 90, 600]))
            logged_in = bool(user) and k >= login_at
            fields = {key: rng.choice(values) for key, values in VALUES.items()}
            props = {"engagement_ms": rng.choice([0, 4000, 20000, 650000])} if rng.random() < 0.3 else {}
            anonymous = "" if rng.random() < 0.03 else anon  # an id-less event: a person of its own
            rows.append(
                event(
                    site,
                    rng.choice(["page_view", "page_view", "click", "$pageview"]),
                    clock,
                    anon=anonymous if not logged_in or k == login_at or rng.random() < 0.4 else "",
                    user=user if logged_in else "",
                    device_id=device if anonymous else "",
                    uuid=str(uuid.UUID(int=rng.getrandbits(128))),
                    props=props,
                    is_bot=bot,
                    received_at=received_at or clock,
                    **fields,
                )
            )
    return rows


def refresh(now=None):
    """What the periodic task does: person events (at the real time), then the parts up to `now`."""
    person_events_refresh()
    return session_parts_refresh(now=now)


def received(minutes=0.0):
    """A receipt time as the server's clock gives it: after every refresh made earlier in the test."""
    return datetime.now(UTC) + timedelta(minutes=minutes)


def parts_persons(site):
    """(person, hour) of every part, and of every non-bot person event: the same persons, as integers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT person, hour FROM analytics_sessionpart WHERE site_id = %s", [site])
        parts = set(cursor.fetchall())
        cursor.execute(
            "SELECT DISTINCT person, date_trunc('hour', \"timestamp\") FROM analytics_personevent "
            "WHERE site_id = %s AND NOT is_bot",
            [site],
        )
        return parts, set(cursor.fetchall())


def assert_sessions_assigned(site, timeout=30 * 60):
    """Every part's session as the refreshes left it equals one computed afresh over all of its person's parts:
    a new session where a part starts over the timeout after the latest end before it (epoch seconds, as in SQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT person, first_at, last_at, session_start, alone FROM analytics_sessionpart "
            'WHERE site_id = %s ORDER BY person, first_at, pos COLLATE "C"',
            [site],
        )
        parts = cursor.fetchall()
    assert parts
    sessions, person, latest = [], None, 0.0
    for who, first, last, _start, _alone in parts:
        if who != person or first.timestamp() - latest > timeout:
            sessions.append([first, 0])
            latest = last.timestamp()
        latest, person = max(latest, last.timestamp()), who
        sessions[-1][1] += 1
        sessions[-1].append(len(sessions) - 1)
    want = [(start, size == 1) for start, size, *members in sessions for _ in members]
    assert [(start, alone) for *_, start, alone in parts] == want


def _query(kind, payload):
    return insights.parse(kind, payload)


def uses_parts(site, kind, payload):
    """Whether this question is answered from the parts (and not only from raw events)."""
    ctx = insights.context_for(site)
    query = _query(kind, payload)
    span = ctx.window(query.scope.date_range)
    if kind == "sessions":
        minutes = query.session_timeout_minutes
        return parts_reading.answers_sessions(
            ctx,
            span,
            minutes * 60 if minutes else ctx.settings.session_timeout_seconds,
            query.breakdowns or ((query.breakdown,) if query.breakdown else ()),
            query.scope.filters,
            include_bots=query.scope.include_bots,
            counts=bool(query.count_events),
        )
    from analytics.engine.runners.trends import _persons_from_parts

    return _persons_from_parts(ctx, query, query.series[0], span)


def assert_same(site, questions=ANSWERED + UNANSWERED, *, equal=True):
    for kind, payload in questions:
        with_parts, raw = run(site, kind, payload, rollups=True), run(site, kind, payload, rollups=False)
        assert (with_parts == raw) is equal, (kind, payload)


@pytest.mark.parametrize(("zone", "seed"), [("UTC", 1), ("Europe/Berlin", 2), ("America/New_York", 3)])
def test_parts_answer_exactly_as_raw_events(zone, seed):
    site = make_site(timezone=zone).id
    random_events(site, seed)
    refresh(now=at(4, hours=5, minutes=30))  # the parts stop mid-range: raw events do the rest
    assert SessionPart.objects.filter(site_id=site).exists()
    for kind, payload in ANSWERED:
        assert uses_parts(site, kind, payload), payload
    for kind, payload in UNANSWERED:
        assert not uses_parts(site, kind, payload), payload
    assert_same(site)
    sessions = run(site, "sessions", ANSWERED[1][1])
    assert sessions["totals"]["sessions"] > 100 and all(b["rows"] for b in sessions["breakdowns"])
    refresh(now=at(30))  # now covering every hour
    assert_same(site, ANSWERED)
    parts, events = parts_persons(site)
    assert parts == events
    assert_sessions_assigned(site)


def test_a_cohort_filter_is_answered_from_parts():
    site = make_site(timezone="Europe/Berlin").id
    random_events(site, 4)
    refresh(now=at(30))
    cohort = Cohort.objects.create(
        site_id=site,
        name="clickers",
        definition={"criteria": [{"type": "event", "event": "click", "min_count": 8, "date_range": RANGE}]},
    ).pk
    in_cohort = [{"key": "cohort", "op": "in", "value": cohort}]
    questions = [
        ("sessions", {"date_range": RANGE, "breakdowns": BREAKDOWNS, "filters": in_cohort}),
        (
            "sessions",
            {"date_range": RANGE, "breakdowns": BREAKDOWNS, "filters": in_cohort, "breakdown_visitors": False},
        ),
        ("sessions", {"date_range": RANGE, "filters": [{"key": "cohort", "op": "not_in", "value": cohort}]}),
        ("trends", {"series": [{"math": "persons"}], "date_range": RANGE, "filters": in_cohort}),
    ]
    for kind, payload in questions:
        assert uses_parts(site, kind, payload)
    assert_same(site, questions)
    assert 0 < run(site, *questions[0])["totals"]["visitors"] < run(site, *ANSWERED[0])["totals"]["visitors"]


def test_late_events_and_later_logins():
    site = make_site(timezone="Asia/Shanghai").id
    random_events(site, 5)
    refresh(now=at(30))
    # A visitor seen on several days logs in now: the link merges their anonymous past into the user. The query
    # catches the person events up first, which moves the parts of that anonymous id along with its events.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT k.id, k.key FROM analytics_person k WHERE k.id IN "
            "(SELECT anon_key FROM analytics_sessionpart WHERE site_id = %s) ORDER BY k.key LIMIT 1",
            [site],
        )
        moved, anon = cursor.fetchone()
    write(event(site, "login", at(30, hours=2), anon=anon, user="user1", received_at=received()))
    later = {"date_range": day_range("2026-03-02", "2026-04-02"), "breakdowns": BREAKDOWNS}
    assert uses_parts(site, "sessions", later)
    assert not SessionPart.objects.filter(site_id=site, anon_key=moved).exists()
    assert_same(
        site, [("sessions", later), ("trends", {"series": [{"math": "persons"}], "date_range": later["date_range"]})]
    )
    # Events of old hours that arrive late (a phone that was offline) join the parts at the next refresh.
    late = received()
    rows = [event(site, "page_view", at(2, minutes=7 * i), anon=anon, received_at=late) for i in range(6)]
    write(
        *rows,
        event(site, "page_view", at(2, minutes=50), user="user1", referrer="https://late.example/", received_at=late),
    )
    stale = run(site, "sessions", {"date_range": RANGE}, rollups=True)
    assert stale != run(site, "sessions", {"date_range": RANGE}, rollups=False)
    assert refresh() >= 2
    assert_same(site, [*ANSWERED, ("sessions", later)])
    parts, events = parts_persons(site)
    assert parts == events
    assert_sessions_assigned(site)


def test_links_written_later_move_parts_as_they_move_person_events():
    """A device id's link moves the parts of an unlinked anonymous id seen with it; the anonymous id's own link,
    coming later, wins over the device's (base.PERSON's order); links reach the parts through a query's catch-up
    as through the periodic refresh."""
    site = make_site().id
    write(
        event(site, "page_view", at(0), anon="A"),
        event(site, "page_view", at(0, minutes=10), anon="B", device_id="D"),
        event(site, "page_view", at(0, minutes=20), device_id="D"),
        event(site, "page_view", at(0, minutes=40), anon="A", device_id="E"),
        event(site, "page_view", at(0, hours=3), anon="A"),
    )
    covered = at(0, hours=6)  # the links' own events come after the hours the parts cover
    refresh(now=covered)

    def parts():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.first_at, k.key FROM analytics_sessionpart s JOIN analytics_person k ON k.id = s.person "
                "WHERE s.site_id = %s ORDER BY s.first_at, k.key",
                [site],
            )
            return [(round((first - at(0)).total_seconds() / 60), key) for first, key in cursor.fetchall()]

    days = ("sessions", {"date_range": day_range("2026-03-02", "2026-03-04")})
    questions = [days, ("sessions", {**days[1], "breakdowns": BREAKDOWNS})]
    assert parts() == [(0, "A"), (10, "B"), (20, "D"), (40, "A"), (180, "A")]
    assert run(site, *days)["totals"]["sessions"] == 5
    # D -> u1, applied by a query's catch-up: B's and D's parts are u1's now.
    write(event(site, "noise", at(1), user="u1", device_id="D", received_at=received()))
    assert_same(site, questions)
    assert parts() == [(0, "A"), (10, "u1"), (20, "u1"), (40, "A"), (180, "A")]
    # B's own link wins over D's; E's moves only A's part that carried E. Applied by the periodic refresh.
    write(event(site, "noise", at(1), user="u2", anon="B", received_at=received()))
    write(event(site, "noise", at(1), user="u3", device_id="E", received_at=received()))
    refresh(now=covered)
    assert parts() == [(0, "A"), (10, "u2"), (20, "u1"), (40, "u3"), (180, "A")]
    assert_same(site, questions)
    assert run(site, *days, rollups=True)["totals"]["sessions"] == 8
    # A logs in (as u3) at minute 20 of a covered hour: a late event the parts wait for, then one session 0-40.
    write(event(site, "noise", at(0, minutes=20), user="u3", anon="A", received_at=received()))
    assert_same(site, questions, equal=False)
    refresh()
    assert_same(site, [*questions, *ANSWERED])
    assert run(site, *days, rollups=True)["totals"]["sessions"] == 7
    assert parts_persons(site)[0] == parts_persons(site)[1]
    assert_sessions_assigned(site)


@pytest.mark.parametrize("seed", [11, 12])
def test_random_links_after_the_parts(seed):
    """Anonymous visitors of the first week log in after the parts were cut (links over ids whose parts are
    stored): applied by a query's catch-up, or by the periodic refresh; always the answers of raw events."""
    site = make_site(timezone="Europe/Berlin").id
    rng = random.Random(seed)
    rows = random_rows(site, seed, days=6.0)
    write(*rows)
    refresh(now=at(7))  # the logins' own events fall after the hours the parts cover
    unresolved = SessionPart.objects.filter(site_id=site, anon_key__isnull=False)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT key FROM analytics_person WHERE id IN "
            "(SELECT anon_key FROM analytics_sessionpart WHERE site_id = %s) ORDER BY key",
            [site],
        )
        anons = [key for (key,) in cursor.fetchall()]  # anonymous ids that no link resolved yet
    moved = unresolved.count()
    logins = [(at(8, hours=rng.random() * 24), anon, f"late{rng.randrange(8)}") for anon in rng.sample(anons, 12)]
    whole = ("sessions", {"date_range": day_range("2026-03-01", "2026-03-12"), "breakdowns": BREAKDOWNS})
    persons = ("trends", {"series": [{"math": "persons"}], "date_range": day_range("2026-03-01", "2026-03-12")})
    write(
        *[event(site, "login", when, anon=anon, user=user, received_at=received()) for when, anon, user in logins[:6]]
    )
    assert_same(site, [whole, persons, *ANSWERED])  # the query's catch-up applies the new links
    write(
        *[event(site, "login", when, anon=anon, user=user, received_at=received()) for when, anon, user in logins[6:]]
    )
    person_events_refresh()  # the periodic refresh applies these
    assert_same(site, [whole, persons, *ANSWERED])
    assert unresolved.count() < moved
    assert refresh() >= 1  # now covering the logins' hours too
    assert_same(site, [whole, persons, *ANSWERED])
    parts, events = parts_persons(site)
    assert parts == events
    assert_sessions_assigned(site)


def test_settings_and_time_zone_changes(settings):
    site = make_site(timezone="UTC").id
    random_events(site, 6)
    refresh(now=at(30))
    # A longer timeout still reads the parts (cut at 30 minutes, they join up); a shorter one cannot.
    settings.ANALYTICS_SESSION_TIMEOUT_MINUTES = 45
    assert uses_parts(site, *ANSWERED[1])
    assert_same(site, ANSWERED[:4])
    settings.ANALYTICS_SESSION_TIMEOUT_MINUTES = 10
    assert not uses_parts(site, *ANSWERED[1])
    assert_same(site, ANSWERED[:4])
    session_parts_refresh(now=at(30, minutes=1))  # the next refresh re-cuts every hour at 10 minutes
    assert SessionPartsWatermark.objects.get().recipe["timeout_seconds"] == 600
    assert_sessions_assigned(site, timeout=600)
    assert uses_parts(site, *ANSWERED[1])
    assert_same(site, ANSWERED[:4])
    settings.ANALYTICS_PAGEVIEW_EVENTS = ("page_view",)  # parts count page views: they wait for the re-cut
    assert insights.context_for(site).session_parts is None
    session_parts_refresh(now=at(30, minutes=2))
    assert uses_parts(site, *ANSWERED[1])
    assert_same(site, ANSWERED[:4])
    # Parts are cut at UTC hours: another zone with whole-hour offsets reads the same parts, a half-hour one not.
    Site.objects.filter(pk=site).update(timezone="Asia/Tokyo")
    assert uses_parts(site, *ANSWERED[1])
    assert_same(site)
    Site.objects.filter(pk=site).update(timezone="Asia/Kolkata")
    assert not uses_parts(site, *ANSWERED[1])
    assert_same(site, ANSWERED)


def test_retention_removes_and_recuts_parts():
    site = make_site(timezone="Europe/Berlin").id
    random_events(site, 7)
    refresh(now=at(30))
    Site.objects.filter(pk=site).update(retention_days=26)
    cut = at(30) - timedelta(days=26)  # 2026-03-06 09:00 UTC: mid-range, on the hour
    events_retention_enforce(now=at(30, minutes=20))  # the cut-off falls 20 minutes into an hour
    assert not SessionPart.objects.filter(site_id=site, hour__lt=cut).exists()
    assert SessionPart.objects.filter(site_id=site, hour__gte=cut).exists()
    assert_same(site)


def test_the_task_and_the_command_build_the_same_parts():
    site = make_site().id
    random_events(site, 8, received_at=at(-2))
    refresh_rollups()
    first = sorted(SessionPart.objects.filter(site_id=site).values_list("pos", "page_views", "browser", "referrer"))
    assert first
    refresh_rollups()  # nothing new: nothing changes
    out = StringIO()
    call_command("rebuild_sessions", stdout=out)
    assert "session parts" in out.getvalue()
    assert first == sorted(
        SessionPart.objects.filter(site_id=site).values_list("pos", "page_views", "browser", "referrer")
    )
    # A late event reaches the parts with the next run of the task, here through the command's --refresh.
    late = event(site, "page_view", at(3, minutes=1), anon="latecomer", received_at=datetime.now(UTC))
    write(late)
    assert_same(site, [("sessions", {"date_range": RANGE})], equal=False)
    assert uses_parts(site, "sessions", {"date_range": RANGE})
    call_command("rebuild_sessions", "--refresh", stdout=out)
    assert "Refreshed" in out.getvalue()
    assert_same(site, ANSWERED)
