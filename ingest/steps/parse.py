"""parse: a native-shaped dict becomes an `Event`, or a `Dropped` naming the field that was wrong."""

from __future__ import annotations

import math
import uuid
from typing import Any

from ingest.event_ids import new_event_id
from ingest.events import Dropped, DropReason, Event, RequestContext
from ingest.timestamps import parse_client_time

# Longest accepted value per string field. Over-long values are rejected, not cut, so nothing from a
# hostile event is stored in part.
STRING_LIMITS = {
    "name": 200,
    "category": 200,
    "action": 200,
    "label": 500,
    "anonymous_id": 200,
    "user_id": 200,
    "device_id": 200,
    "session_id": 200,
    "url": 8192,
    "referrer": 8192,
    "title": 1000,
    "ua": 1000,
    "ip": 64,
}
_NO_STRINGS = dict.fromkeys(STRING_LIMITS, "")
MAX_PROPERTY_KEYS = 500
MAX_PROPERTY_DEPTH = 8
MAX_DIMENSION_VALUE = 500


def _string(raw: dict[str, Any], key: str) -> str | Dropped:
    value = raw.get(key)
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool) and key.endswith("_id"):
        value = str(value)  # numeric user ids are common (Baidu, Matomo); keep them as text
    if not isinstance(value, str):
        return Dropped(DropReason.INVALID_FIELD, f"`{key}` must be a string.", key)
    if len(value) > STRING_LIMITS[key]:
        return Dropped(DropReason.FIELD_TOO_LONG, f"`{key}` is longer than {STRING_LIMITS[key]} characters.", key)
    # PostgreSQL text cannot hold NUL; it is never meaningful in these fields.
    return value.replace("\x00", "") if "\x00" in value else value


def _flat(props: dict[str, Any]) -> bool:
    for value in props.values():  # noqa: SIM110 (a loop, not all() over a generator: half the cost, every event)
        if isinstance(value, dict | list):
            return False
    return True


def _depth_ok(value: object, depth: int) -> bool:
    if depth > MAX_PROPERTY_DEPTH:
        return False
    if isinstance(value, dict):
        return all(_depth_ok(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return all(_depth_ok(v, depth + 1) for v in value)
    return True


def _properties(raw: dict[str, Any]) -> dict[str, Any] | Dropped:
    props = raw.get("props")
    if props is None:
        return {}
    if not isinstance(props, dict):
        return Dropped(DropReason.INVALID_FIELD, "`props` must be an object.", "props")
    if len(props) > MAX_PROPERTY_KEYS:
        return Dropped(DropReason.EVENT_TOO_LARGE, f"`props` has more than {MAX_PROPERTY_KEYS} keys.", "props")
    if not _flat(props) and not _depth_ok(props, 1):
        return Dropped(DropReason.INVALID_FIELD, f"`props` is nested deeper than {MAX_PROPERTY_DEPTH}.", "props")
    return props


def _dimensions(raw: dict[str, Any]) -> dict[str, Any] | Dropped:
    dims = raw.get("dims")
    if dims is None:
        return {}
    if not isinstance(dims, dict) or len(dims) > 100:
        return Dropped(DropReason.INVALID_FIELD, "`dims` must be an object of at most 100 values.", "dims")
    for key, value in dims.items():
        if len(key) > 100 or not (value is None or isinstance(value, str | int | float | bool)):
            return Dropped(DropReason.INVALID_FIELD, "`dims` values must be strings, numbers or booleans.", "dims")
        if isinstance(value, str) and len(value) > MAX_DIMENSION_VALUE:
            return Dropped(DropReason.FIELD_TOO_LONG, f"`dims.{key}` is too long.", f"dims.{key}")
    return dims


def _value(raw: dict[str, Any]) -> float | Dropped | None:
    value = raw.get("value")
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return Dropped(DropReason.INVALID_FIELD, "`value` must be a number.", "value")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return Dropped(DropReason.INVALID_FIELD, "`value` must be a finite number.", "value")
    return float(value)


def _uuid(raw: dict[str, Any]) -> str | Dropped:
    """The event's id in canonical text form (the sender's, normalised, or a new one)."""
    value = raw.get("uuid")
    if value is None or value == "":
        return new_event_id()  # time-ordered: see ingest/event_ids.py
    if not isinstance(value, str) or len(value) > 64:
        return Dropped(DropReason.INVALID_FIELD, "`uuid` must be a UUID string.", "uuid")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return Dropped(DropReason.INVALID_FIELD, "`uuid` must be a UUID string.", "uuid")


def parse(raw: object, ctx: RequestContext) -> Event | Dropped:
    if not isinstance(raw, dict):
        return Dropped(DropReason.NOT_AN_OBJECT, "Each event must be a JSON object.")
    strings = _NO_STRINGS.copy()
    for key, value in raw.items():  # an event holds a few of the fields: look only at those
        limit = STRING_LIMITS.get(key)
        if limit is None or value is None:
            continue
        # Most values are plain short strings; only the others take the checking path.
        if type(value) is str and len(value) <= limit and "\x00" not in value:
            strings[key] = value
        else:
            text = _string(raw, key)
            if isinstance(text, Dropped):
                return text
            strings[key] = text
    if not strings["name"].strip():
        return Dropped(DropReason.MISSING_FIELD, "`name` is required.", "name")
    # The usual event brings no id, no dimensions and no value: those take no call at all.
    event_uuid = _uuid(raw) if "uuid" in raw else new_event_id()
    props = _properties(raw)
    dims = _dimensions(raw) if "dims" in raw else {}
    value = _value(raw) if "value" in raw else None
    for part in (event_uuid, props, dims, value):
        if isinstance(part, Dropped):
            return part
    timestamp = None
    if raw.get("ts") is not None:
        try:
            timestamp = parse_client_time(raw["ts"])
        except ValueError as exc:
            return Dropped(DropReason.TIMESTAMP_OUT_OF_RANGE, f"`ts` {exc}.", "ts")
    offset = raw.get("offset_ms")
    if offset is not None and (isinstance(offset, bool) or not isinstance(offset, int | float)):
        return Dropped(DropReason.INVALID_FIELD, "`offset` must be a number of milliseconds.", "offset")
    consent = raw.get("consent")
    if consent not in (None, "granted", "denied"):
        return Dropped(DropReason.INVALID_FIELD, '`consent` must be "granted" or "denied".', "consent")
    assert isinstance(event_uuid, str) and isinstance(props, dict) and isinstance(dims, dict)
    assert not isinstance(value, Dropped)
    # Positional, in Event's field order, with the defaults written out, and straight through tuple.__new__
    # (as Event.changed): a keyword call, or NamedTuple's own __new__, costs ~0.8 µs more, paid by every
    # event. tests/ingest/test_steps.py compares the result with a keyword-built Event.
    return tuple.__new__(Event, (
        event_uuid,  # uuid
        strings["name"].strip(),  # name
        timestamp,  # timestamp
        strings["category"],  # category
        strings["action"],  # action
        strings["label"],  # label
        value,  # value
        strings["anonymous_id"],  # anonymous_id
        strings["user_id"],  # user_id
        strings["device_id"],  # device_id
        strings["session_id"],  # session_id
        strings["url"],  # url
        "",  # path (scrub_pii derives it from the scrubbed url)
        strings["referrer"],  # referrer
        strings["title"],  # title
        props,  # properties
        dims,  # dimensions
        "",  # ip (set by truncate_ip)
        strings["ip"],  # raw_ip
        strings["ua"],  # user_agent
        "",  # browser
        "",  # os
        "",  # device_type
        False,  # is_bot
        consent,  # consent
        float(offset) if offset is not None else None,  # offset_ms
    ))  # fmt: skip
