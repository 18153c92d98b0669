import http.client
import os
import urllib.parse
import urllib.request

import orjson
import pytest

from analytics.models import Event
from tests.factories import make_site
from tests.live_server import live_database_url, running_sightline

pytestmark = pytest.mark.slow


def _collect(url: str, public_key: str, name: str) -> int:
    request = urllib.request.Request(
        f"{url}/api/v1/collect",
        data=orjson.dumps({"key": public_key, "name": name}),
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def test_the_live_server_stores_events_at_once(live_sightline, transactional_db):
    site = make_site(origins=[])
    assert _collect(live_sightline.url, site.public_key, "live") == 202
    assert Event.objects.get().name == "live"


def test_the_servers_own_environment_is_not_read_as_request_headers(transactional_db):
    """granian starts each request's environ from the process environment; server/wsgi.py takes it out again,
    so a variable named like a header cannot pose as one (here: a forwarded-for address, with a proxy trusted)."""
    site = make_site(origins=[])
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env |= {
        "DATABASE_URL": live_database_url(),
        "INGEST_SITE_CACHE_SECONDS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "INGEST_TRUSTED_PROXY_HOPS": "1",
        "HTTP_X_FORWARDED_FOR": "198.51.100.7",
    }
    with running_sightline(env, name="process-environ") as server:
        assert _collect(server.url, site.public_key, "no forwarded-for header") == 202
    assert Event.objects.get().ip == "127.0.0.0"  # the socket's address, truncated; not 198.51.100.0


def test_an_oversized_body_is_refused_with_a_413_json_reply_before_it_is_sent(live_sightline, transactional_db):
    """The door answers from Content-Length alone: the client gets the reply without sending the 6 MB."""
    address = urllib.parse.urlsplit(live_sightline.url)
    connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=30)
    connection.putrequest("POST", "/api/v1/collect")
    connection.putheader("Content-Type", "text/plain")
    connection.putheader("Content-Length", str(6 * 1024 * 1024))
    connection.endheaders()  # and no body
    response = connection.getresponse()
    assert response.status == 413
    assert orjson.loads(response.read())["code"] == "body_too_large"
    connection.close()
    assert not Event.objects.exists()
