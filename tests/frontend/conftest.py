"""Browser tests: real headless Chromium (Debian's, driven by Playwright) against a live Sightline server.

Pages are served by a small HTTP server of their own on 127.0.0.1 (another port, so another origin than
Sightline: CORS and origin checks are real). Every request a page makes is recorded, and each test ends
by asserting that none left 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
class PageServer:
    """Serves test pages registered by path; each page may carry its own response headers (CSP)."""

    url: str
    pages: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)

    def add(self, path: str, html: str, headers: dict[str, str] | None = None) -> str:
        self.pages[path] = (html, headers or {})
        return self.url + path


@pytest.fixture(scope="session")
def page_server() -> Iterator[PageServer]:
    pages: dict[str, tuple[str, dict[str, str]]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = pages.get(urlsplit(self.path).path)
            if found is None:
                self.send_error(404)
                return
            body = found[0].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in found[1].items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield PageServer(url=f"http://127.0.0.1:{server.server_address[1]}", pages=pages)
    finally:
        server.shutdown()


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
