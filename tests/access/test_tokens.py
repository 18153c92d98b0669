"""Personal API tokens: hashed at rest, shown once, checked on every request, narrowed to a site and role."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from access.models import ApiToken, SiteMembership
from access.services import api_token_create
from tests.access.factories import client_with, grant, make_user, token_for
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def test_only_the_hash_is_stored_and_the_prefix_identifies_it():
    user = make_user("ann")
    made = api_token_create(user_id=user.pk, name="ci")
    stored = ApiToken.objects.get(pk=made.info.id)
    assert made.token.startswith("slt_") and len(made.token) > 40
    assert stored.token_hash == hashlib.sha256(made.token.encode()).hexdigest()
    assert made.token.startswith(stored.prefix) and len(stored.prefix) == 10
    row = ApiToken.objects.filter(pk=stored.pk).values().get()
    assert not any(made.token in str(value) for value in row.values())


def test_create_over_the_api_shows_the_token_once():
    user = make_user("ann")
    client = client_with(token_for(user))
    created = client.post("/api/v1/tokens/", {"name": "laptop"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith(body["prefix"]) and body["user"] == "ann" and body["site"] is None
    listed = client.get("/api/v1/tokens/").json()
    assert {t["name"] for t in listed} == {"", "laptop"}
    assert all("token" not in t for t in listed)
    assert client_with(body["token"]).get("/api/v1/tokens/").status_code == 200


def test_last_used_is_recorded():
    user = make_user("ann")
    token = token_for(user)
    assert client_with(token).get("/api/v1/tokens/").status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("Bearer slt_not-a-real-token", "invalid_token"),
        ("Bearer sk_a-site-secret-key", "invalid_token"),
        ("Bearer ", "invalid_token"),
    ],
)
def test_bad_tokens_are_refused(header, code):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/tokens/")
    assert response.status_code == 401
    assert response.json()["code"] == code
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_no_credentials_is_401_with_a_challenge():
    response = APIClient().get("/api/v1/tokens/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided.", "code": "not_authenticated"}
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_expired_revoked_and_inactive_tokens_stop_working():
    user = make_user("ann")
    expired = api_token_create(user_id=user.pk, expires_at=timezone.now() + timedelta(seconds=30))
    ApiToken.objects.filter(pk=expired.info.id).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client_with(expired.token).get("/api/v1/tokens/").json()["code"] == "token_expired"

    revoked = token_for(user)
    client = client_with(revoked)
    token_id = ApiToken.objects.get(token_hash=hashlib.sha256(revoked.encode()).hexdigest()).pk
    assert client.delete(f"/api/v1/tokens/{token_id}/").status_code == 204
    assert client.get("/api/v1/tokens/").status_code == 401

    live = token_for(user)
    user.is_active = False
    user.save()
    assert client_with(live).get("/api/v1/tokens/").status_code == 401


def test_one_cannot_revoke_someone_elses_token():
    ann, bob = make_user("ann"), make_user("bob")
    bobs = api_token_create(user_id=bob.pk)
    response = client_with(token_for(ann)).delete(f"/api/v1/tokens/{bobs.info.id}/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client_with(bobs.token).get("/api/v1/tokens/").status_code == 200


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"site": 1}, "invalid_scope"),
        ({"role": "viewer"}, "invalid_scope"),
        ({"role": "owner", "site": 1}, "invalid"),
        ({"expires_at": "2001-01-01T00:00:00Z"}, "invalid_expiry"),
        ({"expires_at": "soon"}, "invalid"),
    ],
)
def test_invalid_token_requests(body, code):
    response = client_with(token_for(make_user("ann"))).post("/api/v1/tokens/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_a_token_can_only_be_narrowed_to_a_role_one_holds():
    site = make_site().id
    ann = make_user("ann")
    grant(ann, site, "analyst")
    client = client_with(token_for(ann))
    refused = client.post("/api/v1/tokens/", {"site": site, "role": "admin"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "role_not_held"
    made = client.post("/api/v1/tokens/", {"site": site, "role": "viewer"}, format="json")
    assert made.status_code == 201 and made.json()["role"] == "viewer"


def test_a_narrowed_token_cannot_manage_tokens():
    site = make_site().id
    ann = make_user("ann")
    grant(ann, site, "admin")
    narrowed = client_with(token_for(ann, site_id=site, role="admin"))
    for response in (narrowed.get("/api/v1/tokens/"), narrowed.post("/api/v1/tokens/", {}, format="json")):
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_a_narrowed_token_acts_below_its_user_and_on_its_site_only():
    site, other = make_site("A").id, make_site("B").id
    ann = make_user("ann")
    grant(ann, site, "admin")
    grant(ann, other, "admin")
    viewer_token = client_with(token_for(ann, site_id=site, role="viewer"))
    assert viewer_token.get(f"/api/v1/sites/{site}/members/").status_code == 403
    assert viewer_token.get(f"/api/v1/sites/{other}/members/").status_code == 404
    admin_token = client_with(token_for(ann, site_id=site, role="admin"))
    assert admin_token.get(f"/api/v1/sites/{site}/members/").status_code == 200
    # Roles are read live: a token loses what its user loses.
    SiteMembership.objects.filter(user=ann, site_id=site).update(role="viewer")
    assert admin_token.get(f"/api/v1/sites/{site}/members/").status_code == 403


def test_console_sessions_work_and_need_csrf_for_writes():
    ann = make_user("ann")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(ann)
    assert client.get("/api/v1/tokens/").status_code == 200
    refused = client.post("/api/v1/tokens/", {"name": "x"}, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]


def test_token_list_query_count(django_assert_num_queries):
    ann = make_user("ann")
    for name in ("a", "b", "c"):
        api_token_create(user_id=ann.pk, name=name)
    client = client_with(token_for(ann))
    client.get("/api/v1/tokens/")  # records last_used_at once
    with django_assert_num_queries(2):  # the token with its user; the list with its users
        assert len(client.get("/api/v1/tokens/").json()) == 4
