"""Every insight on the embedded SQLite default, compared with PostgreSQL on the same events.

The suite's database is PostgreSQL, so an in-memory SQLite connection is registered beside it, its tables
built from the Django models by the schema editor (as the SQLite migration does), and the same rows written
to both. The engine then runs each insight on each connection through its dialect.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from django.db import connections
from django.db.backends.sqlite3.base import DatabaseWrapper

from analytics.derived_tables import person_events_refresh, rollups_refresh, session_parts_refresh
from analytics.engine import insights
from analytics.engine.export import export_rows
from analytics.event_store.orm_writer import _links, _to_event
from analytics.models import (
    Cohort,
    CustomDimension,
    Event,
    EventAlias,
    HourlyRollup,
    IdentityLink,
    PathRollup,
    RollupWatermark,
    SessionPart,
    SessionPartsWatermark,
    Site,
)
from tests.analytics.dataset import at, event, write
from tests.analytics.engine.helpers import day_range
from tests.analytics.engine.test_session_parts import ANSWERED, random_rows
from tests.factories import make_site

pytestmark = pytest.mark.django_db
ALIAS = "embedded_test"
WEEK = day_range("2026-03-02", "2026-03-08")
QUERIES = [
    (
        "trends",
        {
            "series": [{"event": "page_view"}, {"math": "persons"}, {"math": "sessions"}],
            "date_range": WEEK,
            "compare": True,
        },
    ),
    (
        "trends",
        {
            "series": [
                {"event": "gen", "math": "p90", "property": "props.ms"},
                {"event": "gen", "math": "avg", "property": "value"},
            ],
            "date_range": WEEK,
        },
    ),
    (
        "trends",
        {
            "series": [{"event": None}],
            "date_range": WEEK,
            "interval": "hour",
            "breakdown": {"key": "dims.image_version", "limit": 1},
        },
    ),
    (
        "trends",
        {
            "series": [{"event": None}],
            "date_range": WEEK,
            "filters": [{"key": "url", "op": "contains", "value": "PRICING"}],
        },
    ),
    ("sessions", {"date_range": WEEK, "breakdown": {"key": "dims.image_version"}, "count_events": ["gen"]}),
    (
        "sessions",
        {"date_range": WEEK, "breakdowns": [{"key": "browser"}, {"key": "dims.image_version", "limit": 1}]},
    ),
    (
        "sessions",
        {
            "date_range": WEEK,
            "breakdown": {"key": "dims.image_version", "limit": 1},
            "breakdown_visitors": False,
            "count_events": ["gen"],
        },
    ),
    (
        "funnels",
        {
            "steps": [{"event": "page_view"}, {"event": "signup"}, {"event": "gen"}],
            "date_range": WEEK,
            "breakdown": {"key": "browser"},
        },
    ),
    ("funnels", {"steps": [{"event": "page_view"}, {"event": "gen"}], "date_range": WEEK, "order": "strict"}),
    ("funnels", {"steps": [{"event": "gen"}, {"event": "page_view"}], "date_range": WEEK, "order": "any"}),
    # Steps that share events: matched in Python (funnel_matching) over each database's rows.
    (
        "funnels",
        {
            "steps": [{"event": "page_view"}, {"event": "gen"}, {"event": "page_view"}],
            "date_range": WEEK,
            "order": "any",
            "breakdown": {"key": "browser"},
        },
    ),
    (
        "funnels",
        {
            "steps": [{"event": "page_view"}, {"event": "gen"}],
            "date_range": WEEK,
            "exclusions": [{"event": "signup", "from_step": 0, "to_step": 1}],
        },
    ),
    (
        "retention",
        {
            "target": {"event": "page_view"},
            "returning": {"event": "gen"},
            "date_range": WEEK,
            "breakdown": {"key": "props.group"},
        },
    ),
    (
        "retention",
        {
            "target": {"event": "page_view"},
            "date_range": day_range("2026-02-23", "2026-03-15"),
            "period": "week",
            "retention_type": "recurring",
        },
    ),
    ("paths", {"start_event": "page_view", "date_range": WEEK}),
    ("paths", {"end_event": "gen", "date_range": WEEK, "collapse_repeats": False}),
]


@pytest.fixture
def sqlite() -> Iterator[str]:
    # Registered as a connection but not in settings: Django treats it as created on the fly, which tests may use.
    wanted = {
        "default": dict(connections.settings["default"]),
        ALIAS: {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
    }
    connections[ALIAS] = DatabaseWrapper(connections.configure_settings(wanted)[ALIAS], ALIAS)
    with connections[ALIAS].schema_editor() as editor:
        for model in (
            Site,
            Event,
            IdentityLink,
            EventAlias,
            Cohort,
            CustomDimension,
            HourlyRollup,
            PathRollup,
            RollupWatermark,
            SessionPart,
            SessionPartsWatermark,
        ):
            editor.create_model(model)
    yield ALIAS
    connections[ALIAS].close()
    del connections[ALIAS]


def rows_for(site):
    rows = []
    for p, (browser, version) in enumerate(
        [("Chrome", "2.4"), ("Firefox", "2.5"), ("Chrome", "2.5"), ("Safari", "2.4")]
    ):
        anon = f"anon-{p}"
        rows += [
            event(
                site,
                "page_view",
                at(p % 2, minutes=p),
                anon=anon,
                browser=browser,
                dims={"image_version": version},
                url="https://x.test/pricing",
                path="/pricing" if p % 2 else "/",
            ),
            event(site, "signup", at(p % 2, minutes=p + 1), anon=anon, user=f"u{p}", props={"group": "AB"[p % 2]}),
            event(site, "gen", at(p % 2, minutes=p + 2), user=f"u{p}", value=p, props={"ms": 100 * p}),
            event(site, "page_view", at(1 + p, minutes=3), user=f"u{p}", props={"engagement_ms": 4000}),
            event(site, "gen", at(2 + p), anon=anon, props={"ms": "n/a"}),
        ]
    return rows


def test_every_insight_gives_the_same_answer_on_sqlite_and_postgres(sqlite):
    pg_site = make_site(timezone="Europe/Berlin").id
    lite_site = (
        Site.objects.using(sqlite)
        .create(
            name="embedded",
            timezone="Europe/Berlin",
            public_key=secrets.token_hex(8),
            secret_key_hash=secrets.token_hex(8),
        )
        .pk
    )
    write(*rows_for(pg_site))
    events = [_to_event(r) for r in rows_for(lite_site)]
    Event.objects.using(sqlite).bulk_create(events)
    IdentityLink.objects.using(sqlite).bulk_create(_links(events))
    cohort = {"criteria": [{"type": "event", "event": "gen", "min_count": 2, "date_range": WEEK}]}
    pg_cohort = Cohort.objects.create(site_id=pg_site, name="c", definition=cohort).pk
    lite_cohort = Cohort.objects.using(sqlite).create(site_id=lite_site, name="c", definition=cohort).pk
    for kind, payload in QUERIES:
        query = insights.parse(kind, payload)
        on_pg = insights.run(insights.context_for(pg_site, rollups=False), query)
        on_lite = insights.run(insights.context_for(lite_site, using=sqlite, rollups=False), query)
        assert on_lite == on_pg, (kind, payload)
    with_cohort = {"series": [{"event": None}], "date_range": WEEK}
    pg = insights.run(
        insights.context_for(pg_site),
        insights.parse("trends", with_cohort | {"filters": [{"key": "cohort", "op": "in", "value": pg_cohort}]}),
    )
    lite = insights.run(
        insights.context_for(lite_site, using=sqlite),
        insights.parse("trends", with_cohort | {"filters": [{"key": "cohort", "op": "in", "value": lite_cohort}]}),
    )
    assert pg["series"][0]["total"] == lite["series"][0]["total"] > 0


def test_rollups_and_export_on_sqlite(sqlite):
    site = Site.objects.using(sqlite).create(name="e", timezone="UTC", public_key="pk", secret_key_hash="h").pk
    events = [_to_event(r) for r in rows_for(site)]
    Event.objects.using(sqlite).bulk_create(events)
    assert rollups_refresh(now=at(10), using=sqlite) > 0
    ctx = insights.context_for(site, using=sqlite)
    assert ctx.rollups_until is not None
    for key in ("browser", "path"):  # the hourly rollup, the path rollup
        payload = {"series": [{"event": "page_view"}], "date_range": WEEK, "breakdown": {"key": key}}
        query = insights.parse("trends", payload)
        assert insights.run(ctx, query) == insights.run(insights.context_for(site, using=sqlite, rollups=False), query)
    exported = list(export_rows(ctx, at(-1), at(10), ()))
    assert len(exported) == len(events)
    assert exported[0][2] == at(0).isoformat() and isinstance(exported[0][17], dict)


def test_session_parts_on_sqlite(sqlite):
    """SQLite keeps no session parts (they take their persons from the person events, PostgreSQL only): its
    sessions come from raw events and equal PostgreSQL's from parts and the raw tail after them."""
    pg_site = make_site(timezone="Europe/Berlin").id
    lite_site = (
        Site.objects.using(sqlite).create(name="e", timezone="Europe/Berlin", public_key="pk", secret_key_hash="h").pk
    )
    write(*random_rows(pg_site, 9))
    events = [_to_event(r) for r in random_rows(lite_site, 9)]
    Event.objects.using(sqlite).bulk_create(events)
    IdentityLink.objects.using(sqlite).bulk_create(_links(events))
    refreshed = at(4, hours=5, minutes=30)
    person_events_refresh()
    assert session_parts_refresh(now=refreshed, using=sqlite) == 0 < session_parts_refresh(now=refreshed)
    assert not SessionPart.objects.using(sqlite).exists()
    for kind, payload in ANSWERED:
        query = insights.parse(kind, payload)
        lite = insights.context_for(lite_site, using=sqlite)
        assert lite.session_parts is None
        on_pg = insights.context_for(pg_site)
        assert on_pg.session_parts is not None
        assert insights.run(lite, query) == insights.run(on_pg, query), payload
