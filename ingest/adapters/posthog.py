"""PostHog's capture endpoints: `/capture/`, `/e/`, `/i/v0/e/` (and `/batch/` via shared_batch).

Bodies come as one event, a JSON array of events (posthog-js), `{"api_key", "batch": [...]}`
(posthog-python/node), `{"api_key", "data": ...}`, or the legacy form body `data=<base64 JSON>`. Gzip is
undone by the door before this module sees the bytes. Event names are kept as sent (`$pageview` stays
`$pageview`); a site's aliases rename them later in the pipeline.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import parse_qsl

import orjson

from ingest.adapters.base import (
    AdapterRejection,
    Credentials,
    DoorRequest,
    Outcome,
    Protocol,
    ProtocolError,
    Rejection,
    Reply,
    Submission,
    json_reply,
    parse_json_body,
)
from ingest.events import Source
from ingest.timestamps import parse_client_time

# Properties that have a native column: taken out of `props` so they are not stored twice.
_PROPERTY_COLUMNS = {
    "$current_url": "url",
    "$session_id": "session_id",
    "$ip": "ip",
}

# Pipeline field names back to PostHog's, so a rejection names the field the client sent.
_VENDOR_FIELD = {
    "name": "event",
    "ts": "timestamp",
    "offset_ms": "offset",
    "props": "properties",
    "anonymous_id": "distinct_id",
    "user_id": "distinct_id",
    "url": "$current_url",
    "referrer": "$referrer",
    "session_id": "$session_id",
    "device_id": "$device_id",
    "ip": "$ip",
    "ua": "$raw_user_agent",
}


class PostHogProtocol(Protocol):
    """PostHog's capture API; the site's public key is the project API key (`api_key` / `token`)."""

    source = Source.POSTHOG
    paths = ("/capture/", "/capture", "/e/", "/e", "/i/v0/e/", "/i/v0/e")
    # GET carries `?data=` from old posthog-js image requests.
    methods = ("POST", "GET")

    def parse(self, request: DoorRequest) -> Submission:
        payload = _payload(request)
        events, envelopes = _unwrap(payload)
        key = _api_key(envelopes, events, request.query)
        if not key:
            raise ProtocolError(401, "missing_key", "Send the site's public key as `api_key` or `token`.")
        return Submission(Credentials(public_key=key), [_event(raw) for raw in events], _sent_at(envelopes, request))

    def success(self, outcome: Outcome) -> Reply:
        rejected = [_rejection(r) for r in outcome.rejected]
        if outcome.accepted or not rejected:
            payload: dict[str, object] = {"status": 1, "accepted": outcome.accepted}
            if rejected:
                payload["rejected"] = rejected
            return json_reply(200, payload)
        return json_reply(
            400,
            {
                "type": "validation_error",
                "code": "no_valid_events",
                "detail": "No event in the request was valid.",
                "rejected": rejected,
            },
        )

    def error(self, error: ProtocolError) -> Reply:
        if error.status in (401, 403):
            kind = "authentication_error"
        elif error.status >= 500:
            kind = "server_error"
        else:
            kind = "validation_error"
        base = super().error(error)  # keeps Retry-After
        payload = {"type": kind, "code": error.code, "detail": error.detail}
        return Reply(status=base.status, body=orjson.dumps(payload), headers=base.headers)


def _payload(request: DoorRequest) -> object:
    if request.query.get("compression") == "lz64":
        raise ProtocolError(
            400, "unsupported_compression", "lz64 bodies are not supported; use gzip or no compression."
        )
    body = request.body.lstrip()
    if not body and "data" in request.query:
        return _decode_data(request.query["data"])
    form = "x-www-form-urlencoded" in request.headers.get("content-type", "")
    # posthog-js's legacy body is `data=<base64>`; some clients label JSON as a form, so look at the bytes.
    if body.startswith(b"data=") or (form and body[:1] not in (b"{", b"[")):
        fields = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        if "data" not in fields:
            raise ProtocolError(400, "missing_data", "A form-encoded body must carry the events as `data=`.")
        return _decode_data(fields["data"])
    return parse_json_body(request.body)


def _decode_data(value: str) -> object:
    text = value.strip()
    if text[:1] in ("{", "["):
        return parse_json_body(text.encode("utf-8", "replace"))
    # Form decoding turns an unescaped "+" into a space; base64 has no spaces, so put them back.
    text = text.replace(" ", "+").replace("-", "+").replace("_", "/")
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ProtocolError(400, "invalid_data", "`data` is neither JSON nor base64-encoded JSON.") from None
    return parse_json_body(raw)


def _unwrap(payload: object) -> tuple[list[object], list[dict[str, object]]]:
    """The events, and the objects around them that may carry `api_key`, `token` and `sent_at`."""
    envelopes: list[dict[str, object]] = []
    if isinstance(payload, dict) and "data" in payload and "event" not in payload and "batch" not in payload:
        envelopes.append(payload)
        payload = payload["data"]
        if isinstance(payload, str):
            payload = _decode_data(payload)
    if isinstance(payload, list):
        return payload, envelopes
    if not isinstance(payload, dict):
        raise ProtocolError(400, "invalid_body", 'The body must be an event, a list of events or {"batch": [...]}.')
    envelopes.append(payload)
    if "batch" in payload:
        batch = payload["batch"]
        if not isinstance(batch, list):
            raise ProtocolError(400, "invalid_batch", "`batch` must be a list of event objects.")
        return batch, envelopes
    return [payload], envelopes


def _api_key(envelopes: list[dict[str, object]], events: list[object], query: Mapping[str, str]) -> str | None:
    candidates: list[object] = []
    for envelope in envelopes:
        candidates += [envelope.get("api_key"), envelope.get("token")]
    for raw in events:
        if isinstance(raw, dict):
            properties = raw.get("properties")
            token = properties.get("token") if isinstance(properties, dict) else None
            candidates += [raw.get("api_key"), raw.get("token"), token]
    candidates += [query.get("api_key"), query.get("token")]
    return next((c for c in candidates if isinstance(c, str) and c), None)


def _sent_at(envelopes: list[dict[str, object]], request: DoorRequest) -> datetime | None:
    for envelope in envelopes:
        if envelope.get("sent_at") is not None:
            try:
                return parse_client_time(envelope["sent_at"])
            except ValueError as exc:
                raise ProtocolError(400, "invalid_sent_at", f"`sent_at` {exc}.") from None
    # posthog-js stamps the send time as `?_=<epoch ms>`; a mangled one only costs the skew correction.
    if "_" in request.query:
        try:
            return parse_client_time(request.query["_"])
        except ValueError:
            return None
    return None


def _event(raw: object) -> object:
    if not isinstance(raw, dict):
        return raw  # the pipeline rejects it as not an object, at this index
    properties = raw.get("properties")
    if properties is None:
        props: dict[str, object] = {}
    elif isinstance(properties, dict):
        props = dict(properties)
    else:
        return AdapterRejection("invalid_field", "`properties` must be an object.", "properties")
    props.pop("token", None)  # the project key, already read as the credential
    # posthog-js puts distinct_id inside properties; the server libraries put it at the top.
    property_distinct_id = props.pop("distinct_id", None)
    distinct_id = raw.get("distinct_id")
    if distinct_id is None:
        distinct_id = property_distinct_id
    if isinstance(distinct_id, int | float) and not isinstance(distinct_id, bool):
        distinct_id = str(distinct_id)  # PostHog accepts numeric ids and stores them as text
    if distinct_id is None or distinct_id == "":
        return AdapterRejection("missing_field", "Every PostHog event needs a `distinct_id`.", "distinct_id")
    native: dict[str, object] = {
        "name": raw.get("event"),
        "uuid": raw.get("uuid"),
        "ts": raw.get("timestamp"),
        "offset_ms": raw.get("offset"),
    }
    for prop, column in _PROPERTY_COLUMNS.items():
        native[column] = props.pop(prop, None)
    native["referrer"] = _referrer(props.pop("$referrer", None))
    native["title"] = props.pop("$title", None) if "$title" in props else props.pop("title", None)
    raw_ua, ua = props.pop("$raw_user_agent", None), props.pop("$user_agent", None)
    native["ua"] = raw_ua if raw_ua is not None else ua
    native.update(_identity(raw.get("event"), distinct_id, props))
    for operation in ("$set", "$set_once"):
        _merge_top_level(operation, raw.get(operation), props)
    native["props"] = props
    return {key: value for key, value in native.items() if value is not None}


def _referrer(value: object) -> object:
    # posthog-js marks "no referrer" as the string "$direct"; natively that is an empty referrer.
    return None if value == "$direct" else value


def _identity(event: object, distinct_id: object, props: dict[str, object]) -> dict[str, object]:
    """Who the event is about: PostHog encodes logins in the distinct_id plus a few properties."""
    device_id = props.pop("$device_id", None)
    anon_distinct_id = props.pop("$anon_distinct_id", None)
    user_override = props.pop("$user_id", None)
    user_id: object = None
    if event == "$create_alias":
        anonymous_id = props.pop("alias", None)
        user_id = distinct_id
    elif anon_distinct_id is not None:  # $identify: the anonymous id logs in as distinct_id
        anonymous_id, user_id = anon_distinct_id, distinct_id
    elif props.get("$is_identified") is True:
        anonymous_id, user_id = device_id or "", distinct_id
    else:
        anonymous_id = distinct_id
    if user_override is not None:
        user_id = user_override
    return {"anonymous_id": anonymous_id, "user_id": user_id, "device_id": device_id}


def _merge_top_level(operation: str, value: object, props: dict[str, object]) -> None:
    # posthog-python sends `$set` next to `properties`; posthog-js sends it inside. Both end up in props.
    if value is None:
        return
    existing = props.get(operation)
    props[operation] = {**existing, **value} if isinstance(existing, dict) and isinstance(value, dict) else value


def _rejection(rejection: Rejection) -> dict[str, object]:
    field = _VENDOR_FIELD.get(rejection.field, rejection.field) if rejection.field else None
    return {"index": rejection.index, "code": rejection.code, "detail": rejection.detail, "field": field}
