"""Google Analytics 4 Measurement Protocol: `POST /mp/collect` and its validation twin `/debug/mp/collect`.

The site's public key stands in for `measurement_id` (or `firebase_app_id`) and its secret key for
`api_secret`, both in the query string as GA wants them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

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

# GA's own limit per request; GA drops the excess silently, Sightline says so instead.
MAX_EVENTS = 25

_DIGITS = re.compile(r"[0-9]{1,20}")

# Event params with a native column, taken out of `props`.
_PARAM_COLUMNS = {
    "page_location": "url",
    "page_referrer": "referrer",
    "page_title": "title",
    "session_id": "session_id",
    "value": "value",
}
# Request-level fields kept as properties. `user_data` (hashed e-mail, phone, address for ad matching)
# is left out on purpose: it is personal data with no analytics use.
_REQUEST_PROPS = ("non_personalized_ads", "user_location", "device")

# Where a pipeline field came from, for the validation server's `fieldPath` (`{i}`: the event's index).
_FIELD_PATH = {
    "name": "events[{i}].name",
    "props": "events[{i}].params",
    "params": "events[{i}].params",
    "url": "events[{i}].params.page_location",
    "referrer": "events[{i}].params.page_referrer",
    "title": "events[{i}].params.page_title",
    "session_id": "events[{i}].params.session_id",
    "value": "events[{i}].params.value",
    "ts": "events[{i}].timestamp_micros",
    "anonymous_id": "client_id",
    "client_id": "client_id",
    "user_id": "user_id",
    "ip": "ip_override",
}
_VALIDATION_CODE = {
    "missing_field": "VALUE_REQUIRED",
    "field_too_long": "VALUE_OUT_OF_BOUNDS",
    "event_too_large": "VALUE_OUT_OF_BOUNDS",
    "timestamp_out_of_range": "VALUE_OUT_OF_BOUNDS",
    "too_many_events": "EXCEEDED_MAX_ENTITIES",
}


class Ga4Protocol(Protocol):
    """GA4 Measurement Protocol; answers 204 like GA when anything was kept."""

    source = Source.GA4
    paths = ("/mp/collect",)

    def parse(self, request: DoorRequest) -> Submission:
        public_key = request.query.get("measurement_id") or request.query.get("firebase_app_id")
        secret_key = request.query.get("api_secret")
        if not public_key or not secret_key:
            raise ProtocolError(
                401,
                "missing_key",
                "Send measurement_id (the site's public key) and api_secret (its secret key).",
            )
        payload = parse_json_body(request.body)
        if not isinstance(payload, dict):
            raise ProtocolError(400, "invalid_body", 'The body must be {"client_id": …, "events": [...]}.')
        events = payload.get("events")
        if not isinstance(events, list):
            raise ProtocolError(400, "invalid_events", "`events` must be a list of event objects.")
        if len(events) > MAX_EVENTS:
            raise ProtocolError(400, "too_many_events", f"GA4 takes at most {MAX_EVENTS} events per request.")
        shared = _shared_fields(payload)
        props = _request_props(payload)
        credentials = Credentials(public_key=public_key, secret_key=secret_key)
        return Submission(credentials, [_event(raw, shared, props) for raw in events])

    def success(self, outcome: Outcome) -> Reply:
        if outcome.rejected and not outcome.accepted:
            return super().success(outcome)  # deviation: GA answers 2xx for anything; a 400 says why
        return Reply(status=204, body=b"", headers=())


class Ga4DebugProtocol(Ga4Protocol):
    """GA's validation server: runs every check, stores nothing, lists the problems.

    `dry_run` tells the door to run the pipeline but buffer nothing (the base contract has no such
    field; the door reads it with `getattr(protocol, "dry_run", False)`).
    """

    paths = ("/debug/mp/collect",)
    dry_run = True

    def success(self, outcome: Outcome) -> Reply:
        return json_reply(200, {"validationMessages": [_validation_message(r) for r in outcome.rejected]})

    def error(self, error: ProtocolError) -> Reply:
        if error.status != 400:
            return super().error(error)  # bad keys, size and rate limits are not validation findings
        message = {
            "fieldPath": "events" if "events" in error.code else "",
            "description": error.detail,
            "validationCode": _VALIDATION_CODE.get(error.code, "VALUE_INVALID"),
        }
        return json_reply(200, {"validationMessages": [message]})


def _shared_fields(payload: Mapping[str, object]) -> dict[str, object]:
    """Request-level fields every event of the request carries."""
    anonymous_id = payload.get("client_id")
    if anonymous_id is None:
        anonymous_id = payload.get("app_instance_id")  # app streams identify the install instead
    return {
        "anonymous_id": anonymous_id,
        "user_id": payload.get("user_id"),
        "ts": _micros_to_ms(payload.get("timestamp_micros")),
        "ip": payload.get("ip_override"),
    }


def _request_props(payload: Mapping[str, object]) -> dict[str, object]:
    props: dict[str, object] = {key: payload[key] for key in _REQUEST_PROPS if payload.get(key) is not None}
    user_properties = payload.get("user_properties")
    if isinstance(user_properties, dict):
        # GA wraps each value: {"plan": {"value": "pro"}}; entries without a value are skipped, as GA does.
        values = {
            name: entry["value"]
            for name, entry in user_properties.items()
            if isinstance(entry, dict) and "value" in entry
        }
        if values:
            props["$set"] = values
    consent = payload.get("consent")
    if isinstance(consent, dict):
        # Ads consent, not analytics consent: it stays a property and does not set the native `consent`.
        for key in ("ad_user_data", "ad_personalization"):
            if consent.get(key) is not None:
                props[key] = consent[key]
    return props


def _event(raw: object, shared: Mapping[str, object], request_props: Mapping[str, object]) -> object:
    if not isinstance(raw, dict):
        return raw  # the pipeline rejects it as not an object, at this index
    if shared["anonymous_id"] is None or shared["anonymous_id"] == "":
        return AdapterRejection("missing_field", "GA4 requests need a `client_id`.", "client_id")
    params = raw.get("params")
    if params is None:
        props: dict[str, object] = {}
    elif isinstance(params, dict):
        props = dict(params)
    else:
        return AdapterRejection("invalid_field", "`params` must be an object.", "params")
    native: dict[str, object] = {"name": raw.get("name"), **shared}
    if raw.get("timestamp_micros") is not None:
        native["ts"] = _micros_to_ms(raw["timestamp_micros"])
    for param, column in _PARAM_COLUMNS.items():
        native[column] = props.pop(param, None)
    native["session_id"] = _id_text(native["session_id"])
    native["props"] = {**props, **request_props}
    return {key: value for key, value in native.items() if value is not None}


def _micros_to_ms(value: object) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value / 1000
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        return int(value) / 1000
    return value  # None, or an odd value the pipeline rejects as `ts`


def _id_text(value: object) -> object:
    # gtag's session id is a number (the session's start in seconds); natively ids are text.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value


def _validation_message(rejection: Rejection) -> dict[str, str]:
    template = _FIELD_PATH.get(rejection.field or "", "events[{i}]")
    return {
        "fieldPath": template.format(i=rejection.index),
        "description": f"Event at index: [{rejection.index}]: {rejection.detail}",
        "validationCode": _VALIDATION_CODE.get(rejection.code, "VALUE_INVALID"),
    }
