"""Origin matching for browser senders; the rule lives in consent, which the consent endpoints share."""

from __future__ import annotations

from consent.origins import origin_allowed

__all__ = ["origin_allowed"]
