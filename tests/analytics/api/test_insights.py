"""Insights over the API: the engine's result, its rows as an export, and the people who dropped out."""

from __future__ import annotations

import csv
import io

import orjson
import pytest

from tests.access.factories import client_with, grant, make_user, token_for
from tests.analytics.api.event_rows import write_events
from tests.analytics.api.streams import drained
from tests.factories import make_site

pytestmark = pytest.mark.django_db

RANGE = {"from": "2026-03-01", "to": "2026-03-02"}
TRENDS = {"series": [{"event": "signup"}], "interval": "day", "date_range": RANGE}
FUNNEL = {"steps": [{"event": "signup"}, {"event": "purchase"}], "date_range": RANGE}


@pytest.fixture
def site():
    site = make_site().id
    write_events(
        site,
        {"name": "signup", "timestamp": "2026-03-01T09:00:00+00:00", "user_id": "u1"},
        {"name": "signup", "timestamp": "2026-03-01T10:00:00+00:00", "user_id": "=u2"},
        {"name": "purchase", "timestamp": "2026-03-02T09:00:00+00:00", "user_id": "u1"},
    )
    return site


def client_as(site: int, role: str):
    user = make_user(role)
    grant(user, site, role)
    return client_with(token_for(user))


def stream(response) -> bytes:
    return drained(response).body


def test_a_viewer_runs_a_trend(site):
    response = client_as(site, "viewer").post(f"/api/v1/sites/{site}/insights/trends/", TRENDS, format="json")
    assert response.status_code == 200
    result = response.json()
    assert result["kind"] == "trends"
    assert result["series"][0]["data"] == [2, 0] and result["series"][0]["total"] == 2


def test_a_funnel_result(site):
    response = client_as(site, "viewer").post(f"/api/v1/sites/{site}/insights/funnels/", FUNNEL, format="json")
    assert [step["count"] for step in response.json()["steps"]] == [2, 1]


def test_insight_rows_export_as_csv(site):
    client = client_as(site, "viewer")
    response = client.post(f"/api/v1/sites/{site}/insights/trends/?format=csv", TRENDS, format="json")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(stream(response).decode())))
    assert [(r["label"], r["value"]) for r in rows] == [("signup", "2"), ("signup", "0")]


@pytest.mark.parametrize("kind", ["trends", "sessions", "funnels", "retention", "paths"])
def test_every_kind_exports_as_ndjson(site, kind):
    queries = {
        "trends": TRENDS,
        "sessions": {"date_range": RANGE},
        "funnels": FUNNEL,
        "retention": {"target": {"event": "signup"}, "period": "day", "date_range": RANGE},
        "paths": {"start_event": "signup", "date_range": RANGE},
    }
    client = client_as(site, "viewer")
    response = client.post(f"/api/v1/sites/{site}/insights/{kind}/?format=ndjson", queries[kind], format="json")
    assert response.status_code == 200, response.content if hasattr(response, "content") else ""
    lines = [orjson.loads(line) for line in stream(response).splitlines()]
    assert lines and all(isinstance(line, dict) for line in lines)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("trends", {"series": [{"event": "signup", "math": "median"}], "date_range": RANGE}, "series[0].math"),
        ("trends", {"series": []}, None),
        ("pie-charts", TRENDS, "kind"),
        ("trends", [1, 2], "$"),
    ],
)
def test_bad_queries_are_field_errors(site, path, body, field):
    response = client_as(site, "viewer").post(f"/api/v1/sites/{site}/insights/{path}/", body, format="json")
    assert response.status_code == 400
    answer = response.json()
    assert answer["code"] == "invalid_query" and answer["errors"]
    if field:
        assert field in {e["field"] for e in answer["errors"]}


def test_the_people_who_dropped_out_with_csv_neutralised(site):
    client = client_as(site, "analyst")
    response = client.post(f"/api/v1/sites/{site}/insights/funnels/dropped/?step=1&format=csv", FUNNEL, format="json")
    assert response.status_code == 200
    assert stream(response).decode().splitlines() == ["person_id", "'=u2"]
    as_json = client.post(f"/api/v1/sites/{site}/insights/funnels/dropped/?step=1", FUNNEL, format="json")
    assert orjson.loads(stream(as_json)) == [{"person_id": "=u2"}]


@pytest.mark.parametrize("step", ["", "one", "-1", "5", "0"])
def test_a_bad_step_is_an_error_not_a_broken_stream(site, step):
    client = client_as(site, "analyst")
    response = client.post(f"/api/v1/sites/{site}/insights/funnels/dropped/?step={step}", FUNNEL, format="json")
    assert response.status_code == 400
    assert response.json()["code"] in {"invalid_step", "invalid_query"}
