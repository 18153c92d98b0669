"""`manage.py createapitoken`: the operator's way to hand out a token, printed once."""

from __future__ import annotations

import io

import orjson
import pytest
from django.core.management import CommandError, call_command

from access.models import ApiToken, SiteMembership
from tests.access.factories import client_with, grant, make_user
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("createapitoken", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_json_output_and_a_working_narrowed_token():
    site = make_site().id
    make_user("ann")
    printed = orjson.loads(run("ann", "--site", str(site), "--role", "analyst", "--json"))
    assert set(printed) == {"token", "id", "user", "site", "role"}
    assert (printed["user"], printed["site"], printed["role"]) == ("ann", site, "analyst")
    token = ApiToken.objects.get(pk=printed["id"])
    assert (token.site_id, token.role) == (site, "analyst")
    assert SiteMembership.objects.get(user__username="ann").role == "analyst"
    assert client_with(printed["token"]).get(f"/api/v1/sites/{site}/members/").status_code == 403


def test_creates_a_missing_user_and_never_lowers_a_role():
    site = make_site().id
    orjson.loads(run("newcomer", "--site", str(site), "--role", "viewer", "--json"))
    assert SiteMembership.objects.get(user__username="newcomer").role == "viewer"
    boss = make_user("boss")
    grant(boss, site, "admin")
    run("boss", "--site", str(site), "--role", "viewer")
    assert SiteMembership.objects.get(user=boss).role == "admin"


def test_without_a_site_the_token_acts_with_all_roles():
    make_user("ann")
    printed = orjson.loads(run("ann", "--json"))
    assert (printed["site"], printed["role"]) == (None, None)
    assert client_with(printed["token"]).get("/api/v1/tokens/").status_code == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--site", "1"], "go together"), (["--site", "999999", "--role", "viewer"], "no site")],
)
def test_refusals(args, message):
    make_user("ann")
    with pytest.raises(CommandError, match=message):
        run("ann", *args)
