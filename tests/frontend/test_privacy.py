"""What the browser keeps and sends before and after a choice: DNT, GPC, opt-in sites, withdrawal."""

from __future__ import annotations

import pytest

from consent.models import ConsentRecord
from consent.services import subject_pseudonym
from tests.factories import make_site
from tests.frontend.pages import events, page_html, wait_events, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("transactional_db")]

DNT = "Object.defineProperty(Navigator.prototype, 'doNotTrack', {get: () => '1'})"
GPC = "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})"


def started(page) -> None:
    wait_until(lambda: page.evaluate("typeof window.sightline.cfg == 'object'"), what="the beacon to start")


@pytest.mark.parametrize(
    ("script", "header"),
    [(DNT, {"DNT": "1"}), (GPC, {"Sec-GPC": "1"})],
    ids=["do-not-track", "global-privacy-control"],
)
def test_dnt_and_gpc_are_an_opt_out(script, header, live_sightline, page_server, browsing):
    site = make_site(origins=[page_server.url])
    url = page_server.add("/private", page_html(site.public_key, live_sightline.url))
    b = browsing(extra_http_headers=header)
    b.context.add_init_script(script)
    page = b.context.new_page()
    page.goto(url)
    started(page)
    page.evaluate("sightline('track', 'ignored')")
    page.wait_for_timeout(1000)
    assert b.collects() == []
    assert page.evaluate("localStorage.length") == 0


def test_dnt_is_ignored_where_the_site_says_so(live_sightline, page_server, browsing):
    site = make_site(origins=[page_server.url], honour_dnt=False)
    url = page_server.add("/dnt-ignored", page_html(site.public_key, live_sightline.url))
    b = browsing(extra_http_headers={"DNT": "1"})
    b.context.add_init_script(DNT)
    b.context.new_page().goto(url)
    wait_events(site.id, 1, name="page_view")


def test_an_explicit_yes_outweighs_gpc(live_sightline, page_server, browsing):
    site = make_site(origins=[page_server.url])
    url = page_server.add("/gpc-yes", page_html(site.public_key, live_sightline.url))
    b = browsing(extra_http_headers={"Sec-GPC": "1"})
    b.context.add_init_script(GPC)
    page = b.context.new_page()
    page.goto(url)
    started(page)
    page.evaluate("() => { sightline('consent', 'granted'); sightline('track', 'wanted'); }")
    (event,) = wait_events(site.id, 1, name="wanted")
    assert not event.anonymous_id.startswith("v:")


def test_opt_in_site_sends_nothing_before_consent(live_sightline, page_server, browsing):
    site = make_site(origins=[page_server.url], consent_mode="opt_in")
    url = page_server.add("/opt-in", page_html(site.public_key, live_sightline.url))
    b = browsing()
    page = b.context.new_page()
    page.goto(url)
    started(page)
    page.evaluate("sightline('track', 'held')")
    page.wait_for_timeout(1000)
    assert b.collects() == []
    assert page.evaluate("localStorage.length") == 0 and page.evaluate("document.cookie") == ""
    # Agreeing on the same page sends what was held, now with the browser's id.
    page.evaluate("sightline('consent', 'granted')")
    view, held = wait_events(site.id, 1, name="page_view")[0], wait_events(site.id, 1, name="held")[0]
    assert view.anonymous_id == held.anonymous_id and not view.anonymous_id.startswith("v:")


def test_withdrawal_deletes_local_identifiers_and_is_recorded(live_sightline, page_server, browsing):
    site = make_site(origins=[page_server.url])
    url = page_server.add("/withdraw", page_html(site.public_key, live_sightline.url))
    b = browsing()
    page = b.context.new_page()
    page.goto(url)
    started(page)
    page.evaluate("() => { sightline('consent', 'granted'); sightline('identify', 'user-7'); }")
    (identify,) = wait_events(site.id, 1, name="identify")
    stored = page.evaluate("JSON.parse(localStorage.getItem('sightline'))")
    assert stored["ids"] == {"anonymous_id": identify.anonymous_id, "user_id": "user-7"}
    # A reload keeps the consent and the id (same policy version).
    page.reload()
    started(page)
    page.evaluate("sightline('track', 'second_page')")
    assert wait_events(site.id, 1, name="second_page")[0].anonymous_id == identify.anonymous_id
    page.evaluate("sightline('consent', 'denied')")
    assert page.evaluate("localStorage.length") == 0
    wait_until(lambda: ConsentRecord.objects.filter(site_id=site.id).count() == 2, what="two ledger records")
    records = list(ConsentRecord.objects.filter(site_id=site.id).order_by("id"))
    assert [r.choice for r in records] == ["granted", "denied"]
    # The withdrawal is filed under the same (pseudonymous) subject as the grant it withdraws.
    assert records[1].subject == subject_pseudonym(site_id=site.id, subject=identify.anonymous_id)
    page.evaluate("sightline('track', 'after_withdrawal')")
    page.wait_for_timeout(800)
    assert events(site.id, name="after_withdrawal") == []
