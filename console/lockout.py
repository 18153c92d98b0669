"""How django-axes names a client in its logs, and the page a locked-out login gets (settings: AXES_*)."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off, get_failure_limit
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def client_description(username: str, ip_address: str, user_agent: str, path_info: str, request: Any) -> str:
    """Axes logs every failure and lockout with this; the IP stays out of our logs (it is personal data)."""
    return f"{{username: {username!r}, path_info: {path_info!r}}}"


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """The login page's sibling: says the account is locked from here and when to try again (HTTP 429)."""
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "retry_at": timezone.now() + cool_off if cool_off else None,
        "cool_off_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(request, "console/lockout.html", context, status=429)
