"""The plain records the facade hands out for sites, cohorts, custom dimensions and aliases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from analytics.models import Cohort, CustomDimension, EventAlias, Site


@dataclass(frozen=True, slots=True)
class SiteInfo:
    id: int
    name: str
    timezone: str
    allowed_origins: list[str]
    public_key: str
    ip_truncation: str
    consent_mode: str
    honour_dnt: bool
    prompt_policy: str
    retention_days: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CohortInfo:
    id: int
    name: str
    definition: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class DimensionInfo:
    id: int
    key: str
    display_name: str
    scope: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AliasInfo:
    alias: str
    name: str


@dataclass(frozen=True, slots=True)
class RecentEvent:
    """What the console's "send a test event" check shows of an arriving event: no person ids, no properties."""

    uuid: str
    name: str
    timestamp: datetime
    received_at: datetime
    path: str
    source: str


def site_info(site: Site) -> SiteInfo:
    return SiteInfo(
        id=site.pk,
        name=site.name,
        timezone=site.timezone,
        allowed_origins=list(site.allowed_origins or []),
        public_key=site.public_key,
        ip_truncation=site.ip_truncation,
        consent_mode=site.consent_mode,
        honour_dnt=site.honour_dnt,
        prompt_policy=site.prompt_policy,
        retention_days=site.retention_days,
        created_at=site.created_at,
    )


def cohort_info(cohort: Cohort) -> CohortInfo:
    return CohortInfo(cohort.pk, cohort.name, dict(cohort.definition), cohort.created_at, cohort.updated_at)


def dimension_info(dimension: CustomDimension) -> DimensionInfo:
    return DimensionInfo(dimension.pk, dimension.key, dimension.display_name, dimension.scope, dimension.created_at)


def alias_info(alias: EventAlias) -> AliasInfo:
    return AliasInfo(alias=alias.alias, name=alias.name)
