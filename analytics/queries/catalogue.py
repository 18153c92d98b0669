"""The event catalogue that pickers are filled from: which events a site receives, which property and dimension
keys they carry, and the common values of one field.

Read from URL query parameters (every value is text), so the parsers take a mapping of strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from analytics.queries.errors import FieldError, Reader
from analytics.queries.parts import FieldRef, read_field

# The window is bounded so a catalogue stays cheap on a big site; pickers want what is current.
MAX_DAYS = 365
DEFAULT_DAYS = 30
# Keys and values are read from the most recent events only (an index scan backwards, stopped by LIMIT):
# enough to find every key in regular use without reading months of JSON.
SAMPLE_EVENTS = 10_000
# Values are counted in a larger sample (the key filter applies after the LIMIT, so a rare key cannot turn
# the backwards scan into a read of the whole window); a key found in the key sample is found here too.
VALUES_SAMPLE_EVENTS = 50_000
MAX_EVENT_NAMES = 500
MAX_KEYS = 200
MAX_VALUES = 100


@dataclass(frozen=True, slots=True)
class CatalogueQuery:
    days: int = DEFAULT_DAYS
    # Property and dimension keys of this event only (None: of every event).
    event: str | None = None
    include_bots: bool = False


@dataclass(frozen=True, slots=True)
class ValuesQuery:
    field: FieldRef
    days: int = DEFAULT_DAYS
    event: str | None = None
    # Only values containing this text (case-insensitive), for a picker's search box.
    search: str | None = None
    limit: int = 20
    include_bots: bool = False


def _number(params: Mapping[str, str], key: str, errors: list[FieldError], *, low: int, high: int, default: int) -> int:
    raw = params.get(key)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        errors.append(FieldError(key, f"Expected a whole number between {low} and {high}."))
        return default
    return int(raw)


def _text(params: Mapping[str, str], key: str, errors: list[FieldError], max_len: int = 200) -> str | None:
    raw = params.get(key)
    if raw is None or raw == "":
        return None
    if len(raw) > max_len:
        errors.append(FieldError(key, f"At most {max_len} characters."))
        return None
    return raw


def _bots(params: Mapping[str, str], errors: list[FieldError]) -> bool:
    raw = params.get("include_bots", "false")
    if raw not in ("true", "false"):
        errors.append(FieldError("include_bots", "Expected true or false."))
    return raw == "true"


def parse_catalogue(params: Mapping[str, str]) -> CatalogueQuery | list[FieldError]:
    errors: list[FieldError] = []
    days = _number(params, "days", errors, low=1, high=MAX_DAYS, default=DEFAULT_DAYS)
    event = _text(params, "event", errors)
    include_bots = _bots(params, errors)
    if errors:
        return errors
    return CatalogueQuery(days=days, event=event, include_bots=include_bots)


def parse_values(params: Mapping[str, str]) -> ValuesQuery | list[FieldError]:
    errors: list[FieldError] = []
    reader = Reader()
    field = None
    if not params.get("key"):
        errors.append(FieldError("key", "This field is required, e.g. key=browser or key=props.plan."))
    else:
        field = read_field(reader, params["key"], "key")
        errors.extend(reader.errors)
    days = _number(params, "days", errors, low=1, high=MAX_DAYS, default=DEFAULT_DAYS)
    limit = _number(params, "limit", errors, low=1, high=MAX_VALUES, default=20)
    event = _text(params, "event", errors)
    search = _text(params, "search", errors)
    include_bots = _bots(params, errors)
    if errors or field is None:
        return errors
    return ValuesQuery(field=field, days=days, event=event, search=search, limit=limit, include_bots=include_bots)
