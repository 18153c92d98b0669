"""What other apps use of consent: today's visitor salt, a site's banner settings, the ledger's daily counts."""

from __future__ import annotations

from datetime import date

from consent.banner_texts import DEFAULT_TEXTS, text_override_errors
from consent.models import BannerLanguage, BannerShow
from consent.selectors import BannerInfo, ConsentDay, banner_info, banner_settings_for, consent_daily_counts
from consent.services import banner_settings_set, visitor_salt_rotate

__all__ = [
    "BANNER_LANGUAGES",
    "BANNER_SHOW_CHOICES",
    "DEFAULT_TEXTS",
    "BannerInfo",
    "ConsentDay",
    "banner_get",
    "banner_update",
    "consent_days",
    "text_override_errors",
    "visitor_salt_for",
]

BANNER_SHOW_CHOICES = BannerShow.choices
BANNER_LANGUAGES = BannerLanguage.choices


def visitor_salt_for(day: date) -> bytes:
    """The salt of the cookieless visitor id for a UTC day."""
    return visitor_salt_rotate(today=day)


def banner_get(*, site_id: int) -> BannerInfo:
    """A site's banner settings, the defaults if it has none saved."""
    return banner_info(banner_settings_for(site_id=site_id))


def banner_update(
    *,
    site_id: int,
    show: str | None = None,
    policy_version: str | None = None,
    policy_url: str | None = None,
    language: str | None = None,
    texts: dict[str, dict[str, str]] | None = None,
) -> BannerInfo:
    """Changes a site's banner settings; arguments left out keep their value. Raises Django's ValidationError."""
    banner = banner_settings_set(
        site_id=site_id, show=show, policy_version=policy_version, policy_url=policy_url, language=language, texts=texts
    )
    return banner_info(banner)


def consent_days(*, site_id: int, start: date, end: date, timezone: str) -> list[ConsentDay]:
    """Granted and denied choices per day of the site's time zone in [start, end], empty days as zeros."""
    return consent_daily_counts(site_id=site_id, start=start, end=end, timezone=timezone)
