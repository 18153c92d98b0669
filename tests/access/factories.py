"""Users, roles, tokens and API clients for the API tests; they go through the same services as the product."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from access.services import api_token_create, member_grant_at_least
from tests.factories import make_site


def make_user(username: str, *, superuser: bool = False) -> Any:
    users = get_user_model().objects
    if superuser:
        return users.create_superuser(username, "", None)
    return users.create_user(username, "", None)


def grant(user: Any, site_id: int, role: str) -> None:
    member_grant_at_least(site_id=site_id, user_id=user.pk, role=role)


def token_for(user: Any, *, site_id: int | None = None, role: str | None = None, **kwargs: Any) -> str:
    return api_token_create(user_id=user.pk, site_id=site_id, role=role, **kwargs).token


def client_with(token: str | None) -> APIClient:
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def site_with_member(username: str, role: str) -> tuple[int, APIClient]:
    """A new site, a user holding `role` on it, and an API client signed in with that user's token."""
    site = make_site().id
    user = make_user(username)
    grant(user, site, role)
    return site, client_with(token_for(user))


@dataclass
class Cast:
    """Site A with a viewer, an analyst and an admin; site B with its own admin; a superuser; their clients."""

    site: int
    site_public_key: str
    other_site: int
    users: dict[str, Any]
    clients: dict[str, APIClient]


PRINCIPALS = ("anonymous", "viewer", "analyst", "admin", "other_admin", "superuser")


def make_cast() -> Cast:
    created = make_site("Site A")
    site, other = created.id, make_site("Site B").id
    users = {
        "viewer": make_user("vera"),
        "analyst": make_user("anna"),
        "admin": make_user("adam"),
        "other_admin": make_user("otto"),
        "superuser": make_user("root", superuser=True),
    }
    grant(users["viewer"], site, "viewer")
    grant(users["analyst"], site, "analyst")
    grant(users["admin"], site, "admin")
    grant(users["other_admin"], other, "admin")
    clients = {name: client_with(token_for(user)) for name, user in users.items()}
    clients["anonymous"] = client_with(None)
    return Cast(site=site, site_public_key=created.public_key, other_site=other, users=users, clients=clients)


@pytest.fixture(autouse=True)
def _private_api_cache(settings) -> None:  # type: ignore[no-untyped-def]
    """Rate-limit counters in this test's own memory: the shared Redis is used by other test runs too."""
    import uuid

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }
