"""Site admins manage who else may see their site, and the tokens narrowed to it."""

from __future__ import annotations

import pytest

from access.models import ApiToken, SiteMembership
from access.services import api_token_create
from tests.access.factories import grant, make_user, site_with_member
from tests.factories import make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_and_admin():
    return site_with_member("adam", "admin")


def test_admin_adds_changes_and_removes_a_member(site_and_admin):
    site, admin = site_and_admin
    make_user("bea")
    added = admin.post(f"/api/v1/sites/{site}/members/", {"username": "bea", "role": "viewer"}, format="json")
    assert added.status_code == 201
    member = added.json()
    assert member["username"] == "bea" and member["role"] == "viewer"
    changed = admin.patch(f"/api/v1/sites/{site}/members/{member['id']}/", {"role": "analyst"}, format="json")
    assert changed.status_code == 200 and changed.json()["role"] == "analyst"
    assert admin.delete(f"/api/v1/sites/{site}/members/{member['id']}/").status_code == 204
    assert not SiteMembership.objects.filter(user__username="bea").exists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"username": "nobody", "role": "viewer"}, 400, "unknown_user"),
        ({"username": "adam", "role": "viewer"}, 409, "already_member"),
        ({"username": "adam", "role": "owner"}, 400, "invalid"),
        ({"role": "viewer"}, 400, "invalid"),
    ],
)
def test_bad_member_requests(site_and_admin, body, status, code):
    site, admin = site_and_admin
    response = admin.post(f"/api/v1/sites/{site}/members/", body, format="json")
    assert response.status_code == status
    assert response.json()["code"] == code


def test_validation_errors_name_their_fields(site_and_admin):
    site, admin = site_and_admin
    body = admin.post(f"/api/v1/sites/{site}/members/", {"role": "owner"}, format="json").json()
    assert body["detail"] and body["code"] == "invalid"
    assert {e["field"] for e in body["errors"]} == {"username", "role"}


def test_the_last_admin_stays(site_and_admin):
    site, admin = site_and_admin
    own = SiteMembership.objects.get(site_id=site)
    demoted = admin.patch(f"/api/v1/sites/{site}/members/{own.pk}/", {"role": "viewer"}, format="json")
    assert demoted.status_code == 409 and demoted.json()["code"] == "last_admin"
    assert admin.delete(f"/api/v1/sites/{site}/members/{own.pk}/").json()["code"] == "last_admin"
    grant(make_user("bea"), site, "admin")
    assert admin.delete(f"/api/v1/sites/{site}/members/{own.pk}/").status_code == 204


def test_members_of_another_site_are_out_of_reach(site_and_admin):
    site, admin = site_and_admin
    other = make_site("B").id
    grant(make_user("bea"), other, "viewer")
    theirs = SiteMembership.objects.get(site_id=other)
    assert admin.delete(f"/api/v1/sites/{site}/members/{theirs.pk}/").status_code == 404
    assert admin.delete(f"/api/v1/sites/{other}/members/{theirs.pk}/").status_code == 404
    assert SiteMembership.objects.filter(pk=theirs.pk).exists()


def test_member_list_query_count(site_and_admin, django_assert_num_queries):
    site, admin = site_and_admin
    for name in ("bea", "cem", "dan"):
        grant(make_user(name), site, "viewer")
    admin.get(f"/api/v1/sites/{site}/members/")  # records the token's last use once
    with django_assert_num_queries(3):  # token and user; the caller's role; members with their users
        assert [m["username"] for m in admin.get(f"/api/v1/sites/{site}/members/").json()] == [
            "adam",
            "bea",
            "cem",
            "dan",
        ]


def test_site_admin_sees_and_revokes_tokens_narrowed_to_the_site(site_and_admin, django_assert_num_queries):
    site, admin = site_and_admin
    bea = make_user("bea")
    grant(bea, site, "viewer")
    narrowed = api_token_create(user_id=bea.pk, site_id=site, role="viewer", name="dashboard")
    api_token_create(user_id=bea.pk, name="personal")  # not narrowed: not the site's to see
    admin.get(f"/api/v1/sites/{site}/tokens/")
    with django_assert_num_queries(3):
        listed = admin.get(f"/api/v1/sites/{site}/tokens/").json()
    assert [(t["name"], t["user"], t["role"]) for t in listed] == [("dashboard", "bea", "viewer")]
    assert admin.delete(f"/api/v1/sites/{site}/tokens/{narrowed.info.id}/").status_code == 204
    assert not ApiToken.objects.filter(pk=narrowed.info.id).exists()
    personal = ApiToken.objects.get(name="personal")
    assert admin.delete(f"/api/v1/sites/{site}/tokens/{personal.pk}/").status_code == 404
