"""Writes of the consent app."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.db import IntegrityError, transaction

from consent.models import VisitorSalt

# A salt is kept for its own day and the next, so a visit that spans midnight still resolves; then it goes.
SALT_KEEP_DAYS = 2


def visitor_salt_rotate(*, today: date) -> bytes:
    """Returns today's salt (creating it if needed) and deletes salts older than 48 hours."""
    salt = VisitorSalt.objects.filter(day=today).values_list("salt", flat=True).first()
    if salt is None:
        try:
            with transaction.atomic():
                VisitorSalt.objects.create(day=today, salt=secrets.token_bytes(32))
        except IntegrityError:
            pass  # another process created it first; use theirs
        salt = VisitorSalt.objects.values_list("salt", flat=True).get(day=today)
    VisitorSalt.objects.filter(day__lt=today - timedelta(days=SALT_KEEP_DAYS - 1)).delete()
    return bytes(salt)
