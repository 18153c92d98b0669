"""The consent decision: from a visitor's signals and the site's mode to what may be collected and kept.

One pure function, used by the server for every event and mirrored by the beacon (issue: client side).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Choice(StrEnum):
    GRANTED = "granted"
    DENIED = "denied"


@dataclass(frozen=True, slots=True)
class ConsentSignals:
    choice: Choice | None  # the visitor's banner choice, if any
    do_not_track: bool  # DNT: 1
    global_privacy_control: bool  # Sec-GPC: 1 / navigator.globalPrivacyControl
    site_mode: str  # "cookieless" | "opt_in"
    honour_dnt: bool
    # A backend authenticated with the site's secret key, or a vendor SDK: the sender manages consent.
    sender_manages_consent: bool = False


@dataclass(frozen=True, slots=True)
class ConsentDecision:
    collect: bool
    # May identifiers the client chose (anonymous/device/user/session ids) be stored? If not, the event
    # is counted under the daily cookieless visitor id only.
    store_identifiers: bool
    reason: str


def decide(signals: ConsentSignals) -> ConsentDecision:
    if signals.choice is Choice.DENIED:
        return ConsentDecision(collect=False, store_identifiers=False, reason="visitor declined")
    if signals.choice is Choice.GRANTED:
        # An explicit yes is more specific than a browser-wide DNT/GPC default.
        return ConsentDecision(collect=True, store_identifiers=True, reason="visitor consented")
    if signals.honour_dnt and (signals.do_not_track or signals.global_privacy_control):
        return ConsentDecision(collect=False, store_identifiers=False, reason="Do-Not-Track / GPC")
    if signals.sender_manages_consent:
        return ConsentDecision(collect=True, store_identifiers=True, reason="sender manages consent")
    if signals.site_mode == "opt_in":
        return ConsentDecision(collect=False, store_identifiers=False, reason="no consent yet (opt-in site)")
    return ConsentDecision(collect=True, store_identifiers=False, reason="cookieless until consent")
