"""Reading client-supplied times. Everything becomes an aware UTC datetime or a ValueError."""

from __future__ import annotations

import math
from datetime import UTC, datetime

# Anything outside these bounds is a bug or an attack, not a real event time.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def from_epoch_ms(value: object) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number of milliseconds since 1970-01-01 UTC")
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    seconds = value / 1000.0
    if not (EARLIEST.timestamp() <= seconds < LATEST.timestamp()):
        raise ValueError("is not a plausible time (years 2000–2099, in milliseconds)")
    return datetime.fromtimestamp(seconds, tz=UTC)


def from_iso(value: str) -> datetime:
    if len(value) > 40:
        raise ValueError("is too long for an ISO-8601 time")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        raise ValueError("is not an ISO-8601 time such as 2026-11-22T10:00:00Z") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    if not (EARLIEST <= parsed < LATEST):
        raise ValueError("is not a plausible time (years 2000–2099)")
    return parsed


def parse_client_time(value: object) -> datetime:
    """A time as clients send it: epoch milliseconds or an ISO-8601 string."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.replace(".", "", 1).isdigit():
            return from_epoch_ms(float(stripped))
        return from_iso(stripped)
    return from_epoch_ms(value)
