"""Origin matching for browser senders: the collect door and the consent endpoints apply the same rule."""

from __future__ import annotations


def origin_allowed(origin: str, allowed: tuple[str, ...], *, own_host: str | None = None) -> bool:
    """An empty list allows every origin; entries are exact origins, `*`, or `https://*.example.com`.

    `own_host` is the Host the request was sent to: Sightline's own pages (the console's test event, the
    generation demo) send from there and are accepted without being listed. That adds no trust: a client that
    can forge Host can forge Origin too; the rule exists to stop other sites' browsers, which send both honestly.
    """
    if not allowed:
        return True
    origin = origin.strip().rstrip("/").lower()
    scheme, sep, host = origin.partition("://")
    if not sep:
        return False  # "null" (sandboxed frames, file://) or garbage
    if own_host is not None and host == own_host.strip().lower():
        return True
    for entry in allowed:
        if entry == "*" or entry == origin:
            return True
        entry_scheme, _, entry_host = entry.partition("://")
        if entry_host.startswith("*.") and entry_scheme == scheme:
            suffix = entry_host[1:]  # ".example.com"
            if host.endswith(suffix) and len(host) > len(suffix):
                return True
    return False
