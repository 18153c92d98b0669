"""Cohorts over the API: analysts keep them, everyone on the site reads them."""

from __future__ import annotations

import pytest

from analytics import facade
from tests.access.factories import site_with_member
from tests.factories import make_site

pytestmark = pytest.mark.django_db

DEFINITION = {"match": "all", "criteria": [{"type": "event", "event": "start_training", "min_count": 3}]}


@pytest.fixture
def site_and_analyst():
    return site_with_member("anna", "analyst")


def test_cohort_lifecycle(site_and_analyst):
    site, client = site_and_analyst
    url = f"/api/v1/sites/{site}/cohorts/"
    made = client.post(url, {"name": "Power users", "definition": DEFINITION}, format="json")
    assert made.status_code == 201
    cohort = made.json()
    assert cohort["name"] == "Power users" and cohort["definition"]["criteria"][0]["event"] == "start_training"
    assert client.get(f"{url}{cohort['id']}/").json()["id"] == cohort["id"]
    renamed = client.patch(f"{url}{cohort['id']}/", {"name": "Heavy users"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "Heavy users"
    assert client.delete(f"{url}{cohort['id']}/").status_code == 204
    gone = client.get(f"{url}{cohort['id']}/")
    assert gone.status_code == 404 and gone.json()["code"] == "cohort_not_found"


def test_a_bad_definition_names_the_field(site_and_analyst):
    site, client = site_and_analyst
    bad = {"match": "all", "criteria": [{"type": "event", "event": "x", "min_count": 0}]}
    response = client.post(f"/api/v1/sites/{site}/cohorts/", {"name": "x", "definition": bad}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_query"
    assert any(e["field"].startswith("definition.criteria[0]") for e in response.json()["errors"])


def test_another_sites_cohort_is_not_found(site_and_analyst):
    site, client = site_and_analyst
    theirs = facade.cohort_create(site_id=make_site("B").id, name="theirs", definition=DEFINITION)
    assert client.get(f"/api/v1/sites/{site}/cohorts/{theirs.id}/").status_code == 404
    assert client.delete(f"/api/v1/sites/{site}/cohorts/{theirs.id}/").status_code == 404


@pytest.mark.parametrize("items", [1, 3])
def test_cohort_list_query_count(site_and_analyst, items, django_assert_num_queries):
    site, client = site_and_analyst
    for i in range(items):
        facade.cohort_create(site_id=site, name=f"c{i}", definition=DEFINITION)
    client.get(f"/api/v1/sites/{site}/")
    with django_assert_num_queries(3):  # token and user; the caller's role; the cohorts
        assert len(client.get(f"/api/v1/sites/{site}/cohorts/").json()) == items
