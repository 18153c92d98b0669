"""The three per-site roles and their order. Pure: no Django, so the rules are testable on their own.

viewer reads aggregates; analyst may also see individual-level data (raw events, lists of people) and keep
cohorts; admin may also change the site, its dimensions, aliases, members and the tokens narrowed to it.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    ANALYST = "analyst"
    ADMIN = "admin"


_RANK = {Role.VIEWER: 1, Role.ANALYST: 2, Role.ADMIN: 3}


def role_at_least(role: Role | None, minimum: Role) -> bool:
    return role is not None and _RANK[role] >= _RANK[minimum]


def role_narrowed(role: Role | None, ceiling: Role | None) -> Role | None:
    """The lower of a user's role and a token's ceiling: a token never acts above its user."""
    if role is None or ceiling is None:
        return role
    return role if _RANK[role] <= _RANK[ceiling] else ceiling
