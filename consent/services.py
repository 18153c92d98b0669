"""Writes of the consent app: visitor salts and the append-only consent ledger."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from consent.models import BannerSettings, ConsentChoice, ConsentRecord, ConsentSource, VisitorSalt
from consent.selectors import banner_settings_for

# A salt is kept for its own day and the next, so a visit that spans midnight still resolves; then it goes.
SALT_KEEP_DAYS = 2
# What a grant covers; the banner's only optional category is analytics.
GRANTED_CATEGORIES = ("necessary", "analytics")
DENIED_CATEGORIES = ("necessary",)


class ConsentInputError(ValueError):
    """A consent record was refused; `code` is stable for programs, `detail` is for people."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


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


def subject_pseudonym(*, site_id: int, subject: str) -> str:
    """The ledger never holds the browser's id itself, only this keyed hash of it."""
    key = hmac.new(settings.SECRET_KEY.encode(), b"sightline-consent-subjects", hashlib.sha256).digest()
    return hmac.new(key, f"{site_id}\x1f{subject}".encode(), hashlib.sha256).hexdigest()[:32]


def consent_record_create(
    *, site_id: int, subject: str, choice: str, source: str, categories: Sequence[str] | None = None
) -> ConsentRecord:
    """Appends one choice to the ledger, under the site's current policy version. Raises ConsentInputError."""
    if choice not in ConsentChoice.values:
        raise ConsentInputError("invalid_choice", '`choice` must be "granted" or "denied".')
    if source not in ConsentSource.values:
        raise ConsentInputError("invalid_source", f"`source` must be one of {', '.join(ConsentSource.values)}.")
    if not subject or len(subject) > 200:
        raise ConsentInputError("invalid_subject", "`subject` must be the browser's id, 1 to 200 characters.")
    if categories is None:
        categories = GRANTED_CATEGORIES if choice == ConsentChoice.GRANTED else DENIED_CATEGORIES
    return ConsentRecord.objects.create(
        site_id=site_id,
        subject=subject_pseudonym(site_id=site_id, subject=subject),
        choice=choice,
        categories=list(categories),
        policy_version=banner_settings_for(site_id=site_id).policy_version,
        source=source,
        recorded_at=datetime.now(UTC),
    )


def banner_settings_set(
    *,
    site_id: int,
    show: str | None = None,
    policy_version: str | None = None,
    policy_url: str | None = None,
    language: str | None = None,
    texts: dict[str, dict[str, str]] | None = None,
) -> BannerSettings:
    """Creates or changes a site's banner settings; arguments left out keep their value."""
    changes = {
        "show": show,
        "policy_version": policy_version,
        "policy_url": policy_url,
        "language": language,
        "texts": texts,
    }
    banner, _ = BannerSettings.objects.get_or_create(site_id=site_id)
    for field, value in changes.items():
        if value is not None:
            setattr(banner, field, value)
    banner.full_clean()
    banner.save()
    return banner
