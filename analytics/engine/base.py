"""The shared parts every insight's SQL is built from: the events source (with the site filter and time range
always added here), fields, filters, identity resolution and cohort membership."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from analytics.engine.context import RunContext
from analytics.engine.person_halves import half_condition
from analytics.engine.sql import Sql, all_of, any_of, join, param, params, q
from analytics.queries.cohorts import CohortDefinition, EventCriterion
from analytics.queries.parts import (
    NUMBER_COLUMNS,
    TEXT_COLUMNS,
    CohortFilter,
    EventSelector,
    FieldRef,
    Filter,
    PropertyFilter,
)

_COLUMN = {name: Sql('e."' + name + '"') for name in (*TEXT_COLUMNS, *NUMBER_COLUMNS)}
TIMESTAMP = Sql('e."timestamp"')
UUID = Sql("e.uuid")

# A person: the event's own user id; else the user its anonymous or device id was linked to; else those ids;
# else the event itself (no id at all). See docs/queries.md, "Persons".
PERSON = Sql(
    "COALESCE(NULLIF(e.user_id, ''), la.user_id, ld.user_id, NULLIF(e.anonymous_id, ''), "
    "NULLIF(e.device_id, ''), CAST(e.uuid AS TEXT))"
)
# The same person as an integer, in analytics_personevent (analytics/engine/person_events.py).
PERSON_ID = Sql("e.person")
# Events with their analytics_personevent row (`pe`, the same primary key): the integer person and the ids whose
# later links would move it (for the session parts, which take their persons from there).
_PERSON_EVENT_JOIN = Sql(
    ' JOIN analytics_personevent pe ON pe.site_id = e.site_id AND pe."timestamp" = e."timestamp" AND pe.uuid = e.uuid'
)
_PERSON_JOINS = Sql(
    " LEFT JOIN analytics_identitylink la ON la.site_id = e.site_id AND e.user_id = '' "
    "AND e.anonymous_id <> '' AND la.anonymous_id = e.anonymous_id"
    " LEFT JOIN analytics_identitylink ld ON ld.site_id = e.site_id AND e.user_id = '' "
    "AND e.device_id <> '' AND ld.anonymous_id = e.device_id"
)


class UnknownCohort(LookupError):
    def __init__(self, cohort_id: int) -> None:
        super().__init__(cohort_id)
        self.cohort_id = cohort_id


def field_text(ctx: RunContext, ref: FieldRef) -> Sql:
    """A field's value as text, NULL when not set (empty columns count as not set)."""
    if ref.source == "column":
        if ref.column in NUMBER_COLUMNS:
            return ctx.dialect.text(_COLUMN[ref.column])
        return q("NULLIF({c}, '')", c=_COLUMN[ref.column])
    column = Sql("e.properties") if ref.source == "props" else Sql("e.dimensions")
    return ctx.dialect.json_text(column, ref.path)


def field_number(ctx: RunContext, ref: FieldRef) -> Sql:
    if ref.source == "column":
        return _COLUMN[ref.column]
    column = Sql("e.properties") if ref.source == "props" else Sql("e.dimensions")
    return ctx.dialect.json_number(column, ref.path)


def _property_condition(ctx: RunContext, item: PropertyFilter) -> Sql:
    op, value, ref = item.op, item.value, item.field
    if op in ("gt", "gte", "lt", "lte"):
        symbol = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
        return q("{x} " + symbol + " {v}", x=field_number(ctx, ref), v=param(value))
    numeric = ref.source == "column" and ref.column in NUMBER_COLUMNS
    x = field_number(ctx, ref) if numeric else field_text(ctx, ref)
    if op == "is_set":
        return q("{x} IS NOT NULL", x=x)
    if op == "is_not_set":
        return q("{x} IS NULL", x=x)
    if op == "eq":
        return q("{x} = {v}", x=x, v=param(value))
    if op == "neq":
        return q("{x} IS NULL OR {x2} <> {v}", x=x, x2=x, v=param(value))
    if op == "in":
        assert isinstance(value, tuple)
        return q("{x} IN ({v})", x=x, v=params(value))
    if op == "not_in":
        assert isinstance(value, tuple)
        return q("{x} IS NULL OR {x2} NOT IN ({v})", x=x, x2=x, v=params(value))
    assert isinstance(value, str)
    if op == "contains":
        return ctx.dialect.icontains(x, value)
    return q("{x} IS NULL OR NOT ({c})", x=x, c=ctx.dialect.icontains(x, value))


def condition(ctx: RunContext, item: Filter) -> Sql:
    if isinstance(item, CohortFilter):
        members = cohort_members(ctx, item.cohort_id)
        return q(("{p} NOT IN ({m})" if item.negate else "{p} IN ({m})"), p=_key(ctx, PERSON), m=members)
    return _property_condition(ctx, item)


def person_id_condition(ctx: RunContext, item: CohortFilter) -> Sql:
    """A cohort filter on rows whose person is an analytics_person id (``e.person``): the members' keys, looked up."""
    return q(
        "e.person {n}IN (SELECT k.id FROM analytics_person k WHERE k.site_id = {s} AND k.key IN ({m}))",
        n=Sql("NOT " if item.negate else ""),
        s=param(ctx.site_id),
        m=cohort_members(ctx, item.cohort_id),
    )


def selector_condition(ctx: RunContext, selector: EventSelector) -> Sql:
    parts = [condition(ctx, f) for f in selector.filters]
    if selector.event is not None:
        parts.insert(0, q('e."name" = {n}', n=param(selector.event)))
    return all_of(parts)


def needs_person(filters: Iterable[Filter]) -> bool:
    return any(isinstance(f, CohortFilter) for f in filters)


def source(
    ctx: RunContext,
    *,
    start: datetime | None,
    end: datetime,
    columns: Sequence[tuple[str, Sql]],
    names: Iterable[str] | None = None,
    filters: Iterable[Filter] = (),
    where: Iterable[Sql] = (),
    include_bots: bool = False,
    person_events: bool = False,
    person_ids: bool = False,
    half: int | None = None,
) -> Sql:
    """``SELECT columns FROM analytics_event`` for this site and time range — the only such statement. With
    ``person_events``, from analytics_personevent, whose PERSON is PERSON_ID (person_events.answers: no filters);
    with ``person_ids``, events joined with their analytics_personevent row ``pe``; ``half`` (0 or 1, person
    events only) keeps the persons of that half (person_halves)."""
    conditions = [q("e.site_id = {s}", s=param(ctx.site_id)), q('e."timestamp" < {t}', t=param(ctx.dialect.time(end)))]
    if start is not None:
        conditions.append(q('e."timestamp" >= {t}', t=param(ctx.dialect.time(start))))
    if names is not None:
        wanted = sorted(set(names))
        conditions.append(q('e."name" IN ({n})', n=params(wanted)) if wanted else Sql("FALSE"))
    if not include_bots:
        conditions.append(q("e.is_bot = {f}", f=param(False)))
    conditions.extend(condition(ctx, f) for f in filters)
    conditions.extend(where)
    if person_ids:
        # The planner carries no range across the join's equality: without these it reads every row of pe.
        conditions.append(q('pe."timestamp" < {t}', t=param(ctx.dialect.time(end))))
        if start is not None:
            conditions.append(q('pe."timestamp" >= {t}', t=param(ctx.dialect.time(start))))
    if half is not None:
        assert person_events
        conditions.append(half_condition(half))
    where_all = all_of(conditions)
    if person_events:
        assert not filters and PERSON.text not in where_all.text
        selected = join(
            ", ", [q("{x} AS " + _name(alias), x=PERSON_ID if expr == PERSON else expr) for alias, expr in columns]
        )
        return q("SELECT {cols} FROM analytics_personevent e WHERE {cond}", cols=selected, cond=where_all)
    selected = join(", ", [q("{x} AS " + _name(alias), x=_key(ctx, expr)) for alias, expr in columns])
    joins = _PERSON_JOINS if PERSON.text in selected.text or PERSON.text in where_all.text else Sql("")
    if person_ids:
        joins = joins + _PERSON_EVENT_JOIN
    return q("SELECT {cols} FROM analytics_event e{joins} WHERE {cond}", cols=selected, joins=joins, cond=where_all)


def _key(ctx: RunContext, expr: Sql) -> Sql:
    # The person is what every insight sorts, partitions and counts distinct by. Compared bytewise (as
    # Python and SQLite compare), PostgreSQL sorts it with abbreviated keys instead of calling the locale's
    # strcoll for every comparison; equality is the same either way, so answers do not change.
    return ctx.dialect.binary(expr) if expr == PERSON else expr


# For tables keyed like events (site_id, user_id, anonymous_id, device_id, uuid; analytics_sessionpart): read
# as alias `e` with these joins, PERSON resolves their persons exactly as it does events'.
PERSON_JOINS = _PERSON_JOINS


def person_key(ctx: RunContext) -> Sql:
    """PERSON as every insight sorts and counts it (compared bytewise)."""
    return _key(ctx, PERSON)


def _name(alias: str) -> str:
    assert alias.isidentifier()
    return alias


def cohort_members(ctx: RunContext, cohort_id: int) -> Sql:
    """``SELECT person`` of everyone in a saved cohort (criteria combined with INTERSECT or UNION)."""
    definition = ctx.cohorts.get(cohort_id)
    if definition is None:
        raise UnknownCohort(cohort_id)
    return definition_members(ctx, definition)


def definition_members(ctx: RunContext, definition: CohortDefinition) -> Sql:
    parts = []
    for criterion in definition.criteria:
        if isinstance(criterion, EventCriterion):
            span = ctx.window(criterion.date_range)
            rows = source(
                ctx,
                start=span.start,
                end=span.end,
                columns=[("person", PERSON)],
                names=[criterion.selector.event] if criterion.selector.event else None,
                where=[selector_condition(ctx, criterion.selector)],
                include_bots=True,
            )
            parts.append(
                q(
                    "SELECT person FROM ({r}) c GROUP BY person HAVING COUNT(*) >= {n}",
                    r=rows,
                    n=param(criterion.min_count),
                )
            )
        else:
            span_range = ctx.window(criterion.date_range) if criterion.date_range else None
            rows = source(
                ctx,
                start=span_range.start if span_range else None,
                end=span_range.end if span_range else ctx.now,
                columns=[("person", PERSON)],
                filters=[criterion.filter],
                include_bots=True,
            )
            parts.append(q("SELECT DISTINCT person FROM ({r}) c", r=rows))
    combined = join(" INTERSECT " if definition.match == "all" else " UNION ", parts)
    return q("SELECT person FROM ({c}) members", c=combined)


__all__ = ["PERSON", "TIMESTAMP", "UUID", "any_of", "condition", "field_number", "field_text", "source"]
