"""The beacon in a real browser: page views, native commands, single-page apps, engagement, batching."""

from __future__ import annotations

import pytest

from tests.factories import make_site
from tests.frontend.pages import events, page_html, wait_events, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def site(page_server):
    return make_site(origins=[page_server.url])


def test_snippet_sends_a_page_view(site, live_sightline, page_server, browsing):
    url = page_server.add("/home", page_html(site.public_key, live_sightline.url))
    b = browsing()
    page = b.context.new_page()
    page.goto(url + "?utm_source=test")
    (view,) = wait_events(site.id, 1, name="page_view")
    assert view.url == url + "?utm_source=test"
    assert view.title == "Test page"
    assert view.source == "native"
    # Cookieless until consent: the server's daily visitor id, nothing from the browser.
    assert view.anonymous_id.startswith("v:")
    assert page.evaluate("document.cookie") == ""
    assert page.evaluate("localStorage.length") == 0


def test_native_commands(site, live_sightline, page_server, browsing):
    url = page_server.add("/native", page_html(site.public_key, live_sightline.url))
    page = browsing().context.new_page()
    page.goto(url)
    page.evaluate(
        """() => {
          sightline('consent', 'granted');
          sightline('set', 'plan', 'pro');
          sightline('identify', 'user-42', {tier: 'gold'});
          sightline('track', 'click_generate', {prompt_length: 37});
          sightline('set', 'plan', null);
          sightline('track', 'after_unset');
        }"""
    )
    wait_events(site.id, 1, name="after_unset")
    click = events(site.id, name="click_generate")[0]
    assert click.properties == {"prompt_length": 37}
    assert click.dimensions == {"plan": "pro"}
    assert click.user_id == "user-42"
    assert not click.anonymous_id.startswith("v:")
    identify = events(site.id, name="identify")[0]
    assert identify.properties == {"$set": {"tier": "gold"}}
    assert events(site.id, name="after_unset")[0].dimensions == {}
    # reset forgets the user and starts a new anonymous id.
    page.evaluate("() => { sightline('reset'); sightline('track', 'after_reset'); }")
    (after,) = wait_events(site.id, 1, name="after_reset")
    assert after.user_id == ""
    assert after.anonymous_id not in ("", click.anonymous_id)


def test_calls_before_the_script_loads_are_kept(site, live_sightline, page_server, browsing):
    early = "<script>sightline('track', 'early', {n: 1});</script>"
    html = page_html(site.public_key, live_sightline.url).replace("</head>", early + "</head>")
    url = page_server.add("/early", html)
    browsing().context.new_page().goto(url)
    (event,) = wait_events(site.id, 1, name="early")
    assert event.properties == {"n": 1}


def test_single_page_app_navigation_and_engagement(site, live_sightline, page_server, browsing):
    url = page_server.add("/app", page_html(site.public_key, live_sightline.url))
    page = browsing().context.new_page()
    page.goto(url)
    wait_events(site.id, 1, name="page_view")
    page.wait_for_timeout(300)
    page.evaluate("history.pushState({}, '', '/app/settings')")
    page.evaluate("history.pushState({}, '', '/app/settings')")  # the same path again: not a new view
    views = wait_events(site.id, 2, name="page_view")
    assert [v.path for v in views] == ["/app", "/app/settings"]
    assert views[1].referrer == url
    page.go_back()  # to the second /app/settings entry: the same path
    page.go_back()  # to /app
    assert [v.path for v in wait_events(site.id, 3, name="page_view")] == ["/app", "/app/settings", "/app"]
    (engagement, *_) = wait_events(site.id, 1, name="engagement")
    assert engagement.properties["engaged_ms"] >= 250
    # Leaving the page reports the visible time of the last route too (sendBeacon on page hide).
    page.goto("about:blank")
    wait_events(site.id, 3, name="engagement")


def test_bursts_are_batched_and_throttled(site, live_sightline, page_server, browsing):
    url = page_server.add("/burst", page_html(site.public_key, live_sightline.url))
    b = browsing()
    page = b.context.new_page()
    page.goto(url)
    wait_events(site.id, 1, name="page_view")
    page.evaluate("() => { for (let i = 0; i < 50; i++) sightline('track', 'scroll', {i}); }")
    page.evaluate("() => { for (let i = 0; i < 5; i++) sightline('track', 'distinct_' + i); }")
    wait_events(site.id, 5, name__startswith="distinct_")
    page.wait_for_timeout(700)
    # At most 10 events of one name per second; the rest of the burst is dropped in the browser.
    assert len(events(site.id, name="scroll")) == 10
    # The 15 events went out together, not one request each.
    assert len(b.collects()) == 2


def test_outbound_links_and_downloads_when_turned_on(site, live_sightline, page_server, browsing):
    from tests.frontend.pages import script_tag

    links = (
        '<a id="out" href="http://127.0.0.1:9/elsewhere">out</a>'
        '<a id="file" href="/files/report.pdf">report</a><a id="in" href="/inside">in</a>'
        # The page's own handler keeps the test on the page; the beacon listens in the capture phase.
        "<script>document.addEventListener('click', (e) => e.preventDefault())</script>"
    )
    snippet = script_tag(site.public_key, live_sightline.url, "data-outbound data-downloads")
    url = page_server.add("/links", page_html(site.public_key, live_sightline.url, body=links, snippet=snippet))
    page = browsing().context.new_page()
    page.goto(url)
    wait_events(site.id, 1, name="page_view")
    wait_until(lambda: page.evaluate("!!window.sightline.attr"), what="the beacon to start")
    page.wait_for_function("document.querySelector('script[src$=\"/links.js\"]')")
    page.wait_for_timeout(300)
    for link in ("#out", "#file", "#in"):
        page.click(link)
    (out,) = wait_events(site.id, 1, name="outbound_click")
    assert out.properties == {"url": "http://127.0.0.1:9/elsewhere"}
    (download,) = wait_events(site.id, 1, name="file_download")
    assert download.properties["url"].endswith("/files/report.pdf")
