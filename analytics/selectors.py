"""Reads about sites, cohorts, custom dimensions and aliases."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from analytics.models import Cohort, CustomDimension, Event, EventAlias, Site
from analytics.records import (
    AliasInfo,
    CohortInfo,
    DimensionInfo,
    RecentEvent,
    SiteInfo,
    alias_info,
    cohort_info,
    dimension_info,
    site_info,
)
from analytics.site_snapshot import SiteSnapshot
from server.errors import NotFound


def secret_key_hash(secret_key: str) -> str:
    return hashlib.sha256(secret_key.encode()).hexdigest()


def _snapshot(site: Site | None) -> SiteSnapshot | None:
    if site is None:
        return None
    aliases = dict(EventAlias.objects.filter(site=site).values_list("alias", "name"))
    return SiteSnapshot(
        id=site.pk,
        name=site.name,
        public_key=site.public_key,
        timezone=site.timezone,
        allowed_origins=tuple(site.allowed_origins or ()),
        ip_truncation=site.ip_truncation,
        consent_mode=site.consent_mode,
        honour_dnt=site.honour_dnt,
        prompt_policy=site.prompt_policy,
        aliases=aliases,
    )


def site_snapshot_by_public_key(public_key: str) -> SiteSnapshot | None:
    return _snapshot(Site.objects.filter(public_key=public_key).first())


def site_snapshot_by_secret(secret_key: str) -> SiteSnapshot | None:
    return _snapshot(Site.objects.filter(secret_key_hash=secret_key_hash(secret_key)).first())


def site_snapshot_by_id(site_id: int) -> SiteSnapshot | None:
    return _snapshot(Site.objects.filter(pk=site_id).first())


# --- The query engine's reads: sites, cohorts, dimensions, aliases as plain records ----------------------


def site_info_list(*, site_ids: Iterable[int] | None) -> list[SiteInfo]:
    sites = Site.objects.all() if site_ids is None else Site.objects.filter(pk__in=list(site_ids))
    return [site_info(s) for s in sites.order_by("pk")]


def site_info_get(*, site_id: int) -> SiteInfo:
    site = Site.objects.filter(pk=site_id).first()
    if site is None:
        raise NotFound("site_not_found", f"There is no site {site_id}.")
    return site_info(site)


def cohort_get(*, site_id: int, cohort_id: int) -> CohortInfo:
    cohort = Cohort.objects.filter(site_id=site_id, pk=cohort_id).first()
    if cohort is None:
        raise NotFound("cohort_not_found", f"There is no cohort {cohort_id} on this site.")
    return cohort_info(cohort)


def cohort_list(*, site_id: int) -> list[CohortInfo]:
    return [cohort_info(c) for c in Cohort.objects.filter(site_id=site_id).order_by("name", "pk")]


def dimension_list(*, site_id: int) -> list[DimensionInfo]:
    return [dimension_info(d) for d in CustomDimension.objects.filter(site_id=site_id).order_by("key")]


def alias_list(*, site_id: int) -> list[AliasInfo]:
    return [alias_info(a) for a in EventAlias.objects.filter(site_id=site_id).order_by("alias")]


# Recent means this week: the time bound lets PostgreSQL read the newest partitions only, whatever the table's size.
RECENT_EVENTS_WINDOW = timedelta(days=7)


def recent_events(
    *, site_id: int, limit: int, name: str | None = None, now: datetime | None = None
) -> list[RecentEvent]:
    """A site's newest events (by event time) of the last week, optionally of one name only."""
    since = (now or datetime.now(UTC)) - RECENT_EVENTS_WINDOW
    events = Event.objects.filter(site_id=site_id, timestamp__gte=since)
    if name:
        events = events.filter(name=name)
    fields = ("uuid", "name", "timestamp", "received_at", "path", "source")
    rows = events.order_by("-timestamp").values_list(*fields)[:limit]
    return [RecentEvent(str(row[0]), *row[1:]) for row in rows]
