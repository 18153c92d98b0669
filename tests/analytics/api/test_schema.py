"""The OpenAPI 3 schema at /api/schema/: every REST endpoint, the token scheme, valid and warning-free."""

from __future__ import annotations

import io

import orjson
import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_the_schema_lists_every_endpoint_and_the_token_scheme():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = orjson.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["apiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token, slt_…",
    }
    paths = set(schema["paths"])
    assert {
        "/api/v1/sites/",
        "/api/v1/sites/{site_id}/",
        "/api/v1/sites/{site_id}/dimensions/{dimension_id}/",
        "/api/v1/sites/{site_id}/aliases/{alias}/",
        "/api/v1/sites/{site_id}/cohorts/{cohort_id}/",
        "/api/v1/sites/{site_id}/insights/{kind}/",
        "/api/v1/sites/{site_id}/insights/funnels/dropped/",
        "/api/v1/sites/{site_id}/events/export",
        "/api/v1/sites/{site_id}/events/recent/",
        "/api/v1/sites/{site_id}/banner/",
        "/api/v1/sites/{site_id}/consent/daily/",
        "/api/v1/sites/{site_id}/members/{member_id}/",
        "/api/v1/sites/{site_id}/tokens/{token_id}/",
        "/api/v1/tokens/{token_id}/",
    } <= paths
    parameters = schema["paths"]["/api/v1/sites/{site_id}/insights/{kind}/"]["post"]["parameters"]
    enums = {p["name"]: sorted(p["schema"].get("enum", [])) for p in parameters}
    assert enums["kind"] == ["funnels", "live", "paths", "retention", "sessions", "trends"]
    assert enums["format"] == ["csv", "json", "ndjson"]


def test_the_schema_generates_without_warnings():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert out.getvalue().startswith("openapi: 3")
