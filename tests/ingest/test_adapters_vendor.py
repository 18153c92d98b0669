"""Vendor adapters: each vendor field lands in its native field, replies keep the vendor's shape, and no
input makes an adapter raise anything but ProtocolError. Pure: no database, no Django."""

from __future__ import annotations

import base64
import copy
import itertools
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest

from ingest.adapters.amplitude import INSERT_ID_NAMESPACE, AmplitudeProtocol
from ingest.adapters.base import (
    AdapterRejection,
    DoorRequest,
    Outcome,
    Protocol,
    ProtocolError,
    Rejection,
    Reply,
    Submission,
)
from ingest.adapters.ga4 import Ga4DebugProtocol, Ga4Protocol
from ingest.adapters.matomo import BULK, IMAGE, NO_IMAGE, TRACKING_GIF, MatomoProtocol
from ingest.adapters.posthog import PostHogProtocol
from ingest.adapters.registry import PROTOCOLS, is_dry_run, protocol_for
from ingest.adapters.shared_batch import BatchPathProtocol
from ingest.events import Source

GA_QUERY = {"measurement_id": "G-PUBLIC", "api_secret": "s3cret"}


def req(path="/", body=b"", query=None, method="POST", headers=None) -> DoorRequest:
    if not isinstance(body, bytes):
        body = orjson.dumps(body)
    return DoorRequest(method, path, query or {}, headers or {}, body, "203.0.113.9")


def parse(path, body=b"", query=None, method="POST", headers=None) -> Submission:
    request = req(path, body, query, method, headers)
    protocol = protocol_for(request)
    assert protocol is not None
    return protocol.parse(request)


def payload(reply: Reply) -> dict[str, Any]:
    assert ("content-type", "application/json") in reply.headers
    decoded: dict[str, Any] = orjson.loads(reply.body)
    return decoded


# --- Amplitude ------------------------------------------------------------------------------------


def amplitude(*events, **extra):
    return {"api_key": "pk_amp", "events": list(events), **extra}


def test_amplitude_maps_every_field():
    event = {
        "event_type": "Song Played", "user_id": "user-42", "device_id": "device-1", "time": 1700000000123,
        "insert_id": "retry-me", "session_id": 1700000000000, "ip": "198.51.100.7", "user_agent": "UA/1",
        "event_properties": {"genre": "jazz"}, "user_properties": {"plan": "pro"}, "platform": "Web",
        "os_name": "Linux", "app_version": "2.1", "language": "de", "country": "DE", "device_model": "X",
        "revenue": 9.5, "idfa": "ad-id", "location_lat": 52.5,
    }  # fmt: skip
    submission = parse("/2/httpapi", amplitude(event))
    assert submission.credentials.public_key == "pk_amp"
    assert submission.events == [{
        "name": "Song Played", "uuid": str(uuid.uuid5(INSERT_ID_NAMESPACE, "retry-me")), "ts": 1700000000123,
        "user_id": "user-42", "device_id": "device-1", "session_id": "1700000000000", "ip": "198.51.100.7",
        "ua": "UA/1", "value": 9.5,
        "props": {"genre": "jazz", "$set": {"plan": "pro"}, "platform": "Web", "os_name": "Linux",
                  "app_version": "2.1", "language": "de", "country": "DE", "device_model": "X"},
    }]  # fmt: skip


@pytest.mark.parametrize(
    ("event", "field", "expected"),
    [
        ({"session_id": -1}, "session_id", None),
        ({"session_id": 1.7e12}, "session_id", "1700000000000"),
        ({"session_id": "s-1"}, "session_id", "s-1"),
        ({"ip": "$remote"}, "ip", None),
        ({"insert_id": 12345}, "uuid", str(uuid.uuid5(INSERT_ID_NAMESPACE, "12345"))),
        ({"price": 2.5, "quantity": 4}, "value", 10.0),
        ({"price": 3}, "value", 3),
        ({"revenue": 1, "price": 5}, "value", 1),
        ({"user_properties": {"$set": {"a": 1}, "$setOnce": {"b": 2}, "$add": {"c": 1}}}, "props",
         {"$set": {"a": 1}, "$set_once": {"b": 2}, "$user_operations": {"$add": {"c": 1}}}),
    ],
)  # fmt: skip
def test_amplitude_field_conversions(event, field, expected):
    [native] = parse("/2/httpapi", amplitude({"event_type": "e", "device_id": "device-1", **event})).events
    assert native.get(field) == expected


@pytest.mark.parametrize(
    ("event", "options", "expected"),
    [
        ({}, {}, AdapterRejection("missing_field", "", "user_id")),
        ({"user_id": ""}, {}, AdapterRejection("missing_field", "", "user_id")),
        ({"user_id": "1234"}, {}, AdapterRejection("invalid_field", "", "user_id")),
        ({"device_id": "abc"}, {}, AdapterRejection("invalid_field", "", "device_id")),
        ({"user_id": "1234"}, {"min_id_length": 4}, None),
        ({"user_id": 12345}, {}, None),  # wrong type: the pipeline rejects it as `user_id`
        ({"device_id": "device-1", "event_type": ""}, {}, AdapterRejection("missing_field", "", "event_type")),
        ({"device_id": "d-1234", "event_properties": 1}, {}, AdapterRejection("invalid_field", "", "event_properties")),
        ({"device_id": "d-123", "insert_id": {"a": 1}}, {}, AdapterRejection("invalid_field", "", "insert_id")),
    ],
)  # fmt: skip
def test_amplitude_rejections(event, options, expected):
    [result] = parse("/2/httpapi", amplitude({"event_type": "e", **event}, options=options)).events
    if expected is None:
        assert isinstance(result, dict)
    else:
        assert isinstance(result, AdapterRejection)
        assert (result.code, result.field) == (expected.code, expected.field)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"events": []}, 400, "missing_key"),
        ({"api_key": 5, "events": []}, 400, "missing_key"),
        ({"api_key": "k"}, 400, "missing_events"),
        ({"api_key": "k", "events": "nope"}, 400, "invalid_events"),
        ([1, 2], 400, "invalid_body"),
        (b"{not json", 400, "invalid_json"),
    ],
)
def test_amplitude_refuses_unreadable_requests(body, status, code):
    with pytest.raises(ProtocolError) as caught:
        parse("/2/httpapi", body)
    assert (caught.value.status, caught.value.code) == (status, code)


def test_amplitude_replies():
    protocol = AmplitudeProtocol()
    ok = payload(protocol.success(Outcome(accepted=2, body_bytes=321)))
    assert ok["code"] == 200 and ok["events_ingested"] == 2 and ok["payload_size_bytes"] == 321
    assert abs(ok["server_upload_time"] - datetime.now(UTC).timestamp() * 1000) < 60_000
    bad = [Rejection(1, "invalid_field", "too long", "name"), Rejection(3, "missing_field", "no id", "user_id")]
    partial = protocol.success(Outcome(accepted=2, rejected=bad))
    assert partial.status == 200
    assert payload(partial)["events_with_invalid_fields"] == {"event_type": [1]}
    assert payload(partial)["events_with_missing_fields"] == {"user_id": [3]}
    none = protocol.success(Outcome(accepted=0, rejected=bad))
    assert none.status == 400 and payload(none)["code"] == 400 and "detail" in payload(none)

    missing = protocol.error(ProtocolError(400, "missing_key", "no key"))
    assert missing.status == 400 and payload(missing)["missing_field"] == "api_key"
    assert payload(protocol.error(ProtocolError(413, "too_large", "big"))) == {
        "code": 413, "error": "Payload too large", "detail": "big",
    }  # fmt: skip
    limited = protocol.error(ProtocolError(429, "rate_limited", "slow down", retry_after=7))
    assert ("retry-after", "7") in limited.headers
    assert payload(limited)["error"] == "Too many requests for some devices and users"
    assert "eps_threshold" in payload(limited)


# --- PostHog --------------------------------------------------------------------------------------


def test_posthog_maps_properties_to_fields():
    body = {
        "api_key": "phc_key", "event": "$pageview", "distinct_id": "anon-1", "timestamp": "2026-01-02T03:04:05Z",
        "uuid": "0190b6f2-8b8e-7000-8000-000000000001", "offset": 1500,
        "properties": {"$current_url": "https://a.example/x", "$referrer": "$direct", "$title": "Home",
                       "$session_id": "sess", "$ip": "198.51.100.1", "$raw_user_agent": "Raw/1",
                       "$user_agent": "Old/1", "$browser": "Firefox", "token": "phc_key", "$set": {"a": 1}},
        "$set_once": {"first": "x"},
    }  # fmt: skip
    submission = parse("/capture/", body)
    assert submission.credentials.public_key == "phc_key"
    assert submission.events == [{
        "name": "$pageview", "uuid": "0190b6f2-8b8e-7000-8000-000000000001", "ts": "2026-01-02T03:04:05Z",
        "offset_ms": 1500, "url": "https://a.example/x", "session_id": "sess", "ip": "198.51.100.1",
        "title": "Home", "ua": "Raw/1", "anonymous_id": "anon-1",
        "props": {"$browser": "Firefox", "$set": {"a": 1}, "$set_once": {"first": "x"}},
    }]  # fmt: skip


@pytest.mark.parametrize(
    ("event", "properties", "anonymous_id", "user_id"),
    [
        ("$pageview", {}, "d-1", None),
        ("$identify", {"$anon_distinct_id": "anon-9"}, "anon-9", "d-1"),
        ("$create_alias", {"alias": "anon-7"}, "anon-7", "d-1"),
        ("click", {"$is_identified": True, "$device_id": "dev-3"}, "dev-3", "d-1"),
        ("click", {"$is_identified": True}, "", "d-1"),
        ("click", {"$user_id": "u-5"}, "d-1", "u-5"),
    ],
)
def test_posthog_identity(event, properties, anonymous_id, user_id):
    body = {"api_key": "k", "event": event, "distinct_id": "d-1", "properties": properties}
    [native] = parse("/e/", body).events
    assert (native.get("anonymous_id"), native.get("user_id")) == (anonymous_id, user_id)


def _posthog_js_events():
    return [{"event": "$pageview", "properties": {"distinct_id": 7, "token": "phc_js"}}, {"event": "x"}]


@pytest.mark.parametrize(
    ("path", "body", "query", "headers"),
    [
        ("/e/", orjson.dumps(_posthog_js_events()), {}, {}),
        ("/i/v0/e", orjson.dumps({"data": _posthog_js_events()}), {}, {}),
        ("/e", orjson.dumps({"data": base64.b64encode(orjson.dumps(_posthog_js_events())).decode()}), {}, {}),
        ("/e/", urlencode({"data": base64.b64encode(orjson.dumps(_posthog_js_events()))}).encode(),
         {"compression": "base64"}, {"content-type": "application/x-www-form-urlencoded"}),
        ("/e/", b"", {"data": base64.urlsafe_b64encode(orjson.dumps(_posthog_js_events())).decode().rstrip("=")}, {}),
        ("/capture", orjson.dumps({"batch": _posthog_js_events()}), {}, {}),
    ],
)  # fmt: skip
def test_posthog_body_encodings(path, body, query, headers):
    submission = parse(path, body, query, headers=headers)
    assert submission.credentials.public_key == "phc_js"
    first, second = submission.events
    assert first == {"name": "$pageview", "anonymous_id": "7", "props": {}}
    assert isinstance(second, AdapterRejection) and second.field == "distinct_id"


def test_posthog_sent_at_and_key_sources():
    body = {"batch": [{"event": "e", "distinct_id": "d"}], "sent_at": "2026-01-02T03:04:05Z"}
    submission = parse("/batch/", body, {"api_key": "from-query"})
    assert submission.credentials.public_key == "from-query"
    assert submission.sent_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse("/e/", [{"event": "e", "distinct_id": "d", "api_key": "k"}], {"_": "1767323045000"}).sent_at
    with pytest.raises(ProtocolError) as caught:
        parse("/e/", {**body, "api_key": "k", "sent_at": "yesterday"})
    assert caught.value.code == "invalid_sent_at"
    for request_body, query, code in [({"event": "e", "distinct_id": "d"}, {}, "missing_key"),
                                      (b"x", {"compression": "lz64"}, "unsupported_compression")]:  # fmt: skip
        with pytest.raises(ProtocolError) as caught:
            parse("/e/", request_body, query)
        assert caught.value.code == code


def test_posthog_replies():
    protocol = PostHogProtocol()
    assert payload(protocol.success(Outcome(accepted=3))) == {"status": 1, "accepted": 3}
    partial = payload(protocol.success(Outcome(accepted=1, rejected=[Rejection(1, "invalid_field", "bad", "props")])))
    assert partial["rejected"] == [{"index": 1, "code": "invalid_field", "detail": "bad", "field": "properties"}]
    none = protocol.success(Outcome(accepted=0, rejected=[Rejection(0, "missing_field", "no", "name")]))
    assert none.status == 400 and payload(none)["type"] == "validation_error"
    auth = protocol.error(ProtocolError(401, "missing_key", "no key"))
    assert payload(auth) == {"type": "authentication_error", "code": "missing_key", "detail": "no key"}
    assert payload(protocol.error(ProtocolError(400, "invalid_json", "bad")))["type"] == "validation_error"


# --- Matomo ---------------------------------------------------------------------------------------

PAGE_VIEW = {
    "idsite": "3", "rec": "1", "_id": "0123456789abcdef", "uid": "u-1", "url": "https://a.example/p",
    "action_name": "Pricing", "urlref": "https://ref.example/", "cdt": "1700000000", "ua": "UA/2",
    "cip": "198.51.100.4", "lang": "de", "res": "1280x720", "_idts": "1690000000", "dimension2": "blue",
    "r": "123456", "token_auth": "tok",
}  # fmt: skip


def test_matomo_get_page_view():
    submission = parse("/matomo.php", query=PAGE_VIEW, method="GET")
    assert (submission.credentials.site_id, submission.credentials.secret_key) == (3, "tok")
    assert submission.events == [{
        "name": "page_view", "anonymous_id": "0123456789abcdef", "user_id": "u-1", "url": "https://a.example/p",
        "referrer": "https://ref.example/", "title": "Pricing", "ts": 1700000000000, "ua": "UA/2",
        "ip": "198.51.100.4", "dims": {"dimension2": "blue"},
        "props": {"lang": "de", "res": "1280x720", "_idts": "1690000000"},
    }]  # fmt: skip


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"e_c": "Video", "e_a": "Play", "e_n": "intro", "e_v": "2.5"},
         {"name": "Play", "category": "Video", "action": "Play", "label": "intro", "value": 2.5}),
        ({"e_c": "Video", "e_a": "Play", "e_v": "abc"}, {"value": "abc"}),
        ({"cdt": "2026-01-02 03:04:05"}, {"ts": "2026-01-02T03:04:05Z"}),
        ({"cdt": "1700000000.5"}, {"ts": 1700000000500.0}),
        ({"cdt": "soon"}, {"ts": "soon"}),
        ({"ping": "1"}, {"name": "ping"}),
        ({"download": "https://a.example/f.zip"}, {"name": "download"}),
        ({"link": "https://b.example/"}, {"name": "outlink"}),
        ({"idgoal": "0", "ec_id": "o-1", "revenue": "12"}, {"name": "ecommerce_order", "value": 12.0}),
        ({"cid": "fedcba9876543210", "_id": "0123456789abcdef"}, {"anonymous_id": "fedcba9876543210"}),
    ],
)  # fmt: skip
def test_matomo_parameters(params, expected):
    [native] = parse("/piwik.php", query={"idsite": "1", "rec": "1", **params}, method="GET").events
    assert {key: native.get(key) for key in expected} == expected


def test_matomo_post_form_and_not_recorded():
    body = urlencode({"idsite": "1", "rec": "1", "url": "https://body.example/", "action_name": "B"}).encode()
    [native] = parse("/matomo.php", body, {"url": "https://query.example/"}).events
    assert (native["url"], native["title"]) == ("https://query.example/", "B")  # the query string wins
    [skipped] = parse("/matomo.php", query={"idsite": "1"}, method="GET").events
    assert skipped == AdapterRejection("not_recorded", skipped.detail, "rec")
    for query, code in [({"rec": "1"}, "missing_idsite"), ({"idsite": "²", "rec": "1"}, "invalid_idsite")]:
        with pytest.raises(ProtocolError) as caught:
            parse("/matomo.php", query=query, method="GET")
        assert caught.value.code == code


def test_matomo_bulk():
    body = {
        "token_auth": "tok",
        "requests": ["?idsite=5&rec=1&url=https%3A%2F%2Fa.example%2F", "?idsite=5&rec=1&e_c=c&e_a=a", 7,
                     {"idsite": 5, "rec": 1, "action_name": "Dict"}, "?idsite=5"],
    }  # fmt: skip
    submission = parse("/matomo.php", body, headers={"content-type": "application/x-www-form-urlencoded"})
    assert (submission.credentials.site_id, submission.credentials.secret_key) == (5, "tok")
    first, second, third, fourth, fifth = submission.events
    assert first["url"] == "https://a.example/" and second["name"] == "a" and fourth["title"] == "Dict"
    assert third.field == "requests" and fifth.code == "not_recorded"
    with pytest.raises(ProtocolError) as caught:
        parse("/matomo.php", {"requests": ["?idsite=1&rec=1", "?idsite=2&rec=1"]})
    assert caught.value.code == "mixed_sites"


def test_matomo_replies_follow_the_request():
    gif_request = req("/matomo.php", query={"idsite": "1", "rec": "1"}, method="GET")
    assert MatomoProtocol().resolve(gif_request) is IMAGE
    assert MatomoProtocol().resolve(req("/matomo.php", query={"send_image": "0"}, method="GET")) is NO_IMAGE
    assert MatomoProtocol().resolve(req("/matomo.php", {"requests": []})) is BULK
    gif = IMAGE.success(Outcome(accepted=1))
    assert (gif.status, gif.body, dict(gif.headers)["content-type"]) == (200, TRACKING_GIF, "image/gif")
    assert len(TRACKING_GIF) == 43 and TRACKING_GIF.startswith(b"GIF89a")
    assert (NO_IMAGE.success(Outcome(accepted=1)).status, NO_IMAGE.success(Outcome(accepted=1)).body) == (204, b"")
    assert IMAGE.success(Outcome(accepted=0, rejected=[Rejection(0, "not_recorded", "no rec")])).status == 400
    bulk = BULK.success(Outcome(accepted=2, rejected=[Rejection(1, "invalid_field", "x")]))
    assert payload(bulk) == {"status": "success", "tracked": 2, "invalid": 1, "invalid_indices": [1]}
    error = IMAGE.error(ProtocolError(400, "missing_idsite", "no site"))
    assert (error.status, payload(error)) == (400, {"detail": "no site", "code": "missing_idsite"})


# --- GA4 ------------------------------------------------------------------------------------------


def test_ga4_maps_request_and_event_fields():
    body = {
        "client_id": "123.456", "user_id": "u-1", "timestamp_micros": 1700000000123000, "ip_override": "198.51.100.2",
        "user_properties": {"plan": {"value": "pro"}, "junk": 5}, "consent": {"ad_user_data": "DENIED"},
        "user_data": {"sha256_email_address": "abc"},
        "events": [
            {"name": "page_view", "params": {"page_location": "https://a.example/", "page_referrer": "https://r/",
                                             "page_title": "A", "session_id": 1700000000, "engagement_time_msec": 100,
                                             "value": 3.5, "currency": "EUR"}},
            {"name": "late", "timestamp_micros": "1700000001000000"},
        ],
    }  # fmt: skip
    submission = parse("/mp/collect", body, GA_QUERY)
    assert (submission.credentials.public_key, submission.credentials.secret_key) == ("G-PUBLIC", "s3cret")
    shared = {"anonymous_id": "123.456", "user_id": "u-1", "ip": "198.51.100.2"}
    props = {"$set": {"plan": "pro"}, "ad_user_data": "DENIED"}
    assert submission.events == [
        {"name": "page_view", **shared, "ts": 1700000000123.0, "url": "https://a.example/", "referrer": "https://r/",
         "title": "A", "session_id": "1700000000", "value": 3.5,
         "props": {"engagement_time_msec": 100, "currency": "EUR", **props}},
        {"name": "late", **shared, "ts": 1700000001000.0, "props": props},
    ]  # fmt: skip


@pytest.mark.parametrize("query", [{}, {"measurement_id": "G-1"}, {"api_secret": "s"}, {"api_secret": ""}])
def test_ga4_needs_both_keys(query):
    with pytest.raises(ProtocolError) as caught:
        parse("/mp/collect", {"client_id": "c", "events": []}, query)
    assert (caught.value.status, caught.value.code) == (401, "missing_key")


def test_ga4_limits_and_rejections():
    with pytest.raises(ProtocolError) as caught:
        parse("/mp/collect", {"client_id": "c", "events": [{"name": "e"}] * 26}, GA_QUERY)
    assert (caught.value.status, caught.value.code) == (400, "too_many_events")
    [no_client] = parse("/mp/collect", {"events": [{"name": "e"}]}, GA_QUERY).events
    assert no_client.field == "client_id"
    [bad_params] = parse("/mp/collect", {"client_id": "c", "events": [{"name": "e", "params": []}]}, GA_QUERY).events
    assert bad_params.field == "params"


def test_ga4_replies_and_debug():
    assert Ga4Protocol().success(Outcome(accepted=1)) == Reply(204, b"", ())
    assert (
        Ga4Protocol().success(Outcome(accepted=0, rejected=[Rejection(0, "invalid_field", "x", "name")])).status == 400
    )
    debug = Ga4DebugProtocol()
    assert is_dry_run(debug) and not is_dry_run(Ga4Protocol()) and PROTOCOLS["/debug/mp/collect"] is not None
    assert payload(debug.success(Outcome(accepted=1))) == {"validationMessages": []}
    reply = debug.success(Outcome(accepted=0, rejected=[Rejection(2, "missing_field", "no url", "url")]))
    assert payload(reply)["validationMessages"] == [{
        "fieldPath": "events[2].params.page_location", "description": "Event at index: [2]: no url",
        "validationCode": "VALUE_REQUIRED",
    }]  # fmt: skip
    too_many = debug.error(ProtocolError(400, "too_many_events", "max 25"))
    assert too_many.status == 200
    assert payload(too_many)["validationMessages"][0]["validationCode"] == "EXCEEDED_MAX_ENTITIES"
    assert debug.error(ProtocolError(401, "missing_key", "keys")).status == 401


# --- /batch and the registry ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/batch", "/batch/"])
@pytest.mark.parametrize(
    ("body", "source"),
    [
        (orjson.dumps(amplitude({"event_type": "e", "user_id": "user-1"})), Source.AMPLITUDE),
        (orjson.dumps({"api_key": "k", "batch": [{"event": "e", "distinct_id": "d"}]}), Source.POSTHOG),
        (b"data=" + base64.b64encode(b'[{"event":"e","distinct_id":"d","api_key":"k"}]'), Source.POSTHOG),
        (b"{broken", Source.POSTHOG),
    ],
)
def test_batch_path_dispatches_on_the_body(path, body, source):
    request = req(path, body)
    protocol = protocol_for(request)
    assert isinstance(PROTOCOLS[path], BatchPathProtocol)
    assert protocol is not None and protocol.source == source
    try:
        submission = PROTOCOLS[path].parse(request)
    except ProtocolError:
        assert body == b"{broken"
    else:
        assert submission.credentials.public_key in ("pk_amp", "k") and len(submission.events) == 1


def test_registry_lists_every_path():
    expected = {
        "/api/v1/collect": Source.NATIVE, "/api/v1/batch": Source.BATCH, "/2/httpapi": Source.AMPLITUDE,
        "/capture/": Source.POSTHOG, "/capture": Source.POSTHOG, "/e/": Source.POSTHOG, "/e": Source.POSTHOG,
        "/i/v0/e/": Source.POSTHOG, "/i/v0/e": Source.POSTHOG, "/matomo.php": Source.MATOMO,
        "/piwik.php": Source.MATOMO, "/mp/collect": Source.GA4, "/debug/mp/collect": Source.GA4,
    }  # fmt: skip
    assert set(PROTOCOLS) == {*expected, "/batch", "/batch/"}
    for path, source in expected.items():
        assert PROTOCOLS[path].source == source
    assert protocol_for(req("/nowhere")) is None


# --- Robustness: only a Submission or a ProtocolError ever comes out ------------------------------

JUNK = [None, True, 0, -1, 1.5, 1e308, -1e308, 2**63, "", "x", "$direct", "-1", "²", "1e999", "nan",
        "2026-01-01 00:00:00", [], [None], {}, {"a": {"b": [1, {"c": None}]}}, ["x", 1]]  # fmt: skip

VALID_BODIES = {
    "/2/httpapi": amplitude({"event_type": "e", "user_id": "user-1", "insert_id": "i", "session_id": 5, "price": 2,
                             "quantity": 3, "event_properties": {"a": 1}, "user_properties": {"$set": {"b": 2}}},
                            options={"min_id_length": 3}),
    "/e/": {"api_key": "k", "sent_at": "2026-01-01T00:00:00Z",
            "batch": [{"event": "$identify", "distinct_id": "d", "timestamp": "2026-01-01T00:00:00Z", "offset": 5,
                       "$set": {"a": 1}, "properties": {"$anon_distinct_id": "a", "$referrer": "r", "$set": {},
                                                        "$is_identified": True, "token": "t", "alias": "x"}}]},
    "/mp/collect": {"client_id": "c", "user_id": "u", "timestamp_micros": 1, "user_properties": {"p": {"value": 1}},
                    "consent": {"ad_user_data": "GRANTED"},
                    "events": [{"name": "e", "timestamp_micros": 2, "params": {"session_id": 1, "value": 2}}]},
    "/matomo.php": {"token_auth": "t",
                    "requests": ["?idsite=1&rec=1", {"idsite": 1, "rec": 1, "e_c": "c", "e_a": "a"}]},
}  # fmt: skip


def _paths(value, prefix=()):
    yield prefix
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        yield from _paths(child, (*prefix, key))


def _replaced(value, path, junk):
    if not path:
        return junk
    copied = copy.deepcopy(value)
    target = copied
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = junk
    return copied


def _exercise(protocol: Protocol | None, request: DoorRequest) -> None:
    assert protocol is not None
    try:
        submission = protocol.parse(request)
    except ProtocolError as exc:
        replies = [protocol.error(exc)]
    else:
        assert isinstance(submission, Submission)
        rejected = [Rejection(i, "invalid_field", "x", field) for i, field in enumerate(["name", None, "ts", "odd"])]
        outcomes = (Outcome(accepted=len(submission.events)), Outcome(accepted=0, rejected=rejected))
        replies = [protocol.success(outcome) for outcome in outcomes]
    assert all(isinstance(reply, Reply) for reply in replies)


@pytest.mark.parametrize("path", sorted(VALID_BODIES))
def test_wrong_types_in_every_field(path):
    body = VALID_BODIES[path]
    query = GA_QUERY if "mp" in path else {}
    for field_path, junk in itertools.product(list(_paths(body)), JUNK):
        request = req(path, _replaced(body, field_path, junk), query)
        _exercise(protocol_for(request), request)


GARBAGE = [b"", b" ", b"null", b"0", b'"events"', b"[]", b"[1, null, []]", b"{}", b'{"events": "x"}',
           b'{"api_key": "k", "events": [1, "x", null, [], {"event_type": {}}]}', b'{"batch": {}}',
           b'{"data": 5}', b'{"data": "!!!"}', b'{"data": {"data": {"data": []}}}', b'{"requests": "x"}',
           b'{"requests": [null, 1, [], {"idsite": []}]}', b"data=", b"data=%%%", b"\xff\xfe\x00",
           b"idsite=1&rec=1&cdt=1e999&e_c=a&e_a=b&e_v=inf", b'{"api_key": "k", "event": "e", "properties": []}',
           b'{"token": "k", "distinct_id": {}, "properties": {"$user_id": [], "token": 5}}', b"{" * 5000]  # fmt: skip
QUERIES = [{}, {"api_key": "k", "_": "x", "data": "!!"}, {**GA_QUERY, "idsite": "1", "rec": "1", "send_image": "0"},
           {"idsite": "99999999999", "rec": "1", "cdt": "2026-13-45 99:99:99"}]  # fmt: skip


@pytest.mark.parametrize("path", sorted(PROTOCOLS))
def test_garbage_requests(path):
    for body, query, method in itertools.product(GARBAGE, QUERIES, ("POST", "GET")):
        request = req(path, body, query, method, {"content-type": "application/x-www-form-urlencoded"})
        _exercise(protocol_for(request), request)
