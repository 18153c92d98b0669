"""A site whose every tracked field is hostile: HTML that runs script, `javascript:` URLs, template syntax,
right-to-left and zero-width characters and very long strings — in event names, category/action/label, url,
path, referrer, title, property keys and values, dimension values, user and anonymous ids, browser, OS and
device strings; plus the admin-entered names the pages show next to them (site, cohort, dimension, alias,
token). Every payload that could run calls alert(), so the walk sees a dialog or a CSP violation if it does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from access.services import api_token_create
from analytics import facade
from consent.services import consent_record_create
from tests.analytics.dataset import event, write

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = '"><script>alert(1)</script>'
JS_URL = "javascript:alert(1)"
TEMPLATE = "{{7*7}}"
# Right-to-left override and zero-width characters: they must not reorder or hide the page's own text.
BIDI = "\u202eevil\u200b\u200d\u2066x\u2069"
SVG = "<svg onload=alert(1)>"
PAYLOADS = [IMG, SCRIPT, JS_URL, TEMPLATE, BIDI, SVG]
# Text columns take any length; varchar ones (names, ids, browser…) are capped where the store caps them.
LONG = "<b>long</b>" + "x" * 3000
DEVICE_PAYLOADS = ["<svg/onload=1>", "javascript:1", TEMPLATE, BIDI]
SITE_NAME = "Shop " + IMG
COHORT_NAME = "Cohort " + SCRIPT
DIMENSION_NAME = "Plan " + SVG
TOKEN_NAME = "token " + IMG


def _fit(value: str, length: int) -> str:
    return value[:length]


def load_hostile_dataset(site_id: int, *, user_id: int) -> None:
    """Hostile events over the last three days and the last ten minutes (so live and every default range see
    them), then a cohort, a dimension, an alias, a token and consent records named with payloads."""
    now = datetime.now(UTC)
    rows = []
    for i, payload in enumerate(PAYLOADS * 3):
        long = i >= len(PAYLOADS) * 2  # the third round uses very long strings where the column allows
        text = LONG if long else payload
        start = now - timedelta(minutes=5) if i % 4 == 0 else now - timedelta(days=i % 3, hours=1 + i)
        common: dict[str, Any] = {
            "browser": _fit(payload, 64),
            "os": _fit(BIDI + payload, 64),
            "device_type": DEVICE_PAYLOADS[i % len(DEVICE_PAYLOADS)],
            "category": _fit(payload, 200),
            "action": _fit(payload, 200),
            "label": _fit(text, 500),
            "props": {payload: text, "plan": payload, "amount": i},
            "dims": {"plan": text},
        }
        identity = {"anon": _fit(f"{payload}-{i}", 200), "user": _fit(f"user {payload} {i}", 200) if i % 2 else ""}
        path = "/" + text
        rows.append(
            event(
                site_id,
                "page_view",
                start,
                url="https://example.com" + path if i % 3 else text,
                path=path,
                referrer=JS_URL if i % 2 else text,
                title=text,
                **identity,
                **common,
            )
        )
        rows.append(event(site_id, _fit(payload, 200), start + timedelta(seconds=20), **identity, **common))
        rows.append(event(site_id, "signup", start + timedelta(seconds=40), **identity, **common))
    write(*rows)
    facade.cohort_create(
        site_id=site_id,
        name=COHORT_NAME,
        definition={"match": "all", "criteria": [{"type": "event", "event": IMG}]},
    )
    facade.dimension_create(site_id=site_id, key="plan", display_name=DIMENSION_NAME)
    facade.alias_set(site_id=site_id, alias=SCRIPT, name=IMG)
    api_token_create(user_id=user_id, name=TOKEN_NAME)
    for n, choice in enumerate(["granted", "denied", "granted"]):
        consent_record_create(
            site_id=site_id, subject=f"{SCRIPT}-{n}", choice=choice, source="banner", categories=[IMG, SVG]
        )
