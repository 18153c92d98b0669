"""Privacy steps: run before anything about the event is buffered or stored."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, cast
from urllib.parse import urlsplit

from consent.decision import Choice, ConsentSignals, decide
from consent.ip_truncation import truncate_ip as truncate_address
from consent.scrubber import scrub_properties, scrub_text, scrub_url
from consent.visitor_id import cookieless_visitor_id
from ingest.events import Dropped, DropReason, Event, RequestContext, Source


def _effective_ip(event: Event, ctx: RequestContext) -> str:
    # A trusted backend's own address says nothing about the visitor; only its explicit `ip` counts.
    return event.raw_ip or ("" if ctx.trusted else ctx.client_ip)


def _effective_user_agent(event: Event, ctx: RequestContext) -> str:
    return event.user_agent or ("" if ctx.trusted else ctx.user_agent)


def decide_consent(event: Event, ctx: RequestContext) -> Event | Dropped:
    decision = decide(
        ConsentSignals(
            choice=Choice(event.consent) if event.consent else None,
            do_not_track=ctx.dnt,
            global_privacy_control=ctx.gpc,
            site_mode=ctx.site.consent_mode,
            honour_dnt=ctx.site.honour_dnt,
            # Only the beacon follows the site's consent mode; backends and vendor SDKs manage their own.
            sender_manages_consent=ctx.trusted or ctx.source is not Source.NATIVE,
        )
    )
    if not decision.collect:
        return Dropped(DropReason.CONSENT_DENIED, decision.reason)
    if decision.store_identifiers or not (event.anonymous_id or event.user_id or event.device_id or event.session_id):
        return event
    return event._replace(anonymous_id="", user_id="", device_id="", session_id="")


def derive_visitor_id(event: Event, ctx: RequestContext) -> Event:
    """Events without any client id are counted under the daily cookieless visitor id."""
    if event.anonymous_id or event.device_id or event.user_id:
        return event
    visitor = cookieless_visitor_id(
        salt=ctx.visitor_salt,
        site_id=ctx.site.id,
        ip=_effective_ip(event, ctx),
        user_agent=_effective_user_agent(event, ctx),
    )
    return event._replace(anonymous_id=visitor)


def truncate_ip(event: Event, ctx: RequestContext) -> Event:
    return event._replace(ip=truncate_address(_effective_ip(event, ctx), ctx.site.ip_truncation), raw_ip="")


def _pseudonymous(value: str, ctx: RequestContext) -> str:
    """An id that is itself personal data (an e-mail, a phone number) is replaced by a stable keyed hash."""
    if not value or scrub_text(value) == value:
        return value
    return "p:" + hmac.new(ctx.identity_key, value.encode(), hashlib.sha256).hexdigest()[:32]


def _path_of(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:  # e.g. an unbalanced "[" in the host part
        return ""


def scrub_pii(event: Event, ctx: RequestContext) -> Event:
    url = scrub_url(event.url)
    dims = event.dimensions
    if any(isinstance(v, str) for v in dims.values()):
        dims = {k: scrub_text(v) if isinstance(v, str) else v for k, v in dims.items()}
    return event._replace(
        url=url,
        path=_path_of(url) if url else "",
        referrer=scrub_url(event.referrer),
        title=scrub_text(event.title),
        category=scrub_text(event.category),
        action=scrub_text(event.action),
        label=scrub_text(event.label),
        properties=cast(dict[str, Any], scrub_properties(event.properties)) if event.properties else event.properties,
        dimensions=dims,
        anonymous_id=_pseudonymous(event.anonymous_id, ctx),
        user_id=_pseudonymous(event.user_id, ctx),
        device_id=_pseudonymous(event.device_id, ctx),
    )
