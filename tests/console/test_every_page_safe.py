"""Every console page, discovered from console/navigation.py, walked in real headless Chromium as a site admin
over a dataset whose every tracked field is hostile (tests/console/hostile_dataset.py): no dialog, no CSP
violation, no console or page error, no request beyond 127.0.0.1, no element or handler made from the data,
and the payloads shown as text where the page lists them. A page added to the navigation is walked too."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from console.navigation import PAGES
from tests.console.hostile_dataset import (
    COHORT_NAME,
    DIMENSION_NAME,
    IMG,
    SCRIPT,
    SITE_NAME,
    TEMPLATE,
    TOKEN_NAME,
    load_hostile_dataset,
)
from tests.factories import make_site

pytestmark = [pytest.mark.slow]

# Elements and attributes that only the data could have put there: an inline handler on any element, a
# `javascript:` link or source, the payload's `src=x`, or script/frames inside the page's content.
INJECTED = """() => {
  const found = [];
  for (const node of document.querySelectorAll('*')) {
    for (const attribute of node.attributes) {
      const link = ['href', 'src', 'action', 'formaction', 'xlink:href'].includes(attribute.name);
      const script = link && attribute.value.trim().toLowerCase().startsWith('javascript:');
      if (attribute.name.startsWith('on') || script) found.push(node.outerHTML.slice(0, 120));
    }
  }
  for (const node of document.querySelectorAll('[src="x"], main script, main iframe, main object, main embed')) {
    found.push(node.outerHTML.slice(0, 120));
  }
  return found;
}"""


@dataclass(frozen=True)
class Visit:
    """One state of a page: extra URL (query and #q= state), what to click, the payloads it must show as text."""

    suffix: str = ""
    clicks: tuple[str, ...] = ()
    shows: tuple[str, ...] = field(default_factory=tuple)


def state(query: dict[str, Any]) -> str:
    return "?range=30d#q=" + quote(json.dumps(query))


def trend_by(key: str) -> str:
    return state({"series": [{"event": None, "math": "count", "filters": []}], "breakdown": {"key": key, "limit": 20}})


# The main interactions of each page that a URL state or a click reaches cheaply; any page not named here (a new
# one included) is opened with its defaults — still walked, still checked.
VISITS: dict[str, list[Visit]] = {
    "overview": [Visit(shows=(IMG, "/" + IMG, TEMPLATE)), Visit("?range=30d", shows=(SCRIPT,))],
    "events": [
        Visit(),
        *[
            Visit(trend_by(key), shows=(IMG,))
            for key in ("name", "path", "title", "label", "category", "action", "browser", "props.plan", "dims.plan")
        ],
        Visit(trend_by("referrer"), shows=("javascript:alert(1)",)),
        Visit(trend_by("os")),
        Visit(trend_by("device_type"), shows=(TEMPLATE,)),
    ],
    "funnels": [
        Visit(
            state({"steps": [{"event": "page_view"}, {"event": IMG}, {"event": "signup"}], "order": "ordered"}),
            clicks=("[data-show-dropped='1']",),
            shows=(IMG,),
        ),
    ],
    "retention": [Visit(), Visit(state({"target": {"event": IMG}, "breakdown": {"key": "browser", "limit": 10}}))],
    "paths": [Visit(state({"start_event": "page_view", "depth": 3, "limit": 10}), shows=(IMG,))],
    "cohorts": [Visit(shows=(COHORT_NAME,))],
    "settings": [Visit(shows=(DIMENSION_NAME, SCRIPT))],
    "tokens": [Visit(shows=(TOKEN_NAME,))],
}


def assert_safe_document(browsing, where: str) -> None:
    """What can only be checked on the document still open: its CSP violations and its elements."""
    assert browsing.csp_violations() == [], where
    assert browsing.page.evaluate(INJECTED) == [], where
    assert browsing.page.evaluate("window.__xss") is None, where


@pytest.mark.parametrize("key", [page.key for page in PAGES])
def test_every_page_shows_hostile_data_as_text(console_page, console_user, key):
    site = make_site(SITE_NAME, timezone="Asia/Shanghai").id
    admin = console_user("ada", sites={site: "admin"})
    load_hostile_dataset(site, user_id=admin.pk)
    browsing = console_page(admin)
    page = browsing.page
    for visit in VISITS.get(key, [Visit()]):
        where = f"{key}{visit.suffix}"
        # A blank page between visits: a URL that differs only in its #fragment would not reload the page.
        page.goto("about:blank")
        response = browsing.goto(f"/sites/{site}/{key}/{visit.suffix}")
        assert response.status == 200, where
        browsing.wait_loaded(timeout=30)
        for selector in visit.clicks:
            page.click(selector)
            page.wait_for_timeout(100)  # the click's request starts, its container turns busy
            browsing.wait_loaded(timeout=30)
        assert SITE_NAME in page.inner_text("header"), where  # the switcher names the site as text
        text = page.inner_text("main")
        for payload in visit.shows:
            assert payload in text, f"{where}: {payload!r} is not shown as text"
        assert_safe_document(browsing, where)
    # The payload's <img src=x> would have asked this same server for /x: look for it, not just for hosts.
    assert [u for u in browsing.requests if urlsplit(u).path.endswith("/x")] == []
    browsing.assert_clean()


def test_the_walk_would_see_markup_made_from_data(console_page, console_user):
    """The checks above can fail: markup injected the way an unsafe page would (innerHTML) is caught."""
    site = make_site("Shop").id
    browsing = console_page(console_user("ada", sites={site: "admin"}))
    browsing.goto(f"/sites/{site}/overview/")
    browsing.wait_loaded()
    browsing.page.evaluate("html => document.querySelector('main').insertAdjacentHTML('beforeend', html)", IMG)
    browsing.wait_for("window.__cspViolations.length > 0", what="the CSP to refuse the inline handler")
    assert any("script-src" in v for v in browsing.csp_violations())
    assert browsing.page.evaluate(INJECTED) != []
    with pytest.raises(AssertionError):
        assert_safe_document(browsing, "overview")
    assert any(urlsplit(u).path.endswith("/x") for u in browsing.requests)
