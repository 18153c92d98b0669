"""Operators edit sites and event aliases in the Django admin; a change reaches ingest within the cache TTL."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from analytics.models import EventAlias
from tests.factories import make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    user = get_user_model().objects.create_superuser("root", "", "a-long-test-password")
    client = Client()
    client.force_login(user)
    return client


def test_aliases_are_editable_in_the_admin(admin_client, door, stream, settings):
    site = make_site()
    assert admin_client.get("/admin/analytics/eventalias/").status_code == 200
    response = admin_client.post(
        "/admin/analytics/eventalias/add/", {"site": site.id, "alias": "tap_ad", "name": "click_banner"}
    )
    assert response.status_code == 302
    assert EventAlias.objects.get().name == "click_banner"
    assert admin_client.get(f"/admin/analytics/site/{site.id}/change/").status_code == 200


def test_dead_letters_are_listed(admin_client):
    assert admin_client.get("/admin/ingest/deadletter/").status_code == 200
