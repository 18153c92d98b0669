"""Overview through the test client: what the page hands its script, and the API calls it makes with a session."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.console.conftest import PASSWORD
from tests.console.dataset import XSS_PATH, load_dataset
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def script_data(html: str) -> dict[str, Any]:
    start = html.index('<script id="console-data" type="application/json">') + len(
        '<script id="console-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_page_data_and_the_snippet(console_user, console_client):
    site = make_site("Shop", timezone="Asia/Shanghai")
    client = console_client(console_user("vera", sites={site.id: "viewer"}))
    html = client.get(f"/sites/{site.id}/overview/", {"range": "custom", "from": "2026-03-01", "to": "2026-03-31"})
    text = html.content.decode()
    data = script_data(text)
    assert data["page"] == "overview" and data["api"] == f"/api/v1/sites/{site.id}/"
    assert data["site"] == {"id": site.id, "name": "Shop", "timezone": "Asia/Shanghai", "role": "viewer"}
    assert data["range"] == {
        "current": {"from": "2026-03-01", "to": "2026-03-31"},
        "previous": {"from": "2026-01-29", "to": "2026-02-28"},
    }
    assert data["interval"] == "day"
    assert site.public_key in text  # the empty state's snippet and test event
    assert "&lt;script async" in text  # the snippet is shown as text


def test_live_insight_through_the_session_needs_the_csrf_token(console_user):
    site = make_site().id
    load_dataset(site, visitors=0, live_visitors=4)
    console_user("vera", sites={site: "viewer"})
    client = Client(enforce_csrf_checks=True)
    page = client.get("/login/")
    token = page.context["csrf_token"]
    client.post("/login/", {"username": "vera", "password": PASSWORD, "csrfmiddlewaretoken": str(token)})
    url = f"/api/v1/sites/{site}/insights/live/"
    assert client.post(url, {"minutes": 30}, content_type="application/json").status_code == 403
    html = client.get(f"/sites/{site}/overview/").content.decode()
    csrf = html.split('data-csrf-token="')[1].split('"')[0]
    answer = client.post(url, {"minutes": 30}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert answer.status_code == 200
    result = answer.json()
    assert result["visitors"] == 4
    assert XSS_PATH in [p["path"] for p in result["pages"]] or len(result["pages"]) == 4
