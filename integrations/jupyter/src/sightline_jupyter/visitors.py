"""Who an event is about, without saying who: a keyed pseudonym of the user and a role from their groups.

The server's event bus tells a listener what happened but not for whom, so the authenticated user of
each request is put in a context variable as the identity provider returns it. Listener tasks are
created inside the request's task and so inherit that context (asyncio copies it into new tasks).
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import inspect
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

current_user: contextvars.ContextVar[Any] = contextvars.ContextVar("sightline_current_user", default=None)


@dataclass(frozen=True, slots=True)
class Visitor:
    anonymous_id: str
    role: str


def groups_of(user: Any) -> list[str]:
    """A user's groups: `user.groups` (custom identity providers) or JupyterHub's `hub_user["groups"]`."""
    groups = getattr(user, "groups", None)
    if groups is None:
        hub_user = getattr(user, "hub_user", None)
        groups = hub_user.get("groups") if isinstance(hub_user, dict) else None
    if not isinstance(groups, Iterable) or isinstance(groups, str):
        return []
    return [g for g in groups if isinstance(g, str)]


def role_of(groups: Sequence[str], allowed: Sequence[str], default: str) -> str:
    if allowed:
        return next((g for g in allowed if g in groups), default)
    return min(groups) if groups else default


def visitor_of(user: Any, *, key: bytes, allowed_roles: Sequence[str], default_role: str) -> Visitor:
    """The pseudonym is an HMAC of the user name under the site key: stable, but not a name."""
    username = getattr(user, "username", None) if user is not None else None
    name = username if isinstance(username, str) and username else "anonymous"
    anonymous_id = "jupyter:" + hmac.new(key, name.encode(), hashlib.sha256).hexdigest()[:24]
    return Visitor(anonymous_id, role_of(groups_of(user), allowed_roles, default_role))


def record_users(identity_provider: Any) -> None:
    """Wraps the identity provider's get_user so each request's user lands in `current_user`."""
    original: Callable[[Any], Any] = identity_provider.get_user

    def get_user(handler: Any) -> Any:
        found = original(handler)
        if inspect.isawaitable(found):
            return _recorded(found)
        current_user.set(found)
        return found

    identity_provider.get_user = get_user


async def _recorded(pending: Awaitable[Any]) -> Any:
    # Awaited by the handler inside its own task, so the variable is set in the request's context.
    user = await pending
    current_user.set(user)
    return user
