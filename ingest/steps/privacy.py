"""Privacy steps: run before anything about the event is buffered or stored."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, cast
from urllib.parse import urlsplit

import orjson

from consent.decision import Choice, ConsentDecision, ConsentSignals, decide
from consent.ip_truncation import truncate_ip as truncate_address
from consent.scrubber import scrub_properties, scrub_text, scrub_url
from consent.visitor_id import cookieless_visitor_id
from ingest.events import Dropped, DropReason, Event, RequestContext, Source
from ingest.steps.known_clean import KnownClean

# Across requests, per site: texts (url, referrer, title, category, action, label) that held nothing to scrub,
# with their url's path; and the JSON of property sets that held nothing. See known_clean.py.
CLEAN_TEXTS: KnownClean[str] = KnownClean(entries=10_000, max_chars=4_096)
CLEAN_PROPERTIES: KnownClean[bool] = KnownClean(entries=10_000, max_chars=2_048)


def _effective_ip(event: Event, ctx: RequestContext) -> str:
    # A trusted backend's own address says nothing about the visitor; only its explicit `ip` counts.
    return event.raw_ip or ("" if ctx.trusted else ctx.client_ip)


def _effective_user_agent(event: Event, ctx: RequestContext) -> str:
    return event.user_agent or ("" if ctx.trusted else ctx.user_agent)


def _decision(consent: str | None, ctx: RequestContext) -> ConsentDecision:
    return decide(
        ConsentSignals(
            choice=Choice(consent) if consent else None,
            do_not_track=ctx.dnt,
            global_privacy_control=ctx.gpc,
            site_mode=ctx.site.consent_mode,
            honour_dnt=ctx.site.honour_dnt,
            # Only the beacon follows the site's consent mode; backends and vendor SDKs manage their own.
            sender_manages_consent=ctx.trusted or ctx.source is not Source.NATIVE,
        )
    )


def decide_consent(event: Event, ctx: RequestContext) -> Event | Dropped:
    # The same for every event of a request that carries the same per-event consent signal.
    decision: ConsentDecision = ctx.once(("consent", event.consent), lambda: _decision(event.consent, ctx))
    if not decision.collect:
        return Dropped(DropReason.CONSENT_DENIED, decision.reason)
    if decision.store_identifiers or not (event.anonymous_id or event.user_id or event.device_id or event.session_id):
        return event
    return event.changed(anonymous_id="", user_id="", device_id="", session_id="")


def derive_visitor_id(event: Event, ctx: RequestContext) -> Event:
    """Events without any client id are counted under the daily cookieless visitor id."""
    if event.anonymous_id or event.device_id or event.user_id:
        return event
    ip, user_agent = _effective_ip(event, ctx), _effective_user_agent(event, ctx)
    visitor = ctx.once(
        ("visitor", ip, user_agent),
        lambda: cookieless_visitor_id(salt=ctx.visitor_salt, site_id=ctx.site.id, ip=ip, user_agent=user_agent),
    )
    return event.changed(anonymous_id=visitor)


def truncate_ip(event: Event, ctx: RequestContext) -> Event:
    ip = _effective_ip(event, ctx)
    if not ip and not event.ip:  # no address at all (a backend's event): raw_ip is empty too
        return event
    truncated = ctx.once(("ip", ip), lambda: truncate_address(ip, ctx.site.ip_truncation)) if ip else ""
    return event.changed(ip=truncated, raw_ip="")


# Batches repeat URLs, titles and property values; each distinct one is scrubbed once per request.
def _text(value: str, ctx: RequestContext) -> str:
    return ctx.once(("text", value), lambda: scrub_text(value)) if value else value


def _url(value: str, ctx: RequestContext) -> str:
    return ctx.once(("url", value), lambda: scrub_url(value)) if value else value


def _properties(props: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    """The scrubbed properties: `props` itself when nothing in them was personal data (the usual case)."""
    if not props:
        return props
    try:
        key = orjson.dumps(props)  # dicts are not hashable; their JSON is, and it is quick to make
    except TypeError:  # e.g. an integer beyond 64 bits: validate rejects the event later
        return cast(dict[str, Any], scrub_properties(props))
    if CLEAN_PROPERTIES.get(ctx.site.id, key):
        return props
    # None when scrubbing changed nothing. Otherwise the copy is shared between the request's events with the
    # same properties: Event's dicts are never mutated (ingest/events.py).
    scrubbed = ctx.once(("props", key), lambda: _scrubbed_properties(props, key, ctx))
    return props if scrubbed is None else cast(dict[str, Any], scrubbed)


def _scrubbed_properties(props: dict[str, Any], key: bytes, ctx: RequestContext) -> object:
    scrubbed = scrub_properties(props)
    if scrubbed != props:
        return scrubbed
    CLEAN_PROPERTIES.remember(ctx.site.id, key, True, len(key))
    return None


def _pseudonymous(value: str, ctx: RequestContext) -> str:
    """An id that is itself personal data (an e-mail, a phone number) is replaced by a stable keyed hash."""
    if not value or _text(value, ctx) == value:
        return value
    return "p:" + hmac.new(ctx.identity_key, value.encode(), hashlib.sha256).hexdigest()[:32]


def _path_of(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:  # e.g. an unbalanced "[" in the host part
        return ""


_TEXT_FIELDS = ("url", "referrer", "title", "category", "action", "label")
Texts = tuple[str, str, str, str, str, str]  # the values of _TEXT_FIELDS


def _scrubbed_texts(texts: Texts, ctx: RequestContext) -> tuple[Texts | None, str]:
    """The scrubbed texts (None when scrubbing changed none of them) and the path of the scrubbed url."""
    url, referrer, title, category, action, label = texts
    url = _url(url, ctx)
    path = ctx.once(("path", url), lambda: _path_of(url)) if url else ""
    scrubbed = (
        url,
        _url(referrer, ctx),
        _text(title, ctx),
        _text(category, ctx),
        _text(action, ctx),
        _text(label, ctx),
    )
    if scrubbed != texts:
        return scrubbed, path
    CLEAN_TEXTS.remember(ctx.site.id, texts, path, sum(map(len, texts)))
    return None, path


def scrub_pii(event: Event, ctx: RequestContext) -> Event:
    # A batch repeats whole combinations of these fields (a page's url, title and referrer): one lookup for all.
    texts: Texts = (event.url, event.referrer, event.title, event.category, event.action, event.label)
    scrubbed: Texts | None = None
    path = CLEAN_TEXTS.get(ctx.site.id, texts)
    if path is None:
        scrubbed, path = ctx.once(("texts", texts), lambda: _scrubbed_texts(texts, ctx))
    # Only what scrubbing changed is copied into the new event (most events: the path alone).
    changes: dict[str, Any] = {} if path == event.path else {"path": path}
    if scrubbed is not None:
        changes.update(zip(_TEXT_FIELDS, scrubbed, strict=True))
    properties = _properties(event.properties, ctx)
    if properties is not event.properties:
        changes["properties"] = properties
    dims = event.dimensions
    if dims and any(isinstance(v, str) for v in dims.values()):
        scrubbed_dims = {k: _text(v, ctx) if isinstance(v, str) else v for k, v in dims.items()}
        if scrubbed_dims != dims:
            changes["dimensions"] = scrubbed_dims
    # Spelled out rather than looped: this runs for every event, and most of its ids are empty.
    if event.anonymous_id and (pseudonym := _pseudonymous(event.anonymous_id, ctx)) is not event.anonymous_id:
        changes["anonymous_id"] = pseudonym
    if event.user_id and (pseudonym := _pseudonymous(event.user_id, ctx)) is not event.user_id:
        changes["user_id"] = pseudonym
    if event.device_id and (pseudonym := _pseudonymous(event.device_id, ctx)) is not event.device_id:
        changes["device_id"] = pseudonym
    return event.changed(**changes) if changes else event
