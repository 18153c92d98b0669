"""The newest events of a site: what the console's "send a test event" check polls."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.access.factories import site_with_member
from tests.analytics.api.event_rows import write_events
from tests.stream_drain import drain

pytestmark = pytest.mark.django_db


def _iso(delta: timedelta) -> str:
    return (datetime.now(UTC) - delta).isoformat()


def test_newest_first_of_the_last_week_without_ids_or_properties():
    site, client = site_with_member("anna", "analyst")
    write_events(
        site,
        {"name": "old", "timestamp": _iso(timedelta(days=8))},
        {"name": "page_view", "timestamp": _iso(timedelta(hours=2)), "path": "/pricing", "user_id": "u-1"},
        {"name": "signup", "timestamp": _iso(timedelta(minutes=1)), "props": {"email": "x"}},
    )
    body = client.get(f"/api/v1/sites/{site}/events/recent/").json()
    assert [e["name"] for e in body] == ["signup", "page_view"]
    assert body[1]["path"] == "/pricing" and body[1]["source"] == "native"
    assert set(body[0]) == {"uuid", "name", "timestamp", "received_at", "path", "source"}


def test_filter_by_name_and_limit():
    site, client = site_with_member("anna", "analyst")
    write_events(site, *({"name": f"e{i % 2}", "timestamp": _iso(timedelta(minutes=i))} for i in range(6)))
    only = client.get(f"/api/v1/sites/{site}/events/recent/?name=e1&limit=2").json()
    assert [e["name"] for e in only] == ["e1", "e1"]
    assert only[0]["timestamp"] > only[1]["timestamp"]


@pytest.mark.parametrize("limit", ["0", "101", "ten", "-1"])
def test_bad_limits_are_refused(limit):
    site, client = site_with_member("anna", "analyst")
    response = client.get(f"/api/v1/sites/{site}/events/recent/?limit={limit}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "limit"


def test_one_query_however_many_events(django_assert_num_queries):
    site, client = site_with_member("anna", "analyst")
    write_events(site, *({"name": "e", "timestamp": _iso(timedelta(minutes=i))} for i in range(30)))
    client.get(f"/api/v1/sites/{site}/events/recent/")  # records the token's last use once
    # The token, the user's role on the site, the events.
    with django_assert_num_queries(3):
        assert len(client.get(f"/api/v1/sites/{site}/events/recent/").json()) == 20


def test_an_event_sent_to_collect_arrives_through_the_stream(door, stream):
    """The console's check end to end: the real collect endpoint, the Redis stream, the consumer, this list."""
    site, client = site_with_member("adam", "admin")
    from analytics.models import Site

    public_key = Site.objects.get(pk=site).public_key
    sent = str(uuid.uuid4())
    reply = door.post(
        "/api/v1/collect",
        {"key": public_key, "name": "sightline_test_event", "uuid": sent, "url": "https://example.com/check"},
        content_type="text/plain",
        headers={"Origin": "https://example.com", "User-Agent": "Mozilla/5.0 (X11; Linux x86_64)"},
    )
    assert reply.status == 202, reply.body
    url = f"/api/v1/sites/{site}/events/recent/?name=sightline_test_event"
    assert client.get(url).json() == []  # still in the stream: the page says it can take a moment
    drain(stream)
    arrived = client.get(url).json()
    assert [(e["uuid"], e["path"], e["source"]) for e in arrived] == [(sent, "/check", "native")]
