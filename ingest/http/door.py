"""The collect door: a WSGI layer in front of Django that answers the collect paths itself.

Collect requests skip Django's middleware stack (sessions, CSRF, auth), which triples the requests a
process can answer; see docs/decisions/0001-fast-collect-path.md. Every other path goes to Django.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from analytics.site_snapshot import SiteSnapshot
from ingest.adapters.base import Protocol, ProtocolError, Reply
from ingest.adapters.registry import PROTOCOLS
from ingest.http.collect import accept
from ingest.http.origins import origin_allowed
from ingest.http.wsgi_request import door_request
from ingest.request_signals import collect_request_finished, collect_request_started

logger = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_PREFLIGHT_HEADERS = (
    ("access-control-allow-methods", "POST, GET, OPTIONS"),
    ("access-control-allow-headers", "content-type, content-encoding, x-sightline-key, authorization"),
    ("access-control-max-age", "86400"),
)


def _cors(origin: str | None, site: SiteSnapshot | None) -> tuple[tuple[str, str], ...]:
    if origin is None or site is None or not origin_allowed(origin, site.allowed_origins):
        return ()
    return (("access-control-allow-origin", origin), ("vary", "Origin"))


class CollectDoor:
    def __init__(self, app: WsgiApp, protocols: dict[str, Protocol] | None = None) -> None:
        self.app = app
        self.protocols = PROTOCOLS if protocols is None else protocols

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        protocol = self.protocols.get(environ.get("PATH_INFO", ""))
        if protocol is None:
            return self.app(environ, start_response)
        reply = self.answer(protocol, environ)
        start_response(f"{reply.status} {HTTPStatus(reply.status).phrase}", list(reply.headers))
        return [reply.body]

    def answer(self, protocol: Protocol, environ: dict[str, Any]) -> Reply:
        origin = environ.get("HTTP_ORIGIN")
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        if method == "OPTIONS":
            # A preflight grants nothing by itself: the POST that follows is checked against the site's origins.
            headers = (
                (("access-control-allow-origin", origin), ("vary", "Origin")) if origin else ()
            ) + _PREFLIGHT_HEADERS
            return Reply(status=204, headers=headers)
        site = None
        # Django's request signals (they recycle database connections) only if this request queries.
        collect_request_started()
        try:
            request = door_request(environ)
            if request.method not in protocol.methods:
                raise ProtocolError(405, "method_not_allowed", f"Use {' or '.join(protocol.methods)}.")
            resolve = getattr(protocol, "resolve", None)
            if resolve is not None:
                protocol = resolve(request)
            outcome, site = accept(protocol, request)
            reply = protocol.success(outcome)
        except ProtocolError as error:
            reply = protocol.error(error)
        except Exception:  # the top of a request: a bug must answer 500 and be logged, never crash the worker
            logger.exception("collect request failed", extra={"path": environ.get("PATH_INFO")})
            reply = protocol.error(ProtocolError(500, "internal_error", "Sightline failed on this request."))
        finally:
            collect_request_finished()
        return Reply(status=reply.status, body=reply.body, headers=reply.headers + _cors(origin, site))
