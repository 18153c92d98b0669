"""A site admin may create a user for a new colleague: the one-time password is shown once, in the reply."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from access.models import SiteMembership
from tests.access.factories import make_user, site_with_member

pytestmark = pytest.mark.django_db


def test_creates_the_user_with_a_one_time_password_and_the_role():
    site, admin = site_with_member("adam", "admin")
    response = admin.post(
        f"/api/v1/sites/{site}/members/", {"username": "bea", "role": "analyst", "create_user": True}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["username"] == "bea" and body["role"] == "analyst" and len(body["password"]) >= 16
    user = get_user_model().objects.get(username="bea")
    assert body["password"] not in user.password  # only the hash is stored
    assert user.check_password(body["password"]) and user.is_active
    assert SiteMembership.objects.get(user=user).site_id == site
    # Listing members never shows it again.
    assert all("password" not in m for m in admin.get(f"/api/v1/sites/{site}/members/").json())


def test_adding_an_existing_user_shows_no_password():
    site, admin = site_with_member("adam", "admin")
    make_user("bea")
    body = admin.post(f"/api/v1/sites/{site}/members/", {"username": "bea", "role": "viewer"}, format="json").json()
    assert "password" not in body


@pytest.mark.parametrize(
    ("username", "status", "code"),
    [("adam", 409, "username_taken"), ("bad name!", 400, "invalid_username"), ("", 400, "invalid")],
)
def test_refusals_create_nothing(username, status, code):
    site, admin = site_with_member("adam", "admin")
    before = get_user_model().objects.count()
    response = admin.post(
        f"/api/v1/sites/{site}/members/", {"username": username, "role": "viewer", "create_user": True}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert get_user_model().objects.count() == before


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_only_admins_create_users(role):
    site, client = site_with_member("vera", role)
    response = client.post(
        f"/api/v1/sites/{site}/members/", {"username": "bea", "role": "admin", "create_user": True}, format="json"
    )
    assert response.status_code == 403
    assert not get_user_model().objects.filter(username="bea").exists()
