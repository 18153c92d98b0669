"""The catalogue endpoints, a page of dropped people, and raw events exported for a query's date range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from tests.access.factories import client_with, grant, make_user, token_for
from tests.analytics.api.event_rows import write_events
from tests.analytics.api.streams import drained
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def _ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


@pytest.fixture
def site():
    site = make_site(timezone="UTC").id
    write_events(
        site,
        {"name": "signup", "timestamp": _ago(hours=3), "user_id": "u1"},
        *[{"name": "signup", "timestamp": _ago(hours=2), "user_id": f"p{i:02}"} for i in range(12)],
        {"name": "purchase", "timestamp": _ago(hours=1), "user_id": "u1"},
        {"name": "<img src=x onerror=alert(1)>", "timestamp": _ago(hours=1), "anonymous_id": "a"},
        {"name": "old", "timestamp": _ago(days=40), "anonymous_id": "a"},
    )
    return site


def client_as(site: int, role: str):
    user = make_user(role)
    grant(user, site, role)
    return client_with(token_for(user))


def test_the_catalogue_lists_recent_event_names_by_count(site):
    response = client_as(site, "viewer").get(f"/api/v1/sites/{site}/catalogue/?days=30")
    assert response.status_code == 200
    body = response.json()
    assert body["events"] == [
        {"name": "signup", "count": 13},
        {"name": "<img src=x onerror=alert(1)>", "count": 1},
        {"name": "purchase", "count": 1},
    ]
    assert body["days"] == 30 and "props.plan" not in body["columns"] and "browser" in body["columns"]


def test_catalogue_values_of_a_column(site):
    response = client_as(site, "viewer").get(f"/api/v1/sites/{site}/catalogue/values/?key=browser")
    assert response.json()["values"] == [{"value": "Chrome", "count": 15}]


@pytest.mark.parametrize(
    ("url", "field"),
    [("catalogue/?days=0", "days"), ("catalogue/values/", "key"), ("catalogue/values/?key=dims.", "key")],
)
def test_catalogue_errors_name_the_parameter(site, url, field):
    response = client_as(site, "viewer").get(f"/api/v1/sites/{site}/{url}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_query"
    assert [e["field"] for e in response.json()["errors"]] == [field]


FUNNEL = {"steps": [{"event": "signup"}, {"event": "purchase"}], "date_range": {"last_days": 2}}


def test_dropped_people_come_a_page_at_a_time_in_id_order(site):
    client = client_as(site, "analyst")
    url = f"/api/v1/sites/{site}/insights/funnels/dropped/page/?step=1&limit=5"
    first = client.post(url, FUNNEL, format="json").json()
    assert first == {
        "step": 1,
        "offset": 0,
        "limit": 5,
        "people": ["p00", "p01", "p02", "p03", "p04"],
        "has_more": True,
    }
    last = client.post(url + "&offset=10", FUNNEL, format="json").json()
    assert last["people"] == ["p10", "p11"] and last["has_more"] is False


@pytest.mark.parametrize(
    ("query", "field"), [("step=x", "step"), ("step=1&limit=501", "limit"), ("step=1&offset=-1", "offset")]
)
def test_a_bad_page_request_names_its_parameter(site, query, field):
    client = client_as(site, "analyst")
    response = client.post(f"/api/v1/sites/{site}/insights/funnels/dropped/page/?{query}", FUNNEL, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_a_step_out_of_range_is_refused(site):
    client = client_as(site, "analyst")
    response = client.post(f"/api/v1/sites/{site}/insights/funnels/dropped/page/?step=2", FUNNEL, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "step"


def test_raw_events_export_for_a_query_date_range(site):
    client = client_as(site, "analyst")
    date_range = orjson.dumps({"last_days": 30}).decode()
    response = drained(client.get(f"/api/v1/sites/{site}/events/export", {"date_range": date_range}))
    assert response.status_code == 200
    exported = orjson.loads(response.body)
    assert sorted({row["name"] for row in exported}) == ["<img src=x onerror=alert(1)>", "purchase", "signup"]
    bad = client.get(f"/api/v1/sites/{site}/events/export", {"date_range": '{"last_days": 0}'})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "date_range.last_days"
