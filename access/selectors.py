"""Reads: who may act on which site, and the tokens and members people may list."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from access.models import ApiToken, SiteMembership
from access.roles import Role, role_narrowed


@dataclass(frozen=True, slots=True)
class TokenPrincipal:
    """What a request authenticated by a token carries as `request.auth`."""

    id: int
    # Set together when the token is narrowed to one site and a role ceiling there.
    site_id: int | None
    role: Role | None


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    name: str
    prefix: str
    username: str
    site_id: int | None
    role: str | None
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    user_id: int
    username: str
    role: str
    created_at: datetime


User = AbstractBaseUser | AnonymousUser


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_by_secret(token: str) -> ApiToken | None:
    """The stored token (with its user) whose hash matches, for the authentication class."""
    return ApiToken.objects.select_related("user").filter(token_hash=token_hash(token)).first()


def _is_superuser(user: User) -> bool:
    return bool(getattr(user, "is_superuser", False))


def site_role(*, user: User, token: TokenPrincipal | None, site_id: int) -> Role | None:
    """The role this user, through this token if any, holds on a site; None if the site is not theirs."""
    if not user.is_authenticated or (token is not None and token.site_id not in (None, site_id)):
        return None
    if _is_superuser(user):
        role: Role | None = Role.ADMIN
    else:
        stored = SiteMembership.objects.filter(user_id=user.pk, site_id=site_id).values_list("role", flat=True).first()
        role = Role(stored) if stored else None
    return role_narrowed(role, token.role if token else None)


def visible_site_roles(*, user: User, token: TokenPrincipal | None) -> dict[int, Role] | None:
    """{site id: role} the caller may see; None means every site, as admin (a superuser's unnarrowed access)."""
    if not user.is_authenticated:
        return {}
    if token is not None and token.site_id is not None:
        role = site_role(user=user, token=token, site_id=token.site_id)
        return {token.site_id: role} if role else {}
    if _is_superuser(user):
        return None
    memberships = SiteMembership.objects.filter(user_id=user.pk).values_list("site_id", "role")
    return {site_id: Role(role) for site_id, role in memberships}


def _token_info(token: ApiToken) -> TokenInfo:
    return TokenInfo(
        id=token.pk,
        name=token.name,
        prefix=token.prefix,
        username=token.user.get_username(),
        site_id=token.site_id,
        role=token.role or None,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        expires_at=token.expires_at,
    )


def token_list_of_user(*, user_id: int) -> list[TokenInfo]:
    tokens = ApiToken.objects.select_related("user").filter(user_id=user_id).order_by("-created_at", "-pk")
    return [_token_info(t) for t in tokens]


def token_list_of_site(*, site_id: int) -> list[TokenInfo]:
    """Tokens narrowed to this site, whoever holds them: what a site admin may see and revoke."""
    tokens = ApiToken.objects.select_related("user").filter(site_id=site_id).order_by("-created_at", "-pk")
    return [_token_info(t) for t in tokens]


def token_info(token: ApiToken) -> TokenInfo:
    return _token_info(token)


def _member(membership: SiteMembership) -> Member:
    return Member(
        id=membership.pk,
        user_id=membership.user_id,
        username=membership.user.get_username(),
        role=membership.role,
        created_at=membership.created_at,
    )


def member_list(*, site_id: int) -> list[Member]:
    memberships = SiteMembership.objects.select_related("user").filter(site_id=site_id).order_by("user__username")
    return [_member(m) for m in memberships]


def member_of(membership: SiteMembership) -> Member:
    return _member(membership)
