"""The facade's query contract: parse errors, sites, cohorts, dimensions, aliases, tabular rows and export."""

from __future__ import annotations

import pytest

from analytics import facade
from server.errors import NotFound
from tests.analytics.dataset import at, event, write
from tests.factories import make_site

pytestmark = pytest.mark.django_db
WEEK = {"from": "2026-03-02", "to": "2026-03-08"}


def test_unknown_kind_and_bad_payloads_raise_query_invalid():
    with pytest.raises(facade.QueryInvalid) as caught:
        facade.insight_parse("heatmaps", {})
    assert (caught.value.code, caught.value.status, caught.value.errors[0]["field"]) == ("invalid_query", 400, "kind")
    with pytest.raises(facade.QueryInvalid) as caught:
        facade.insight_parse(
            "funnels", {"steps": [{"event": "a"}, {"event": "b", "filters": [{"key": "x", "op": "eq", "value": 1}]}]}
        )
    assert [e["field"] for e in caught.value.errors] == ["date_range", "steps[1].filters[0].key"]
    assert facade.INSIGHT_KINDS == ("trends", "sessions", "funnels", "retention", "paths", "live")


def test_sites_are_read_and_updated_with_validation():
    site = make_site(name="Lab")
    other = make_site(name="Other")
    assert [s.name for s in facade.site_list(site_ids=[other.id, site.id, 99999])] == ["Lab", "Other"]
    info = facade.site_update(site_id=site.id, timezone="Asia/Shanghai", retention_days=90, honour_dnt=False)
    assert (info.timezone, info.retention_days, info.honour_dnt) == ("Asia/Shanghai", 90, False)
    assert facade.site_get(site_id=site.id).timezone == "Asia/Shanghai"
    with pytest.raises(facade.QueryInvalid) as caught:
        facade.site_update(
            site_id=site.id, timezone="Mars/Base", consent_mode="maybe", public_key="x", allowed_origins=["ftp://x"]
        )
    assert sorted(e["field"] for e in caught.value.errors) == [
        "allowed_origins",
        "consent_mode",
        "public_key",
        "timezone",
    ]
    with pytest.raises(NotFound):
        facade.site_get(site_id=99999)


def test_cohort_crud_and_validation():
    site = make_site().id
    definition = {"criteria": [{"type": "event", "event": "train", "min_count": 2}]}
    created = facade.cohort_create(site_id=site, name="Trainers", definition=definition)
    assert facade.cohort_get(site_id=site, cohort_id=created.id).definition == definition
    updated = facade.cohort_update(site_id=site, cohort_id=created.id, name="Heavy trainers")
    assert [c.name for c in facade.cohort_list(site_id=site)] == [updated.name] == ["Heavy trainers"]
    with pytest.raises(facade.QueryInvalid) as caught:
        facade.cohort_update(
            site_id=site, cohort_id=created.id, definition={"criteria": [{"type": "event", "min_count": 0}]}
        )
    assert {e["field"] for e in caught.value.errors} == {
        "definition.criteria[0].event",
        "definition.criteria[0].min_count",
    }
    with pytest.raises(NotFound):
        facade.cohort_get(site_id=make_site().id, cohort_id=created.id)  # another site's cohort
    facade.cohort_delete(site_id=site, cohort_id=created.id)
    assert facade.cohort_list(site_id=site) == []


def test_a_property_cohort_filters_persons():
    site = make_site().id
    write(
        event(site, "e", at(0), anon="pro-user", dims={"plan": "pro"}),
        event(site, "e", at(1), anon="pro-user"),
        event(site, "e", at(1), anon="free-user", dims={"plan": "free"}),
    )
    cohort = facade.cohort_create(
        site_id=site,
        name="Pro",
        definition={"criteria": [{"type": "property", "key": "dims.plan", "op": "eq", "value": "pro"}]},
    )
    query = facade.insight_parse(
        "trends",
        {
            "series": [{"event": "e"}],
            "date_range": WEEK,
            "filters": [{"key": "cohort", "op": "in", "value": cohort.id}],
        },
    )
    assert facade.insight_run(site_id=site, query=query)["series"][0]["total"] == 2


def test_dimensions_and_aliases():
    site = make_site().id
    dim = facade.dimension_create(site_id=site, key="image_version", display_name="Image version")
    assert facade.dimension_update(site_id=site, dimension_id=dim.id, scope="user").scope == "user"
    with pytest.raises(facade.QueryInvalid) as caught:
        facade.dimension_create(site_id=site, key="image_version", display_name="", scope="page")
    assert [e["field"] for e in caught.value.errors] == ["key", "display_name", "scope"]
    assert [d.key for d in facade.dimension_list(site_id=site)] == ["image_version"]
    facade.dimension_delete(site_id=site, dimension_id=dim.id)
    with pytest.raises(NotFound):
        facade.dimension_delete(site_id=site, dimension_id=dim.id)
    assert facade.alias_set(site_id=site, alias="tapAd", name="click_banner") == facade.AliasInfo(
        "tapAd", "click_banner"
    )
    assert facade.alias_list(site_id=site) == [facade.AliasInfo("tapAd", "click_banner")]
    facade.alias_delete(site_id=site, alias="tapAd")
    with pytest.raises(NotFound):
        facade.alias_delete(site_id=site, alias="tapAd")
    with pytest.raises(facade.QueryInvalid):
        facade.alias_set(site_id=site, alias="", name="x")


def test_result_rows_for_every_kind():
    site = make_site().id
    write(
        event(site, "a", at(0), anon="p"),
        event(site, "b", at(0, minutes=1), anon="p"),
        event(site, "a", at(1), anon="p"),
    )
    payloads = {
        "trends": {"series": [{"event": "a"}], "date_range": WEEK},
        "sessions": {"date_range": WEEK, "count_events": ["b"]},
        "funnels": {"steps": [{"event": "a"}, {"event": "b"}], "date_range": WEEK},
        "retention": {"target": {"event": "a"}, "date_range": WEEK},
        "paths": {"start_event": "a", "date_range": WEEK},
    }
    for kind, payload in payloads.items():
        header, rows = facade.insight_result_rows(site_id=site, query=facade.insight_parse(kind, payload))
        listed = list(rows)
        assert listed and all(len(r) == len(header) for r in listed), kind
    header, rows = facade.insight_result_rows(site_id=site, query=facade.insight_parse("funnels", payloads["funnels"]))
    assert header[:3] == ["breakdown_value", "step", "event"] and next(rows)[:4] == [None, 0, "a", 1]


def test_events_export_streams_every_column_in_time_order():
    site = make_site().id
    other = make_site().id
    write(
        event(site, "late", at(2), anon="p", props={"k": [1, 2]}, dims={"v": "2.4"}, browser="Chrome"),
        event(site, "early", at(0), anon="p", is_bot=True),
        event(site, "outside", at(9), anon="p"),
        event(other, "foreign", at(1), anon="p"),
    )
    header, rows = facade.events_export(site_id=site, start=at(0), end=at(5))
    assert header == list(facade.EVENT_COLUMNS)
    listed = [dict(zip(header, r, strict=True)) for r in rows]
    assert [r["name"] for r in listed] == ["early", "late"]
    assert (
        listed[0]["is_bot"] is True
        and listed[1]["properties"] == {"k": [1, 2]}
        and listed[1]["dimensions"] == {"v": "2.4"}
    )
    assert listed[1]["timestamp"] == at(2).isoformat()
    _, chrome = facade.events_export(
        site_id=site, start=at(0), end=at(5), filters=[{"key": "browser", "op": "eq", "value": "Chrome"}]
    )
    assert [r[4] for r in chrome] == ["late"]
    with pytest.raises(facade.QueryInvalid) as caught:
        facade.events_export(site_id=site, start=at(0), end=at(5), filters=[{"key": "browser", "op": "gt", "value": 1}])
    assert caught.value.errors[0]["field"] == "filters[0].op"
