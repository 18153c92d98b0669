"""A small dataset for the analysis pages: 20 people who view pages, 15 sign up, 10 generate, 5 purchase, some
come back the next day; tracked strings (event names, labels, property values, paths) that try to be HTML."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.analytics.dataset import event, write

XSS_EVENT = "<img src=x onerror=alert(1)>"
XSS_LABEL = "<svg onload=alert(2)>"
XSS_PLAN = '"><script>alert(3)</script>'
XSS_PATH = "/<img src=x onerror=alert(4)>"
PEOPLE = [f"p{i:02}" for i in range(20)]
SIGNED_UP, GENERATED, PURCHASED = PEOPLE[:15], PEOPLE[:10], PEOPLE[:5]


def load_analysis_dataset(site_id: int) -> None:
    # Two days ago at 10:00 UTC: inside "last 7 days" and "last 30 days" in any zone, the next day too.
    start = (datetime.now(UTC) - timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    rows = []
    for i, person in enumerate(PEOPLE):
        t0 = start + timedelta(minutes=3 * i)
        browser = ("Chrome", "Firefox")[i % 2]
        common = {"browser": browser, "os": "Linux", "device_type": "desktop"}
        path = XSS_PATH if i % 4 == 0 else "/pricing"
        rows.append(event(site_id, "page_view", t0, user=person, path=path, url="https://example.com" + path, **common))
        if person in SIGNED_UP:
            plan = XSS_PLAN if i % 3 == 0 else "pro"
            rows.append(
                event(site_id, "signup", t0 + timedelta(seconds=30), user=person, props={"plan": plan}, **common)
            )
        else:
            rows.append(event(site_id, XSS_EVENT, t0 + timedelta(seconds=30), user=person, label=XSS_LABEL, **common))
        if person in GENERATED:
            rows.append(
                event(site_id, "generate", t0 + timedelta(minutes=1), user=person, props={"ms": 100 * i}, **common)
            )
        if person in PURCHASED:
            rows.append(event(site_id, "purchase", t0 + timedelta(minutes=2), user=person, value=10.0 + i, **common))
        if i < 8:  # back the next day
            rows.append(event(site_id, "page_view", t0 + timedelta(days=1), user=person, path="/docs", **common))
    write(*rows)
