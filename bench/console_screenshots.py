"""Take the README's console screenshots (docs/screenshots/*.png) from a bench database, in headless Chromium.

Run from the repository root, against a database bench/generate_events.py filled (the 1M one: realistic
numbers, pages that load in seconds):
    apt-get install -y fonts-noto-cjk     # once: the Chinese shots need CJK fonts
    .venv/bin/python bench/console_screenshots.py \
        [--database-url postgres://postgres@127.0.0.1:5432/sightline_bench_1m] [--out docs/screenshots]

Like bench/bench_console.py it migrates the database if needed, signs in as `bench-console` (admin of the site)
through gunicorn with production settings, and shoots every page of console/navigation.py at 1280×800 — the
analysis pages with a query in their URL, so they show a result — plus the overview in Chinese. So that the
settings, cohorts and consent pages are not empty, it adds (once) a cohort, a custom dimension, an event alias
and a few consent choices to the bench site. With Pillow installed (the `gpu` extra brings it) the PNGs are
reduced to 256 colours, a third of their size.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ itself: console_server
from console_server import ROOT, BenchSite, launch_chromium, prepare_database, running_gunicorn, sign_in, wait_loaded

VIEWPORT = {"width": 1280, "height": 800}
# What the analysis pages show in the shots (their shareable #q= state); other pages open with their defaults.
STATES: dict[str, dict[str, Any]] = {
    "events": {
        "series": [{"event": "page_view", "math": "count", "filters": []}],
        "filters": [],
        "breakdown": None,
        "interval": "day",
    },
    "funnels": {
        "steps": [{"event": "page_view"}, {"event": "click_generate"}, {"event": "download"}],
        "conversion_window": {"value": 1, "unit": "day"},
        "order": "ordered",
        "exclusions": [],
        "filters": [],
        "breakdown": None,
    },
    "retention": {"target": {"event": "page_view"}, "retention_type": "first_time", "period": "day", "filters": []},
    "paths": {"start_event": "page_view", "depth": 4, "limit": 5, "collapse_repeats": True, "filters": []},
}
# Ranges short enough to load quickly on the 1M dataset and long enough to show a trend.
RANGES = {"overview": "7d", "events": "30d", "funnels": "7d", "retention": "7d", "paths": "7d"}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/sightline_bench_1m")
    parser.add_argument("--site-name", default="bench")
    parser.add_argument("--username", default="bench-console")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--timeout", type=float, default=180, help="seconds a page may take to load")
    return parser.parse_args()


def _furnish(site: BenchSite) -> None:
    """A cohort, a dimension, an alias and some consent choices, so those pages show what they are for. Once."""
    from analytics import facade
    from consent.services import consent_record_create

    if not any(c.name == "Subscribers" for c in facade.cohort_list(site_id=site.site_id)):
        facade.cohort_create(
            site_id=site.site_id,
            name="Subscribers",
            definition={"match": "all", "criteria": [{"type": "event", "event": "subscription_purchased"}]},
        )
    if not any(d.key == "plan" for d in facade.dimension_list(site_id=site.site_id)):
        facade.dimension_create(site_id=site.site_id, key="plan", display_name="Plan")
    if not facade.alias_list(site_id=site.site_id):
        facade.alias_set(site_id=site.site_id, alias="$pageview", name="page_view")
    from consent.models import ConsentRecord

    if not ConsentRecord.objects.filter(site_id=site.site_id).exists():
        for n in range(40):  # about 70 % opt in, as on a site with a fair banner
            choice = "granted" if n % 10 < 7 else "denied"
            consent_record_create(site_id=site.site_id, subject=f"screenshot-{n}", choice=choice, source="banner")


def _optimise(path: Path) -> None:
    try:
        from PIL import Image
    except ImportError:
        return  # Pillow is optional here: the PNG stays as Chromium wrote it
    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def _shoot(context: Any, url: str, path: Path, timeout_s: float) -> None:
    page = context.new_page()
    page.goto(url, wait_until="domcontentloaded")
    if wait_loaded(page, timeout_s) is None:
        print(f"warning: {url} was still loading after {timeout_s:.0f} s; shot as it was")
    if page.locator("[data-result]").count():  # an analysis page: its answer, not its form, fills the shot
        page.evaluate("document.querySelector('[data-result]').scrollIntoView({block: 'start'})")
    page.wait_for_timeout(600)  # chart animations settle
    page.screenshot(path=str(path))
    page.close()
    _optimise(path)
    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {path.stat().st_size // 1024} KiB")


def main() -> None:
    args = _arguments()
    site = prepare_database(args.database_url, site_name=args.site_name, username=args.username)
    _furnish(site)
    from playwright.sync_api import sync_playwright

    from console.navigation import PAGES

    args.out.mkdir(parents=True, exist_ok=True)
    last = site.last_day
    today = datetime.now(ZoneInfo(site.timezone)).date()
    log = ROOT / "var" / "console-screenshots-gunicorn.log"
    gunicorn = running_gunicorn(args.database_url, workers=2, threads=4, log=log)
    with gunicorn as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        shots = [(page.key, "en-US", page.key) for page in PAGES] + [("overview", "zh-CN", "overview-zh-hans")]
        contexts = {}
        for key, locale, name in shots:
            if locale not in contexts:
                contexts[locale] = sign_in(browser, base_url, site, locale=locale, viewport=VIEWPORT)
            url = f"{base_url}/sites/{site.site_id}/{key}/"
            if key in RANGES and last == today:
                url += f"?range={RANGES[key]}"
            elif key in RANGES:  # as many days, ending on the dataset's last day, whenever the shots are taken
                first = last - timedelta(days=int(RANGES[key].removesuffix("d")) - 1)
                url += f"?range=custom&from={first.isoformat()}&to={last.isoformat()}"
            if key in STATES:
                url += "#q=" + quote(json.dumps(STATES[key]))
            _shoot(contexts[locale], url, args.out / f"{name}.png", args.timeout)
        browser.close()


if __name__ == "__main__":
    main()
