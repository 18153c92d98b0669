"""A query's catch-up of the person events while another refresh holds them: it waits for a short holder (another
query's catch-up; the console's overview asks three insights at once) and gives up on a long one, reading raw
events rather than hanging."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction

from analytics.derived_tables import person_events_refresh
from analytics.engine import person_events
from analytics.models import PersonEvent
from tests.analytics.dataset import at, event, write
from tests.factories import make_site

# Two connections see each other's commits only outside the test's wrapping transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def hold_refresh(seconds: float, held: threading.Event) -> None:
    """Holds the person events' refresh, as a refresh in progress does, on a connection of its own."""
    try:
        with transaction.atomic():
            person_events.lock("default")
            held.set()
            time.sleep(seconds)
    finally:
        connection.close()


def catch_up_while_held(seconds: float) -> tuple[bool, float]:
    held = threading.Event()
    holder = threading.Thread(target=hold_refresh, args=(seconds, held))
    holder.start()
    assert held.wait(10)
    began = time.monotonic()
    caught_up = person_events.catch_up("default")
    waited = time.monotonic() - began
    holder.join()
    return caught_up, waited


def test_a_query_waits_for_a_short_refresh_and_not_for_a_long_one(monkeypatch):
    monkeypatch.setattr(person_events, "CATCH_UP_WAIT", timedelta(seconds=1))
    site = make_site().id
    write(event(site, "a", at(0), anon="x", received_at=datetime.now(UTC)))
    person_events_refresh()
    write(event(site, "b", at(0, minutes=1), anon="x", received_at=datetime.now(UTC)))

    caught_up, waited = catch_up_while_held(0.4)
    assert caught_up and 0.3 < waited < 1  # waited for the holder, then stored what arrived since
    assert PersonEvent.objects.filter(site_id=site).count() == 2

    write(event(site, "c", at(0, minutes=2), anon="x", received_at=datetime.now(UTC)))
    caught_up, waited = catch_up_while_held(2.5)
    assert not caught_up and 0.9 < waited < 2  # gave up after CATCH_UP_WAIT: the query reads raw events
    assert PersonEvent.objects.filter(site_id=site).count() == 2
    assert person_events.catch_up("default")  # nothing holds it now
    assert PersonEvent.objects.filter(site_id=site).count() == 3
