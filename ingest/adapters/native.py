"""Sightline's own formats: the beacon's `/api/v1/collect` and the server-side `/api/v1/batch`."""

from __future__ import annotations

from datetime import datetime

from ingest.adapters.base import (
    Credentials,
    DoorRequest,
    Protocol,
    ProtocolError,
    Submission,
    parse_json_body,
)
from ingest.events import Source
from ingest.timestamps import parse_client_time


def _events_of(payload: object) -> list[object]:
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict):
        events = payload.get("events")
        if events is None:
            return [payload]  # a single event, the beacon's usual request
        if isinstance(events, list):
            return events
        raise ProtocolError(400, "invalid_events", "`events` must be a list of event objects.")
    raise ProtocolError(400, "invalid_body", 'The body must be an event object or {"events": [...]}.')


def _sent_at(payload: object) -> datetime | None:
    if not isinstance(payload, dict) or payload.get("sent_at") is None:
        return None
    try:
        return parse_client_time(payload["sent_at"])
    except ValueError as exc:
        raise ProtocolError(400, "invalid_sent_at", f"`sent_at` {exc}.") from None


class CollectProtocol(Protocol):
    """The beacon: text/plain JSON so navigator.sendBeacon needs no CORS preflight; public key."""

    source = Source.NATIVE
    paths = ("/api/v1/collect",)

    def parse(self, request: DoorRequest) -> Submission:
        payload = parse_json_body(request.body)
        events = _events_of(payload)
        key = request.query.get("key") or request.headers.get("x-sightline-key")
        if isinstance(payload, dict) and isinstance(payload.get("key"), str):
            key = payload["key"]
        if not key:
            raise ProtocolError(401, "missing_key", "Send the site's public key as `key` in the body or query.")
        return Submission(Credentials(public_key=key), events, _sent_at(payload))


class BatchProtocol(Protocol):
    """Backends: `Authorization: Bearer <secret key>`, up to INGEST_MAX_EVENTS_PER_REQUEST events."""

    source = Source.BATCH
    paths = ("/api/v1/batch",)

    def parse(self, request: DoorRequest) -> Submission:
        auth = request.headers.get("authorization", "")
        scheme, _, secret = auth.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise ProtocolError(401, "missing_key", "Send `Authorization: Bearer <the site's secret key>`.")
        payload = parse_json_body(request.body)
        return Submission(Credentials(secret_key=secret.strip()), _events_of(payload), _sent_at(payload))
