"""Writes of the analytics app: sites, the event table's partitions and retention, cohorts, dimensions, aliases.
The tables kept from the events (rollups, session parts, person events) are refreshed in derived_tables.py."""

from __future__ import annotations

import re
import secrets
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection, transaction

from analytics.derived_tables import person_events_forget, session_parts_forget
from analytics.engine.errors import QueryInvalid, invalid
from analytics.event_store.partitions import ensure_upcoming_partitions
from analytics.event_store.retention import (
    RetentionResult,
    cutoffs,
    delete_batch,
    drop_partitions_before,
)
from analytics.models import (
    Cohort,
    ConsentMode,
    CustomDimension,
    DimensionScope,
    EventAlias,
    HourlyRollup,
    IpTruncation,
    PathRollup,
    PromptPolicy,
    Site,
)
from analytics.queries.cohorts import parse_cohort
from analytics.queries.errors import FieldError
from analytics.records import AliasInfo, CohortInfo, DimensionInfo, SiteInfo, cohort_info, dimension_info, site_info
from analytics.selectors import secret_key_hash
from analytics.snippet import site_snippet
from server.errors import DomainError, NotFound


@dataclass(frozen=True, slots=True)
class CreatedSite:
    id: int
    name: str
    public_key: str
    # Shown once: only its hash is stored.
    secret_key: str
    snippet: str


def _valid_origin(origin: str) -> str:
    origin = origin.strip().rstrip("/").lower()
    scheme, sep, host = origin.partition("://")
    if origin != "*" and (not sep or scheme not in {"http", "https"} or not host or "/" in host):
        raise DomainError("invalid_origin", f"{origin!r} is not an origin like https://example.com.")
    return origin


def site_create(*, name: str, origins: list[str], timezone: str = "UTC", server_url: str = "") -> CreatedSite:
    if not name.strip():
        raise DomainError("invalid_name", "A site needs a name.")
    if timezone not in zoneinfo.available_timezones():
        raise DomainError("invalid_timezone", f"{timezone!r} is not an IANA time zone such as Asia/Shanghai.")
    secret = "sk_" + secrets.token_urlsafe(32)
    site = Site.objects.create(
        name=name.strip(),
        timezone=timezone,
        allowed_origins=[_valid_origin(o) for o in origins],
        public_key="pk_" + secrets.token_urlsafe(18),
        secret_key_hash=secret_key_hash(secret),
    )
    return CreatedSite(
        id=site.pk,
        name=site.name,
        public_key=site.public_key,
        secret_key=secret,
        snippet=site_snippet(public_key=site.public_key, server_url=server_url),
    )


def event_alias_set(*, site_id: int, alias: str, name: str) -> None:
    EventAlias.objects.update_or_create(site_id=site_id, alias=alias, defaults={"name": name})


def event_partitions_ensure() -> list[str]:
    """Creates upcoming monthly partitions (PostgreSQL only); returns the names created."""
    if not settings.IS_POSTGRES:
        return []
    with transaction.atomic():
        connection.ensure_connection()
        raw = connection.connection
        assert isinstance(raw, psycopg.Connection)
        with raw.cursor() as cursor:
            return ensure_upcoming_partitions(cursor)


def _delete_in_batches(*, keys: bool, site_id: int, before: datetime) -> int:
    deleted = 0
    while True:
        # One transaction per batch: an interrupted run keeps what it did, and the next run goes on from there.
        with transaction.atomic(), connection.cursor() as cursor:
            done = delete_batch(cursor, keys=keys, site_id=site_id, before=before)
        deleted += done
        if done == 0:
            return deleted


def events_retention_enforce(*, now: datetime | None = None) -> RetentionResult:
    """Deletes each site's events older than its retention_days, with their dedup keys and hourly counts."""
    now = now or datetime.now(UTC)
    keep_from = cutoffs(dict(Site.objects.values_list("pk", "retention_days")), now)
    dropped: list[str] = []
    if settings.IS_POSTGRES and keep_from:
        with transaction.atomic():
            connection.ensure_connection()
            raw = connection.connection
            assert isinstance(raw, psycopg.Connection)
            with raw.cursor() as cursor:
                dropped = drop_partitions_before(cursor, min(keep_from.values()))
    events = keys = 0
    for site_id, before in keep_from.items():
        events += _delete_in_batches(keys=False, site_id=site_id, before=before)
        keys += _delete_in_batches(keys=True, site_id=site_id, before=before)
        # An hour's counts go once the whole hour is past retention, so no chart shows data the events lack.
        for rollup in (HourlyRollup, PathRollup):
            rollup.objects.filter(site_id=site_id, hour__lte=before - timedelta(hours=1)).delete()
        session_parts_forget(site_id, before)
        person_events_forget(site_id, before)
    return RetentionResult(events_deleted=events, keys_deleted=keys, partitions_dropped=tuple(dropped))


# --- Site settings -------------------------------------------------------------------------------------

_CHOICES = {
    "ip_truncation": IpTruncation.values,
    "consent_mode": ConsentMode.values,
    "prompt_policy": PromptPolicy.values,
}


def _site_changes(fields: dict[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    changes: dict[str, Any] = {}
    errors: list[FieldError] = []
    for key, value in fields.items():
        if key == "name":
            if not isinstance(value, str) or not value.strip() or len(value) > 200:
                errors.append(FieldError(key, "Expected a name of 1 to 200 characters."))
            else:
                changes[key] = value.strip()
        elif key == "timezone":
            if not isinstance(value, str) or value not in zoneinfo.available_timezones():
                errors.append(FieldError(key, "Expected an IANA time zone such as Asia/Shanghai."))
            else:
                changes[key] = value
        elif key == "allowed_origins":
            if not isinstance(value, list) or not all(isinstance(o, str) for o in value):
                errors.append(FieldError(key, "Expected a list of origins."))
                continue
            try:
                changes[key] = [_valid_origin(o) for o in value]
            except DomainError as exc:
                errors.append(FieldError(key, exc.detail))
        elif key in _CHOICES:
            if value not in _CHOICES[key]:
                errors.append(FieldError(key, f"Expected one of: {', '.join(_CHOICES[key])}."))
            else:
                changes[key] = value
        elif key == "honour_dnt":
            if not isinstance(value, bool):
                errors.append(FieldError(key, "Expected true or false."))
            else:
                changes[key] = value
        elif key == "retention_days":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 36500:
                errors.append(FieldError(key, "Expected a number of days between 1 and 36500."))
            else:
                changes[key] = value
        else:
            errors.append(FieldError(key, "Unknown or read-only field."))
    return changes, errors


def site_update(*, site_id: int, **fields: Any) -> SiteInfo:
    site = Site.objects.filter(pk=site_id).first()
    if site is None:
        raise NotFound("site_not_found", f"There is no site {site_id}.")
    changes, errors = _site_changes(fields)
    if errors:
        raise QueryInvalid(errors)
    for key, value in changes.items():
        setattr(site, key, value)
    if changes:
        site.save(update_fields=list(changes))
    return site_info(site)


# --- Cohorts ---------------------------------------------------------------------------------------------


def _cohort_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise invalid("name", "Expected a name of 1 to 200 characters.")
    return name.strip()


def _cohort_definition(definition: Any) -> dict[str, Any]:
    parsed = parse_cohort(definition)
    if isinstance(parsed, list):
        raise QueryInvalid(
            [FieldError("definition." + e.field if e.field != "$" else "definition", e.detail) for e in parsed]
        )
    return dict(definition)


def cohort_create(*, site_id: int, name: str, definition: dict[str, Any]) -> CohortInfo:
    cohort = Cohort.objects.create(site_id=site_id, name=_cohort_name(name), definition=_cohort_definition(definition))
    return cohort_info(cohort)


def _cohort(site_id: int, cohort_id: int) -> Cohort:
    cohort = Cohort.objects.filter(site_id=site_id, pk=cohort_id).first()
    if cohort is None:
        raise NotFound("cohort_not_found", f"There is no cohort {cohort_id} on this site.")
    return cohort


def cohort_update(
    *, site_id: int, cohort_id: int, name: str | None = None, definition: dict[str, Any] | None = None
) -> CohortInfo:
    cohort = _cohort(site_id, cohort_id)
    if name is not None:
        cohort.name = _cohort_name(name)
    if definition is not None:
        cohort.definition = _cohort_definition(definition)
    cohort.save()
    return cohort_info(cohort)


def cohort_delete(*, site_id: int, cohort_id: int) -> None:
    _cohort(site_id, cohort_id).delete()


# --- Custom dimensions -----------------------------------------------------------------------------------

_DIMENSION_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,99}$")


def _dimension_fields(display_name: Any, scope: Any, errors: list[FieldError]) -> None:
    if display_name is not None and (
        not isinstance(display_name, str) or not display_name.strip() or len(display_name) > 200
    ):
        errors.append(FieldError("display_name", "Expected a name of 1 to 200 characters."))
    if scope is not None and scope not in DimensionScope.values:
        errors.append(FieldError("scope", f"Expected one of: {', '.join(DimensionScope.values)}."))


def dimension_create(*, site_id: int, key: str, display_name: str, scope: str = "event") -> DimensionInfo:
    errors: list[FieldError] = []
    if not isinstance(key, str) or not _DIMENSION_KEY.match(key):
        errors.append(FieldError("key", "Expected letters, digits, _ or -, starting with a letter or _ (at most 100)."))
    elif CustomDimension.objects.filter(site_id=site_id, key=key).exists():
        errors.append(FieldError("key", "This site already has a dimension with this key."))
    _dimension_fields(display_name, scope, errors)
    if display_name is None:
        errors.append(FieldError("display_name", "This field is required."))
    if errors:
        raise QueryInvalid(errors)
    dimension = CustomDimension.objects.create(site_id=site_id, key=key, display_name=display_name.strip(), scope=scope)
    return dimension_info(dimension)


def _dimension(site_id: int, dimension_id: int) -> CustomDimension:
    dimension = CustomDimension.objects.filter(site_id=site_id, pk=dimension_id).first()
    if dimension is None:
        raise NotFound("dimension_not_found", f"There is no dimension {dimension_id} on this site.")
    return dimension


def dimension_update(
    *, site_id: int, dimension_id: int, display_name: str | None = None, scope: str | None = None
) -> DimensionInfo:
    dimension = _dimension(site_id, dimension_id)
    errors: list[FieldError] = []
    _dimension_fields(display_name, scope, errors)
    if errors:
        raise QueryInvalid(errors)
    if display_name is not None:
        dimension.display_name = display_name.strip()
    if scope is not None:
        dimension.scope = scope
    dimension.save()
    return dimension_info(dimension)


def dimension_delete(*, site_id: int, dimension_id: int) -> None:
    _dimension(site_id, dimension_id).delete()


# --- Event aliases -----------------------------------------------------------------------------------------


def alias_set(*, site_id: int, alias: str, name: str) -> AliasInfo:
    errors = [
        FieldError(field, "Expected an event name of 1 to 200 characters.")
        for field, value in (("alias", alias), ("name", name))
        if not isinstance(value, str) or not value.strip() or len(value) > 200
    ]
    if errors:
        raise QueryInvalid(errors)
    event_alias_set(site_id=site_id, alias=alias, name=name)
    return AliasInfo(alias=alias, name=name)


def alias_delete(*, site_id: int, alias: str) -> None:
    deleted, _ = EventAlias.objects.filter(site_id=site_id, alias=alias).delete()
    if not deleted:
        raise NotFound("alias_not_found", f"There is no alias {alias!r} on this site.")
