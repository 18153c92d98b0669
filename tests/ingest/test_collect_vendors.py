"""Each vendor-compatible endpoint end to end: through the door, the pipeline and the consumer into PostgreSQL."""

from __future__ import annotations

import base64
import time
import uuid

import orjson
import pytest

from analytics.models import Event, IdentityLink
from tests.factories import make_site
from tests.stream_drain import drain

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return make_site(origins=[])


def _one() -> Event:
    return Event.objects.get()


def test_amplitude_http_v2(door, site, stream):
    insert_id = "retry-me-123"
    body = {
        "api_key": site.public_key,
        "events": [
            {
                "event_type": "click_generate",
                "user_id": "user-42",
                "device_id": "device-abc",
                "insert_id": insert_id,
                "time": int(time.time() * 1000) - 60_000,
                "event_properties": {"prompt_length": 37},
                "session_id": 1732262400000,
                "platform": "Web",
            },
            {"event_type": "bad", "user_id": "u"},  # too short an id for Amplitude
        ],
    }
    response = door.post("/2/httpapi", body)
    assert response.status == 200
    reply = response.json()
    assert reply["code"] == 200 and reply["events_ingested"] == 1
    assert reply["events_with_invalid_fields"]
    door.post("/2/httpapi", body)  # the SDK retries: same insert_id, stored once
    drain(stream)
    event = _one()
    assert (event.name, event.user_id, event.device_id, event.source) == (
        "click_generate",
        "user-42",
        "device-abc",
        "amplitude",
    )
    assert event.properties["prompt_length"] == 37
    assert event.session_id == "1732262400000"
    assert dict(IdentityLink.objects.values_list("anonymous_id", "user_id")) == {"device-abc": "user-42"}


def test_amplitude_errors_have_amplitude_shape(door, site):
    missing = door.post("/2/httpapi", {"events": [{"event_type": "x", "user_id": "user-1"}]})
    assert missing.status == 400
    assert missing.json()["missing_field"] == "api_key"
    wrong = door.post("/2/httpapi", {"api_key": "nope", "events": [{"event_type": "x", "user_id": "user-1"}]})
    assert wrong.status == 401 and wrong.json()["code"] == 401 and wrong.json()["detail"]


def test_posthog_capture_identify_and_alias(door, site, stream):
    events = [
        {
            "event": "$pageview",
            "distinct_id": "anon-1",
            "properties": {"$current_url": "https://example.com/a", "$session_id": "s1"},
        },
        {"event": "$identify", "distinct_id": "user-9", "properties": {"$anon_distinct_id": "anon-1"}},
        {"event": "$create_alias", "distinct_id": "user-9", "properties": {"alias": "crm-77"}},
    ]
    response = door.post("/batch/", {"api_key": site.public_key, "batch": events})
    assert response.status == 200 and response.json()["status"] == 1
    drain(stream)
    pageview = Event.objects.get(name="$pageview")
    assert (pageview.anonymous_id, pageview.path, pageview.session_id, pageview.source) == (
        "anon-1",
        "/a",
        "s1",
        "posthog",
    )
    links = dict(IdentityLink.objects.values_list("anonymous_id", "user_id"))
    assert links == {"anon-1": "user-9", "crm-77": "user-9"}


def test_posthog_single_capture_with_legacy_form_body(door, site, stream):
    payload = base64.b64encode(orjson.dumps({"event": "signup", "distinct_id": "d-1", "token": site.public_key}))
    response = door.post("/e/", b"data=" + payload, content_type="application/x-www-form-urlencoded")
    assert response.status == 200
    drain(stream)
    assert _one().name == "signup"


def test_amplitude_batch_body_on_the_shared_batch_path(door, site, stream):
    response = door.post(
        "/batch", {"api_key": site.public_key, "events": [{"event_type": "e1", "device_id": "device-1"}]}
    )
    assert response.status == 200 and response.json()["events_ingested"] == 1
    drain(stream)
    assert _one().source == "amplitude"


def test_matomo_get_pixel_and_event(door, site, stream):
    query = {
        "idsite": str(site.id),
        "rec": "1",
        "_id": "0123456789abcdef",
        "url": "https://example.com/docs",
        "action_name": "Docs",
        "e_c": "image_generation",
        "e_a": "click_generate",
        "e_n": "a cat",
        "e_v": "12",
        "dimension1": "2.4",
    }
    response = door.get("/matomo.php", query=query)
    assert response.status == 200
    assert response.headers["content-type"] == "image/gif" and response.body.startswith(b"GIF89a")
    assert door.get("/piwik.php", query=query | {"send_image": "0"}).status == 204
    drain(stream)
    event = Event.objects.filter(site_id=site.id).first()
    assert (event.category, event.action, event.label, event.value) == (
        "image_generation",
        "click_generate",
        "a cat",
        12.0,
    )
    assert event.dimensions == {"dimension1": "2.4"}
    assert event.anonymous_id == "0123456789abcdef" and event.source == "matomo"


def test_matomo_bulk(door, site, stream):
    requests = [f"?idsite={site.id}&rec=1&action_name=P{i}&url=https%3A%2F%2Fexample.com%2F{i}" for i in range(3)]
    response = door.post("/matomo.php", {"requests": [*requests, f"?idsite={site.id}"]})
    assert response.status == 200
    assert response.json()["tracked"] == 3 and response.json()["invalid"] == 1
    drain(stream)
    assert sorted(Event.objects.values_list("title", flat=True)) == ["P0", "P1", "P2"]


def test_matomo_unknown_site(door, db):
    assert door.get("/matomo.php", query={"idsite": "999999", "rec": "1"}).status == 401


def test_ga4_measurement_protocol(door, site, stream):
    body = {
        "client_id": "123.456",
        "user_id": "member-5",
        "user_properties": {"plan": {"value": "pro"}},
        "events": [
            {
                "name": "generate_image",
                "params": {"page_location": "https://example.com/gen", "steps": 30, "engagement_time_msec": 1200},
            }
        ],
    }
    query = {"measurement_id": site.public_key, "api_secret": site.secret_key}
    response = door.post("/mp/collect", body, query=query)
    assert (response.status, response.body) == (204, b"")
    assert door.post("/mp/collect", body, query={"measurement_id": site.public_key, "api_secret": "x"}).status == 401
    drain(stream)
    event = _one()
    assert (event.name, event.anonymous_id, event.user_id, event.path, event.source) == (
        "generate_image",
        "123.456",
        "member-5",
        "/gen",
        "ga4",
    )
    assert event.properties["steps"] == 30 and event.properties["$set"] == {"plan": "pro"}


def test_ga4_debug_endpoint_validates_and_stores_nothing(door, site, stream):
    body = {"client_id": "1.2", "events": [{"name": "ok"}, {"name": "x" * 300}]}
    query = {"measurement_id": site.public_key, "api_secret": site.secret_key}
    response = door.post("/debug/mp/collect", body, query=query)
    assert response.status == 200
    assert len(response.json()["validationMessages"]) == 1
    drain(stream)
    assert not Event.objects.exists()


@pytest.mark.parametrize("path", ["/2/httpapi", "/batch", "/capture/", "/e/", "/i/v0/e/", "/matomo.php", "/mp/collect"])
@pytest.mark.parametrize("body", [b"", b"{", b"[1,2", b"\xff", b"null", b'{"events": 5}', b'{"batch": {}}', b"[[[[[[["])
def test_vendor_paths_never_answer_5xx(door, site, path, body):
    response = door.post(path, body, query={"api_key": site.public_key, "idsite": str(site.id)})
    assert 400 <= response.status < 500 or response.status in (200, 204), (response.status, response.body)
    assert not Event.objects.exists()


def test_uuid_dedup_across_protocols(door, site, stream):
    event_uuid = str(uuid.uuid4())
    door.post("/api/v1/collect", {"key": site.public_key, "name": "x", "uuid": event_uuid})
    door.post("/capture/", {"api_key": site.public_key, "event": "x", "distinct_id": "d", "uuid": event_uuid})
    drain(stream)
    assert Event.objects.count() == 1
