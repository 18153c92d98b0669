"""DRF permissions for the REST API: the caller's role on the site in the URL, superusers, account-level calls.

A view declares `required_roles = {"GET": Role.VIEWER, "POST": Role.ANALYST, …}` and takes a `site_id` URL
argument. Callers with no role on the site get 404, so site ids do not leak; members below the role get 403.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, permissions
from rest_framework.request import Request

from access.roles import Role, role_at_least
from access.selectors import TokenPrincipal, site_role


def principal(request: Request) -> TokenPrincipal | None:
    return request.auth if isinstance(request.auth, TokenPrincipal) else None


class HasSiteRole(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        required: dict[str, Role] = view.required_roles
        minimum = required.get(request.method or "", Role.ADMIN)
        role = site_role(user=request.user, token=principal(request), site_id=int(view.kwargs["site_id"]))
        if role is None:
            raise exceptions.NotFound("No such site.")
        request.site_role = role  # type: ignore[attr-defined]
        if not role_at_least(role, minimum):
            raise exceptions.PermissionDenied(f"This needs the {minimum} role on the site; you are {role}.")
        return True


class IsSuperuserUnnarrowed(permissions.BasePermission):
    """Operator actions (creating sites): a superuser, not through a token narrowed to one site."""

    message = "Only a superuser may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        token = principal(request)
        return bool(request.user.is_superuser) and (token is None or token.site_id is None)


class IsAccountWide(permissions.BasePermission):
    """Account-level calls (managing one's tokens): a session or an unnarrowed token, never a narrowed one,
    so a token narrowed to one site cannot mint a broader one."""

    message = "A token narrowed to one site cannot manage tokens; use the console or an unnarrowed token."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        token = principal(request)
        return token is None or token.site_id is None
