"""Fixtures for SDK tests: the live Sightline, a site on it, and a scripted proxy in front of it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from analytics.models import Event
from tests.factories import make_site
from tests.processes import free_port
from tests.sdk.proxy import ScriptedProxy


@pytest.fixture
def site(live_sightline, transactional_db):
    return make_site(origins=[])


@pytest.fixture
def proxy(live_sightline) -> Iterator[ScriptedProxy]:
    server = ScriptedProxy(live_sightline.url).start()
    yield server
    server.stop()


@pytest.fixture
def unreachable_url() -> str:
    # A port that was free a moment ago and that nobody listens on: connections are refused at once.
    return f"http://127.0.0.1:{free_port()}"


def stored(site) -> list[Event]:
    return list(Event.objects.filter(site_id=site.id).order_by("timestamp", "uuid"))
