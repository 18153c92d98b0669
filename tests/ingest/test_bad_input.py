"""Hostile and broken input: always the documented 4xx, never a 5xx, nothing stored from the bad event."""

from __future__ import annotations

import pytest

from analytics.models import Event
from tests.factories import make_site
from tests.stream_drain import drain

pytestmark = pytest.mark.django_db

COLLECT = "/api/v1/collect"


@pytest.fixture
def site():
    return make_site(origins=[])


def _deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b'{"key": "K", "name": "x"', 400, "invalid_json"),  # truncated
        (b"{'key': 'K'}", 400, "invalid_json"),  # not JSON
        (b'{"key": "K", "name": "\xff\xfe"}', 400, "invalid_json"),  # invalid UTF-8
        (b'{"key": "K", "name": "\\ud800"}', 400, "invalid_json"),  # lone surrogate
        (b"", 400, "empty_body"),
        (b"null", 400, "invalid_body"),
        (b"42", 400, "invalid_body"),
        (b'"just a string"', 400, "invalid_body"),
        (b'{"key": "K", "events": "not a list"}', 400, "invalid_events"),
        (b'{"key": "K", "events": ' + _deep(10_000) + b"}", 400, "invalid_json"),
        (b'{"key": "K", "sent_at": "yesterday", "name": "x"}', 400, "invalid_sent_at"),
    ],
)
def test_unreadable_bodies(door, site, stream, body, status, code):
    response = door.post(COLLECT, body.replace(b'"K"', b'"' + site.public_key.encode() + b'"'))
    assert (response.status, response.json()["code"]) == (status, code)
    assert response.json()["detail"]


def test_an_object_with_100000_keys(door, site, stream):
    props = ",".join(f'"k{i}": {i}' for i in range(100_000))
    body = f'{{"key": "{site.public_key}", "events": [{{"name": "big", "props": {{{props}}}}}, {{"name": "ok"}}]}}'
    response = door.post(COLLECT, body)
    assert response.status == 202
    assert response.json()["rejected"][0]["code"] == "event_too_large"
    drain(stream)
    assert list(Event.objects.values_list("name", flat=True)) == ["ok"]


def test_100000_top_level_keys(door, site, stream):
    junk = ",".join(f'"k{i}": {i}' for i in range(100_000))
    response = door.post(COLLECT, f'{{"key": "{site.public_key}", "name": "x", {junk}}}')
    assert response.status == 202  # unknown top-level fields are ignored
    drain(stream)
    assert Event.objects.count() == 1


MB = "x" * 1_000_000
WRONG_TYPES = [
    ("name", ["a"]),
    ("name", {"a": 1}),
    ("name", None),
    ("name", MB),
    ("uuid", 12),
    ("uuid", "not-a-uuid"),
    ("uuid", MB),
    ("ts", "tomorrow"),
    ("ts", -1),
    ("ts", 1e300),
    ("ts", True),
    ("ts", "0001-01-01T00:00:00Z"),
    ("ts", [1]),
    ("anonymous_id", {"a": 1}),
    ("user_id", ["u"]),
    ("user_id", MB),
    ("device_id", True),
    ("session_id", {"a": 1}),
    ("url", 5),
    ("url", MB),
    ("referrer", []),
    ("title", MB),
    ("category", 1),
    ("action", {}),
    ("label", MB),
    ("value", "ten"),
    ("value", [1]),
    ("value", True),
    ("value", "nan"),
    ("value", "inf"),
    ("props", "str"),
    ("props", [1, 2]),
    ("props", {"deep": _deep(50).decode()}),
    ("props", {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": 1}}}}}}}}}),
    ("props", {"big": MB}),
    ("dims", "str"),
    ("dims", {"d": {"nested": 1}}),
    ("dims", {"d": MB}),
    ("ua", 7),
    ("ua", MB),
    ("ip", 123),
    ("consent", "maybe"),
    ("consent", 1),
]


@pytest.mark.parametrize(("field", "value"), WRONG_TYPES, ids=[f"{f}-{str(v)[:20]}" for f, v in WRONG_TYPES])
def test_wrong_types_reject_only_that_event(door, site, stream, field, value):
    bad = {"name": "bad", field: value}
    response = door.post(COLLECT, {"key": site.public_key, "events": [{"name": "good"}, bad]})
    if field == "props" and value == {"deep": _deep(50).decode()}:
        # A string that looks like nested JSON is just a string.
        assert response.json()["accepted"] == 2
        return
    assert response.status == 202, response.body
    body = response.json()
    assert body["accepted"] == 1
    assert body["rejected"][0]["index"] == 1
    drain(stream)
    assert list(Event.objects.values_list("name", flat=True)) == ["good"]


def test_nul_characters_are_removed_not_fatal(door, site, stream):
    response = door.post(
        COLLECT,
        {
            "key": site.public_key,
            "name": "nul\u0000name",
            "title": "a\u0000b",
            "props": {"k\u0000": "v\u0000"},
        },
    )
    assert response.status == 202
    drain(stream)
    event = Event.objects.get()
    assert (event.name, event.title, event.properties) == ("nulname", "ab", {"k": "v"})


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_wrong_methods(door, site, method):
    response = door.request(method, COLLECT)
    assert (response.status, response.json()["code"]) == (405, "method_not_allowed")


def test_invalid_gzip_and_unknown_encoding(door, site):
    assert door.post(COLLECT, b"not gzip", headers={"Content-Encoding": "gzip"}).json()["code"] == "invalid_gzip"
    assert door.post(COLLECT, b"x", headers={"Content-Encoding": "br"}).status == 415


def test_a_gzip_bomb_is_refused(door, site, settings):
    import gzip

    settings.INGEST_MAX_BODY_BYTES = 100_000
    bomb = gzip.compress(b"[" + b" " * 10_000_000 + b"]")
    response = door.post(COLLECT, bomb, headers={"Content-Encoding": "gzip"})
    assert (response.status, response.json()["code"]) == (413, "body_too_large")
