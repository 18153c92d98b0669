"""The values that travel through the ingest pipeline: plain frozen dataclasses, no Django.

An adapter turns a vendor request into native-shaped dicts (see docs/api/collect.md); `parse` turns
each dict into an `Event`; every later step returns a new `Event` or a `Dropped` with its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from analytics.site_snapshot import SiteSnapshot


class Source(StrEnum):
    """Which protocol an event came in by; stored with it."""

    NATIVE = "native"
    BATCH = "batch"
    AMPLITUDE = "amplitude"
    POSTHOG = "posthog"
    MATOMO = "matomo"
    GA4 = "ga4"
    IMPORT = "import"


class DropReason(StrEnum):
    """Why an event was not kept. Client errors are reported back by index; policy drops are only counted."""

    NOT_AN_OBJECT = "not_an_object"
    MISSING_FIELD = "missing_field"
    INVALID_FIELD = "invalid_field"
    FIELD_TOO_LONG = "field_too_long"
    EVENT_TOO_LARGE = "event_too_large"
    TIMESTAMP_OUT_OF_RANGE = "timestamp_out_of_range"
    # Policy, not the sender's mistake: the visitor opted out (consent, Do-Not-Track, GPC).
    CONSENT_DENIED = "consent_denied"

    @property
    def is_client_error(self) -> bool:
        return self is not DropReason.CONSENT_DENIED


@dataclass(frozen=True, slots=True)
class Dropped:
    reason: DropReason
    detail: str
    field: str | None = None


@dataclass(frozen=True, slots=True)
class RequestContext:
    """What the door knows about the HTTP request. The raw IP lives here and nowhere else."""

    site: SiteSnapshot
    source: Source
    received_at: datetime
    client_ip: str
    user_agent: str
    dnt: bool = False
    gpc: bool = False
    # The client's clock when it sent the request (PostHog sent_at, native sent_at): corrects skew.
    sent_at: datetime | None = None
    # Authenticated by the site's secret key: a backend that manages consent itself and may send old events.
    trusted: bool = False
    # Today's salt for the cookieless visitor id (consent/visitor_id.py).
    visitor_salt: bytes = b""
    # Stable key for pseudonymising ids that are themselves personal data (derived from SECRET_KEY).
    identity_key: bytes = b""
    max_event_bytes: int = 32 * 1024
    # What the steps compute once per request and share between its events (scrubbed URLs and strings, the
    # consent decision, the truncated IP): a batch repeats them. Lives and dies with the request.
    memo: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)

    def once(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """compute(), or what it returned before in this request for the same key."""
        memo = self.memo
        try:
            return memo[key]
        except KeyError:
            if len(memo) >= _MEMO_LIMIT:  # an import runs millions of events under one context
                memo.clear()
            value = memo[key] = compute()
            return value


_MEMO_LIMIT = 4096


class Event(NamedTuple):
    """Immutable like the other values here; a NamedTuple because a step's copy (`changed`) is a list copy
    and one tuple, several times cheaper than `dataclasses.replace`. Never mutate the dicts it holds."""

    # The canonical text form PostgreSQL prints (lower-case, hyphenated): what the row carries as is.
    uuid: str
    name: str
    # The client's claim until `correct_clock` sets the final, trusted time.
    timestamp: datetime | None
    category: str = ""
    action: str = ""
    label: str = ""
    value: float | None = None
    anonymous_id: str = ""
    user_id: str = ""
    device_id: str = ""
    session_id: str = ""
    url: str = ""
    path: str = ""
    referrer: str = ""
    title: str = ""
    properties: dict[str, Any] = {}  # a shared default: never mutated (see docstring)
    dimensions: dict[str, Any] = {}
    # Truncated by `truncate_ip`; the per-event raw override (`raw_ip`) is emptied in the same step.
    ip: str = ""
    raw_ip: str = ""
    user_agent: str = ""
    browser: str = ""
    os: str = ""
    device_type: str = ""
    is_bot: bool = False
    # Per-event consent signal from the beacon ("granted" / "denied"), and milliseconds between the
    # event and the request being sent (PostHog's `offset`).
    consent: str | None = None
    offset_ms: float | None = None

    def changed(self, **fields: Any) -> Event:
        """A copy with `fields` set: NamedTuple's `_replace` at about half the cost (it rebuilds through a
        keyword dict and `_make`), which a step pays for every event. Raises KeyError for an unknown field."""
        values = list(self)
        for name, value in fields.items():
            values[_FIELD_INDEX[name]] = value
        return tuple.__new__(Event, values)


_FIELD_INDEX = {name: index for index, name in enumerate(Event._fields)}
