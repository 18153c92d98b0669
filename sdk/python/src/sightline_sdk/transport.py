"""One POST of a batch to `/api/v1/batch`, and what its reply means for the batch.

Only the standard library: the SDK must install on hosts with no index to fetch dependencies from.
"""

from __future__ import annotations

import email.utils
import gzip
import http.client
import json
import random
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import urlsplit

from sightline_sdk.events import QueuedEvent, iso_now

VERSION = "0.1.0"
USER_AGENT = f"sightline-sdk-python/{VERSION}"
# Retry-After values beyond this are clamped: a misconfigured proxy must not park the client for hours.
MAX_RETRY_AFTER = 300.0


class Verdict(Enum):
    SENT = "sent"  # stored (possibly with some events rejected one by one)
    RETRY = "retry"  # nothing known to be stored: rate limit, server unavailable, network error
    SPLIT = "split"  # 413: the batch is too large for one request; halves may pass
    REFUSED = "refused"  # the server will not take events from this client (key, URL): keep them if possible
    REJECTED = "rejected"  # the batch itself is invalid; sending it again cannot help


@dataclass(frozen=True, slots=True)
class Reply:
    verdict: Verdict
    status: int | None = None  # None: no HTTP reply at all
    accepted: int = 0
    rejected: int = 0
    retry_after: float | None = None
    code: str = ""
    rejections: list[dict[str, object]] = field(default_factory=list)


def check_server_url(server_url: str) -> str:
    """The server's base URL without a trailing slash; only http and https are accepted."""
    parts = urlsplit(server_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"server_url must be an http(s) URL, not {server_url!r}")
    return server_url.rstrip("/")


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def backoff_delay(attempt: int, *, base: float, cap: float, retry_after: float | None) -> float:
    """How long to wait before retry number `attempt` (1-based): the server's word, else capped full jitter."""
    if retry_after is not None:
        # A little jitter on top so clients told the same Retry-After do not return in one wave.
        return retry_after + random.uniform(0, min(1.0, base))
    return random.uniform(0, min(cap, base * (2 ** (attempt - 1))))


def batch_body(events: Sequence[QueuedEvent]) -> bytes:
    # The lines are ready JSON; only the envelope is written here.
    text = '{"events":[' + ",".join(e.line for e in events) + '],"sent_at":"' + iso_now() + '"}'
    return gzip.compress(text.encode("utf-8"), compresslevel=5)


def _reply_body(raw: bytes) -> dict[str, object]:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _classify(status: int, body: dict[str, object], retry_after: float | None) -> Reply:
    code = str(body.get("code", ""))
    if 200 <= status < 300:
        rejections = body.get("rejected")
        rejections = rejections if isinstance(rejections, list) else []
        accepted = body.get("accepted")
        return Reply(
            Verdict.SENT,
            status,
            accepted=accepted if isinstance(accepted, int) else 0,
            rejected=len(rejections),
            rejections=rejections,
        )
    if status in (408, 425, 429) or status >= 500:
        return Reply(Verdict.RETRY, status, retry_after=retry_after, code=code)
    if status == 413:
        return Reply(Verdict.SPLIT, status, code=code)
    if status in (401, 403, 404):
        return Reply(Verdict.REFUSED, status, code=code)
    return Reply(Verdict.REJECTED, status, code=code)


def post_batch(server_url: str, secret_key: str, events: Sequence[QueuedEvent], timeout: float) -> Reply:
    """Sends one batch; never raises for network or HTTP errors, which are all described by the Reply."""
    # A site's public key (pk_…) is accepted at the collect endpoint from senders without an Origin header:
    # server-side code that has no business holding the secret key (docs/sdk.md).
    if secret_key.startswith("pk_"):
        path, credentials = "/api/v1/collect", {"X-Sightline-Key": secret_key}
    else:
        path, credentials = "/api/v1/batch", {"Authorization": f"Bearer {secret_key}"}
    # The scheme was checked (http or https only) by check_server_url when the client was made.
    request = urllib.request.Request(  # noqa: S310
        server_url + path,
        data=batch_body(events),
        method="POST",
        headers={
            **credentials,
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "User-Agent": USER_AGENT,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return _classify(response.status, _reply_body(response.read()), None)
    except urllib.error.HTTPError as error:
        with error:
            body = _reply_body(error.read())
            return _classify(error.code, body, parse_retry_after(error.headers.get("Retry-After")))
    except (OSError, ValueError, http.client.HTTPException):
        # URLError, timeouts, resets, a half-read reply: we cannot know whether the server stored the batch,
        # so it is sent again; the uuids make a second copy harmless.
        return Reply(Verdict.RETRY)
