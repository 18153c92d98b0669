"""Console test kit, reusable by every console page's tests (docs/console.md, "Adding a page"):

- `console_user(name, sites={site_id: role}, superuser=False)` — a user with the password PASSWORD;
- `console_client(user)` — a Django test client signed in as that user;
- `console_page(user)` — a real headless Chromium page on the live server, signed in, recording every request,
  console error, page error and Content-Security-Policy violation (`ConsolePage.assert_clean()`);
- `load_dataset` (tests/console/dataset.py) — a small generated dataset with HTML/script in tracked fields.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.access.factories import grant, make_user
from tests.frontend.pages import wait_until

__all__ = ["wait_until"]

PASSWORD = "correct horse battery staple"

# Collects CSP violations inside the page (Chromium also logs them as console errors; both are checked).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


@pytest.fixture(autouse=True)
def _private_cache(settings) -> None:
    """Lockout counters (django-axes) and API rate limits in this test's own memory, not the shared Redis."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@pytest.fixture
def console_user(db) -> Callable[..., Any]:
    def make(name: str, *, sites: dict[int, str] | None = None, superuser: bool = False) -> Any:
        user = make_user(name, superuser=superuser)
        user.set_password(PASSWORD)
        user.save()
        for site_id, role in (sites or {}).items():
            grant(user, site_id, role)
        return user

    return make


@pytest.fixture
def console_client() -> Callable[[Any], Client]:
    def signed_in(user: Any) -> Client:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return signed_in


@dataclass
class ConsolePage:
    """A signed-in Playwright page on the live server and what it did."""

    page: Any
    base_url: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def goto(self, path: str) -> Any:
        return self.page.goto(self.base_url + path)

    def csp_violations(self) -> list[str]:
        return list(self.page.evaluate("window.__cspViolations || []"))

    def evaluate(self, expression: str, arg: Any = None) -> Any:
        """page.evaluate that answers None while the page is navigating (its old document is gone)."""
        from playwright.sync_api import Error

        try:
            return self.page.evaluate(expression, arg)
        except Error as exc:
            if "context was destroyed" in str(exc) or "navigat" in str(exc):
                return None
            raise

    def wait_for(self, expression: str, arg: Any = None, timeout: float = 20, what: str = "the page") -> Any:
        """Polls a JavaScript expression with evaluate: Playwright's wait_for_function compiles its predicate
        with eval, which the console's CSP refuses."""
        return wait_until(lambda: self.evaluate(expression, arg), timeout, what=what, page=self.page)

    def wait_loaded(self, selector: str = "main", timeout: float = 20) -> None:
        """Waits until nothing under `selector` is busy (every query of the page has answered)."""
        self.wait_for(
            "s => !!document.querySelector(s) && !document.querySelector(s).querySelector('[aria-busy=\"true\"]')",
            selector,
            timeout,
            what=f"{selector} to finish loading",
        )

    def assert_clean(self, *, expected_errors: tuple[str, ...] = ()) -> None:
        """No request beyond 127.0.0.1, no console or page error (but those containing an expected text, e.g. a
        404 the test asked for), no CSP violation, no dialog."""
        hosts = {urlsplit(url).hostname for url in self.requests if not url.startswith("data:")}
        assert hosts <= {"127.0.0.1"}, f"the page reached beyond 127.0.0.1: {hosts}"
        errors = [e for e in self.console_errors if not any(text in e for text in expected_errors)]
        assert errors == [], errors
        assert self.page_errors == [], self.page_errors
        assert self.csp_violations() == []
        assert self.dialogs == [], f"a dialog opened: {self.dialogs}"


@pytest.fixture
def console_page(browser, live_sightline, transactional_db) -> Iterator[Callable[..., ConsolePage]]:
    contexts: list[Any] = []

    def open_page(user: Any, *, locale: str = "en-US", sign_in: bool = True) -> ConsolePage:
        context = browser.new_context(locale=locale, timezone_id="UTC")
        contexts.append(context)
        context.add_init_script(RECORD_VIOLATIONS)
        if sign_in:
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
            context.add_cookies(
                [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_sightline.url}]
            )
        page = context.new_page()
        recorded = ConsolePage(page=page, base_url=live_sightline.url)
        page.on("request", lambda request: recorded.requests.append(request.url))
        page.on(
            "console",
            lambda m: recorded.console_errors.append(f"{m.text} at {m.location}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda error: recorded.page_errors.append(str(error)))

        def on_dialog(dialog: Any) -> None:
            recorded.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        return recorded

    yield open_page
    for context in contexts:
        context.close()
