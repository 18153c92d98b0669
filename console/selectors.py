"""Reads: the sites a console user may open, and their role on one."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from access.roles import Role
from access.selectors import site_role, visible_site_roles
from analytics import facade


@dataclass(frozen=True, slots=True)
class ConsoleSite:
    id: int
    name: str
    timezone: str
    public_key: str
    role: Role


def console_sites(*, user: AbstractBaseUser | AnonymousUser) -> list[ConsoleSite]:
    """Every site granted to the user (superusers: all sites), by name."""
    roles = visible_site_roles(user=user, token=None)
    ids = None if roles is None else sorted(roles)
    sites = facade.site_list(site_ids=ids)
    listed = [
        ConsoleSite(s.id, s.name, s.timezone, s.public_key, Role.ADMIN if roles is None else roles[s.id]) for s in sites
    ]
    return sorted(listed, key=lambda s: (s.name.casefold(), s.id))


def console_site(*, user: AbstractBaseUser | AnonymousUser, site_id: int) -> ConsoleSite | None:
    """The site with the user's role on it; None when it does not exist or is not theirs (the same answer)."""
    role = site_role(user=user, token=None, site_id=site_id)
    if role is None:
        return None
    found = facade.site_list(site_ids=[site_id])
    if not found:
        return None
    s = found[0]
    return ConsoleSite(s.id, s.name, s.timezone, s.public_key, role)
