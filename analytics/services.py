"""Writes of the analytics app: sites and the event table's partitions."""

from __future__ import annotations

import secrets
import zoneinfo
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.db import connection, transaction

from analytics.event_store.partitions import ensure_upcoming_partitions
from analytics.models import EventAlias, Site
from analytics.selectors import secret_key_hash
from analytics.snippet import site_snippet
from server.errors import DomainError


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
