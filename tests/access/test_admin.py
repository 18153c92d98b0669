"""Operators see memberships and tokens in the Django admin; tokens are revoked there, never shown."""

from __future__ import annotations

import pytest
from django.test import Client

from access.models import ApiToken
from access.services import api_token_create
from tests.access.factories import grant, make_user
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def test_memberships_and_tokens_in_the_admin():
    root = make_user("root", superuser=True)
    grant(make_user("ann"), make_site().id, "viewer")
    made = api_token_create(user_id=root.pk, name="ci")
    client = Client()
    client.force_login(root)
    assert client.get("/admin/access/sitemembership/").status_code == 200
    listing = client.get("/admin/access/apitoken/")
    assert listing.status_code == 200 and made.info.prefix in listing.content.decode()
    page = client.get(f"/admin/access/apitoken/{made.info.id}/change/").content.decode()
    assert made.token not in page and ApiToken.objects.get().token_hash not in page
    assert client.get("/admin/access/apitoken/add/").status_code == 403
    assert client.post(f"/admin/access/apitoken/{made.info.id}/delete/", {"post": "yes"}).status_code == 302
    assert not ApiToken.objects.exists()
