"""Reads of the consent app: a site's banner settings and consent rates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from consent.banner_texts import merged_texts
from consent.models import BannerSettings, BannerShow, ConsentChoice, ConsentRecord


def banner_settings_for(*, site_id: int) -> BannerSettings:
    """The site's settings, or the defaults (unsaved) when it has none yet."""
    return BannerSettings.objects.filter(site_id=site_id).first() or BannerSettings(site_id=site_id)


def client_config(*, site_id: int, consent_mode: str, honour_dnt: bool) -> dict[str, Any]:
    """What the beacon and the banner need to know of a site (GET /api/v1/consent/config)."""
    banner = banner_settings_for(site_id=site_id)
    show = banner.show == BannerShow.ALWAYS or (banner.show == BannerShow.AUTO and consent_mode == "opt_in")
    return {
        "mode": consent_mode,
        "dnt": honour_dnt,
        "banner": show,
        "policy": banner.policy_version,
        "policy_url": banner.policy_url,
        "language": banner.language,
        "texts": merged_texts(banner.texts),
    }


@dataclass(frozen=True, slots=True)
class BannerInfo:
    """A site's banner settings as stored (texts: the site's overrides only), or the defaults."""

    show: str
    policy_version: str
    policy_url: str
    language: str
    texts: dict[str, dict[str, str]]
    updated_at: datetime | None


def banner_info(banner: BannerSettings) -> BannerInfo:
    return BannerInfo(
        show=banner.show,
        policy_version=banner.policy_version,
        policy_url=banner.policy_url,
        language=banner.language,
        texts=dict(banner.texts or {}),
        updated_at=banner.updated_at,
    )


@dataclass(frozen=True, slots=True)
class ConsentDay:
    day: date  # in the time zone asked for
    granted: int
    denied: int


def consent_daily_counts(*, site_id: int, start: date, end: date, timezone: str = "UTC") -> list[ConsentDay]:
    """Choices recorded per day of `timezone` in [start, end], days without any as zeros (for the console)."""
    zone = ZoneInfo(timezone)
    since = datetime.combine(start, time.min, tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    rows = (
        ConsentRecord.objects.filter(site_id=site_id, recorded_at__gte=since, recorded_at__lt=until)
        .annotate(day=TruncDate("recorded_at", tzinfo=zone))
        .values("day")
        .annotate(
            granted=Count("id", filter=Q(choice=ConsentChoice.GRANTED)),
            denied=Count("id", filter=Q(choice=ConsentChoice.DENIED)),
        )
    )
    by_day = {row["day"]: (row["granted"], row["denied"]) for row in rows}
    days = (start + timedelta(days=i) for i in range((end - start).days + 1))
    return [ConsentDay(day, *by_day.get(day, (0, 0))) for day in days]
