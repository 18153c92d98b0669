"""Test pages: the site's real snippet (analytics.snippet) inside a minimal HTML document."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from analytics.models import Event
from analytics.snippet import QUEUE_STUB, beacon_url, site_snippet


def wait_until(condition: Callable[[], Any], timeout: float = 15, what: str = "the condition", page: Any = None) -> Any:
    """Polls `condition`. Pass the page when route handlers or request listeners must run meanwhile: the
    sync API dispatches them only while the test is inside a Playwright call."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if page is not None:
            page.wait_for_timeout(100)
        else:
            time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def page_html(key: str, api: str, *, head: str = "", body: str = "", lang: str = "en", snippet: str = "") -> str:
    """`head` runs before the snippet (a vendor's own queue code); `snippet` replaces the standard one."""
    snippet = snippet or site_snippet(public_key=key, server_url=api)
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Test page</title>'
        f"{head}{snippet}</head><body><main><h1>Test page</h1>{body}</main></body></html>"
    )


def script_tag(key: str, api: str, attrs: str = "") -> str:
    """The non-inline variant: the script tag alone (strict Content-Security-Policy)."""
    return f'<script async src="{beacon_url(api)}" data-key="{key}" {attrs}></script>'


def events(site_id: int, **filters: Any) -> list[Event]:
    return list(Event.objects.filter(site_id=site_id, **filters).order_by("timestamp"))


def wait_events(site_id: int, count: int, **filters: Any) -> list[Event]:
    wait_until(lambda: len(events(site_id, **filters)) >= count, what=f"{count} event(s) {filters}")
    return events(site_id, **filters)


__all__ = ["QUEUE_STUB", "events", "page_html", "script_tag", "wait_events", "wait_until"]
