"""Remove personal data from event text, URLs and properties before anything is stored.

Pure Python on the ingest hot path: most strings carry no PII, so every entry point first asks whether a
string *could* hold any (one regex scan for the characters every rule needs) and returns it untouched
otherwise. The rules themselves are data in `consent.pii_rules`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from urllib.parse import quote_plus, unquote_plus

from consent.pii_rules import RULES, PiiRule, is_secret_param_name, is_secret_property_key

__all__ = ["REDACTED", "TRUNCATED", "apply_rule", "scrub_properties", "scrub_text", "scrub_url"]

REDACTED = "[redacted]"
# Returned in place of containers nested deeper than max_depth: passing them through unscrubbed would leak.
TRUNCATED = "[truncated]"

_URL_PREFIXES = ("http://", "https://")


def _applier(rule: PiiRule) -> Callable[[str], str]:
    has_group = "pii" in rule.pattern.groupindex
    if rule.validate is None and not has_group:
        # A template string keeps the whole substitution in C; escape it so "\" stays literal.
        return partial(rule.pattern.sub, rule.replacement.replace("\\", "\\\\"))
    validate, replacement = rule.validate, rule.replacement

    def replace(match: re.Match[str]) -> str:
        whole = match.group(0)
        if validate is not None and not validate(whole):
            return whole
        if not has_group:
            return replacement
        offset = match.start()
        return whole[: match.start("pii") - offset] + replacement + whole[match.end("pii") - offset :]

    return partial(rule.pattern.sub, replace)


def apply_rule(rule: PiiRule, value: str) -> str:
    """Apply a single rule with no pre-checks; lets tests show what each rule catches on its own."""
    return _applier(rule)(value)


def _build_steps() -> tuple[tuple[tuple[str, ...], tuple[tuple[int, Callable[[str], str]], ...]], ...]:
    # Consecutive rules with the same hints share one pre-check. A replacement never introduces a hint
    # character, so a negative pre-check stays valid for the rest of its group.
    steps: list[tuple[tuple[str, ...], list[tuple[int, Callable[[str], str]]]]] = []
    for rule in RULES:
        if not steps or steps[-1][0] != rule.hints:
            steps.append((rule.hints, []))
        steps[-1][1].append((rule.min_length, _applier(rule)))
    return tuple((hints, tuple(appliers)) for hints, appliers in steps)


_STEPS = _build_steps()
_MIN_LENGTH = min(rule.min_length for rule in RULES)
# One scan answers "could any rule match?" for the common string that holds no PII at all. A rule with no
# hints could match anything, so its presence turns the shared fast path off (the empty pattern always hits).
_ALL_HINTS = sorted({hint for rule in RULES for hint in rule.hints}, key=len, reverse=True)
_ANY_HINT = re.compile("|".join(map(re.escape, _ALL_HINTS)) if all(rule.hints for rule in RULES) else "")


def _contains_any(value: str, hints: tuple[str, ...]) -> bool:
    for hint in hints:
        if hint in value:
            return True
    return not hints


def scrub_text(value: str) -> str:
    """Replace every PII match in free text (titles, labels, property values) with its placeholder."""
    if len(value) < _MIN_LENGTH or _ANY_HINT.search(value) is None:
        return value
    for hints, appliers in _STEPS:
        if not _contains_any(value, hints):
            continue
        for min_length, apply in appliers:
            if len(value) >= min_length:
                value = apply(value)
    return value


def _scrub_param(param: str) -> str:
    name, eq, raw = param.partition("=")
    if not eq:
        return scrub_text(param)
    if raw and is_secret_param_name(unquote_plus(name)):
        return name + "=" + REDACTED
    if "%" not in raw and "+" not in raw:
        return name + "=" + scrub_text(raw)
    # Percent-encoding hides PII from the text rules (alice%40example.com, %2B44+20+7946+0958), so look
    # at the decoded value and re-encode only when something was actually removed.
    decoded = unquote_plus(raw)
    scrubbed = scrub_text(decoded)
    return name + "=" + (raw if scrubbed == decoded else quote_plus(scrubbed, safe="[]"))


def _scrub_query(query: str) -> str:
    if not query:
        return query
    return "&".join(_scrub_param(param) for param in query.split("&"))


def _scrub_fragment(fragment: str) -> str:
    # Fragments carry OAuth implicit-flow tokens (#access_token=...) and SPA routes (#/reset?token=...).
    route, qmark, query = fragment.partition("?")
    if qmark:
        return scrub_text(route) + "?" + _scrub_query(query)
    if "=" in route:
        return _scrub_query(route)
    return scrub_text(route)


def _scrub_authority(authority: str) -> str:
    # The host names the site, not a person, so it skips the text rules, IP addresses included: intranet
    # and air-gapped sites are often reached by IP, and that address is the server's, not the visitor's.
    # user:password@host is a credential, and the text rules would turn it into "[email]", losing the host.
    _userinfo, at, hostport = authority.rpartition("@")
    return ("redacted@" if at else "") + hostport


def _scrub_base(base: str) -> str:
    scheme, sep, rest = base.partition("://")
    if sep and scheme[:1].isalpha() and scheme.replace("-", "").replace("+", "").replace(".", "").isalnum():
        prefix = scheme + sep
    elif base.startswith("//"):  # scheme-relative
        prefix, rest = "//", base[2:]
    else:
        return scrub_text(base)
    authority, slash, path = rest.partition("/")
    return prefix + _scrub_authority(authority) + slash + scrub_text(path)


def scrub_url(value: str) -> str:
    """Redact secret query/fragment parameters and apply the text rules to the rest of a URL."""
    if len(value) < _MIN_LENGTH or _ANY_HINT.search(value) is None:
        return value
    base, hash_, fragment = value.partition("#")
    base, qmark, query = base.partition("?")
    scrubbed = _scrub_base(base)
    if qmark:
        scrubbed += "?" + _scrub_query(query)
    if hash_:
        scrubbed += "#" + _scrub_fragment(fragment)
    return scrubbed


def _scrub_string(value: str) -> str:
    if value.startswith(_URL_PREFIXES):
        return scrub_url(value)
    return scrub_text(value)


def _redact_strings(value: object, depth_left: int) -> object:
    if isinstance(value, str):
        return REDACTED if value else value
    if isinstance(value, dict | list | tuple):
        if depth_left <= 0:
            return TRUNCATED
        if isinstance(value, dict):
            return {key: _redact_strings(item, depth_left - 1) for key, item in value.items()}
        items = [_redact_strings(item, depth_left - 1) for item in value]
        return items if isinstance(value, list) else tuple(items)
    # Numbers stay: under keys such as token_count they are measurements, not secrets.
    return value


def _scrub_value(value: object, depth_left: int) -> object:
    if isinstance(value, str):
        return _scrub_string(value)
    if isinstance(value, dict):
        if depth_left <= 0:
            return TRUNCATED
        return {
            key: (
                _redact_strings(item, depth_left - 1)
                if isinstance(key, str) and is_secret_property_key(key)
                else _scrub_value(item, depth_left - 1)
            )
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        if depth_left <= 0:
            return TRUNCATED
        items = [_scrub_value(item, depth_left - 1) for item in value]
        return items if isinstance(value, list) else tuple(items)
    return value


def scrub_properties(value: object, *, max_depth: int = 8) -> object:
    """Return a scrubbed copy of a JSON-like value; keys stay, secret-named keys lose their string values."""
    return _scrub_value(value, max_depth)
