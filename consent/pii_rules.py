"""The PII rules as data: one `PiiRule` per kind of personal data, applied in `RULES` order.

Pure Python on purpose (no Django): the scrubber runs on the ingest hot path and is tested in microseconds.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "RULES",
    "PiiRule",
    "card_number_ok",
    "cn_resident_id_ok",
    "is_secret_param_name",
    "is_secret_property_key",
]


@dataclass(frozen=True, slots=True)
class PiiRule:
    """One kind of PII: what it looks like, what replaces it, and an optional check on each candidate.

    `validate` sees the whole match; a candidate it rejects is left untouched. When `pattern` has a group
    named `pii`, only that group is replaced, so context such as a query parameter's name survives.
    `hints` and `min_length` are cheap pre-checks: the rule cannot match text shorter than `min_length` or
    text containing none of `hints`, so the scrubber skips the regex with C-speed `in` tests.
    """

    name: str
    pattern: re.Pattern[str]
    replacement: str
    validate: Callable[[str], bool] | None = None
    hints: tuple[str, ...] = ()
    min_length: int = 0


DIGITS = tuple("0123456789")

# Every digit-driven rule refuses to start inside a word, a dotted sequence (versions, decimals) or a
# hyphenated identifier such as ORD-2024-000123, and refuses to stop before more digits. re.ASCII keeps
# CJK text directly before a number (手机13800138000) from counting as part of a word.
_START = r"(?<![\w.])(?<!\w-)"
_END = r"(?![\w]|[.-]?\d)"


# --- query-string secrets -------------------------------------------------------------------------

# Matched as whole `_`/`-`/camelCase components so that monkey, turkey or keynote stay readable.
SECRET_PARAM_WORDS = frozenset(
    {
        "token", "key", "password", "passwd", "pwd", "pass", "secret", "auth", "authorization",
        "session", "sid", "sig", "signature", "credential", "credentials", "jwt", "otp",
    }
)  # fmt: skip
# `code` is an OAuth authorization code only when it is the whole name; country_code or promo_code are not.
SECRET_PARAM_EXACT = frozenset({"code"})
# Glued names with no separator to split on: sessionid, apikey, accesstoken, jsessionid, phpsessid.
SECRET_PARAM_SUFFIXES = (
    "token",
    "password",
    "passwd",
    "secret",
    "apikey",
    "sessionid",
    "sessid",
    "signature",
)

# Property keys are product data, not URL plumbing: `session`, `key`, `auth` or `code` there usually name
# analytics fields ($session_id, a keyboard key, an auth method) that must stay usable.
SECRET_PROPERTY_WORDS = frozenset(
    {
        "password", "passwd", "pwd", "passcode", "secret", "token", "credential", "credentials",
        "authorization", "jwt", "otp", "cvv", "cvc", "cvv2", "ssn",
    }
)  # fmt: skip
SECRET_PROPERTY_SUFFIXES = ("token", "password", "passwd", "secret", "apikey", "accesskey", "privatekey")

_NAME_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def _name_parts(name: str) -> tuple[str, ...]:
    return tuple(part.lower() for part in _NAME_PART.findall(name))


def _name_matches(name: str, words: frozenset[str], suffixes: tuple[str, ...]) -> bool:
    parts = _name_parts(name)
    return any(part in words for part in parts) or "".join(parts).endswith(suffixes)


# Cached because names repeat endlessly across events while the set of distinct names stays small.
@lru_cache(maxsize=4096)
def is_secret_param_name(name: str) -> bool:
    """Whether a URL query or fragment parameter name announces a credential."""
    return name.lower() in SECRET_PARAM_EXACT or _name_matches(name, SECRET_PARAM_WORDS, SECRET_PARAM_SUFFIXES)


@lru_cache(maxsize=4096)
def is_secret_property_key(key: str) -> bool:
    """Whether an event property key announces a credential whose string value must not be stored."""
    return _name_matches(key, SECRET_PROPERTY_WORDS, SECRET_PROPERTY_SUFFIXES)


def _secret_param_ok(match: str) -> bool:
    name = match.lstrip("?&#; \t\r\n").partition("=")[0]
    return is_secret_param_name(name)


URL_SECRET = PiiRule(
    name="url_secret",
    pattern=re.compile(r"(?:^|[?&#;\s])[^\s=&#;?\"'<>]{1,64}=(?P<pii>[^\s&#;\"'<>]+)"),
    replacement="[redacted]",
    validate=_secret_param_ok,
    hints=("=",),
    min_length=5,
)


# --- e-mail ---------------------------------------------------------------------------------------

EMAIL = PiiRule(
    name="email",
    pattern=re.compile(
        r"""
        (?<![A-Za-z0-9._%+'-])[A-Za-z0-9._%+'-]{1,64}   # whole local part: restarting mid-word is quadratic
        (?:@|%40)                             # %40: the address sits percent-encoded inside a URL
        (?![1-9]x[.@-])                       # retina asset names such as logo@2x.png
        (?:[A-Za-z0-9-]{1,63}\.){1,8}
        (?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})
        \b
        """,
        re.ASCII | re.VERBOSE,
    ),
    replacement="[email]",
    hints=("@", "%40"),
    min_length=6,
)


# --- IP addresses ---------------------------------------------------------------------------------

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"


def _ipv6_ok(candidate: str) -> bool:
    # Hex-only candidates are Rust/C++ paths (Abc::Def) far more often than real addresses.
    if not any(ch.isdigit() for ch in candidate):
        return False
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return False
    return True


IPV6 = PiiRule(
    name="ipv6",
    # Deliberately loose; ipaddress decides. Times (12:30:45) and MAC addresses fail that check.
    pattern=re.compile(
        rf"(?<![\w:])(?:[0-9A-Fa-f]{{0,4}}:){{2,8}}(?:{_IPV4}|[0-9A-Fa-f]{{1,4}})?(?![\w:]|\.\d)", re.ASCII
    ),
    replacement="[ip]",
    validate=_ipv6_ok,
    hints=(":",),
    min_length=3,
)


def _ipv4_ok(candidate: str) -> bool:
    # An address ending in .0 names a network rather than a host, and the reduced user-agent form
    # Chrome/120.0.0.0 would otherwise turn every browser version into an address.
    return not candidate.endswith(".0")


IPV4 = PiiRule(
    name="ipv4",
    # A dotted quad after "version" is a version number; one inside 1.2.3.4.5 is part of a longer version.
    pattern=re.compile(rf"{_START}(?<!(?i:version)[ =:/])(?<!(?i:version): ){_IPV4}(?![\w]|\.\d)", re.ASCII),
    replacement="[ip]",
    validate=_ipv4_ok,
    hints=DIGITS,
    min_length=7,
)


# --- mainland-China resident ID -------------------------------------------------------------------

_CN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CN_ID_CHECK = "10X98765432"
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def cn_resident_id_ok(candidate: str) -> bool:
    """ISO 7064 MOD 11-2 check digit plus a plausible YYYYMMDD birth date in positions 7-14."""
    if len(candidate) != 18 or not candidate[:17].isdigit():
        return False
    year, month, day = int(candidate[6:10]), int(candidate[10:12]), int(candidate[12:14])
    if not (1900 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month - 1]):
        return False
    if month == 2 and day == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(candidate[:17], _CN_ID_WEIGHTS, strict=True))
    return _CN_ID_CHECK[total % 11] == candidate[17].upper()


CN_ID = PiiRule(
    name="cn_id",
    pattern=re.compile(rf"{_START}[1-9]\d{{16}}[\dXx]{_END}", re.ASCII),
    replacement="[cn_id]",
    validate=cn_resident_id_ok,
    hints=DIGITS,
    min_length=18,
)


# --- payment cards --------------------------------------------------------------------------------


def _known_card_prefix(digits: str) -> bool:
    # Requiring a real issuer range is what keeps 13-digit millisecond timestamps (17...) out, even the
    # tenth of them that happens to pass Luhn.
    two, three, four = int(digits[:2]), int(digits[:3]), int(digits[:4])
    return (
        digits[0] == "4"  # Visa
        or 51 <= two <= 55
        or 2221 <= four <= 2720  # Mastercard
        or two in (34, 37)  # Amex
        or four == 6011
        or two == 65
        or 644 <= three <= 649  # Discover
        or two in (35, 62, 30, 36, 38)  # JCB, UnionPay, Diners
    )


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_number_ok(candidate: str) -> bool:
    """13-19 digits from a known issuer range that pass the Luhn check; spaces and dashes are ignored."""
    digits = candidate.replace(" ", "").replace("-", "")
    return 13 <= len(digits) <= 19 and digits.isdigit() and _known_card_prefix(digits) and _luhn_ok(digits)


CARD = PiiRule(
    name="card",
    # Grouped forms are the printed layouts, one separator throughout: 4-4-4-4(-3), Amex 4-6-5, Diners 4-6-4.
    # Fixed shapes let "4111 1111 1111 1111 2024" stop before the year instead of swallowing it.
    pattern=re.compile(
        rf"""
        {_START}
        (?:
            \d{{13,19}}
          | \d{{4}}(?P<sep>[ -])
            (?:\d{{4}}(?P=sep)\d{{4}}(?P=sep)\d{{4}}(?:(?P=sep)\d{{3}})?|\d{{6}}(?P=sep)\d{{4,5}})
        )
        {_END}
        """,
        re.ASCII | re.VERBOSE,
    ),
    replacement="[card]",
    validate=card_number_ok,
    hints=DIGITS,
    min_length=13,
)


# --- phone numbers --------------------------------------------------------------------------------


def _phone_ok(candidate: str) -> bool:
    # E.164 caps a number at 15 digits; fewer than 8 after a "+" is a signed quantity, not a phone.
    if not candidate.startswith("+"):
        return True
    return 8 <= sum(char.isdigit() for char in candidate) <= 15


PHONE = PiiRule(
    name="phone",
    pattern=re.compile(
        rf"""
        (?:
            # international: +44 20 7946 0958, +1 (415) 555-2671, +86 138 0013 8000
            # Possessive digit runs: re-splitting a long run into groups only burns time (ReDoS).
            (?<![\w+])\+[1-9]\d{{0,3}}+(?:[ .-]?\(\d{{1,5}}+\)|[ .-]?\d{{1,6}}+){{1,6}}
            # mainland-China mobile, optionally after +86 / 0086: 13800138000, 138 0013 8000
          | {_START}(?<!\+)(?:(?:\+|00)86[ -]?)?1[3-9]\d(?:[ -]?\d{{4}}){{2}}
            # North American national format: (415) 555-2671, 415-555-2671
          | {_START}(?<![+(])(?:\([2-9]\d{{2}}\)[ ]?|[2-9]\d{{2}}-)[2-9]\d{{2}}-\d{{4}}
        )
        {_END}
        """,
        re.ASCII | re.VERBOSE,
    ),
    replacement="[phone]",
    validate=_phone_ok,
    hints=DIGITS,
    min_length=9,
)


# Order matters: secrets first so a token's value goes whole; email before anything digit-driven;
# IPv6 before IPv4 so ::ffff:1.2.3.4 goes as one address; CN IDs before cards because an 18-digit ID
# can also look like a UnionPay number.
RULES: tuple[PiiRule, ...] = (URL_SECRET, EMAIL, IPV6, CN_ID, CARD, IPV4, PHONE)
