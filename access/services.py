"""Writes: personal API tokens and site memberships."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from access.models import ApiToken, SiteMembership
from access.roles import Role, role_at_least
from access.selectors import Member, TokenInfo, member_of, token_hash, token_info
from server.errors import Conflict, DomainError, NotFound

TOKEN_PREFIX = "slt_"  # noqa: S105 -- a marker, not a secret
# "slt_" and six characters: enough to tell a person's tokens apart, far too little to guess one.
SHOWN_PREFIX_LENGTH = 10
# 16 URL-safe characters (96 random bits): a one-time password nobody guesses before its owner replaces it.
ONE_TIME_PASSWORD_BYTES = 12
# Writing last_used_at on every request would turn each read into a write; a minute is precise enough.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class CreatedToken:
    # Shown once: only its hash is stored.
    token: str
    info: TokenInfo


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise DomainError("invalid_role", f"{value!r} is not a role; use viewer, analyst or admin.") from None


def api_token_create(
    *,
    user_id: int,
    name: str = "",
    site_id: int | None = None,
    role: str | None = None,
    expires_at: datetime | None = None,
) -> CreatedToken:
    if (site_id is None) != (role is None):
        raise DomainError("invalid_scope", "A token is narrowed with a site and a role together, or not at all.")
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError("invalid_expiry", "expires_at must be in the future.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user_id=user_id,
        name=name.strip(),
        prefix=secret[:SHOWN_PREFIX_LENGTH],
        token_hash=token_hash(secret),
        site_id=site_id,
        role=parse_role(role).value if role is not None else "",
        expires_at=expires_at,
    )
    token = ApiToken.objects.select_related("user").get(pk=token.pk)
    return CreatedToken(token=secret, info=token_info(token))


def api_token_revoke(*, user_id: int, token_id: int) -> None:
    """Deletes one of the user's own tokens; it stops working at once."""
    deleted, _ = ApiToken.objects.filter(user_id=user_id, pk=token_id).delete()
    if not deleted:
        raise NotFound("not_found", "No such token.")


def site_token_revoke(*, site_id: int, token_id: int) -> None:
    """Deletes a token narrowed to this site, whoever holds it (a site admin's cleanup)."""
    deleted, _ = ApiToken.objects.filter(site_id=site_id, pk=token_id).delete()
    if not deleted:
        raise NotFound("not_found", "No such token on this site.")


def api_token_touch(*, token_id: int, last_used_at: datetime | None) -> None:
    now = timezone.now()
    if last_used_at is None or now - last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)


def _admins_left_after(site_id: int, membership_id: int) -> int:
    return SiteMembership.objects.filter(site_id=site_id, role=Role.ADMIN).exclude(pk=membership_id).count()


def member_add(*, site_id: int, username: str, role: str) -> Member:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise DomainError("unknown_user", f"There is no user {username!r}.")
    try:
        with transaction.atomic():
            membership = SiteMembership.objects.create(user=user, site_id=site_id, role=parse_role(role).value)
    except IntegrityError:
        raise Conflict("already_member", f"{username!r} is already a member of this site.") from None
    return member_of(membership)


@dataclass(frozen=True, slots=True)
class MemberWithNewUser:
    member: Member
    # Shown once, to the admin who hands it over; only Django's password hash is stored.
    password: str


def member_add_new_user(*, site_id: int, username: str, role: str) -> MemberWithNewUser:
    """Creates a user with a one-time password and gives them `role` on the site, both or neither."""
    wanted = parse_role(role)
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise DomainError("invalid_username", "Use letters, digits and @ . + - _ only, at most 150.") from None
    if len(username) > 150:
        raise DomainError("invalid_username", "Use letters, digits and @ . + - _ only, at most 150.")
    taken = Conflict("username_taken", f"There is already a user {username!r}; add them instead.")
    users = get_user_model().objects
    if users.filter(username=username).exists():
        raise taken
    password = secrets.token_urlsafe(ONE_TIME_PASSWORD_BYTES)
    try:
        with transaction.atomic():
            user = users.create_user(username=username, password=password)
            membership = SiteMembership.objects.create(user=user, site_id=site_id, role=wanted.value)
    except IntegrityError:  # created by someone else since the check
        raise taken from None
    return MemberWithNewUser(member=member_of(membership), password=password)


def member_update(*, site_id: int, member_id: int, role: str) -> Member:
    new_role = parse_role(role)
    with transaction.atomic():
        memberships = SiteMembership.objects.select_for_update(of=("self",)).select_related("user")
        found = memberships.filter(site_id=site_id, pk=member_id).first()
        if found is None:
            raise NotFound("not_found", "No such member.")
        if found.role == Role.ADMIN and new_role != Role.ADMIN and not _admins_left_after(site_id, found.pk):
            raise Conflict("last_admin", "A site keeps at least one admin; make someone else admin first.")
        found.role = new_role.value
        found.save(update_fields=["role"])
    return member_of(found)


def member_remove(*, site_id: int, member_id: int) -> None:
    with transaction.atomic():
        found = SiteMembership.objects.select_for_update().filter(site_id=site_id, pk=member_id).first()
        if found is None:
            raise NotFound("not_found", "No such member.")
        if found.role == Role.ADMIN and not _admins_left_after(site_id, found.pk):
            raise Conflict("last_admin", "A site keeps at least one admin; make someone else admin first.")
        found.delete()


def member_grant_at_least(*, site_id: int, user_id: int, role: str) -> None:
    """Gives the user `role` on the site unless they already hold it or more (operators' provisioning)."""
    wanted = parse_role(role)
    membership, created = SiteMembership.objects.get_or_create(
        user_id=user_id, site_id=site_id, defaults={"role": wanted.value}
    )
    if not created and not role_at_least(Role(membership.role), wanted):
        membership.role = wanted.value
        membership.save(update_fields=["role"])
