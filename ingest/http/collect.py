"""One collect request, from bytes to reply: authenticate, check the origin, run the pipeline, buffer."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.conf import settings
from django.db import DatabaseError
from redis import RedisError

from analytics.site_snapshot import SiteSnapshot
from ingest import site_cache
from ingest.adapters.base import (
    AdapterRejection,
    Credentials,
    DoorRequest,
    Outcome,
    Protocol,
    ProtocolError,
    Rejection,
    Submission,
)
from ingest.buffer import buffer_rows
from ingest.event_rows import event_row
from ingest.events import Dropped, RequestContext
from ingest.http.origins import origin_allowed
from ingest.pipeline import process
from ingest.pseudonyms import identity_key
from ingest.rate_limit import SiteRateLimiter

logger = logging.getLogger(__name__)
_limiter: SiteRateLimiter | None = None


def _rate_limiter() -> SiteRateLimiter:
    global _limiter
    if _limiter is None or _limiter.rate != settings.INGEST_RATE_LIMIT_PER_SITE:
        _limiter = SiteRateLimiter(settings.INGEST_RATE_LIMIT_PER_SITE)
    return _limiter


def authenticate(credentials: Credentials) -> tuple[SiteSnapshot, bool]:
    """The site a request is for, and whether it proved the secret key (a trusted backend)."""
    if credentials.secret_key:
        site = site_cache.site_by_secret(credentials.secret_key)
        if site is None:
            raise ProtocolError(401, "invalid_key", "The secret key does not belong to any site.")
        if credentials.public_key and credentials.public_key != site.public_key:
            raise ProtocolError(403, "key_mismatch", "The public key and the secret key are of different sites.")
        if credentials.site_id is not None and credentials.site_id != site.id:
            raise ProtocolError(403, "key_mismatch", "The secret key is not this site's.")
        return site, True
    if credentials.public_key:
        site = site_cache.site_by_public_key(credentials.public_key)
        if site is None:
            raise ProtocolError(401, "invalid_key", "The key does not belong to any site.")
        return site, False
    if credentials.site_id is not None:
        site = site_cache.site_by_id(credentials.site_id)
        if site is None:
            raise ProtocolError(401, "unknown_site", f"There is no site {credentials.site_id}.")
        return site, False
    raise ProtocolError(401, "missing_key", "The request does not say which site it is for.")


def _context(
    protocol: Protocol, request: DoorRequest, submission: Submission, site: SiteSnapshot, trusted: bool
) -> RequestContext:
    now = datetime.now(UTC)
    return RequestContext(
        site=site,
        source=protocol.source,
        received_at=now,
        client_ip=request.client_ip,
        user_agent=request.headers.get("user-agent", "")[:1000],
        dnt=request.headers.get("dnt") == "1",
        gpc=request.headers.get("sec-gpc") == "1",
        sent_at=submission.sent_at,
        trusted=trusted,
        visitor_salt=site_cache.visitor_salt(now.date()),
        identity_key=identity_key(),
        max_event_bytes=settings.INGEST_MAX_EVENT_BYTES,
    )


def accept(protocol: Protocol, request: DoorRequest) -> tuple[Outcome, SiteSnapshot]:
    """Runs the request's events through the pipeline and buffers the kept ones. Raises ProtocolError."""
    submission = protocol.parse(request)
    if len(submission.events) > settings.INGEST_MAX_EVENTS_PER_REQUEST:
        raise ProtocolError(
            413, "too_many_events", f"At most {settings.INGEST_MAX_EVENTS_PER_REQUEST} events per request."
        )
    site, trusted = authenticate(submission.credentials)
    origin = request.headers.get("origin")
    if (
        not trusted
        and origin is not None
        and not origin_allowed(origin, site.allowed_origins, own_host=request.headers.get("host"))
    ):
        raise ProtocolError(403, "origin_not_allowed", "This origin is not allowed to send events for the site.")
    wait = _rate_limiter().take(site.id, max(1, len(submission.events)))
    if wait is not None:
        raise ProtocolError(429, "rate_limited", "Too many events for this site; retry later.", retry_after=wait)
    ctx = _context(protocol, request, submission, site, trusted)
    rows, rejected, ignored = [], [], 0
    for index, raw in enumerate(submission.events):
        if isinstance(raw, AdapterRejection):
            rejected.append(Rejection(index, raw.code, raw.detail, raw.field))
            continue
        result = process(raw, ctx)
        if isinstance(result, Dropped):
            if result.reason.is_client_error:
                rejected.append(Rejection(index, result.reason.value, result.detail, result.field))
            else:
                ignored += 1
            continue
        rows.append(event_row(result, ctx))
    if not getattr(protocol, "dry_run", False):
        try:
            buffer_rows(rows)
        except (DatabaseError, RedisError) as exc:
            logger.error("events could not be made durable", extra={"error": type(exc).__name__})
            raise ProtocolError(
                503, "unavailable", "Events cannot be stored right now; retry.", retry_after=5
            ) from None
    return Outcome(accepted=len(rows), rejected=rejected, ignored=ignored, body_bytes=len(request.body)), site
