"""Rate limits per token: a 429 with Retry-After and the usual error shape, counted per token."""

from __future__ import annotations

import pytest

from tests.access.factories import client_with, make_user, token_for

pytestmark = pytest.mark.django_db


def test_each_token_has_its_own_budget(settings):
    settings.API_RATE_LIMIT = "3/min"
    ann = make_user("ann")
    first, second = client_with(token_for(ann)), client_with(token_for(ann))
    assert [first.get("/api/v1/tokens/").status_code for _ in range(3)] == [200, 200, 200]
    limited = first.get("/api/v1/tokens/")
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited" and limited.json()["detail"]
    assert 0 < int(limited["Retry-After"]) <= 60
    assert second.get("/api/v1/tokens/").status_code == 200


def test_refused_requests_do_not_count(settings):
    settings.API_RATE_LIMIT = "1/min"
    anonymous = client_with(None)
    assert {anonymous.get("/api/v1/tokens/").status_code for _ in range(3)} == {401}
