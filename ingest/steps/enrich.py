"""Enrichment: what the event is (browser, OS, device, bot), what it is called, and when it happened."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache

from ua_parser import parse as parse_ua

from ingest.events import Dropped, DropReason, Event, RequestContext, Source

# Crawlers and tools that ua-parser does not call "Spider" but that are not people.
_BOT_PATTERN = re.compile(
    r"bot\b|crawl|spider|slurp|headlesschrome|phantomjs|puppeteer|playwright|lighthouse|"
    r"curl/|wget/|python-requests|python-urllib|go-http-client|okhttp|java/|httpclient|scrapy|facebookexternalhit",
    re.IGNORECASE,
)
_TABLET_PATTERN = re.compile(r"ipad|tablet|kindle|silk/|(android(?!.*mobile))", re.IGNORECASE)
_MOBILE_PATTERN = re.compile(r"mobile|iphone|ipod|android|windows phone|harmonyos", re.IGNORECASE)


@lru_cache(maxsize=8192)
def classify_user_agent(user_agent: str) -> tuple[str, str, str, bool]:
    """(browser, os, device type, is bot) for a user agent; cached because sites see few distinct ones."""
    if not user_agent:
        return "", "", "", False
    result = parse_ua(user_agent)
    browser = result.user_agent.family if result.user_agent else "Other"
    os_family = result.os.family if result.os else "Other"
    is_bot = bool(result.device and result.device.family == "Spider") or bool(_BOT_PATTERN.search(user_agent))
    if is_bot:
        device_type = "bot"
    elif _TABLET_PATTERN.search(user_agent):
        device_type = "tablet"
    elif _MOBILE_PATTERN.search(user_agent):
        device_type = "mobile"
    else:
        device_type = "desktop"
    return browser[:64], os_family[:64], device_type, is_bot


def parse_user_agent(event: Event, ctx: RequestContext) -> Event:
    user_agent = event.user_agent or ("" if ctx.trusted else ctx.user_agent)
    if not user_agent and not (event.browser or event.os or event.device_type or event.is_bot):
        return event  # a backend's event without one: nothing to derive, nothing to drop
    browser, os_family, device_type, is_bot = classify_user_agent(user_agent)
    # The user agent itself is not kept: only what it says.
    return event.changed(browser=browser, os=os_family, device_type=device_type, is_bot=is_bot, user_agent="")


def apply_aliases(event: Event, ctx: RequestContext) -> Event:
    target = ctx.site.aliases.get(event.name)
    return event.changed(name=target) if target else event


# How far back a protocol may date an event. Beacons send within seconds; backends and imports replay
# spooled events, so they get longer. GA4's Measurement Protocol itself allows 72 hours.
MAX_AGE = {
    Source.NATIVE: timedelta(days=3),
    Source.GA4: timedelta(days=3),
    Source.MATOMO: timedelta(days=1),
    Source.POSTHOG: timedelta(days=365),
    Source.AMPLITUDE: timedelta(days=365),
    Source.BATCH: timedelta(days=3650),
    Source.IMPORT: timedelta(days=3650),
}
TRUSTED_MAX_AGE = timedelta(days=3650)
# A client clock this far ahead of ours is wrong; the event is kept at the time we received it.
FUTURE_TOLERANCE = timedelta(days=1)


def correct_clock(event: Event, ctx: RequestContext) -> Event | Dropped:
    received = ctx.received_at
    if event.offset_ms is None and event.timestamp is None:
        return event.changed(timestamp=received)  # no claim of its own: the time it was received
    if event.offset_ms is not None:
        timestamp = received - timedelta(milliseconds=event.offset_ms)
    elif event.timestamp is None:
        timestamp = received
    elif ctx.sent_at is not None:
        # The client's clock is off by (sent_at - received_at); move the event by the same amount.
        timestamp = event.timestamp + (received - ctx.sent_at)
    else:
        timestamp = event.timestamp
    properties = event.properties
    if timestamp > received + FUTURE_TOLERANCE:
        properties = {**properties, "$timestamp_corrected": "future"}
        timestamp = received
    max_age = TRUSTED_MAX_AGE if ctx.trusted else MAX_AGE[ctx.source]
    if timestamp < received - max_age:
        return Dropped(
            DropReason.TIMESTAMP_OUT_OF_RANGE,
            f"The event is older than this endpoint accepts ({max_age.days} days).",
            "ts",
        )
    return event.changed(timestamp=timestamp, properties=properties, offset_ms=None)
