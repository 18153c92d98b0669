"""How consent finds a site by its public key without importing analytics.

Dependencies point one way (analytics → consent), so the function that resolves a key is named by the
setting CONSENT_SITE_LOOKUP (analytics.facade.site_snapshot_by_public_key) and imported by name.
See docs/decisions/0003-consent-finds-sites-by-setting.md.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Protocol, cast

from django.conf import settings
from django.utils.module_loading import import_string


class ConsentSite(Protocol):
    """What consent needs of a site; analytics' SiteSnapshot has these fields."""

    @property
    def id(self) -> int: ...
    @property
    def allowed_origins(self) -> tuple[str, ...]: ...
    @property
    def consent_mode(self) -> str: ...
    @property
    def honour_dnt(self) -> bool: ...


@cache
def _lookup(path: str) -> Callable[[str], ConsentSite | None]:
    return cast(Callable[[str], ConsentSite | None], import_string(path))


def site_by_public_key(public_key: str) -> ConsentSite | None:
    return _lookup(settings.CONSENT_SITE_LOOKUP)(public_key)
