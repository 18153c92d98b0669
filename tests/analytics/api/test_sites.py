"""Sites over the API: each caller sees only their own, with their role; admins change settings."""

from __future__ import annotations

import pytest

from analytics.models import Site
from tests.access.factories import client_with, grant, make_user, token_for
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def test_a_user_lists_only_granted_sites_with_roles():
    a, b, _hidden = make_site("A").id, make_site("B").id, make_site("C").id
    ann = make_user("ann")
    grant(ann, a, "viewer")
    grant(ann, b, "admin")
    listed = client_with(token_for(ann)).get("/api/v1/sites/").json()
    assert [(s["id"], s["name"], s["role"]) for s in listed] == [(a, "A", "viewer"), (b, "B", "admin")]
    assert "secret_key_hash" not in listed[0] and listed[0]["public_key"].startswith("pk_")


def test_superusers_see_every_site_and_narrowed_tokens_one():
    a, b = make_site("A").id, make_site("B").id
    root = make_user("root", superuser=True)
    assert [s["role"] for s in client_with(token_for(root)).get("/api/v1/sites/").json()] == ["admin", "admin"]
    narrowed = client_with(token_for(root, site_id=b, role="viewer")).get("/api/v1/sites/").json()
    assert [(s["id"], s["role"]) for s in narrowed] == [(b, "viewer")]
    assert a != b


@pytest.mark.parametrize("sites", [1, 4])
def test_site_list_query_count(sites, django_assert_num_queries):
    ann = make_user("ann")
    for i in range(sites):
        grant(ann, make_site(f"S{i}").id, "viewer")
    client = client_with(token_for(ann))
    client.get("/api/v1/sites/")
    with django_assert_num_queries(3):  # token and user; memberships; the sites
        assert len(client.get("/api/v1/sites/").json()) == sites


def test_site_detail_and_patch():
    site = make_site("A").id
    adam = make_user("adam")
    grant(adam, site, "admin")
    client = client_with(token_for(adam))
    assert client.get(f"/api/v1/sites/{site}/").json()["role"] == "admin"
    changed = client.patch(
        f"/api/v1/sites/{site}/",
        {"timezone": "Asia/Shanghai", "retention_days": 90, "allowed_origins": ["https://a.example"]},
        format="json",
    )
    assert changed.status_code == 200
    assert (changed.json()["timezone"], changed.json()["retention_days"]) == ("Asia/Shanghai", 90)
    stored = Site.objects.get(pk=site)
    assert (stored.timezone, stored.allowed_origins) == ("Asia/Shanghai", ["https://a.example"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"consent_mode": "maybe"}, "consent_mode"),
        ({"retention_days": 0}, "retention_days"),
        ({"secret_key_hash": "0" * 64}, "secret_key_hash"),
    ],
)
def test_bad_site_changes_name_their_field(body, field):
    site = make_site("A").id
    adam = make_user("adam")
    grant(adam, site, "admin")
    response = client_with(token_for(adam)).patch(f"/api/v1/sites/{site}/", body, format="json")
    assert response.status_code == 400
    assert field in {e["field"] for e in response.json().get("errors", [])} or field in response.json()["detail"]


def test_a_superuser_creates_a_site_and_sees_its_secret_once():
    root = make_user("root", superuser=True)
    response = client_with(token_for(root)).post(
        "/api/v1/sites/", {"name": "Shop", "allowed_origins": ["https://shop.example"]}, format="json"
    )
    assert response.status_code == 201
    created = response.json()
    assert created["secret_key"].startswith("sk_") and "<script" in created["snippet"]
    assert Site.objects.get(pk=created["id"]).secret_key_hash != created["secret_key"]


def test_a_narrowed_superuser_token_cannot_create_sites():
    site = make_site("A").id
    root = make_user("root", superuser=True)
    client = client_with(token_for(root, site_id=site, role="admin"))
    assert client.post("/api/v1/sites/", {"name": "Shop"}, format="json").status_code == 403
