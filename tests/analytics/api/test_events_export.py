"""GET /api/v1/sites/{id}/events/export: raw events of a range, streamed as CSV, JSON or NDJSON."""

from __future__ import annotations

import csv
import io
import json

import orjson
import pytest
from django.core import signals
from django.db import close_old_connections, connection
from django.http import StreamingHttpResponse
from rest_framework.test import APIRequestFactory, force_authenticate

from analytics.api.events import EventExportView
from tests.access.factories import client_with, grant, make_user, token_for
from tests.analytics.api.event_rows import write_events
from tests.analytics.api.streams import drained
from tests.factories import make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_and_analyst():
    site, other = make_site("A").id, make_site("B").id
    write_events(
        site,
        {"name": "signup", "timestamp": "2026-03-01T00:00:00+00:00", "user_id": "u1", "title": "=cmd|' /C calc'!A0"},
        {"name": "generate", "timestamp": "2026-03-01T12:00:00+00:00", "user_id": "u1", "value": -5.0},
        {"name": "signup", "timestamp": "2026-03-02T00:00:00+00:00", "user_id": "u2", "properties": {"p": "@x"}},
    )
    write_events(other, {"name": "signup", "timestamp": "2026-03-01T06:00:00+00:00", "user_id": "theirs"})
    analyst = make_user("anna")
    grant(analyst, site, "analyst")
    return site, client_with(token_for(analyst))


def body(response) -> bytes:
    assert isinstance(response, StreamingHttpResponse)
    return drained(response).body


def test_csv_export_of_a_day_neutralises_formulas(site_and_analyst):
    site, client = site_and_analyst
    response = client.get(f"/api/v1/sites/{site}/events/export?start=2026-03-01&end=2026-03-02&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="site-')
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    # start inclusive, end exclusive; only this site's events; in time order
    assert [(r["name"], r["user_id"]) for r in rows] == [("signup", "u1"), ("generate", "u1")]
    assert rows[0]["title"] == "'=cmd|' /C calc'!A0"
    assert rows[1]["value"] == "-5.0"


def test_json_and_ndjson_carry_values_unchanged(site_and_analyst):
    site, client = site_and_analyst
    query = "start=2026-03-01T00:00:00Z&end=2026-03-03T00:00:00Z"
    as_json = orjson.loads(body(client.get(f"/api/v1/sites/{site}/events/export?{query}&format=json")))
    as_ndjson = body(client.get(f"/api/v1/sites/{site}/events/export?{query}&format=ndjson")).decode()
    assert [e["name"] for e in as_json] == ["signup", "generate", "signup"]
    assert as_json[0]["title"].startswith("=cmd") and as_json[2]["properties"] == {"p": "@x"}
    assert [json.loads(line) for line in as_ndjson.splitlines()] == as_json


def test_json_is_the_default_and_an_offset_moves_the_range(site_and_analyst):
    site, client = site_and_analyst
    # 2026-03-01T08:00+08:00 is midnight UTC: the first event is in, the second (noon UTC) is out.
    url = f"/api/v1/sites/{site}/events/export?start=2026-03-01T08:00:00%2B08:00&end=2026-03-01T20:00:00%2B08:00"
    response = client.get(url)
    assert response["Content-Type"] == "application/json"
    assert [e["name"] for e in orjson.loads(body(response))] == ["signup"]


def test_filters_narrow_the_export(site_and_analyst):
    site, client = site_and_analyst
    filters = json.dumps([{"key": "name", "op": "eq", "value": "signup"}])
    response = client.get(
        f"/api/v1/sites/{site}/events/export",
        {"start": "2026-03-01", "end": "2026-03-03", "format": "ndjson", "filters": filters},
    )
    assert [json.loads(line)["user_id"] for line in body(response).decode().splitlines()] == ["u1", "u2"]


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ("end=2026-03-02", "invalid_query", "start"),
        ("start=yesterday&end=2026-03-02", "invalid_query", "start"),
        ("start=2026-03-02&end=2026-03-01", "invalid_query", "end"),
        ("start=2026-03-01&end=2026-03-02&filters=%7B%7D", "invalid_query", "filters"),
        ("start=2026-03-01&end=2026-03-02&format=xlsx", "invalid_format", None),
    ],
)
def test_bad_parameters(site_and_analyst, query, code, field):
    site, client = site_and_analyst
    response = client.get(f"/api/v1/sites/{site}/events/export?{query}")
    assert response.status_code == 400
    answer = response.json()
    assert answer["code"] == code
    if field:
        assert [e["field"] for e in answer["errors"]] == [field]


def test_a_bad_filter_is_a_field_error(site_and_analyst):
    site, client = site_and_analyst
    filters = json.dumps([{"key": "name", "op": "sounds_like", "value": "x"}])
    response = client.get(
        f"/api/v1/sites/{site}/events/export", {"start": "2026-03-01", "end": "2026-03-02", "filters": filters}
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_query"
    assert response.json()["errors"]


def test_exports_have_their_own_rate_limit(site_and_analyst, settings):
    settings.API_EXPORT_RATE_LIMIT = "2/hour"
    site, client = site_and_analyst
    url = f"/api/v1/sites/{site}/events/export?start=2026-03-01&end=2026-03-02"
    assert [drained(client.get(url)).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get(f"/api/v1/sites/{site}/").status_code == 200  # the general budget is untouched


def test_an_abandoned_export_closes_its_cursor(settings):
    settings.API_EXPORT_CHUNK_ROWS = 1
    site = make_site().id
    write_events(site, *({"name": "e", "timestamp": f"2026-03-01T0{i}:00:00+00:00"} for i in range(5)))
    # The view itself, without the test client's wrapper, to close the reply as a server does.
    request = APIRequestFactory().get(f"/api/v1/sites/{site}/events/export?start=2026-03-01&end=2026-03-02")
    force_authenticate(request, user=make_user("root", superuser=True))
    response = EventExportView.as_view()(request, site_id=site)
    assert next(iter(response.streaming_content))  # the client reads a little, then goes away
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        assert cursor.fetchone() == (1,)
    # The test's transaction must outlive the "request", as in the test client.
    signals.request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        signals.request_finished.connect(close_old_connections)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        assert cursor.fetchone() == (0,)
