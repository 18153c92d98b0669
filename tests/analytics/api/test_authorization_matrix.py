"""Every API endpoint × every kind of caller → exactly the expected answer.

The endpoints are read from the URL conf (every route under api/): an endpoint, or a method of a DRF view,
without a row in MATRIX fails `test_every_endpoint_has_a_row`, so nothing new ships without deciding who may
call it. Plain Django views cannot tell their methods, so they have one row, keyed "VIEW", that names it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from access.models import ApiToken, SiteMembership
from access.services import api_token_create
from analytics import facade
from tests.access.factories import PRINCIPALS, Cast, grant, make_cast, make_user
from tests.analytics.api.streams import drained

pytestmark = pytest.mark.django_db

TRENDS = {"series": [{"event": "signup"}], "date_range": {"last_days": 7}}
FUNNEL = {"steps": [{"event": "signup"}, {"event": "purchase"}], "date_range": {"last_days": 7}}
UNKNOWN_JOB = "00000000-0000-7000-8000-000000000000"
COHORT = {"match": "all", "criteria": [{"type": "event", "event": "signup"}]}


@dataclass
class World:
    cast: Cast
    ids: dict[str, Any]

    @property
    def site(self) -> str:
        return f"/api/v1/sites/{self.cast.site}"


def make_world() -> World:
    cast = make_cast()
    site = cast.site
    grant(make_user("zed"), site, "viewer")
    ids = {
        "dimension": facade.dimension_create(site_id=site, key="plan", display_name="Plan").id,
        "cohort": facade.cohort_create(site_id=site, name="Signed up", definition=COHORT).id,
        "member": SiteMembership.objects.get(site_id=site, user__username="zed").pk,
        "site_token": api_token_create(user_id=cast.users["viewer"].pk, site_id=site, role="viewer").info.id,
    }
    facade.alias_set(site_id=site, alias="tap_ad", name="click_banner")
    return World(cast, ids)


Request = Callable[[World, str], tuple[str, dict[str, Any] | None]]


@dataclass(frozen=True)
class Row:
    # "public" (the same answer for every caller: the schema, the browser's consent endpoints that carry a
    # site's public key), "site_key" (image generation: the site's key, and no personal token), "account" (any
    # signed-in caller), "superuser", or the least site role.
    who: str
    ok: int
    request: Request
    method: str | None = None  # for rows keyed "VIEW"


def own_token(world: World, principal: str) -> str:
    user = world.cast.users.get(principal) or world.cast.users["viewer"]
    return f"/api/v1/tokens/{ApiToken.objects.filter(user=user).first().pk}/"  # type: ignore[union-attr]


MATRIX: dict[tuple[str, str], Row] = {
    ("api-schema", "GET"): Row("public", 200, lambda w, p: ("/api/schema/", None)),
    ("consent-config", "VIEW"): Row(
        "public", 200, lambda w, p: (f"/api/v1/consent/config?key={w.cast.site_public_key}", None), "GET"
    ),
    ("consent-record", "VIEW"): Row(
        "public",
        201,
        lambda w, p: ("/api/v1/consent", {"key": w.cast.site_public_key, "subject": "v-1", "choice": "granted"}),
        "POST",
    ),
    # Image generation is authorised by the site's key, not by a console user or API token (no model directory is
    # configured in tests, so a valid request is 503; the job does not exist).
    ("generate", "VIEW"): Row(
        "site_key",
        503,
        lambda w, p: ("/api/v1/generate", {"key": w.cast.site_public_key, "prompt": "a red bike"}),
        "POST",
    ),
    ("generate-status", "VIEW"): Row(
        "site_key", 404, lambda w, p: (f"/api/v1/generate/{UNKNOWN_JOB}?key={w.cast.site_public_key}", None), "GET"
    ),
    ("generate-image", "VIEW"): Row(
        "site_key",
        404,
        lambda w, p: (f"/api/v1/generate/{UNKNOWN_JOB}/image?key={w.cast.site_public_key}", None),
        "GET",
    ),
    ("api-tokens", "GET"): Row("account", 200, lambda w, p: ("/api/v1/tokens/", None)),
    ("api-tokens", "POST"): Row("account", 201, lambda w, p: ("/api/v1/tokens/", {"name": "new"})),
    ("api-token", "DELETE"): Row("account", 204, lambda w, p: (own_token(w, p), None)),
    ("api-sites", "GET"): Row("account", 200, lambda w, p: ("/api/v1/sites/", None)),
    ("api-sites", "POST"): Row("superuser", 201, lambda w, p: ("/api/v1/sites/", {"name": "New site"})),
    ("api-site", "GET"): Row("viewer", 200, lambda w, p: (f"{w.site}/", None)),
    ("api-site", "PATCH"): Row("admin", 200, lambda w, p: (f"{w.site}/", {"retention_days": 400})),
    ("api-site-dimensions", "GET"): Row("viewer", 200, lambda w, p: (f"{w.site}/dimensions/", None)),
    ("api-site-dimensions", "POST"): Row(
        "admin", 201, lambda w, p: (f"{w.site}/dimensions/", {"key": "tier", "display_name": "Tier"})
    ),
    ("api-site-dimension", "PATCH"): Row(
        "admin", 200, lambda w, p: (f"{w.site}/dimensions/{w.ids['dimension']}/", {"display_name": "Plan name"})
    ),
    ("api-site-dimension", "DELETE"): Row(
        "admin", 204, lambda w, p: (f"{w.site}/dimensions/{w.ids['dimension']}/", None)
    ),
    ("api-site-aliases", "GET"): Row("viewer", 200, lambda w, p: (f"{w.site}/aliases/", None)),
    ("api-site-aliases", "POST"): Row(
        "admin", 201, lambda w, p: (f"{w.site}/aliases/", {"alias": "clickAd", "name": "click_banner"})
    ),
    ("api-site-alias", "DELETE"): Row("admin", 204, lambda w, p: (f"{w.site}/aliases/tap_ad/", None)),
    ("api-site-cohorts", "GET"): Row("viewer", 200, lambda w, p: (f"{w.site}/cohorts/", None)),
    ("api-site-cohorts", "POST"): Row(
        "analyst", 201, lambda w, p: (f"{w.site}/cohorts/", {"name": "c", "definition": COHORT})
    ),
    ("api-site-cohort", "GET"): Row("viewer", 200, lambda w, p: (f"{w.site}/cohorts/{w.ids['cohort']}/", None)),
    ("api-site-cohort", "PATCH"): Row(
        "analyst", 200, lambda w, p: (f"{w.site}/cohorts/{w.ids['cohort']}/", {"name": "Renamed"})
    ),
    ("api-site-cohort", "DELETE"): Row("analyst", 204, lambda w, p: (f"{w.site}/cohorts/{w.ids['cohort']}/", None)),
    ("api-site-insight", "POST"): Row("viewer", 200, lambda w, p: (f"{w.site}/insights/trends/", TRENDS)),
    ("api-site-funnel-dropped", "POST"): Row(
        "analyst", 200, lambda w, p: (f"{w.site}/insights/funnels/dropped/?step=1&format=csv", FUNNEL)
    ),
    ("api-site-funnel-dropped-page", "POST"): Row(
        "analyst", 200, lambda w, p: (f"{w.site}/insights/funnels/dropped/page/?step=1", FUNNEL)
    ),
    ("api-site-catalogue", "GET"): Row("viewer", 200, lambda w, p: (f"{w.site}/catalogue/", None)),
    ("api-site-catalogue-values", "GET"): Row("viewer", 200, lambda w, p: (f"{w.site}/catalogue/values/?key=os", None)),
    ("api-site-events-export", "GET"): Row(
        "analyst", 200, lambda w, p: (f"{w.site}/events/export?start=2026-03-01&end=2026-03-02&format=csv", None)
    ),
    ("api-site-events-recent", "GET"): Row("analyst", 200, lambda w, p: (f"{w.site}/events/recent/", None)),
    ("api-site-banner", "GET"): Row("viewer", 200, lambda w, p: (f"{w.site}/banner/", None)),
    ("api-site-banner", "PATCH"): Row("admin", 200, lambda w, p: (f"{w.site}/banner/", {"show": "always"})),
    ("api-site-consent-daily", "GET"): Row("viewer", 200, lambda w, p: (f"{w.site}/consent/daily/", None)),
    ("api-site-members", "GET"): Row("admin", 200, lambda w, p: (f"{w.site}/members/", None)),
    ("api-site-members", "POST"): Row(
        "admin", 201, lambda w, p: (f"{w.site}/members/", {"username": "otto", "role": "viewer"})
    ),
    ("api-site-member", "PATCH"): Row(
        "admin", 200, lambda w, p: (f"{w.site}/members/{w.ids['member']}/", {"role": "analyst"})
    ),
    ("api-site-member", "DELETE"): Row("admin", 204, lambda w, p: (f"{w.site}/members/{w.ids['member']}/", None)),
    ("api-site-tokens", "GET"): Row("admin", 200, lambda w, p: (f"{w.site}/tokens/", None)),
    ("api-site-token", "DELETE"): Row("admin", 204, lambda w, p: (f"{w.site}/tokens/{w.ids['site_token']}/", None)),
}

_RANK = {"viewer": 1, "analyst": 2, "admin": 3}


def expected_status(row: Row, principal: str) -> int:
    if row.who == "public":
        return row.ok
    if row.who == "site_key":  # the site's key authorises; a personal API token is refused as the wrong kind
        return row.ok if principal == "anonymous" else 401
    if principal == "anonymous":
        return 401
    if row.who == "account":
        return row.ok
    if row.who == "superuser":
        return row.ok if principal == "superuser" else 403
    if principal == "other_admin":
        return 404  # a site one has no role on does not exist, as far as one can tell
    if principal == "superuser" or _RANK[principal] >= _RANK[row.who]:
        return row.ok
    return 403


def _api_endpoints() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/"):
                view = getattr(pattern.callback, "cls", None)
                if view is None:
                    found.add((str(pattern.name), "VIEW"))
                    continue
                for method in ("get", "post", "put", "patch", "delete"):
                    if hasattr(view, method):
                        found.add((str(pattern.name), method.upper()))

    walk(get_resolver().url_patterns, "")
    return found


def test_every_endpoint_has_a_row():
    endpoints = _api_endpoints()
    assert endpoints - set(MATRIX) == set(), "endpoints without a row in MATRIX"
    assert set(MATRIX) - endpoints == set(), "rows in MATRIX for endpoints that do not exist"


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("endpoint", sorted(MATRIX), ids=lambda e: f"{e[1]} {e[0]}")
def test_authorization_matrix(endpoint, principal):
    world = make_world()
    row = MATRIX[endpoint]
    url, body = row.request(world, principal)
    client = world.cast.clients[principal]
    method = row.method or endpoint[1]
    response = drained(getattr(client, method.lower())(url, body, format="json"))
    want = expected_status(row, principal)
    assert response.status_code == want, getattr(response, "content", b"")[:300]
    if want >= 400:
        assert set(response.json()) == {"detail", "code"}
