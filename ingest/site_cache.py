"""A small per-process cache of site snapshots, so a collect request costs no database query."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import date

from django.conf import settings

from analytics import facade as analytics
from analytics.site_snapshot import SiteSnapshot
from consent import facade as consent
from ingest.request_signals import database_needed

_MAX_ENTRIES = 10_000
_lock = threading.Lock()
# Misses are cached too, so a flood of wrong keys does not become a flood of queries.
_sites: OrderedDict[tuple[str, object], tuple[float, SiteSnapshot | None]] = OrderedDict()
_salt: tuple[date, bytes] | None = None


def _cached(key: tuple[str, object], load: Callable[[], SiteSnapshot | None]) -> SiteSnapshot | None:
    now = time.monotonic()
    with _lock:
        hit = _sites.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
    database_needed()
    value = load()
    with _lock:
        _sites[key] = (now + settings.INGEST_SITE_CACHE_SECONDS, value)
        _sites.move_to_end(key)
        while len(_sites) > _MAX_ENTRIES:
            _sites.popitem(last=False)
    return value


def site_by_public_key(key: str) -> SiteSnapshot | None:
    return _cached(("public", key), lambda: analytics.site_snapshot_by_public_key(key))


def site_by_secret(secret: str) -> SiteSnapshot | None:
    return _cached(("secret", secret), lambda: analytics.site_snapshot_by_secret(secret))


def site_by_id(site_id: int) -> SiteSnapshot | None:
    return _cached(("id", site_id), lambda: analytics.site_snapshot_by_id(site_id))


def visitor_salt(day: date) -> bytes:
    global _salt
    current = _salt
    if current is not None and current[0] == day:
        return current[1]
    database_needed()
    salt = consent.visitor_salt_for(day)
    _salt = (day, salt)
    return salt


def clear() -> None:
    """Forget everything (tests, and after a site's settings change in this process)."""
    global _salt
    with _lock:
        _sites.clear()
    _salt = None
