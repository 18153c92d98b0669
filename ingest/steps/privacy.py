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
    return event._replace(anonymous_id="", user_id="", device_id="", session_id="")


def derive_visitor_id(event: Event, ctx: RequestContext) -> Event:
    """Events without any client id are counted under the daily cookieless visitor id."""
    if event.anonymous_id or event.device_id or event.user_id:
        return event
    ip, user_agent = _effective_ip(event, ctx), _effective_user_agent(event, ctx)
    visitor = ctx.once(
        ("visitor", ip, user_agent),
        lambda: cookieless_visitor_id(salt=ctx.visitor_salt, site_id=ctx.site.id, ip=ip, user_agent=user_agent),
    )
    return event._replace(anonymous_id=visitor)


def truncate_ip(event: Event, ctx: RequestContext) -> Event:
    ip = _effective_ip(event, ctx)
    truncated = ctx.once(("ip", ip), lambda: truncate_address(ip, ctx.site.ip_truncation)) if ip else ""
    return event._replace(ip=truncated, raw_ip="")


# Batches repeat URLs, titles and property values; each distinct one is scrubbed once per request.
def _text(value: str, ctx: RequestContext) -> str:
    return ctx.once(("text", value), lambda: scrub_text(value)) if value else value


def _url(value: str, ctx: RequestContext) -> str:
    return ctx.once(("url", value), lambda: scrub_url(value)) if value else value


def _properties(props: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    if not props:
        return props
    try:
        key = orjson.dumps(props)  # dicts are not hashable; their JSON is, and it is quick to make
    except TypeError:  # e.g. an integer beyond 64 bits: validate rejects the event later
        return cast(dict[str, Any], scrub_properties(props))
    # Shared between the request's events: Event's dicts are never mutated (ingest/events.py).
    return cast(dict[str, Any], ctx.once(("props", key), lambda: scrub_properties(props)))


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


def scrub_pii(event: Event, ctx: RequestContext) -> Event:
    url = _url(event.url, ctx)
    dims = event.dimensions
    if any(isinstance(v, str) for v in dims.values()):
        dims = {k: _text(v, ctx) if isinstance(v, str) else v for k, v in dims.items()}
    return event._replace(
        url=url,
        path=ctx.once(("path", url), lambda: _path_of(url)) if url else "",
        referrer=_url(event.referrer, ctx),
        title=_text(event.title, ctx),
        category=_text(event.category, ctx),
        action=_text(event.action, ctx),
        label=_text(event.label, ctx),
        properties=_properties(event.properties, ctx),
        dimensions=dims,
        anonymous_id=_pseudonymous(event.anonymous_id, ctx),
        user_id=_pseudonymous(event.user_id, ctx),
        device_id=_pseudonymous(event.device_id, ctx),
    )
