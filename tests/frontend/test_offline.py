"""Delivery when the network or the server is gone: queued, retried with back-off, stored exactly once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import make_site
from tests.frontend.pages import events, page_html, wait_events, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def site(page_server):
    return make_site(origins=[page_server.url])


def open_page(browsing, page_server, site, live_sightline, path, consent):
    url = page_server.add(path, page_html(site.public_key, live_sightline.url))
    b = browsing()
    page = b.context.new_page()
    page.goto(url)
    wait_until(lambda: page.evaluate("typeof window.sightline.cfg == 'object'"), what="the beacon to start")
    if consent:
        page.evaluate("sightline('consent', 'granted')")
    wait_events(site.id, 1, name="page_view")
    return b, page


def stored_queue(page) -> list[dict[str, Any]]:
    return page.evaluate("(JSON.parse(localStorage.getItem('sightline')) || {}).queue || []")


def test_offline_events_wait_in_storage_and_arrive_once(site, live_sightline, page_server, browsing):
    b, page = open_page(browsing, page_server, site, live_sightline, "/offline", consent=True)
    b.context.set_offline(True)
    page.evaluate("() => { sightline('track', 'offline_1'); sightline('track', 'offline_2'); }")
    wait_until(lambda: len(stored_queue(page)) == 2, what="the queue in localStorage")
    page.wait_for_timeout(2500)  # a failed attempt and its first retry
    assert events(site.id, name__startswith="offline_") == []
    b.context.set_offline(False)  # the `online` event flushes at once
    wait_events(site.id, 2, name__startswith="offline_")
    wait_until(lambda: stored_queue(page) == [], what="the stored queue to empty")
    page.wait_for_timeout(1500)
    assert sorted(e.name for e in events(site.id, name__startswith="offline_")) == ["offline_1", "offline_2"]


def test_queue_survives_a_reload_while_the_server_is_down(site, live_sightline, page_server, browsing):
    b, page = open_page(browsing, page_server, site, live_sightline, "/reload", consent=True)
    b.context.route("**/api/v1/collect", lambda route: route.fulfill(status=503, body="{}"))
    page.evaluate("sightline('track', 'before_reload')")
    wait_until(lambda: len(stored_queue(page)) >= 1, what="the queue in localStorage")
    page.wait_for_timeout(1200)
    page.reload()  # the next page of the visit finds the undelivered event in storage
    wait_until(lambda: page.evaluate("typeof window.sightline.cfg == 'object'"), what="the beacon to start")
    b.context.unroute("**/api/v1/collect")
    page.context.set_offline(True)
    page.context.set_offline(False)
    wait_events(site.id, 1, name="before_reload")
    page.wait_for_timeout(1500)
    assert len(events(site.id, name="before_reload")) == 1


def test_a_lost_reply_is_retried_and_counted_once(site, live_sightline, page_server, browsing):
    b, page = open_page(browsing, page_server, site, live_sightline, "/lost-reply", consent=False)
    sent = []

    def lose_the_first_reply(route):
        # The server stores the events, but the browser is told 503: it must send the same batch again.
        response = route.fetch()
        sent.append(route.request.post_data)
        status = 503 if len(sent) == 1 else response.status
        route.fulfill(status=status, headers=response.headers, body=response.body())

    b.context.route("**/api/v1/collect", lose_the_first_reply)
    page.evaluate("sightline('track', 'flaky')")
    wait_until(lambda: len(sent) >= 2, what="a retry", page=page)
    page.wait_for_timeout(500)
    (event,) = events(site.id, name="flaky")
    # Both requests carried the event under the same uuid; the server kept one.
    assert all(str(event.uuid) in body for body in sent[:2])
    # Before consent the retry queue lived in memory only.
    assert page.evaluate("localStorage.length") == 0


def test_before_consent_undeliverable_events_stay_in_memory(site, live_sightline, page_server, browsing):
    b, page = open_page(browsing, page_server, site, live_sightline, "/memory", consent=False)
    b.context.set_offline(True)
    page.evaluate("sightline('track', 'cookieless_offline')")
    page.wait_for_timeout(1500)
    assert page.evaluate("localStorage.length") == 0
    b.context.set_offline(False)
    (event,) = wait_events(site.id, 1, name="cookieless_offline")
    assert event.anonymous_id.startswith("v:")
