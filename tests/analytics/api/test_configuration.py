"""Custom dimensions and aliases: readable by everyone on the site, changed by its admins."""

from __future__ import annotations

import pytest

from analytics import facade
from tests.access.factories import site_with_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_and_admin():
    return site_with_member("adam", "admin")


def test_dimension_lifecycle(site_and_admin):
    site, client = site_and_admin
    url = f"/api/v1/sites/{site}/dimensions/"
    made = client.post(url, {"key": "image_version", "display_name": "Image version"}, format="json")
    assert made.status_code == 201
    dimension = made.json()
    assert (dimension["key"], dimension["scope"]) == ("image_version", "event")
    renamed = client.patch(f"{url}{dimension['id']}/", {"display_name": "Model"}, format="json")
    assert renamed.json()["display_name"] == "Model"
    assert [d["key"] for d in client.get(url).json()] == ["image_version"]
    assert client.delete(f"{url}{dimension['id']}/").status_code == 204
    missing = client.delete(f"{url}{dimension['id']}/")
    assert missing.status_code == 404 and missing.json()["code"] == "dimension_not_found"


def test_a_duplicate_dimension_is_a_field_error(site_and_admin):
    site, client = site_and_admin
    url = f"/api/v1/sites/{site}/dimensions/"
    client.post(url, {"key": "plan", "display_name": "Plan"}, format="json")
    again = client.post(url, {"key": "plan", "display_name": "Plan"}, format="json")
    assert again.status_code == 400
    assert again.json()["code"] == "invalid_query" and again.json()["errors"][0]["field"] == "key"


def test_unknown_fields_are_refused(site_and_admin):
    site, client = site_and_admin
    response = client.post(
        f"/api/v1/sites/{site}/dimensions/", {"key": "k", "display_name": "K", "colour": "red"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "colour", "detail": "Unknown field."}]


def test_alias_lifecycle(site_and_admin):
    site, client = site_and_admin
    url = f"/api/v1/sites/{site}/aliases/"
    assert client.post(url, {"alias": "tap_ad", "name": "click_banner"}, format="json").status_code == 201
    assert client.post(url, {"alias": "tap_ad", "name": "click_ad"}, format="json").status_code == 201
    assert client.get(url).json() == [{"alias": "tap_ad", "name": "click_ad"}]
    assert client.delete(f"{url}tap_ad/").status_code == 204
    assert client.delete(f"{url}tap_ad/").json()["code"] == "alias_not_found"


@pytest.mark.parametrize("items", [1, 3])
def test_list_query_counts(site_and_admin, items, django_assert_num_queries):
    site, client = site_and_admin
    for i in range(items):
        facade.dimension_create(site_id=site, key=f"k{i}", display_name=f"K{i}")
        facade.alias_set(site_id=site, alias=f"a{i}", name="n")
    client.get(f"/api/v1/sites/{site}/")
    for path in ("dimensions", "aliases"):
        with django_assert_num_queries(3):  # token and user; the caller's role; the list
            assert len(client.get(f"/api/v1/sites/{site}/{path}/").json()) == items
