"""The sessions table (session parts): sessions and visitor trends read from it equal those from raw events.

Every answer is computed twice — with the parts (rollups on) and from raw events only — and compared whole, on
random data with logins mid-journey, device ids, events without any id, bots, equal timestamps, sessions across
hours and midnights, and breakdown values missing on a session's first events. Then the parts are made stale
every way they can be: late events, identity links written after the parts, a changed time zone, session
timeout or page-view setting, and retention deleting old events.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from analytics.derived_tables import session_parts_refresh
from analytics.engine import insights, session_parts
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
    ("sessions", {"date_range": day_range("2026-03-02", "2026-03-12"), "breakdown": {"key": "browser", "limit": 2}}),
    ("sessions", {"date_range": day_range("2026-03-05", "2026-03-05"), "breakdowns": BREAKDOWNS[:2]}),
    ("sessions", {"date_range": RANGE, "session_timeout_minutes": 45, "breakdowns": BREAKDOWNS[1:]}),
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


def _query(kind, payload):
    return insights.parse(kind, payload)


def uses_parts(site, kind, payload):
    """Whether this question is answered from the parts (and not only from raw events)."""
    ctx = insights.context_for(site)
    query = _query(kind, payload)
    span = ctx.window(query.scope.date_range)
    if kind == "sessions":
        minutes = query.session_timeout_minutes
        return session_parts.answers_sessions(
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
    session_parts_refresh(now=at(4, hours=5, minutes=30))  # the parts stop mid-range: raw events do the rest
    assert SessionPart.objects.filter(site_id=site).exists()
    for kind, payload in ANSWERED:
        assert uses_parts(site, kind, payload), payload
    for kind, payload in UNANSWERED:
        assert not uses_parts(site, kind, payload), payload
    assert_same(site)
    sessions = run(site, "sessions", ANSWERED[1][1])
    assert sessions["totals"]["sessions"] > 100 and all(b["rows"] for b in sessions["breakdowns"])
    session_parts_refresh(now=at(30))  # now covering every hour
    assert_same(site, ANSWERED)


def test_a_cohort_filter_is_answered_from_parts():
    site = make_site(timezone="Europe/Berlin").id
    random_events(site, 4)
    session_parts_refresh(now=at(30))
    cohort = Cohort.objects.create(
        site_id=site,
        name="clickers",
        definition={"criteria": [{"type": "event", "event": "click", "min_count": 8, "date_range": RANGE}]},
    ).pk
    in_cohort = [{"key": "cohort", "op": "in", "value": cohort}]
    questions = [
        ("sessions", {"date_range": RANGE, "breakdowns": BREAKDOWNS, "filters": in_cohort}),
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
    session_parts_refresh(now=at(30))
    # A visitor seen on several days logs in now: the link merges their anonymous past into the user, and the
    # parts, which keep the ids the events carried, give the merged answer without being re-cut.
    anon = SessionPart.objects.filter(site_id=site, user_id="").values_list("anonymous_id", flat=True).first()
    write(event(site, "login", at(30, hours=2), anon=anon, user="user1", received_at=at(30, hours=2)))
    later = {"date_range": day_range("2026-03-02", "2026-04-02"), "breakdowns": BREAKDOWNS}
    assert uses_parts(site, "sessions", later)
    assert_same(
        site, [("sessions", later), ("trends", {"series": [{"math": "persons"}], "date_range": later["date_range"]})]
    )
    # Events of old hours that arrive late (a phone that was offline) join the parts at the next refresh.
    late = at(30, hours=3)
    rows = [event(site, "page_view", at(2, minutes=7 * i), anon=anon, received_at=late) for i in range(6)]
    write(
        *rows,
        event(site, "page_view", at(2, minutes=50), user="user1", referrer="https://late.example/", received_at=late),
    )
    stale = run(site, "sessions", {"date_range": RANGE}, rollups=True)
    assert stale != run(site, "sessions", {"date_range": RANGE}, rollups=False)
    assert session_parts_refresh(now=at(30, hours=3, minutes=1)) >= 2
    assert_same(site, [*ANSWERED, ("sessions", later)])


def test_settings_and_time_zone_changes(settings):
    site = make_site(timezone="UTC").id
    random_events(site, 6)
    session_parts_refresh(now=at(30))
    # A longer timeout still reads the parts (cut at 30 minutes, they join up); a shorter one cannot.
    settings.ANALYTICS_SESSION_TIMEOUT_MINUTES = 45
    assert uses_parts(site, *ANSWERED[1])
    assert_same(site, ANSWERED[:3])
    settings.ANALYTICS_SESSION_TIMEOUT_MINUTES = 10
    assert not uses_parts(site, *ANSWERED[1])
    assert_same(site, ANSWERED[:3])
    session_parts_refresh(now=at(30, minutes=1))  # the next refresh re-cuts every hour at 10 minutes
    assert SessionPartsWatermark.objects.get().recipe["timeout_seconds"] == 600
    assert uses_parts(site, *ANSWERED[1])
    assert_same(site, ANSWERED[:3])
    settings.ANALYTICS_PAGEVIEW_EVENTS = ("page_view",)  # parts count page views: they wait for the re-cut
    assert insights.context_for(site).session_parts is None
    session_parts_refresh(now=at(30, minutes=2))
    assert uses_parts(site, *ANSWERED[1])
    assert_same(site, ANSWERED[:3])
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
    session_parts_refresh(now=at(30))
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
    call_command("rebuild_sessions", "--refresh", stdout=out)
    assert "Refreshed" in out.getvalue()
    assert_same(site, ANSWERED)
