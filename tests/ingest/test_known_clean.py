"""What the privacy steps remember across requests (ingest/steps/known_clean.py): only clean values, per site."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from analytics.site_snapshot import SiteSnapshot
from ingest.events import Event, RequestContext, Source
from ingest.pipeline import process
from ingest.steps.known_clean import KnownClean
from ingest.steps.privacy import CLEAN_PROPERTIES, CLEAN_TEXTS

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
RAW_IP = "203.0.113.77"
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0"


def site(site_id: int) -> SiteSnapshot:
    return SiteSnapshot(site_id, "s", f"pk{site_id}", "UTC", (), "standard", "cookieless", True, "none", {})


def ctx(site_id: int = 1) -> RequestContext:
    return RequestContext(
        site=site(site_id),
        source=Source.NATIVE,
        received_at=NOW,
        client_ip=RAW_IP,
        user_agent=USER_AGENT,
        visitor_salt=b"x" * 32,
        identity_key=b"k" * 32,
    )


@pytest.fixture(autouse=True)
def empty_caches():
    CLEAN_TEXTS.clear()
    CLEAN_PROPERTIES.clear()
    yield
    CLEAN_TEXTS.clear()
    CLEAN_PROPERTIES.clear()


def run(raw: dict[str, object], site_id: int = 1) -> Event:
    event = process(raw, ctx(site_id))
    assert isinstance(event, Event)
    return event


def everything_remembered() -> str:
    return repr(CLEAN_TEXTS.keys()) + repr(CLEAN_PROPERTIES.keys())


def test_clean_texts_and_properties_are_remembered_for_their_site_only():
    raw = {"name": "e", "url": "https://example.com/docs/3?ref=news", "title": "Docs", "props": {"plan": "pro"}}
    first = run(raw)
    texts = ("https://example.com/docs/3?ref=news", "", "Docs", "", "", "")
    assert CLEAN_TEXTS.get(1, texts) == "/docs/3"
    assert CLEAN_PROPERTIES.get(1, orjson.dumps({"plan": "pro"}))
    assert CLEAN_TEXTS.get(2, texts) is None and CLEAN_PROPERTIES.get(2, orjson.dumps({"plan": "pro"})) is None
    # A later request takes the remembered answer and gets the same event.
    again = run(raw)
    assert (again.url, again.path, again.title, again.properties) == (
        first.url,
        first.path,
        first.title,
        first.properties,
    )
    assert again.path == "/docs/3"


@pytest.mark.parametrize(
    "raw",
    [
        {"name": "e", "url": "https://example.com/reset?token=s3cr3t-value"},
        {"name": "e", "url": "https://example.com/u/alice@example.org"},
        {"name": "e", "title": "Order for +44 20 7946 0958"},
        {"name": "e", "referrer": "https://mail.example/?email=alice%40example.org"},
        {"name": "e", "props": {"contact": "alice@example.org"}},
        {"name": "e", "props": {"password": "hunter2"}},
    ],
)
def test_a_value_with_personal_data_is_never_remembered_and_is_scrubbed_every_time(raw):
    first, second = run(raw), run(raw)
    assert first == second._replace(uuid=first.uuid)
    remembered = everything_remembered()
    for secret in ("s3cr3t-value", "alice", "7946", "hunter2"):
        assert secret not in remembered
        assert secret not in repr(first)


def test_raw_ips_user_agents_and_visitor_ids_are_never_remembered():
    event = run({"name": "e", "url": "https://example.com/", "ip": "198.51.100.23", "props": {"a": 1}})
    remembered = everything_remembered()
    assert "198.51.100.23" not in remembered and RAW_IP not in remembered and USER_AGENT not in remembered
    assert event.anonymous_id.startswith("v:") and event.anonymous_id not in remembered
    assert len(CLEAN_TEXTS) == 1 and len(CLEAN_PROPERTIES) == 1


def test_known_clean_is_bounded_in_entries_and_in_value_size():
    known: KnownClean[str] = KnownClean(entries=3, max_chars=10)
    known.remember(1, "long value here", "x", chars=15)
    assert known.get(1, "long value here") is None
    for n in range(3):
        known.remember(1, f"v{n}", "x", chars=2)
    assert len(known) == 3
    known.remember(1, "v3", "x", chars=2)  # full: emptied, then filled again with what recurs
    assert len(known) == 1 and known.get(1, "v3") == "x" and known.get(1, "v0") is None
