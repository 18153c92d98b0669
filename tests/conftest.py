"""Test set-up: real PostgreSQL and Redis, checked before anything runs; a missing one stops the suite."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
import redis

from tests.browser import browser, browsing, built_frontend
from tests.factories import make_site
from tests.live_server import live_sightline
from tests.wsgi_client import DoorClient

# Fixtures defined elsewhere and registered here once, for every test directory.
__all__ = ["browser", "browsing", "built_frontend", "live_sightline", "make_site"]


def pytest_sessionstart(session: pytest.Session) -> None:
    from django.conf import settings

    if not settings.IS_POSTGRES:
        pytest.exit(
            "The test suite runs against PostgreSQL. Run `make test`, or set DATABASE_URL=postgres://... "
            "(and REDIS_URL) before pytest.",
            returncode=3,
        )
    db = settings.DATABASES["default"]
    try:
        psycopg.connect(
            host=db["HOST"],
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.OperationalError as exc:
        pytest.exit(
            f"PostgreSQL is not reachable at {db['HOST']}:{db['PORT']} ({exc}). Start it, e.g. "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`.",
            returncode=3,
        )
    if settings.EMBEDDED:
        pytest.exit("The test suite needs Redis: set REDIS_URL (make test does).", returncode=3)
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.exit(
            f"Redis is not reachable at {settings.REDIS_URL} ({exc}). Start it, e.g. "
            "`redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no`.",
            returncode=3,
        )


@pytest.fixture(scope="session", autouse=True)
def _flush_survives_a_live_servers_last_write() -> Iterator[None]:
    """Transactional tests empty every table with one TRUNCATE at teardown. A live server (tests/live_server.py)
    may still be storing a browser's last beacon then, and PostgreSQL may pick the TRUNCATE as the victim of
    the lock cycle; the write finishes either way, so the flush is simply tried again."""
    from django.core.management.commands import flush
    from django.db import OperationalError

    original = flush.Command.handle

    def handle_with_retry(self, *args, **options):  # type: ignore[no-untyped-def]
        for attempt in range(5):
            try:
                return original(self, *args, **options)
            except Exception as exc:  # flush wraps the database error in a CommandError
                if (
                    attempt == 4
                    or not isinstance(exc.__cause__, OperationalError)
                    or "deadlock" not in str(exc.__cause__)
                ):
                    raise
        return None

    flush.Command.handle = handle_with_retry  # type: ignore[method-assign]
    yield
    flush.Command.handle = original  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _fresh_site_cache() -> Iterator[None]:
    from ingest import site_cache

    site_cache.clear()
    yield
    site_cache.clear()


@pytest.fixture
def stream(settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A Redis stream of this test's own, removed afterwards."""
    name = f"sightline:test:{uuid.uuid4().hex}"
    url = settings.REDIS_URL  # a test may point REDIS_URL elsewhere; clean up where the stream lives
    settings.INGEST_STREAM = name
    yield name
    redis.Redis.from_url(url).delete(name)


@pytest.fixture
def door() -> DoorClient:
    return DoorClient()
