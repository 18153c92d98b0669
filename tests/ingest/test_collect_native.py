"""The native collect endpoints end to end: door → pipeline → Redis stream → consumer → PostgreSQL."""

from __future__ import annotations

import gzip
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis

from analytics.models import Event, EventAlias, IdentityLink
from tests.factories import make_site
from tests.stream_drain import drain

pytestmark = pytest.mark.django_db

COLLECT = "/api/v1/collect"
BATCH = "/api/v1/batch"


@pytest.fixture
def site():
    return make_site(origins=["https://example.com", "https://*.example.org"])


def test_a_page_view_is_stored_with_derived_fields(door, site, stream):
    response = door.post(
        COLLECT,
        {
            "key": site.public_key,
            "name": "page_view",
            "url": "https://example.com/pricing?utm_source=x",
            "title": "Pricing",
        },
        content_type="text/plain",
        headers={"Origin": "https://example.com"},
    )
    assert response.status == 202, response.body
    assert response.json() == {"accepted": 1, "ignored": 0}
    assert response.headers["access-control-allow-origin"] == "https://example.com"
    drain(stream)
    event = Event.objects.get(site_id=site.id)
    assert (event.name, event.path, event.title, event.source) == (
        "page_view",
        "/pricing",
        "Pricing",
        "native",
    )
    assert event.ip == "203.0.113.0"
    assert event.anonymous_id.startswith("v:") and len(event.anonymous_id) == 34
    assert (event.browser, event.os, event.device_type, event.is_bot) == ("Chrome", "Linux", "desktop", False)
    assert abs(event.timestamp - datetime.now(UTC)) < timedelta(seconds=30)


def test_valid_events_next_to_bad_ones_are_kept(door, site, stream):
    events = [
        {"name": "ok_1"},
        {"name": 42},
        {"name": "ok_2", "value": "not a number"},
        "not an object",
        {"name": "ok_3", "ts": "2999-01-01T00:00:00Z"},
        {"name": "ok_4", "props": {"plan": "pro"}},
    ]
    response = door.post(COLLECT, {"key": site.public_key, "events": events})
    assert response.status == 202
    body = response.json()
    assert body["accepted"] == 2
    assert [(r["index"], r["code"], r["field"]) for r in body["rejected"]] == [
        (1, "invalid_field", "name"),
        (2, "invalid_field", "value"),
        (3, "not_an_object", None),
        (4, "timestamp_out_of_range", "ts"),
    ]
    drain(stream)
    assert sorted(Event.objects.values_list("name", flat=True)) == ["ok_1", "ok_4"]


def test_a_request_with_no_valid_event_is_a_400(door, site, stream):
    response = door.post(COLLECT, {"key": site.public_key, "events": [{"name": ""}, {"title": "x"}]})
    assert response.status == 400
    assert response.json()["code"] == "no_valid_events"


@pytest.mark.parametrize(
    ("key", "origin", "status", "code"),
    [
        (None, None, 401, "missing_key"),
        ("pk_wrong", None, 401, "invalid_key"),
        ("RIGHT", "https://evil.example.net", 403, "origin_not_allowed"),
        ("RIGHT", "null", 403, "origin_not_allowed"),
        ("RIGHT", "https://example.com.evil.net", 403, "origin_not_allowed"),
        ("RIGHT", "https://shop.example.org", 202, None),
        ("RIGHT", "https://example.org", 403, "origin_not_allowed"),
        # Sightline's own pages (the console's test event, the generation demo): the origin is the Host asked.
        ("RIGHT", "http://localhost", 202, None),
        ("RIGHT", "http://localhost:8000", 403, "origin_not_allowed"),
        ("RIGHT", "http://localhost.evil.net", 403, "origin_not_allowed"),
    ],
)
def test_keys_and_origins(door, site, stream, key, origin, status, code):
    body = {"name": "x"} | ({"key": site.public_key if key == "RIGHT" else key} if key else {})
    response = door.post(COLLECT, body, headers={"Origin": origin} if origin else {})
    assert response.status == status
    if code:
        assert response.json()["code"] == code
        assert "access-control-allow-origin" not in response.headers


def test_preflight_is_answered(door, site):
    response = door.request("OPTIONS", COLLECT, headers={"Origin": "https://example.com"})
    assert response.status == 204
    assert response.headers["access-control-allow-origin"] == "https://example.com"
    assert "content-type" in response.headers["access-control-allow-headers"]


def test_batch_needs_the_secret_key(door, site, stream):
    events = {"events": [{"name": "signup", "user_id": "u1", "ts": "2026-01-02T03:04:05Z"}]}
    assert door.post(BATCH, events).status == 401
    assert door.post(BATCH, events, headers={"Authorization": f"Bearer {site.public_key}"}).status == 401
    response = door.post(BATCH, events, headers={"Authorization": f"Bearer {site.secret_key}"})
    assert response.status == 202
    drain(stream)
    event = Event.objects.get()
    # A backend may send old events; its own address is not the visitor's.
    assert event.timestamp == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert (event.source, event.ip, event.user_id) == ("batch", "", "u1")


def test_retries_with_the_same_uuid_are_stored_once(door, site, stream):
    event = {"name": "click", "uuid": str(uuid.uuid4())}
    for _ in range(3):
        assert door.post(COLLECT, {"key": site.public_key, "events": [event, event]}).status == 202
    consumer = drain(stream)
    assert Event.objects.count() == 1
    assert (consumer.stats.written, consumer.stats.duplicates) == (1, 5)


def test_aliases_rename_events(door, site, stream):
    for alias in ("tap_ad", "clickAd", "adClick"):
        EventAlias.objects.create(site_id=site.id, alias=alias, name="click_banner")
    door.post(
        COLLECT,
        {"key": site.public_key, "events": [{"name": n} for n in ("tap_ad", "clickAd", "adClick", "other")]},
    )
    drain(stream)
    assert sorted(Event.objects.values_list("name", flat=True)) == ["click_banner"] * 3 + ["other"]


def test_login_links_the_anonymous_and_device_ids_to_the_user(door, site, stream):
    events = [
        {"name": "page_view", "anonymous_id": "anon-1", "consent": "granted"},
        {
            "name": "login",
            "anonymous_id": "anon-1",
            "device_id": "dev-9",
            "user_id": "user-7",
            "consent": "granted",
        },
        {"name": "later", "anonymous_id": "anon-1", "user_id": "user-8", "consent": "granted"},
    ]
    assert door.post(BATCH, {"events": events}, headers={"Authorization": f"Bearer {site.secret_key}"}).status == 202
    drain(stream)
    links = dict(IdentityLink.objects.filter(site_id=site.id).values_list("anonymous_id", "user_id"))
    # The first user an id is seen with wins: a second login on the same browser does not merge people.
    assert links == {"anon-1": "user-7", "dev-9": "user-7"}


def test_clock_skew_is_corrected_from_sent_at(door, site, stream):
    now = datetime.now(UTC)
    skewed = now + timedelta(hours=5)  # the client's clock is five hours fast
    body = {
        "key": site.public_key,
        "sent_at": skewed.isoformat(),
        "events": [{"name": "e", "ts": (skewed - timedelta(minutes=2)).isoformat()}],
    }
    assert door.post(COLLECT, body).status == 202
    drain(stream)
    stored = Event.objects.get().timestamp
    assert abs(stored - (now - timedelta(minutes=2))) < timedelta(seconds=10)


def test_future_timestamps_are_corrected_and_flagged(door, site, stream):
    future = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    assert door.post(COLLECT, {"key": site.public_key, "name": "e", "ts": future}).status == 202
    drain(stream)
    event = Event.objects.get()
    assert abs(event.timestamp - datetime.now(UTC)) < timedelta(seconds=30)
    assert event.properties["$timestamp_corrected"] == "future"


@pytest.mark.parametrize("header", ["DNT", "Sec-GPC"])
def test_do_not_track_and_gpc_are_honoured(door, site, stream, header):
    response = door.post(COLLECT, {"key": site.public_key, "name": "e"}, headers={header: "1"})
    assert response.status == 202
    assert response.json() == {"accepted": 0, "ignored": 1}
    drain(stream)
    assert not Event.objects.exists()


def test_cookieless_mode_keeps_no_client_ids_without_consent(door, site, stream):
    door.post(
        COLLECT,
        {
            "key": site.public_key,
            "events": [
                {"name": "before", "anonymous_id": "a-1", "user_id": "u-1"},
                {"name": "after", "anonymous_id": "a-1", "user_id": "u-1", "consent": "granted"},
                {"name": "declined", "anonymous_id": "a-1", "consent": "denied"},
            ],
        },
    )
    drain(stream)
    rows = dict(Event.objects.values_list("name", "anonymous_id"))
    assert rows["before"].startswith("v:") and rows["after"] == "a-1" and "declined" not in rows


def test_opt_in_sites_collect_nothing_before_consent(door, stream):
    site = make_site(consent_mode="opt_in")
    response = door.post(
        COLLECT, {"key": site.public_key, "events": [{"name": "a"}, {"name": "b", "consent": "granted"}]}
    )
    assert response.json() == {"accepted": 1, "ignored": 1}


def test_personal_data_never_reaches_redis_or_the_database(door, site, stream, settings):
    body = {
        "key": site.public_key,
        "name": "signup",
        "url": "https://example.com/welcome?email=jane.doe@example.com&token=abc123secret",
        "title": "Welcome jane.doe@example.com",
        "label": "call 13800138000",
        "props": {"note": "card 4111 1111 1111 1111", "nested": {"ip": "my ip is 198.51.100.23"}},
        "user_id": "jane.doe@example.com",
        "consent": "granted",
    }
    door.post(COLLECT, body, remote_addr="198.51.100.99")
    raw_stream = b"".join(
        value for _, fields in redis.Redis.from_url(settings.REDIS_URL).xrange(stream) for value in fields.values()
    )
    for secret in (b"jane.doe", b"abc123secret", b"13800138000", b"4111", b"198.51.100.23", b"198.51.100.99"):
        assert secret not in raw_stream
    drain(stream)
    event = Event.objects.get()
    stored = repr(Event.objects.values().get())
    for secret in ("jane.doe", "abc123secret", "13800138000", "4111 1111", "198.51.100.23", "198.51.100.99"):
        assert secret not in stored
    assert event.ip == "198.51.100.0"
    assert event.user_id.startswith("p:")  # an e-mail as user id becomes a stable pseudonym


def test_gzip_bodies_are_accepted(door, site, stream):
    body = gzip.compress(b'{"key": "%s", "name": "zipped"}' % site.public_key.encode())
    response = door.post(COLLECT, body, headers={"Content-Encoding": "gzip"})
    assert response.status == 202


def test_limits_answer_413_and_429(door, site, stream, settings):
    settings.INGEST_MAX_BODY_BYTES = 1000
    big = door.post(COLLECT, {"key": site.public_key, "name": "x", "title": "t" * 2000})
    assert (big.status, big.json()["code"]) == (413, "body_too_large")
    settings.INGEST_MAX_BODY_BYTES = 5_000_000
    settings.INGEST_MAX_EVENTS_PER_REQUEST = 10
    many = door.post(COLLECT, {"key": site.public_key, "events": [{"name": "x"}] * 11})
    assert (many.status, many.json()["code"]) == (413, "too_many_events")
    settings.INGEST_RATE_LIMIT_PER_SITE = 5
    statuses = [door.post(COLLECT, {"key": site.public_key, "name": "x"}).status for _ in range(8)]
    assert statuses[:5] == [202] * 5 and statuses[-1] == 429
    limited = door.post(COLLECT, {"key": site.public_key, "name": "x"})
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["code"] == "rate_limited"


def test_redis_down_falls_back_to_the_database(door, site, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = door.post(COLLECT, {"key": site.public_key, "name": "direct"})
    assert response.status == 202
    assert Event.objects.get().name == "direct"


def test_health_and_readiness(door, db):
    assert door.get("/healthz").json() == {"status": "ok"}
    ready = door.get("/readyz")
    assert ready.status == 200
    assert ready.json()["checks"] == {"database": "ok", "redis": "ok"}


def test_503_when_neither_redis_nor_the_database_can_take_events(door, site, settings, monkeypatch):
    from django.db import OperationalError

    def database_down(**kwargs):
        raise OperationalError("connection refused")

    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    monkeypatch.setattr("ingest.buffer.events_store", database_down)
    response = door.post(COLLECT, {"key": site.public_key, "name": "lost?"})
    assert (response.status, response.json()["code"]) == (503, "unavailable")
    assert int(response.headers["retry-after"]) > 0
