"""Who sees which site: granted sites only (superusers all), the same 404 for missing and not granted."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_site

pytestmark = pytest.mark.django_db


def test_user_sees_only_granted_sites(console_user, console_client):
    mine, theirs = make_site("Mine").id, make_site("Theirs").id
    client = console_client(console_user("vera", sites={mine: "viewer"}))
    page = client.get(f"/sites/{mine}/overview/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Mine" in html and "Theirs" not in html  # the switcher lists granted sites only
    not_granted = client.get(f"/sites/{theirs}/overview/")
    missing = client.get("/sites/999999/overview/")
    assert not_granted.status_code == missing.status_code == 404
    assert "does not exist or is not yours" in not_granted.content.decode()
    assert "Content-Security-Policy" in not_granted


def test_superuser_sees_every_site(console_user, console_client):
    make_site("One")
    other = make_site("Two").id
    client = console_client(console_user("root", superuser=True))
    assert client.get(f"/sites/{other}/overview/").status_code == 200
    assert client.get("/").status_code == 302


def test_no_site_yet(console_user, console_client):
    plain = console_client(console_user("vera")).get("/")
    assert plain.status_code == 200 and "Ask a site admin" in plain.content.decode()
    root = console_client(console_user("root", superuser=True)).get("/")
    assert "manage.py createsite" in root.content.decode()


def test_site_switcher_keeps_the_page(console_user, console_client):
    one, two = make_site("One").id, make_site("Two").id
    client = console_client(console_user("vera", sites={one: "viewer", two: "analyst"}))
    assert client.get("/sites/switch/", {"site": two, "page": "overview"})["Location"] == f"/sites/{two}/overview/"
    assert client.get("/sites/switch/", {"site": "x", "page": "overview"})["Location"] == "/"
    assert client.get("/sites/switch/", {"site": two, "page": "nope"})["Location"] == "/"


def test_navigation_links_only_pages_that_answer(console_user, console_client):
    """Pages not built yet are not linked (console/navigation.py): every link of the navigation opens."""
    site = make_site().id
    client = console_client(console_user("vera", sites={site: "viewer"}))
    html = client.get(f"/sites/{site}/overview/").content.decode()
    nav = html[html.index('<nav class="sidenav"') : html.index("</nav>")]
    links = re.findall(r'href="([^"]+)"', nav)
    assert f"/sites/{site}/overview/" in links
    assert f'href="/sites/{site}/overview/" aria-current="page"' in nav
    for link in links:
        assert client.get(link).status_code == 200, link
