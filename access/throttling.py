"""Rate limits per API token (per user for the console's session), kept in the shared cache.

Rates come from settings at call time (API_RATE_LIMIT, API_EXPORT_RATE_LIMIT), so they can change without
a code change; DRF's own throttles read theirs once, at import.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from access.selectors import TokenPrincipal


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api"
    setting = "API_RATE_LIMIT"

    def get_rate(self) -> str | None:
        rate: str | None = getattr(settings, self.setting)
        return rate or None

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, TokenPrincipal):
            ident = f"token:{request.auth.id}"
        elif request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            return None  # anonymous requests are refused before they cost anything
        return f"throttle:{self.scope}:{ident}"


class ExportRateThrottle(TokenRateThrottle):
    """Exports stream whole tables; they get a budget of their own on top of the general one."""

    scope = "export"
    setting = "API_EXPORT_RATE_LIMIT"
