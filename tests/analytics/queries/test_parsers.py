"""Query parsers, table-driven: what is accepted, and what is refused with which field path."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.queries.cohorts import CohortDefinition, EventCriterion, PropertyCriterion, parse_cohort
from analytics.queries.funnels import FunnelQuery
from analytics.queries.parts import CohortFilter, DateRange, EventSelector, FieldRef, PropertyFilter
from analytics.queries.registry import PARSERS
from analytics.queries.trends import TrendsQuery

DR = {"from": "2026-03-01", "to": "2026-03-31"}
STEPS = [{"event": "a"}, {"event": "b"}]


def fields(kind, payload):
    parsed = PARSERS[kind](payload)
    assert isinstance(parsed, list), parsed
    return [e.field for e in parsed]


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("trends", {"series": [{"event": "page_view"}], "date_range": DR}),
        (
            "trends",
            {"series": [{"event": None, "math": "persons"}], "date_range": {"last_days": 30}, "interval": "week"},
        ),
        (
            "trends",
            {"series": [{"event": "g", "math": "p90", "property": "props.ms"}], "date_range": DR, "compare": True},
        ),
        (
            "trends",
            {"series": [{"event": "g", "math": "sum", "property": "value"}], "date_range": DR, "interval": "hour"},
        ),
        (
            "trends",
            {"series": [{"event": "g"}], "date_range": DR, "breakdown": {"key": "dims.image_version", "limit": 3}},
        ),
        ("sessions", {"date_range": DR, "breakdown": {"key": "browser"}, "count_events": ["start_training"]}),
        ("sessions", {"date_range": DR, "session_timeout_minutes": 15, "include_bots": True}),
        ("sessions", {"date_range": DR, "breakdowns": [{"key": "os"}], "breakdown_visitors": False}),
        ("funnels", {"steps": STEPS, "date_range": DR, "order": "strict"}),
        ("funnels", {"steps": STEPS * 5, "date_range": DR, "conversion_window": {"value": 90, "unit": "day"}}),
        ("funnels", {"steps": STEPS, "date_range": DR, "exclusions": [{"event": "x", "from_step": 0, "to_step": 1}]}),
        ("retention", {"target": {"event": "a"}, "date_range": DR, "period": "week", "retention_type": "recurring"}),
        ("retention", {"target": {"event": "a"}, "returning": {"event": "b"}, "date_range": {"last_days": 90}}),
        ("paths", {"start_event": "a", "date_range": DR, "depth": 10}),
        ("paths", {"end_event": "a", "date_range": DR, "collapse_repeats": False}),
    ],
)
def test_valid_queries_parse(kind, payload):
    parsed = PARSERS[kind](payload)
    assert not isinstance(parsed, list), parsed
    assert parsed.kind == kind


@pytest.mark.parametrize(
    ("kind", "payload", "expected"),
    [
        ("trends", [], ["$"]),
        ("trends", {"series": [], "date_range": DR}, ["series"]),
        ("trends", {"series": [{"event": "a"}]}, ["date_range"]),
        ("trends", {"series": [{"event": "a", "math": "median"}], "date_range": DR}, ["series[0].math"]),
        ("trends", {"series": [{"event": "a", "math": "sum"}], "date_range": DR}, ["series[0].property"]),
        (
            "trends",
            {"series": [{"event": "a", "math": "sum", "property": "browser"}], "date_range": DR},
            ["series[0].property"],
        ),
        (
            "trends",
            {"series": [{"event": "a", "math": "count", "property": "value"}], "date_range": DR},
            ["series[0].property"],
        ),
        (
            "trends",
            {"series": [{"event": "a"}], "date_range": {"from": "2026-03-05", "to": "2026-03-01"}},
            ["date_range.to"],
        ),
        (
            "trends",
            {"series": [{"event": "a"}], "date_range": {"from": "March", "to": "2026-03-01"}},
            ["date_range.from"],
        ),
        ("trends", {"series": [{"event": "a"}], "date_range": {"last_days": 0}}, ["date_range.last_days"]),
        ("trends", {"series": [{"event": "a"}], "date_range": {"last_days": 3, "from": "2026-03-01"}}, ["date_range"]),
        ("trends", {"series": [{"event": "a"}], "date_range": {"last_days": 40}, "interval": "hour"}, ["interval"]),
        ("trends", {"series": [{"event": "a"}], "date_range": DR, "interval": "year"}, ["interval"]),
        ("trends", {"series": [{"event": "a"}], "date_range": DR, "colour": "red"}, ["colour"]),
        ("trends", {"series": [{"event": "a"}], "date_range": DR, "breakdown": {"key": "cohort"}}, ["breakdown.key"]),
        (
            "trends",
            {"series": [{"event": "a"}], "date_range": DR, "breakdown": {"key": "os", "limit": 0}},
            ["breakdown.limit"],
        ),
        ("trends", {"series": [{"event": "a"}], "date_range": DR, "compare": "yes"}, ["compare"]),
        ("sessions", {"date_range": DR, "count_events": ["a", "a"]}, ["count_events[1]"]),
        ("sessions", {"date_range": DR, "count_events": [3]}, ["count_events[0]"]),
        ("sessions", {"date_range": DR, "session_timeout_minutes": 0}, ["session_timeout_minutes"]),
        ("sessions", {"date_range": DR, "breakdown_visitors": "no"}, ["breakdown_visitors"]),
        ("funnels", {"steps": [{"event": "a"}], "date_range": DR}, ["steps"]),
        ("funnels", {"steps": [{"event": "a"}] * 11, "date_range": DR}, ["steps"]),
        ("funnels", {"steps": [{"event": "a"}, {"filters": []}], "date_range": DR}, ["steps[1].event"]),
        ("funnels", {"steps": STEPS, "date_range": DR, "order": "random"}, ["order"]),
        (
            "funnels",
            {"steps": STEPS, "date_range": DR, "conversion_window": {"value": 91, "unit": "day"}},
            ["conversion_window"],
        ),
        (
            "funnels",
            {"steps": STEPS, "date_range": DR, "conversion_window": {"value": 1, "unit": "year"}},
            ["conversion_window.unit"],
        ),
        (
            "funnels",
            {
                "steps": STEPS,
                "date_range": DR,
                "order": "any",
                "exclusions": [{"event": "x", "from_step": 0, "to_step": 1}],
            },
            ["exclusions"],
        ),
        (
            "funnels",
            {"steps": STEPS * 2, "date_range": DR, "exclusions": [{"event": "x", "from_step": 2, "to_step": 1}]},
            ["exclusions[0].to_step"],
        ),
        ("retention", {"date_range": DR}, ["target"]),
        (
            "retention",
            {"target": {"event": "a"}, "date_range": {"from": "2026-01-01", "to": "2026-06-01"}},
            ["date_range"],
        ),
        ("retention", {"target": {"event": "a"}, "date_range": DR, "period": "year"}, ["period"]),
        ("retention", {"target": {"event": "a"}, "date_range": DR, "retention_type": "first"}, ["retention_type"]),
        ("paths", {"date_range": DR}, ["start_event"]),
        ("paths", {"start_event": "a", "end_event": "b", "date_range": DR}, ["start_event"]),
        ("paths", {"start_event": "a", "date_range": DR, "depth": 11}, ["depth"]),
    ],
)
def test_invalid_queries_name_the_field(kind, payload, expected):
    assert fields(kind, payload) == expected


FILTER_CASES = [
    (
        {"key": "browser", "op": "eq", "value": "Chrome"},
        PropertyFilter(FieldRef("column", ("browser",)), "eq", "Chrome"),
    ),
    (
        {"key": "props.plan.tier", "op": "in", "value": ["a", 2, True]},
        PropertyFilter(FieldRef("props", ("plan", "tier")), "in", ("a", "2", "true")),
    ),
    (
        {"key": "dims.image_version", "op": "neq", "value": 2.4},
        PropertyFilter(FieldRef("dims", ("image_version",)), "neq", "2.4"),
    ),
    ({"key": "props.ms", "op": "gte", "value": 10}, PropertyFilter(FieldRef("props", ("ms",)), "gte", 10.0)),
    ({"key": "value", "op": "eq", "value": 3}, PropertyFilter(FieldRef("column", ("value",)), "eq", 3.0)),
    ({"key": "url", "op": "is_set"}, PropertyFilter(FieldRef("column", ("url",)), "is_set", None)),
    ({"key": "cohort", "op": "not_in", "value": 7}, CohortFilter(7, negate=True)),
]


@pytest.mark.parametrize(("raw", "expected"), FILTER_CASES)
def test_filters_parse(raw, expected):
    parsed = PARSERS["funnels"]({"steps": [{"event": "a", "filters": [raw]}, {"event": "b"}], "date_range": DR})
    assert isinstance(parsed, FunnelQuery)
    assert parsed.steps[0].filters == (expected,)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"key": "browser", "op": "gt", "value": 3}, "steps[1].filters[0].op"),
        ({"key": "browser", "op": "like", "value": "x"}, "steps[1].filters[0].op"),
        ({"key": "ip", "op": "eq", "value": "x"}, "steps[1].filters[0].key"),
        ({"key": "props.", "op": "eq", "value": "x"}, "steps[1].filters[0].key"),
        ({"key": 'props.a"b', "op": "eq", "value": "x"}, "steps[1].filters[0].key"),
        ({"key": "props.ms", "op": "gt", "value": "10"}, "steps[1].filters[0].value"),
        ({"key": "browser", "op": "in", "value": []}, "steps[1].filters[0].value"),
        ({"key": "browser", "op": "in", "value": ["a", {"b": 1}]}, "steps[1].filters[0].value[1]"),
        ({"key": "browser", "op": "eq", "value": None}, "steps[1].filters[0].value"),
        ({"key": "browser", "op": "is_set", "value": "x"}, "steps[1].filters[0].value"),
        ({"key": "cohort", "op": "in", "value": "seven"}, "steps[1].filters[0].value"),
        ({"key": "cohort", "op": "eq", "value": 7}, "steps[1].filters[0].op"),
        ({"key": "value", "op": "contains", "value": 1}, "steps[1].filters[0].op"),
    ],
)
def test_bad_filters_name_their_path(raw, field):
    assert field in fields("funnels", {"steps": [{"event": "a"}, {"event": "b", "filters": [raw]}], "date_range": DR})


def test_many_errors_come_back_at_once():
    found = fields(
        "trends", {"series": [{"event": "", "math": "x"}], "date_range": {"from": "x", "to": "y"}, "interval": "?"}
    )
    assert found == ["date_range.from", "date_range.to", "series[0].event", "series[0].math", "interval"]


def test_a_trends_query_is_frozen_and_typed():
    parsed = PARSERS["trends"](
        {"series": [{"event": "a", "filters": [{"key": "os", "op": "eq", "value": "iOS"}]}], "date_range": DR}
    )
    assert isinstance(parsed, TrendsQuery)
    assert parsed.scope.date_range == DateRange(start=date(2026, 3, 1), end=date(2026, 3, 31))
    with pytest.raises(AttributeError):
        parsed.interval = "week"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            {"criteria": [{"type": "event", "event": "start_training", "min_count": 3}]},
            CohortDefinition((EventCriterion(EventSelector("start_training"), 3),)),
        ),
        (
            {"match": "any", "criteria": [{"type": "property", "key": "dims.plan", "op": "eq", "value": "pro"}]},
            CohortDefinition((PropertyCriterion(PropertyFilter(FieldRef("dims", ("plan",)), "eq", "pro")),), "any"),
        ),
    ],
)
def test_cohort_definitions_parse(raw, expected):
    assert parse_cohort(raw) == expected


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({}, "criteria"),
        ({"criteria": [], "match": "all"}, "criteria"),
        ({"criteria": [{"type": "event", "event": "a"}], "match": "some"}, "match"),
        ({"criteria": [{"type": "event"}]}, "criteria[0].event"),
        ({"criteria": [{"type": "event", "event": "a", "min_count": 0}]}, "criteria[0].min_count"),
        ({"criteria": [{"type": "event", "event": "a", "key": "os"}]}, "criteria[0].key"),
        ({"criteria": [{"type": "property", "key": "cohort", "op": "in", "value": 1}]}, "criteria[0].key"),
        ({"criteria": [{"type": "property", "key": "os", "op": "eq"}]}, "criteria[0].value"),
        ({"criteria": [{"type": "person"}]}, "criteria[0].type"),
    ],
)
def test_bad_cohort_definitions_name_their_path(raw, field):
    parsed = parse_cohort(raw)
    assert isinstance(parsed, list)
    assert field in [e.field for e in parsed]
