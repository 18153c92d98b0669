"""The cookieless visitor id: a keyed hash that identifies a visitor for one day and then cannot be recomputed.

It is HMAC-SHA256 over (site, IP, user agent) with a random salt per UTC day; the salt is deleted 48 hours
later (consent.services.visitor_salt_rotate), after which nobody, us included, can link the id to an IP.
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "v:"


def cookieless_visitor_id(*, salt: bytes, site_id: int, ip: str, user_agent: str) -> str:
    message = f"{site_id}\x1f{ip}\x1f{user_agent}".encode("utf-8", "surrogatepass")
    return PREFIX + hmac.new(salt, message, hashlib.sha256).hexdigest()[:32]
