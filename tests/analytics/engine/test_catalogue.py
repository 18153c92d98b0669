"""The event catalogue: names counted from rollups and raw events alike, keys and values from the recent sample."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.db import connections

from analytics.derived_tables import rollups_refresh
from analytics.engine import catalogue, insights
from analytics.event_store.orm_writer import _links, _to_event
from analytics.models import Event, IdentityLink, Site
from analytics.queries.catalogue import CatalogueQuery, parse_catalogue, parse_values
from tests.analytics.dataset import at, event, write
from tests.analytics.engine.test_sqlite import sqlite  # noqa: F401  (the in-memory SQLite fixture)
from tests.factories import make_site

pytestmark = pytest.mark.django_db
NOW = at(6, hours=3)  # inside the last of the seven days the events span


def rows_for(site: int) -> list[list[object]]:
    rows = []
    for day in range(7):
        for i in range(day + 1):
            rows.append(
                event(site, "page_view", at(day, minutes=i), anon=f"a{i}", browser="Chrome", props={"path_len": i})
            )
        rows.append(
            event(site, "signup", at(day, hours=1), anon=f"a{day}", props={"plan": "pro" if day % 2 else "free"})
        )
    rows.append(
        event(site, "generate", at(6, hours=2), user="u1", props={"ms": 120, "model": "x"}, dims={"tier": "gold"})
    )
    rows.append(event(site, "crawl", at(5), anon="bot", is_bot=True))
    rows.append(event(site, "page_view", at(-30), anon="old"))  # outside a 7-day window
    return rows


def names(result: dict[str, Any]) -> dict[str, int]:
    return {e["name"]: e["count"] for e in result["events"]}


def parsed(**params: str) -> CatalogueQuery:
    query = parse_catalogue(params)
    assert isinstance(query, CatalogueQuery), query
    return query


TRUTH = {"page_view": 28, "signup": 7, "generate": 1}


@pytest.mark.parametrize("use_rollups", [False, True])
def test_event_names_are_counted_over_the_window_with_or_without_rollups(use_rollups):
    site = make_site(timezone="UTC").id
    write(*rows_for(site))
    if use_rollups:
        # The rollups stop four days in; the rest of the window must come from raw events.
        rollups_refresh(now=at(4))
        write(event(site, "signup", at(6, hours=2, minutes=30), anon="late"))
    ctx = insights.context_for(site, now=NOW, rollups=use_rollups)
    assert (ctx.rollups_until is not None) == use_rollups
    result = catalogue.run_catalogue(ctx, parsed(days="7"), [])
    want = dict(TRUTH, signup=8) if use_rollups else TRUTH
    assert names(result) == want
    assert [e["name"] for e in result["events"]] == sorted(want, key=lambda n: (-want[n], n))
    with_bots = catalogue.run_catalogue(ctx, parsed(days="7", include_bots="true"), [])
    assert names(with_bots)["crawl"] == 1


def test_property_and_dimension_keys_with_counts_and_numeric_flag():
    site = make_site(timezone="UTC").id
    write(*rows_for(site))
    ctx = insights.context_for(site, now=NOW, rollups=False)
    result = catalogue.run_catalogue(ctx, parsed(days="7"), [("tier", "Tier"), ("region", "Region")])
    props = {p["key"]: p for p in result["properties"]}
    assert props["path_len"] == {"key": "path_len", "count": 28, "numeric": True}
    assert props["plan"] == {"key": "plan", "count": 7, "numeric": False}
    assert props["ms"]["numeric"] and not props["model"]["numeric"]
    assert result["dimensions"] == [
        {"key": "tier", "display_name": "Tier", "declared": True, "count": 1, "numeric": False},
        {"key": "region", "display_name": "Region", "declared": True, "count": 0, "numeric": False},
    ]
    only_signup = catalogue.run_catalogue(ctx, parsed(days="7", event="signup"), [])
    assert [p["key"] for p in only_signup["properties"]] == ["plan"]
    assert only_signup["dimensions"] == []


def test_values_are_the_most_common_first_and_searchable():
    site = make_site(timezone="UTC").id
    write(*rows_for(site))
    ctx = insights.context_for(site, now=NOW, rollups=False)
    values = parse_values({"key": "props.plan", "days": "7"})
    result = catalogue.run_values(ctx, values)  # type: ignore[arg-type]
    assert result["values"] == [{"value": "free", "count": 4}, {"value": "pro", "count": 3}]
    searched = catalogue.run_values(ctx, parse_values({"key": "props.plan", "search": "PR", "days": "7"}))  # type: ignore[arg-type]
    assert searched["values"] == [{"value": "pro", "count": 3}]
    by_event = catalogue.run_values(ctx, parse_values({"key": "browser", "event": "page_view", "days": "7"}))  # type: ignore[arg-type]
    assert by_event["values"] == [{"value": "Chrome", "count": 28}]


def test_the_key_sample_is_the_most_recent_events(monkeypatch):
    site = make_site(timezone="UTC").id
    write(*rows_for(site))
    monkeypatch.setattr(catalogue, "SAMPLE_EVENTS", 3)
    ctx = insights.context_for(site, now=NOW, rollups=False)
    result = catalogue.run_catalogue(ctx, parsed(days="7"), [])
    # The last three events of the window: generate (6d 2h), signup (6d 1h), a page view (6d 0h 6m).
    assert sorted(p["key"] for p in result["properties"]) == ["model", "ms", "path_len", "plan"]
    assert names(result) == TRUTH  # names are counted in full, not sampled


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"days": "0"}, "days"),
        ({"days": "x"}, "days"),
        ({"days": "366"}, "days"),
        ({"include_bots": "1"}, "include_bots"),
    ],
)
def test_bad_catalogue_parameters_name_their_field(params, field):
    errors = parse_catalogue(params)
    assert isinstance(errors, list) and [e.field for e in errors] == [field]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "key"),
        ({"key": "nope"}, "key"),
        ({"key": "props.a", "limit": "101"}, "limit"),
        ({"key": "os", "search": "x" * 201}, "search"),
    ],
)
def test_bad_values_parameters_name_their_field(params, field):
    errors = parse_values(params)
    assert isinstance(errors, list) and [e.field for e in errors] == [field]


def test_the_catalogue_on_sqlite_equals_postgres(sqlite):  # noqa: F811
    pg_site = make_site(timezone="UTC").id
    write(*rows_for(pg_site))
    lite_site = Site.objects.using(sqlite).create(name="e", timezone="UTC", public_key="pk", secret_key_hash="h").pk
    events = [_to_event(r) for r in rows_for(lite_site)]
    Event.objects.using(sqlite).bulk_create(events)
    IdentityLink.objects.using(sqlite).bulk_create(_links(events))
    declared = [("tier", "Tier")]
    on_pg = catalogue.run_catalogue(insights.context_for(pg_site, now=NOW, rollups=False), parsed(days="7"), declared)
    lite_ctx = insights.context_for(lite_site, using=sqlite, now=NOW, rollups=False)
    on_lite = catalogue.run_catalogue(lite_ctx, parsed(days="7"), declared)
    assert on_lite == on_pg
    assert Counter(names(on_pg)) == Counter(TRUTH)
    values = parse_values({"key": "props.plan", "days": "7"})
    assert catalogue.run_values(lite_ctx, values) == catalogue.run_values(  # type: ignore[arg-type]
        insights.context_for(pg_site, now=NOW, rollups=False),
        values,  # type: ignore[arg-type]
    )
    assert connections[sqlite].vendor == "sqlite"
