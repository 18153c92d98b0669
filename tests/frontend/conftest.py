"""Browser tests: real headless Chromium (Debian's, driven by Playwright) against a live Sightline server.

Pages are served by a small HTTP server of their own on 127.0.0.1 (another port, so another origin than
Sightline: CORS and origin checks are real). The browser and its recorded contexts are in tests/browser.py.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest


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
