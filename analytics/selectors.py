"""Reads about sites."""

from __future__ import annotations

import hashlib

from analytics.models import EventAlias, Site
from analytics.site_snapshot import SiteSnapshot


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
