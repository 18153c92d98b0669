"""Live: the last minutes up to now — visitors, events and visitors per minute, the pages being viewed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from analytics import facade
from analytics.engine import insights
from tests.analytics.dataset import at, event, write
from tests.factories import make_site

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, 30, tzinfo=UTC)


def live(site_id, payload=None, now=NOW):
    query = facade.insight_parse("live", payload or {})
    return insights.run(insights.context_for(site_id, now=now), query)


def test_minutes_visitors_and_pages_of_the_last_half_hour():
    site = make_site().id
    write(
        event(site, "page_view", at(0, hours=3, minutes=0, seconds=10), anon="A", path="/"),  # 12:00:10, this minute
        event(site, "click", at(0, hours=3, minutes=0, seconds=20), anon="A"),
        event(site, "page_view", at(0, hours=2, minutes=59), anon="B", path="/pricing"),  # 11:59
        event(site, "page_view", at(0, hours=2, minutes=59, seconds=30), anon="C", path="/pricing"),
        event(site, "page_view", at(0, hours=2, minutes=31), anon="D", path="/old"),  # 11:31: the first minute
        event(site, "page_view", at(0, hours=2, minutes=30, seconds=59), anon="E", path="/gone"),  # 11:30:59: before
        event(site, "page_view", at(0, hours=3, minutes=1), anon="F", path="/future"),  # 12:01: after now's minute
        event(site, "page_view", at(0, hours=3), anon="G", path="/", is_bot=True),
    )
    result = live(site)
    assert (result["start"], result["end"]) == ("2026-03-02T11:31:00+00:00", "2026-03-02T12:01:00+00:00")
    assert result["visitors"] == 4
    assert result["events"] == 5
    assert len(result["minutes"]) == 30
    by_minute = {m["minute"][11:16]: (m["events"], m["visitors"]) for m in result["minutes"] if m["events"]}
    assert by_minute == {"11:31": (1, 1), "11:59": (2, 2), "12:00": (2, 1)}
    assert result["pages"] == [
        {"path": "/pricing", "views": 2, "visitors": 2},
        {"path": "/", "views": 1, "visitors": 1},
        {"path": "/old", "views": 1, "visitors": 1},
    ]


def test_filters_bots_window_and_limit():
    site = make_site().id
    write(
        event(site, "page_view", at(0, hours=2, minutes=55), anon="A", path="/a", browser="Firefox"),
        event(site, "page_view", at(0, hours=2, minutes=56), anon="B", path="/b", browser="Chrome"),
        event(site, "page_view", at(0, hours=3), anon="G", path="/bot", is_bot=True),
    )
    firefox = live(site, {"filters": [{"key": "browser", "op": "eq", "value": "Firefox"}]})
    assert (firefox["visitors"], [p["path"] for p in firefox["pages"]]) == (1, ["/a"])
    assert live(site, {"include_bots": True})["visitors"] == 3
    assert live(site, {"minutes": 4})["visitors"] == 0  # 11:57 onwards
    assert len(live(site, {"pages_limit": 1})["pages"]) == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"minutes": 0}, "minutes"), ({"minutes": 61}, "minutes"), ({"pages_limit": "x"}, "pages_limit"), ({"x": 1}, "x")],
)
def test_invalid_live_queries(payload, field):
    with pytest.raises(facade.QueryInvalid) as caught:
        facade.insight_parse("live", payload)
    assert [e["field"] for e in caught.value.errors] == [field]


def test_rows_for_export():
    site = make_site().id
    header, rows = facade.insight_result_rows(site_id=site, query=facade.insight_parse("live", {"minutes": 2}))
    assert header == ["minute", "events", "visitors"]
    assert len(list(rows)) == 2
