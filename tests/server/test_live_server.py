import urllib.request

import orjson
import pytest

from analytics.models import Event
from tests.factories import make_site

pytestmark = pytest.mark.slow


def test_the_live_server_stores_events_at_once(live_sightline, transactional_db):
    site = make_site(origins=[])
    request = urllib.request.Request(
        f"{live_sightline.url}/api/v1/collect",
        data=orjson.dumps({"key": site.public_key, "name": "live"}),
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 202
    assert Event.objects.get().name == "live"
