"""What other apps use of consent: today's visitor salt."""

from __future__ import annotations

from datetime import date

from consent.services import visitor_salt_rotate


def visitor_salt_for(day: date) -> bytes:
    """The salt of the cookieless visitor id for a UTC day."""
    return visitor_salt_rotate(today=day)
