"""Date ranges and time buckets in a site's time zone: the one place local days, weeks and months are made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from analytics.queries.parts import DateRange


@dataclass(frozen=True, slots=True)
class Window:
    """A resolved date range: local dates and the UTC instants [start, end) they cover."""

    first_day: date
    last_day: date
    zone: str
    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def previous(self) -> Window:
        return window(self.first_day - timedelta(days=self.days), self.first_day - timedelta(days=1), self.zone)


def local_midnight(day: date, zone: str) -> datetime:
    """The UTC instant a local day starts (zoneinfo picks the first of an ambiguous time)."""
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def window(first_day: date, last_day: date, zone: str) -> Window:
    return Window(
        first_day, last_day, zone, local_midnight(first_day, zone), local_midnight(last_day + timedelta(days=1), zone)
    )


def resolve(value: DateRange, zone: str, now: datetime) -> Window:
    if value.last_days is not None:
        today = now.astimezone(ZoneInfo(zone)).date()
        return window(today - timedelta(days=value.last_days - 1), today, zone)
    assert value.start is not None and value.end is not None
    return window(value.start, value.end, zone)


def _month_floor(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def bucket_floor(instant: datetime, interval: str, zone: str) -> datetime:
    """The UTC start of the local bucket holding `instant` (the same rule as the SQL dialects)."""
    if interval == "minute":  # the live view; every zone in use today starts its minutes on the UTC minute
        return instant.astimezone(UTC).replace(second=0, microsecond=0)
    local = instant.astimezone(ZoneInfo(zone))
    if interval == "hour":
        return local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    day = local.date()
    if interval == "week":
        day -= timedelta(days=day.weekday())
    elif interval == "month":
        day = _month_floor(day)
    return local_midnight(day, zone)


def buckets(span: Window, interval: str) -> list[datetime]:
    """Every bucket start (UTC) overlapping the window, the first one possibly before it (weeks, months)."""
    if interval == "hour":
        count = int((span.end - span.start).total_seconds() // 3600)
        return [span.start + timedelta(hours=i) for i in range(count)]
    if interval == "day":
        return [local_midnight(span.first_day + timedelta(days=i), span.zone) for i in range(span.days)]
    if interval == "week":
        day = span.first_day - timedelta(days=span.first_day.weekday())
        step = timedelta(days=7)
        days = []
        while day <= span.last_day:
            days.append(day)
            day += step
        return [local_midnight(d, span.zone) for d in days]
    month = _month_floor(span.first_day)
    months = []
    while month <= span.last_day:
        months.append(month)
        month = _next_month(month)
    return [local_midnight(m, span.zone) for m in months]


def label(instant: datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).isoformat()


def count_buckets_upper_bound(value: DateRange, interval: str) -> int:
    """How many buckets a range can have, without knowing today's date (for validation)."""
    if value.last_days is not None:
        days = value.last_days
        return {"day": days, "week": days // 7 + 2, "month": days // 28 + 2}.get(interval, days * 24)
    assert value.start is not None and value.end is not None
    fake = Window(value.start, value.end, "UTC", datetime.min.replace(tzinfo=UTC), datetime.min.replace(tzinfo=UTC))
    return len(buckets(fake, interval)) if interval != "hour" else fake.days * 24
