"""Raw-event export through COPY (analytics/engine/export.py, execute.copy_out): the same rows as the
server-side cursor gives, on a connection of its own that an abandoned export closes.

These tests commit (the COPY's connection sees only committed rows), so the database is emptied after each.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from analytics.engine import insights
from analytics.engine.export import export_rows
from tests.analytics.api.event_rows import write_events
from tests.factories import make_site

pytestmark = pytest.mark.django_db(transaction=True)
START, END = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC)
COPY_QUERIES = "SELECT COUNT(*) FROM pg_stat_activity WHERE query LIKE 'COPY (%%' AND pid <> pg_backend_pid()"


def _site_with_events() -> int:
    site = make_site().id
    write_events(
        site,
        {"name": "signup", "timestamp": "2026-03-01T00:00:00+00:00", "user_id": "u1", "title": "Grüße, 世界"},
        {"name": "generate", "timestamp": "2026-03-01T12:00:00.123456+00:00", "value": -5.25, "is_bot": True},
        {"name": "view", "timestamp": "2026-03-02T00:00:00.5+00:00", "properties": {"n": 1, "tags": ["a", None]}},
        {"name": "view", "timestamp": "2026-03-02T23:59:59+00:00", "dimensions": {"dimension1": "x"}},
    )
    write_events(site, {"name": "outside", "timestamp": "2026-03-03T00:00:00+00:00"})
    return site


def _copy_backends(*, settle: int | None = None) -> int:
    """Backends whose last statement was an export's COPY; with `settle`, waits up to 5 s for that many (a
    closed connection's backend leaves the view a moment after the client goes)."""
    deadline = time.monotonic() + 5
    while True:
        with connection.cursor() as cursor:
            cursor.execute(COPY_QUERIES)
            count = int(cursor.fetchone()[0])
        if settle is None or count == settle or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


def test_copy_gives_the_same_rows_as_the_cursor_inside_a_transaction():
    ctx = insights.context_for(_site_with_events(), rollups=False)
    copied = list(export_rows(ctx, START, END, ()))
    with transaction.atomic():  # a transaction's own connection reads them through a server-side cursor
        cursor_rows = list(export_rows(ctx, START, END, ()))
    assert copied == cursor_rows
    assert [row[4] for row in copied] == ["signup", "generate", "view", "view"]
    generate, view = copied[1], copied[2]
    assert generate[2] == "2026-03-01T12:00:00.123456+00:00" and generate[8] == -5.25 and generate[23] is True
    assert view[2] == "2026-03-02T00:00:00.500000+00:00" and view[17] == {"n": 1, "tags": ["a", None]}
    assert copied[0][16] == "Grüße, 世界" and copied[0][8] is None and copied[0][23] is False
    assert type(copied[0][0]) is int and isinstance(copied[0][1], str)


def test_the_callers_connection_stays_usable_while_the_rows_stream():
    ctx = insights.context_for(_site_with_events(), rollups=False)
    rows = export_rows(ctx, START, END, ())
    first = next(rows)
    with connection.cursor() as cursor:  # would wait forever if the COPY held this connection
        cursor.execute("SELECT COUNT(*) FROM analytics_event")
        assert cursor.fetchone() == (5,)
    assert [first, *rows][-1][4] == "view"


def test_an_abandoned_export_cancels_its_copy_and_closes_its_connection():
    ctx = insights.context_for(_site_with_events(), rollups=False)
    rows = export_rows(ctx, START, END, ())
    assert next(rows)[4] == "signup"
    assert _copy_backends() == 1
    rows.close()
    assert _copy_backends(settle=0) == 0
