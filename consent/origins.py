"""Origin matching for browser senders: the collect door and the consent endpoints apply the same rule."""

from __future__ import annotations


def origin_allowed(origin: str, allowed: tuple[str, ...]) -> bool:
    """An empty list allows every origin; entries are exact origins, `*`, or `https://*.example.com`."""
    if not allowed:
        return True
    origin = origin.strip().rstrip("/").lower()
    scheme, sep, host = origin.partition("://")
    if not sep:
        return False  # "null" (sandboxed frames, file://) or garbage
    for entry in allowed:
        if entry == "*" or entry == origin:
            return True
        entry_scheme, _, entry_host = entry.partition("://")
        if entry_host.startswith("*.") and entry_scheme == scheme:
            suffix = entry_host[1:]  # ".example.com"
            if host.endswith(suffix) and len(host) > len(suffix):
                return True
    return False
