"""Amplitude's HTTP V2 API (`POST /2/httpapi`) and Batch API (`POST /batch`, shared with PostHog).

Existing SDKs keep working when only the server URL changes. Events map field by field onto the native
event (docs/api/compatibility.md). Replies keep Amplitude's shape because the SDKs act on it: they drop
the indices listed in `events_with_invalid_fields` / `events_with_missing_fields` and retry the rest.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Mapping
from typing import TypeGuard

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

# `insert_id` is any string (up to ~100 chars), not a UUID. A name-based UUID over it keeps Amplitude's
# dedup of retried events. Never change this value: retries sent across the change would be stored twice.
INSERT_ID_NAMESPACE = uuid.UUID("db30178c-df47-4e2f-8872-68b77a8844d6")

# Amplitude refuses user and device ids shorter than this unless the request's `options.min_id_length` says
# otherwise; keeping the rule means an SDK gets the same answer here as it would from Amplitude.
DEFAULT_MIN_ID_LENGTH = 5

# Fields with no native column: kept as properties under Amplitude's own names.
_PROPERTY_FIELDS = (
    "platform",
    "os_name",
    "os_version",
    "device_brand",
    "device_manufacturer",
    "device_model",
    "carrier",
    "app_version",
    "version_name",
    "language",
    "country",
    "region",
    "city",
    "dma",
    "library",
    "event_id",
    "plan",
    "groups",
    "group_properties",
    "price",
    "quantity",
    "productId",
    "revenueType",
)
# Advertising ids (idfa, idfv, adid, android_id, partner_id) and precise location (location_lat/lng) are
# left out on purpose: a privacy-first store has no use for them, so they never enter it.

# Amplitude's identify operations, renamed to the property keys the rest of Sightline reads.
_USER_OPERATIONS = {"$set": "$set", "$setOnce": "$set_once", "$unset": "$unset"}

# Pipeline field names back to Amplitude's, so an SDK's error report names the field it sent.
_VENDOR_FIELD = {
    "name": "event_type",
    "ts": "time",
    "uuid": "insert_id",
    "props": "event_properties",
    "value": "revenue",
    "ua": "user_agent",
}

_ERROR_TEXT = {
    401: "Invalid API key",
    403: "Invalid API key",
    413: "Payload too large",
    429: "Too many requests for some devices and users",
}
_MISSING_FIELD = {"missing_key": "api_key", "missing_events": "events"}


class AmplitudeProtocol(Protocol):
    """Amplitude's HTTP V2 and Batch APIs; the site's public key is the `api_key`."""

    source = Source.AMPLITUDE
    # `/batch` is registered through shared_batch.BatchPathProtocol, which hands Amplitude bodies here.
    paths = ("/2/httpapi",)

    def __init__(self, eps_threshold: int | None = None) -> None:
        # Sent in 429 replies as Amplitude does; Sightline limits per site, so None (null) unless configured.
        self.eps_threshold = eps_threshold

    def parse(self, request: DoorRequest) -> Submission:
        payload = parse_json_body(request.body)
        if not isinstance(payload, dict):
            raise ProtocolError(400, "invalid_body", 'The body must be {"api_key": …, "events": [...]}.')
        api_key = payload.get("api_key")
        if not isinstance(api_key, str) or not api_key:
            raise ProtocolError(400, "missing_key", "Send the site's public key as `api_key`.")
        events = payload.get("events")
        if events is None:
            raise ProtocolError(400, "missing_events", "The body has no `events` list.")
        if not isinstance(events, list):
            raise ProtocolError(400, "invalid_events", "`events` must be a list of event objects.")
        min_length = _min_id_length(payload.get("options"))
        return Submission(Credentials(public_key=api_key), [_event(raw, min_length) for raw in events])

    def success(self, outcome: Outcome) -> Reply:
        invalid, missing = _indices_by_field(outcome.rejected)
        if outcome.accepted or not outcome.rejected:
            # Deviation: Amplitude refuses the whole batch (400) when one event is bad. Sightline keeps the
            # good ones and answers 200, still listing the bad indices so the SDK can log them.
            payload: dict[str, object] = {
                "code": 200,
                "events_ingested": outcome.accepted,
                "payload_size_bytes": outcome.body_bytes,
                "server_upload_time": int(time.time() * 1000),
            }
            if invalid:
                payload["events_with_invalid_fields"] = invalid
            if missing:
                payload["events_with_missing_fields"] = missing
            return json_reply(200, payload)
        error = "Request missing required field" if missing and not invalid else "Invalid field values on some events"
        return json_reply(
            400,
            {
                "code": 400,
                "error": error,
                "events_with_invalid_fields": invalid,
                "events_with_missing_fields": missing,
                "detail": "No event in the request was valid.",
            },
        )

    def error(self, error: ProtocolError) -> Reply:
        payload: dict[str, object] = {
            "code": error.status,
            "error": _ERROR_TEXT.get(error.status, error.detail),
            "detail": error.detail,
        }
        if error.code in _MISSING_FIELD:
            payload["error"] = "Request missing required field"
            payload["missing_field"] = _MISSING_FIELD[error.code]
        if error.status == 429:
            payload["eps_threshold"] = self.eps_threshold
        # The base reply already carries Retry-After; only the body is Amplitude's.
        base = super().error(error)
        return Reply(status=base.status, body=orjson.dumps(payload), headers=base.headers)


def _min_id_length(options: object) -> int:
    if isinstance(options, dict):
        value = options.get("min_id_length")
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
    return DEFAULT_MIN_ID_LENGTH


def _event(raw: object, min_id_length: int) -> object:
    if not isinstance(raw, dict):
        return raw  # the pipeline rejects it as not an object, at this index
    if raw.get("event_type") in (None, ""):
        return AdapterRejection("missing_field", "Every Amplitude event needs an `event_type`.", "event_type")
    identity = _identity_rejection(raw.get("user_id"), raw.get("device_id"), min_id_length)
    if identity is not None:
        return identity
    props = _props(raw)
    if isinstance(props, AdapterRejection):
        return props
    event_uuid = _insert_id_uuid(raw.get("insert_id"))
    if isinstance(event_uuid, AdapterRejection):
        return event_uuid
    ip = raw.get("ip")
    native: dict[str, object | None] = {
        "name": raw["event_type"],
        "uuid": event_uuid,
        "ts": raw.get("time"),
        "user_id": raw.get("user_id"),
        "device_id": raw.get("device_id"),
        "session_id": _session_id(raw.get("session_id")),
        # "$remote" asks Amplitude to use the request's address, which is what Sightline does without `ip`.
        "ip": None if ip == "$remote" else ip,
        "ua": raw.get("user_agent"),
        "value": _value(raw),
        "props": props,
    }
    return {key: value for key, value in native.items() if value is not None}


def _identity_rejection(user_id: object, device_id: object, min_length: int) -> AdapterRejection | None:
    present = {name: value for name, value in (("user_id", user_id), ("device_id", device_id)) if value}
    if not present:
        return AdapterRejection("missing_field", "Amplitude events need a `user_id` or a `device_id`.", "user_id")
    for name, value in present.items():
        if isinstance(value, str) and len(value) < min_length:
            detail = f"`{name}` must have at least {min_length} characters (Amplitude's rule, see min_id_length)."
            return AdapterRejection("invalid_field", detail, name)
    return None  # a non-string id passes through: the pipeline rejects it with its field name


def _props(raw: Mapping[str, object]) -> dict[str, object] | AdapterRejection:
    event_properties = raw.get("event_properties")
    if event_properties is None:
        props: dict[str, object] = {}
    elif isinstance(event_properties, dict):
        props = dict(event_properties)
    else:
        return AdapterRejection("invalid_field", "`event_properties` must be an object.", "event_properties")
    user_properties = raw.get("user_properties")
    if isinstance(user_properties, dict):
        props.update(_user_operations(user_properties))
    elif user_properties is not None:
        return AdapterRejection("invalid_field", "`user_properties` must be an object.", "user_properties")
    for key in _PROPERTY_FIELDS:
        if raw.get(key) is not None:
            props[key] = raw[key]
    return props


def _user_operations(user_properties: dict[str, object]) -> dict[str, object]:
    """Plain user properties are a `$set`; Amplitude's identify operations ($set, $setOnce…) stay apart."""
    if not any(key.startswith("$") for key in user_properties):
        return {"$set": user_properties}
    mapped: dict[str, object] = {}
    others: dict[str, object] = {}
    for key, value in user_properties.items():
        if key in _USER_OPERATIONS:
            mapped[_USER_OPERATIONS[key]] = value
        else:
            others[key] = value  # $add, $append, $clearAll…: kept so nothing the client sent is lost
    if others:
        mapped["$user_operations"] = others
    return mapped


def _insert_id_uuid(insert_id: object) -> str | AdapterRejection | None:
    if insert_id is None or insert_id == "":
        return None
    if isinstance(insert_id, int) and not isinstance(insert_id, bool):
        insert_id = str(insert_id)
    if not isinstance(insert_id, str):
        return AdapterRejection("invalid_field", "`insert_id` must be a string.", "insert_id")
    return str(uuid.uuid5(INSERT_ID_NAMESPACE, insert_id))


def _session_id(value: object) -> object:
    # Amplitude's session id is the session's start in epoch ms; -1 means "no session".
    if value is None or (_is_number(value) and value == -1):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return value  # a string passes; anything else is rejected by the pipeline as `session_id`


def _value(raw: Mapping[str, object]) -> object:
    # Amplitude computes revenue = price * quantity when `revenue` is absent.
    if raw.get("revenue") is not None:
        return raw["revenue"]
    price, quantity = raw.get("price"), raw.get("quantity", 1)
    if _is_number(price) and _is_number(quantity):
        return price * quantity
    return price  # None, or an odd value the pipeline rejects as `value`


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _indices_by_field(rejected: list[Rejection]) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    invalid: dict[str, list[int]] = {}
    missing: dict[str, list[int]] = {}
    for rejection in rejected:
        name = _VENDOR_FIELD.get(rejection.field, rejection.field) if rejection.field else "event"
        target = missing if rejection.code == "missing_field" else invalid
        target.setdefault(name, []).append(rejection.index)
    return invalid, missing
