"""The pure pipeline steps, without HTTP or a database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from analytics.site_snapshot import SiteSnapshot
from ingest.events import Dropped, DropReason, Event, RequestContext, Source
from ingest.http.origins import origin_allowed
from ingest.pipeline import process
from ingest.rate_limit import SiteRateLimiter
from ingest.steps.enrich import classify_user_agent, correct_clock
from ingest.steps.parse import parse

WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
ANDROID_TABLET = (
    "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
HEADLESS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36"
)
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SITE = SiteSnapshot(1, "s", "pk", "UTC", (), "standard", "cookieless", True, "none", {"tapAd": "click_banner"})


def ctx(**overrides):
    values = {
        "site": SITE,
        "source": Source.NATIVE,
        "received_at": NOW,
        "client_ip": "203.0.113.7",
        "user_agent": "Mozilla/5.0",
        "visitor_salt": b"x" * 32,
        "identity_key": b"k" * 32,
    }
    return RequestContext(**(values | overrides))


def event(ts: datetime | None, offset_ms: float | None = None) -> Event:
    return Event(uuid=str(uuid.uuid4()), name="e", timestamp=ts, offset_ms=offset_ms)


@pytest.mark.parametrize(
    ("ts", "sent_at", "offset_ms", "source", "expected"),
    [
        (None, None, None, Source.NATIVE, NOW),
        (NOW - timedelta(minutes=5), None, None, Source.NATIVE, NOW - timedelta(minutes=5)),
        # Client clock 1 h slow: sent_at says 11:00 when we receive at 12:00.
        (
            NOW - timedelta(hours=1, minutes=5),
            NOW - timedelta(hours=1),
            None,
            Source.NATIVE,
            NOW - timedelta(minutes=5),
        ),
        (NOW - timedelta(days=5), None, 1500, Source.POSTHOG, NOW - timedelta(milliseconds=1500)),
        (NOW + timedelta(hours=23), None, None, Source.NATIVE, NOW + timedelta(hours=23)),
        (NOW + timedelta(days=2), None, None, Source.NATIVE, NOW),
        (NOW - timedelta(days=200), None, None, Source.POSTHOG, NOW - timedelta(days=200)),
    ],
)
def test_correct_clock(ts, sent_at, offset_ms, source, expected):
    result = correct_clock(event(ts, offset_ms), ctx(sent_at=sent_at, source=source))
    assert isinstance(result, Event)
    assert result.timestamp == expected


@pytest.mark.parametrize(
    ("age", "source", "trusted", "kept"),
    [
        (timedelta(days=2), Source.NATIVE, False, True),
        (timedelta(days=4), Source.NATIVE, False, False),
        (timedelta(days=4), Source.NATIVE, True, True),
        (timedelta(hours=25), Source.MATOMO, False, False),
        (timedelta(days=100), Source.AMPLITUDE, False, True),
        (timedelta(days=400), Source.AMPLITUDE, False, False),
    ],
)
def test_too_old_events_are_dropped_per_protocol(age, source, trusted, kept):
    result = correct_clock(event(NOW - age), ctx(source=source, trusted=trusted))
    assert isinstance(result, Event) is kept
    if not kept:
        assert isinstance(result, Dropped) and result.reason is DropReason.TIMESTAMP_OUT_OF_RANGE


@pytest.mark.parametrize(
    ("ua", "browser", "os", "device", "bot"),
    [
        (
            WINDOWS_CHROME,
            "Chrome",
            "Windows",
            "desktop",
            False,
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.1 Mobile/15E148 Safari/604.1",
            "Mobile Safari",
            "iOS",
            "mobile",
            False,
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 "
            "Mobile/15E148 Safari/604.1",
            "Mobile Safari",
            "iOS",
            "tablet",
            False,
        ),
        (
            ANDROID_TABLET,
            "Chrome",
            "Android",
            "tablet",
            False,
        ),
        (
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Googlebot",
            "Other",
            "bot",
            True,
        ),
        (
            HEADLESS,
            "HeadlessChrome",
            "Linux",
            "bot",
            True,
        ),
        ("curl/8.5.0", "curl", "Other", "bot", True),
        ("", "", "", "", False),
    ],
)
def test_classify_user_agent(ua, browser, os, device, bot):
    assert classify_user_agent(ua) == (browser, os, device, bot)


@pytest.mark.parametrize(
    ("origin", "allowed", "ok"),
    [
        ("https://example.com", (), True),
        ("https://example.com", ("https://example.com",), True),
        ("https://EXAMPLE.com/", ("https://example.com",), True),
        ("http://example.com", ("https://example.com",), False),
        ("https://a.example.com", ("https://*.example.com",), True),
        ("https://example.com", ("https://*.example.com",), False),
        ("https://evilexample.com", ("https://*.example.com",), False),
        ("null", ("https://example.com",), False),
        ("anything://x", ("*",), True),
    ],
)
def test_origin_allowed(origin, allowed, ok):
    assert origin_allowed(origin, allowed) is ok


@pytest.mark.parametrize(
    ("origin", "own_host", "ok"),
    [
        ("http://sightline.lan:8000", "sightline.lan:8000", True),
        ("https://Sightline.LAN", "sightline.lan", True),
        ("http://sightline.lan", "sightline.lan:8000", False),
        ("https://sightline.lan.evil.net", "sightline.lan", False),
        ("null", "null", False),
        ("https://example.com", None, True),
        ("https://other.example", None, False),
    ],
)
def test_sightlines_own_origin_is_allowed(origin, own_host, ok):
    assert origin_allowed(origin, ("https://example.com",), own_host=own_host) is ok


def test_rate_limiter_refills():
    limiter = SiteRateLimiter(10)
    assert limiter.take(1, 10) is None
    assert limiter.take(1, 1) == 1
    assert limiter.take(2, 5) is None  # other sites are not affected
    assert SiteRateLimiter(0).take(1, 10_000) is None


def test_the_whole_pipeline_on_one_event():
    raw = {
        "name": "tapAd",
        "url": "https://x.com/a?token=s3cr3t",
        "props": {"mail": "a@b.co"},
        "ts": NOW.isoformat(),
    }
    result = process(raw, ctx())
    assert isinstance(result, Event)
    assert result.name == "click_banner"
    assert "s3cr3t" not in result.url and result.path == "/a"
    assert result.properties == {"mail": "[email]"}
    assert result.ip == "203.0.113.0" and result.raw_ip == "" and result.user_agent == ""
    assert result.anonymous_id.startswith("v:")


def test_parse_fills_every_field_of_the_event_in_order():
    # parse builds the Event positionally (the cheaper call); a keyword-built one says what each value must be.
    raw = {
        "uuid": "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
        "name": " signup ",
        "ts": NOW.isoformat(),
        "category": "c",
        "action": "a",
        "label": "l",
        "value": "2.5",
        "anonymous_id": "anon",
        "user_id": 42,
        "device_id": "dev",
        "session_id": "sess",
        "url": "https://example.com/p",
        "referrer": "https://r.example/",
        "title": "T",
        "props": {"k": "v"},
        "dims": {"d1": "x"},
        "ip": "198.51.100.9",
        "ua": "UA/1.0",
        "consent": "granted",
        "offset_ms": 10,
    }
    expected = Event(
        uuid="a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",  # the sender's id, in the form PostgreSQL prints
        name="signup",
        timestamp=NOW,
        category="c",
        action="a",
        label="l",
        value=2.5,
        anonymous_id="anon",
        user_id="42",
        device_id="dev",
        session_id="sess",
        url="https://example.com/p",
        referrer="https://r.example/",
        title="T",
        properties={"k": "v"},
        dimensions={"d1": "x"},
        raw_ip="198.51.100.9",
        user_agent="UA/1.0",
        consent="granted",
        offset_ms=10.0,
    )
    assert parse(raw, ctx()) == expected


def test_a_step_copy_changes_only_the_named_fields():
    original = event(NOW)
    copy = original.changed(url="https://example.com/", is_bot=True)
    assert copy == original._replace(url="https://example.com/", is_bot=True)
    assert type(copy) is Event and original.url == "" and not original.is_bot
    with pytest.raises(KeyError):
        original.changed(no_such_field=1)


def test_events_without_a_uuid_get_a_new_time_ordered_one_as_text():
    first = parse({"name": "e"}, ctx())
    second = parse({"name": "e"}, ctx())
    assert isinstance(first, Event) and isinstance(second, Event)
    assert first.uuid != second.uuid
    assert first.uuid == str(uuid.UUID(first.uuid)) and uuid.UUID(first.uuid).version == 7
