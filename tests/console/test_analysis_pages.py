"""The analysis pages through the test client: each renders for every role, lists in the navigation, hands its
script the picked range and its words, and carries no inline script or style."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from django.utils import translation

from console.views import analysis_page, cohorts, events, funnels, paths, retention
from tests.factories import make_site

pytestmark = pytest.mark.django_db
PAGES = ("events", "funnels", "retention", "paths", "cohorts")


def script_json(html: str, name: str) -> dict[str, Any]:
    start = html.index(f'<script id="{name}" type="application/json">') + len(
        f'<script id="{name}" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ["viewer", "analyst", "admin"])
def test_every_role_opens_every_analysis_page(console_user, console_client, page, role):
    site = make_site("Shop", timezone="Asia/Shanghai").id
    client = console_client(console_user("vera", sites={site: role}))
    response = client.get(f"/sites/{site}/{page}/", {"range": "custom", "from": "2026-03-01", "to": "2026-03-31"})
    assert response.status_code == 200
    html = response.content.decode()
    data = script_json(html, "console-data")
    assert data["page"] == page and data["site"]["role"] == role
    assert data["range"]["current"] == {"from": "2026-03-01", "to": "2026-03-31"}
    strings = script_json(html, "console-strings")
    assert strings["run"] == "Run query" and strings["add_filter"] == "Add filter"
    for other in PAGES:
        assert f'href="/sites/{site}/{other}/"' in html
    assert 'aria-current="page"' in html
    # The CSP allows no inline script or style: only json_script blocks and the bundled file.
    assert " style=" not in html
    assert re.findall(r"<script(?![^>]*(?:type=\"application/json\"|src=))", html) == []


def test_a_page_of_a_site_not_granted_is_not_found(console_user, console_client):
    mine, theirs = make_site("Mine").id, make_site("Theirs").id
    client = console_client(console_user("vera", sites={mine: "viewer"}))
    assert client.get(f"/sites/{theirs}/funnels/").status_code == 404
    assert client.get(f"/sites/{mine}/funnels/").status_code == 200


def test_signed_out_goes_to_the_sign_in_page(client):
    site = make_site().id
    response = client.get(f"/sites/{site}/cohorts/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_pages_default_to_their_own_period(console_user, console_client):
    site = make_site().id
    client = console_client(console_user("vera", sites={site: "viewer"}))

    def days(page: str) -> int:
        current = script_json(client.get(f"/sites/{site}/{page}/").content.decode(), "console-data")["range"]["current"]
        return (date.fromisoformat(current["to"]) - date.fromisoformat(current["from"])).days + 1

    assert [days(page) for page in PAGES] == [7, 30, 30, 7, 30]


def test_every_script_string_of_the_analysis_pages_is_translated():
    lazy = [*analysis_page.CONTROLS.values()]
    for module in (events, funnels, retention, paths, cohorts):
        lazy += module.STRINGS.values()
    untranslated = []
    for text in lazy:
        with translation.override("en"):
            english = str(text)
        with translation.override("zh-hans"):
            chinese = str(text)
        # Placeholders-only strings ("%(first)s–%(last)s") read the same in both languages.
        if chinese == english and re.sub(r"%\(\w+\)s|[\s–]", "", english):
            untranslated.append(english)
        placeholders = re.compile(r"%\(\w+\)s")
        assert sorted(placeholders.findall(chinese)) == sorted(placeholders.findall(english)), english
    assert untranslated == []
