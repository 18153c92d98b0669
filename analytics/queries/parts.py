"""The parts every query shares: date range, property and cohort filters, breakdown, event selector."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from analytics.queries.errors import Reader, child

# Event columns a filter or breakdown may name; anything else must be props.* or dims.*.
TEXT_COLUMNS = (
    "name",
    "browser",
    "os",
    "device_type",
    "path",
    "url",
    "referrer",
    "title",
    "category",
    "action",
    "label",
    "source",
    "session_id",
)
NUMBER_COLUMNS = ("value",)
OPS = ("eq", "neq", "in", "not_in", "contains", "not_contains", "gt", "gte", "lt", "lte", "is_set", "is_not_set")
NUMERIC_OPS = frozenset({"gt", "gte", "lt", "lte"})
NEGATIVE_OPS = frozenset({"neq", "not_in", "not_contains", "is_not_set"})
MAX_DAYS = 3660
_JSON_KEY = re.compile(r'^[^."\\]{1,100}$')

Scalar = str | int | float | bool


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A column (``browser``), an event property path (``props.a.b``) or a custom dimension (``dims.k``)."""

    source: Literal["column", "props", "dims"]
    path: tuple[str, ...]

    @property
    def column(self) -> str:
        return self.path[0]

    def label(self) -> str:
        return self.path[0] if self.source == "column" else ".".join((self.source, *self.path))


@dataclass(frozen=True, slots=True)
class PropertyFilter:
    field: FieldRef
    op: str
    # The text form for equality/containment ops, a float for comparisons, a tuple for in/not_in, None for is_set.
    value: str | float | tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class CohortFilter:
    cohort_id: int
    negate: bool


Filter = PropertyFilter | CohortFilter


@dataclass(frozen=True, slots=True)
class DateRange:
    """Local dates in the site's zone, both inclusive; or the last N days, today included."""

    start: date | None = None
    end: date | None = None
    last_days: int | None = None


@dataclass(frozen=True, slots=True)
class Breakdown:
    field: FieldRef
    limit: int = 10


@dataclass(frozen=True, slots=True)
class EventSelector:
    """An event name (None: every event) and filters that must all hold for it."""

    event: str | None
    filters: tuple[Filter, ...] = ()


def text_form(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def read_field(r: Reader, value: Any, path: str, *, numeric: bool = False) -> FieldRef | None:
    if not isinstance(value, str) or not value:
        r.fail(path, "Expected a field name such as browser, props.plan or dims.image_version.")
        return None
    head, _, rest = value.partition(".")
    if head in ("props", "dims") and rest:
        parts = tuple(rest.split(".")) if head == "props" else (rest,)
        if not all(_JSON_KEY.match(p) for p in parts) or len(parts) > 8:
            r.fail(path, "Property keys may not contain quotes or backslashes, nor be empty.")
            return None
        return FieldRef(source="props" if head == "props" else "dims", path=parts)
    if value in NUMBER_COLUMNS or (value in TEXT_COLUMNS and not numeric):
        return FieldRef(source="column", path=(value,))
    if numeric:
        r.fail(path, "Expected value or props.<key>.")
    else:
        r.fail(
            path, f"Unknown field {value!r}: use one of {', '.join(TEXT_COLUMNS + NUMBER_COLUMNS)}, props.* or dims.*."
        )
    return None


def _scalar(r: Reader, value: Any, path: str) -> str | None:
    if isinstance(value, str | bool | int | float) and not (isinstance(value, str) and len(value) > 1000):
        return text_form(value)
    r.fail(path, "Expected a string, number or boolean (at most 1000 characters).")
    return None


def read_filter(r: Reader, raw: Any, path: str) -> Filter | None:
    data = r.obj(raw, path, frozenset({"key", "op", "value"}))
    if data is None:
        return None
    op = r.choice(data, "op", path, OPS, None)
    value = data.get("value")
    where = child(path, "value")
    if data.get("key") == "cohort":
        if op not in ("in", "not_in"):
            r.fail(child(path, "op"), "A cohort filter takes op in or not_in.")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            r.fail(where, "Expected a cohort id.")
            return None
        return CohortFilter(cohort_id=value, negate=op == "not_in")
    field = read_field(r, data.get("key"), child(path, "key"))
    if field is None or op not in OPS:
        return None
    if op in ("is_set", "is_not_set"):
        if "value" in data:
            r.fail(where, f"{op} takes no value.")
        return PropertyFilter(field, op, None)
    if op in NUMERIC_OPS or (field.source == "column" and field.column in NUMBER_COLUMNS):
        if op not in NUMERIC_OPS | {"eq", "neq"}:
            r.fail(
                child(path, "op"), f"{field.label()} is a number: use eq, neq, gt, gte, lt, lte, is_set or is_not_set."
            )
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            r.fail(where, "Expected a number.")
            return None
        if op in NUMERIC_OPS and field.source == "column" and field.column not in NUMBER_COLUMNS:
            r.fail(child(path, "op"), f"{field.label()} is text: comparisons need value or props.*.")
            return None
        return PropertyFilter(field, op, float(value))
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not 1 <= len(value) <= 100:
            r.fail(where, "Expected a list of 1 to 100 values.")
            return None
        texts = [_scalar(r, item, child(where, i)) for i, item in enumerate(value)]
        if any(t is None for t in texts):
            return None
        return PropertyFilter(field, op, tuple(t for t in texts if t is not None))
    text = _scalar(r, value, where)
    return None if text is None else PropertyFilter(field, op, text)


def read_filters(r: Reader, data: dict[str, Any], key: str, path: str) -> tuple[Filter, ...]:
    where = child(path, key)
    found = (read_filter(r, item, child(where, i)) for i, item in enumerate(r.items(data, key, path, low=0, high=50)))
    return tuple(f for f in found if f is not None)


def _date(r: Reader, value: Any, path: str) -> date | None:
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    r.fail(path, "Expected a date like 2026-03-31.")
    return None


def read_date_range(r: Reader, data: dict[str, Any], path: str, *, required: bool = True) -> DateRange | None:
    where = child(path, "date_range")
    if data.get("date_range") is None:
        if required:
            r.fail(where, "This field is required.")
        return None
    raw = r.obj(data["date_range"], where, frozenset({"from", "to", "last_days"}))
    if raw is None:
        return None
    if "last_days" in raw:
        if "from" in raw or "to" in raw:
            r.fail(where, "Give either last_days or from and to.")
            return None
        days = r.integer(raw, "last_days", where, low=1, high=MAX_DAYS, default=None)
        return None if days is None else DateRange(last_days=days)
    start = _date(r, raw.get("from"), child(where, "from"))
    end = _date(r, raw.get("to"), child(where, "to"))
    if start is None or end is None:
        return None
    if end < start:
        r.fail(child(where, "to"), "Must not be before from.")
        return None
    if (end - start).days + 1 > MAX_DAYS:
        r.fail(where, f"At most {MAX_DAYS} days.")
        return None
    return DateRange(start=start, end=end)


def range_days(value: DateRange) -> int:
    if value.last_days is not None:
        return value.last_days
    assert value.start is not None and value.end is not None
    return (value.end - value.start).days + 1


def read_breakdown(r: Reader, data: dict[str, Any], path: str) -> Breakdown | None:
    where = child(path, "breakdown")
    if data.get("breakdown") is None:
        return None
    raw = r.obj(data["breakdown"], where, frozenset({"key", "limit"}))
    if raw is None:
        return None
    field = read_field(r, raw.get("key"), child(where, "key"))
    limit = r.integer(raw, "limit", where, low=1, high=100, default=10)
    return None if field is None or limit is None else Breakdown(field, limit)


def read_selector(r: Reader, raw: Any, path: str, *, allow_all: bool = False) -> EventSelector | None:
    data = r.obj(raw, path, frozenset({"event", "filters"}))
    if data is None:
        return None
    event = r.string(data, "event", path, required=not allow_all)
    filters = read_filters(r, data, "filters", path)
    if event is None and not allow_all:
        return None
    return EventSelector(event=event, filters=filters)


COMMON_FIELDS = frozenset({"date_range", "filters", "include_bots"})


@dataclass(frozen=True, slots=True)
class Scope:
    """What every query has: the date range, global filters and whether bots count."""

    date_range: DateRange
    filters: tuple[Filter, ...] = ()
    include_bots: bool = False


def read_scope(r: Reader, data: dict[str, Any]) -> Scope | None:
    date_range = read_date_range(r, data, "")
    filters = read_filters(r, data, "filters", "")
    include_bots = r.boolean(data, "include_bots", "", default=False)
    return None if date_range is None else Scope(date_range, filters, include_bots)
