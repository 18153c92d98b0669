"""The one headless Chromium of a test run (Debian's, driven by Playwright), shared by every browser test.

Registered once, by tests/conftest.py: Playwright's sync API allows one instance per process, so a second
copy of the session fixture (a conftest importing it again) would fail. Every request a `browsing` context
makes is recorded, and each test ends by asserting that none left 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.processes import ROOT

# Playwright's sync API runs an event loop in this thread; Django would then refuse ORM calls from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

FRONTEND = ROOT / "frontend"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def built_frontend() -> None:
    """Builds frontend/dist from the sources under test (make test has already done so; this is cheap)."""
    if not (FRONTEND / "node_modules" / ".package-lock.json").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, check=True)
    subprocess.run(["npm", "run", "--silent", "build"], cwd=FRONTEND, check=True)


@pytest.fixture(scope="session")
def browser(built_frontend) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: run `make test` (it apt-installs it) or `apt-get install chromium`.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Browsing:
    """One browser context (a fresh profile: no storage, no HTTP cache) and the requests it made."""

    context: Any
    requests: list[str] = field(default_factory=list)

    def collects(self) -> list[str]:
        return [url for url in self.requests if "/api/v1/collect" in url]

    def ledger_posts(self) -> list[str]:
        return [url for url in self.requests if url.endswith("/api/v1/consent")]


@pytest.fixture
def browsing(browser) -> Iterator[Callable[..., Browsing]]:
    contexts: list[Browsing] = []

    def open_context(**options: Any) -> Browsing:
        context = browser.new_context(**options)
        browsing = Browsing(context)
        context.on("request", lambda request: browsing.requests.append(request.url))
        contexts.append(browsing)
        return browsing

    yield open_context
    for browsing in contexts:
        # Closing hides the pages, and hidden pages send their last beacons: refuse them in the browser, so
        # no late write reaches the database while the test's tables are being emptied.
        browsing.context.route("**/api/v1/**", lambda route: route.abort())
        browsing.context.close()
    hosts = {urlsplit(url).hostname for b in contexts for url in b.requests}
    assert hosts <= {"127.0.0.1"}, f"a page reached beyond 127.0.0.1: {hosts}"
