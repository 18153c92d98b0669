"""A small generated dataset for console tests: a week of visits and a few in the last minutes, with tracked
strings that try to be HTML or script (they must show as text)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from tests.analytics.dataset import event, write

XSS_PATH = "/<img src=x onerror=window.__xss=1>"
XSS_TITLE = "<script>window.__xss=2</script>"
XSS_REFERRER = "javascript:window.__xss=3//"
PATHS = ["/", "/pricing", "/docs", "/blog/launch", XSS_PATH]
REFERRERS = ["", "https://www.google.com/", "https://news.ycombinator.com/", XSS_REFERRER]
CLIENTS = [("Chrome", "Windows", "desktop"), ("Firefox", "Linux", "desktop"), ("Safari", "iOS", "mobile")]


def load_dataset(site_id: int, *, visitors: int = 30, live_visitors: int = 3, seed: int = 7) -> None:
    """Sessions spread over the last five days, plus `live_visitors` people active in the last ten minutes."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    rows = []
    for i in range(visitors + live_visitors):
        live = i >= visitors
        start = now - timedelta(minutes=rng.randint(1, 10)) if live else now - timedelta(hours=rng.randint(1, 120))
        browser, os_name, device = CLIENTS[i % len(CLIENTS)]
        referrer = REFERRERS[i % len(REFERRERS)]
        common = {"browser": browser, "os": os_name, "device_type": device}
        for step in range(1 + i % 3):
            path = PATHS[(i + step) % len(PATHS)]
            when = start + timedelta(seconds=20 * step)
            rows.append(
                event(
                    site_id,
                    "page_view",
                    min(when, now),
                    anon=f"visitor-{i}",
                    path=path,
                    url="https://example.com" + path,
                    title=XSS_TITLE if path == XSS_PATH else path,
                    referrer=referrer if step == 0 else "https://example.com/",
                    **common,
                )
            )
        if i % 4 == 0:
            rows.append(event(site_id, "signup", min(start + timedelta(seconds=5), now), anon=f"visitor-{i}", **common))
    write(*rows)
