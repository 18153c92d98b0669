"""What the console benchmark and the screenshot script share: a bench database made ready for the console
(migrated, with a console user holding a role on its site), a production-like gunicorn on it, and headless
Chromium signed in through the real login form.

Run from the repository root; the scripts put the root on sys.path before importing this module.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The same flags as the browser tests (tests/browser.py CHROMIUM_ARGS), kept in one list there.
sys.path.insert(0, str(ROOT))
from tests.browser import CHROMIUM_ARGS  # noqa: E402

# A fixed password: the user lives in a bench database on this machine only, and re-runs must sign in again.
BENCH_PASSWORD = "sightline-console-bench"


@dataclass(frozen=True, slots=True)
class BenchSite:
    site_id: int
    timezone: str
    username: str
    password: str
    # First and last local day holding events (None: the site has none).
    first_day: Any
    last_day: Any


def prepare_database(database_url: str, *, site_name: str, username: str) -> BenchSite:
    """Migrates the bench database (tables that arrived after it was loaded) and makes sure `username` exists
    with this password and the admin role on the site (admin: every page, members included). Idempotent."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    # Playwright's sync API runs an event loop in this thread later; the ORM calls here come first anyway.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from access.services import member_grant_at_least
    from analytics.models import Site

    call_command("migrate", interactive=False, verbosity=0)
    site = Site.objects.get(name=site_name)
    user, _created = get_user_model().objects.get_or_create(username=username)
    user.set_password(BENCH_PASSWORD)
    user.save()
    member_grant_at_least(site_id=site.id, user_id=user.pk, role="admin")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (min(timestamp) AT TIME ZONE %s)::date, (max(timestamp) AT TIME ZONE %s)::date "
            "FROM analytics_event WHERE site_id = %s",
            [site.timezone, site.timezone, site.id],
        )
        first_day, last_day = cursor.fetchone()
    return BenchSite(site.id, site.timezone, username, BENCH_PASSWORD, first_day, last_day)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_gunicorn(database_url: str, *, workers: int, threads: int, log: Path) -> Iterator[str]:
    """gunicorn on the bench database with production settings (DEBUG off, no test shortcuts); yields its URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env |= {"DATABASE_URL": database_url, "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING"}
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "server.wsgi:application", "--bind", f"127.0.0.1:{port}"),
                *("--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread"),
                # Slow insights on 10M events must finish (and be timed), not be cut at gunicorn's default 30 s.
                *("--timeout", "600"),
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=output,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if urllib.request.urlopen(f"{url}/healthz", timeout=1).status == 200:
                        break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start; see {log}")
                time.sleep(0.3)
            yield url
        finally:
            process.terminate()
            process.wait(30)


def launch_chromium(playwright: Any) -> Any:
    executable = shutil.which("chromium")
    if executable is None:
        raise SystemExit("chromium is not installed: `make chromium` (or apt-get install chromium).")
    return playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)


def sign_in(browser: Any, base_url: str, site: BenchSite, *, locale: str = "en-US", viewport: Any = None) -> Any:
    """A new browser context signed in through the login form (the real path: axes, session, CSRF)."""
    context = browser.new_context(locale=locale, timezone_id="UTC", viewport=viewport)
    page = context.new_page()
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", site.username)
    page.fill("#id_password", site.password)
    page.click("button[type=submit]")
    page.wait_for_url("**/sites/**")
    page.close()
    return context


def wait_loaded(page: Any, timeout_s: float) -> float | None:
    """Milliseconds from the navigation's start until nothing under <main> is aria-busy (every query of the
    page answered, as tests/console's wait_loaded); None past the timeout. Polled inside the page, so the
    figure is the page's own clock, not this script's polling interval."""
    return page.evaluate(  # type: ignore[no-any-return]
        """async (timeoutMs) => {
          const busy = () => !document.querySelector('main') ||
            !!document.querySelector('main [aria-busy="true"]');
          while (busy()) {
            if (performance.now() > timeoutMs) return null;
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          return performance.now();
        }""",
        timeout_s * 1000,
    )
