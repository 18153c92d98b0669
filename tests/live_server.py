"""A real Sightline server process for tests that need HTTP from outside (browsers, SDKs, integrations).

It runs the production web server, granian, on `server.wsgi:application` (the collect door in front of
Django) against the test database, without Redis: events are written to PostgreSQL inside the request, so a
test can read them as soon as the reply arrives. Use the `live_sightline` fixture (session-scoped) together with
`transactional_db`, so what a test writes is committed and visible to the server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.db import connection

from tests.processes import ROOT, free_port, wait_for


@dataclass(frozen=True)
class LiveSightline:
    url: str  # e.g. http://127.0.0.1:41234
    process: subprocess.Popen[bytes]


def live_database_url() -> str:
    """The URL of the test database, for server processes started by a test."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def running_sightline(env: dict[str, str], *, name: str, port: int | None = None) -> Iterator[LiveSightline]:
    """granian on server.wsgi with `env` as its whole environment, yielded once /healthz answers."""
    port = port or free_port()
    (ROOT / "var").mkdir(exist_ok=True)
    log = (ROOT / "var" / f"test-{name}-{os.getpid()}.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--blocking-threads",
            "8",
            "--no-ws",
            "server.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return urllib.request.urlopen(f"{url}/healthz", timeout=1).status == 200
        except OSError:
            return False

    try:
        wait_for(up, 60, f"the live Sightline server ({name})")
        yield LiveSightline(url=url, process=process)
    finally:
        process.terminate()
        process.wait(20)
        log.close()


@pytest.fixture(scope="session")
def live_sightline(django_db_setup, django_db_blocker) -> Iterator[LiveSightline]:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        database_url = live_database_url()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env |= {
        "DATABASE_URL": database_url,
        # No cache: a test's new site or alias must apply at once.
        "INGEST_SITE_CACHE_SECONDS": "0",
        "INGEST_RATE_LIMIT_PER_SITE": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }
    with running_sightline(env, name="live-server") as server:
        yield server
