"""The SDK's pure parts: Retry-After, back-off, events."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sightline_sdk import Client
from sightline_sdk.events import build_event
from sightline_sdk.transport import MAX_RETRY_AFTER, backoff_delay, parse_retry_after


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("5", 5.0),
        (" 2.5 ", 2.5),
        ("-3", 0.0),
        ("86400", MAX_RETRY_AFTER),
        ("soon", None),
        ("", None),
        (None, None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # a date in the past: now
    ],
)
def test_retry_after_is_read_as_seconds_or_a_date(header, seconds):
    assert parse_retry_after(header) == seconds


def test_retry_after_as_a_future_date():
    soon = (datetime.now(UTC) + timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 25 <= parse_retry_after(soon) <= 31


def test_backoff_grows_is_capped_and_yields_to_retry_after():
    for attempt in range(1, 12):
        assert 0 <= backoff_delay(attempt, base=0.5, cap=30, retry_after=None) <= min(30, 0.5 * 2 ** (attempt - 1))
    assert 3 <= backoff_delay(1, base=0.5, cap=30, retry_after=3) <= 3.5


def test_an_event_has_a_uuid_a_utc_time_and_only_what_was_given():
    moment = datetime(2026, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=8)))
    event = build_event("signup", user_id="u-1", props={"plan": "pro"}, ts=moment, fields={"url": "https://x.y/"})
    line = json.loads(event.line)
    assert line == {
        "uuid": event.uuid,
        "name": "signup",
        "ts": "2026-05-01T04:00:00.000Z",
        "user_id": "u-1",
        "props": {"plan": "pro"},
        "url": "https://x.y/",
    }


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: build_event(""), "non-empty name"),
        (lambda: build_event("x", fields={"colour": "red"}), "unknown event field"),
        (lambda: build_event("x", ts=datetime(2026, 1, 1)), "timezone-aware"),
        (lambda: Client("ftp://example.com", "sk"), "http"),
        (lambda: Client("http://example.com", "sk", mode="auto"), "spool_dir"),
        (lambda: Client("http://example.com", "sk", batch_size=5000), "batch_size"),
    ],
)
def test_malformed_calls_raise_value_error(call, error):
    with pytest.raises(ValueError, match=error):
        call()
