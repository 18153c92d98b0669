"""Each vendor's command queue, as a site that only swapped its script tag would call it."""

from __future__ import annotations

import pytest

from tests.factories import make_site
from tests.frontend.pages import events, page_html, wait_events, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def site(page_server):
    return make_site(origins=[page_server.url])


def open_page(browsing, page_server, site, live_sightline, path, head):
    url = page_server.add(path, page_html(site.public_key, live_sightline.url, head=head))
    page = browsing().context.new_page()
    page.goto(url)
    wait_until(lambda: page.evaluate("typeof window.sightline.cfg == 'object'"), what="the beacon to start")
    return url, page


def test_baidu_hmt(site, live_sightline, page_server, browsing):
    head = """<script>
      var _hmt = _hmt || [];
      _hmt.push(['_setAutoPageview', false]);
      _hmt.push(['_setCustomVar', 1, 'plan', 'pro', 1]);
      _hmt.push(['_trackPageview', '/virtual/page']);
      _hmt.push(['_trackEvent', 'video', 'play', 'intro', 3]);
    </script>"""
    _, page = open_page(browsing, page_server, site, live_sightline, "/baidu", head)
    page.evaluate("() => { sightline('consent', 'granted'); _hmt.push(['_setUserId', 'baidu-user']); }")
    (view,) = wait_events(site.id, 1, name="page_view")
    assert view.path == "/virtual/page"  # _setAutoPageview false: no automatic view of /baidu
    assert view.dimensions == {"plan": "pro"}
    (play,) = wait_events(site.id, 1, name="play")
    assert (play.category, play.action, play.label, play.value) == ("video", "play", "intro", 3.0)
    (identify,) = wait_events(site.id, 1, name="identify")
    assert identify.user_id == "baidu-user"


def test_matomo_paq_with_required_consent(site, live_sightline, page_server, browsing):
    head = """<script>
      var _paq = window._paq = window._paq || [];
      _paq.push(['requireConsent']);
      _paq.push(['setCustomDimension', 1, 'gold']);
      _paq.push(['setDocumentTitle', 'Custom title']);
      _paq.push(['setCustomUrl', '/custom/url']);
      _paq.push(['setUserId', 'matomo-user']);
      _paq.push(['trackPageView']);
      _paq.push(['trackEvent', 'Videos', 'Play', 'Intro', 4.5]);
      _paq.push(['setTrackerUrl', 'ignored.php']);
      _paq.push(['setSiteId', '1']);
    </script>"""
    _, page = open_page(browsing, page_server, site, live_sightline, "/matomo", head)
    page.wait_for_timeout(800)
    assert events(site.id) == []  # requireConsent: held until the visitor agrees
    page.evaluate("_paq.push(['rememberConsentGiven'])")
    (view,) = wait_events(site.id, 1, name="page_view")
    assert (view.title, view.path, view.dimensions) == ("Custom title", "/custom/url", {"dimension1": "gold"})
    assert view.user_id == "matomo-user"
    (play,) = wait_events(site.id, 1, name="Play")
    assert (play.category, play.action, play.label, play.value) == ("Videos", "Play", "Intro", 4.5)
    assert page.evaluate("localStorage.getItem('sightline')") is not None
    page.evaluate("_paq.push(['forgetConsentGiven'])")
    assert page.evaluate("localStorage.length") == 0
    page.evaluate("_paq.push(['trackEvent', 'Videos', 'Pause'])")
    page.wait_for_timeout(800)
    assert events(site.id, name="Pause") == []


def test_gtag_datalayer(site, live_sightline, page_server, browsing):
    head = """<script>
      window.dataLayer = window.dataLayer || [];
      function gtag(){dataLayer.push(arguments);}
      gtag('consent', 'default', {analytics_storage: 'denied'});
      gtag('js', new Date());
      gtag('config', 'G-TEST', {custom_map: {dimension1: 'model'}, page_title: 'Studio'});
      gtag('set', 'user_properties', {tier: 'free'});
      gtag('event', 'generate_image', {model: 'sdxl', steps: 30, value: 2, event_category: 'ai'});
    </script>"""
    _, page = open_page(browsing, page_server, site, live_sightline, "/gtag", head)
    page.wait_for_timeout(800)
    assert events(site.id) == []  # consent default denied: nothing until an update grants it
    page.evaluate("gtag('consent', 'update', {analytics_storage: 'granted'})")
    (view,) = wait_events(site.id, 1, name="page_view")
    assert view.title == "Studio"
    (generate,) = wait_events(site.id, 1, name="generate_image")
    assert generate.properties == {"model": "sdxl", "steps": 30, "value": 2, "event_category": "ai"}
    assert generate.dimensions == {"tier": "free", "dimension1": "sdxl"}
    assert (generate.category, generate.value) == ("ai", 2.0)
    assert generate.anonymous_id and not generate.anonymous_id.startswith("v:")


def test_gtag_config_without_page_view(site, live_sightline, page_server, browsing):
    head = """<script>
      window.dataLayer = window.dataLayer || [];
      function gtag(){dataLayer.push(arguments);}
      gtag('config', 'G-TEST', {send_page_view: false});
      gtag('event', 'signup');
    </script>"""
    open_page(browsing, page_server, site, live_sightline, "/gtag-quiet", head)
    wait_events(site.id, 1, name="signup")
    assert events(site.id, name="page_view") == []


def test_amplitude_style(site, live_sightline, page_server, browsing):
    # The Amplitude snippet's stub queues calls as {name, args} until the SDK (here: Sightline) loads.
    head = """<script>
      window.amplitude = {_q: [{name: 'init', args: ['AMPLITUDE_KEY']}, {name: 'track', args: ['Early', {a: 1}]}]};
    </script>"""
    _, page = open_page(browsing, page_server, site, live_sightline, "/amplitude", head)
    page.evaluate(
        """() => {
          sightline('consent', 'granted');
          amplitude.setUserId('amp-user-1');
          amplitude.setDeviceId('device-12345');
          amplitude.identify({plan: 'pro'});
          amplitude.track('Button Clicked', {color: 'red'});
        }"""
    )
    (early,) = wait_events(site.id, 1, name="Early")
    assert early.properties == {"a": 1}
    (clicked,) = wait_events(site.id, 1, name="Button Clicked")
    assert clicked.properties == {"color": "red"}
    assert (clicked.user_id, clicked.device_id) == ("amp-user-1", "device-12345")
    # setUserId and identify each send an identify event (it links the ids at once).
    identifies = wait_events(site.id, 2, name="identify")
    # Both may carry the same millisecond, so their stored order is not theirs to promise.
    assert sorted((i.properties for i in identifies), key=len) == [{}, {"$set": {"plan": "pro"}}]
