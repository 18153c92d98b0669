"""The generation_* events, sent through the Python SDK with the asking site's public key.

Server-side senders may use a site's public key at the collect endpoint (no Origin header to check), so no
secret needs configuring; the events then pass the same ingest pipeline as the site's page events.
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from sightline_sdk import Client

from analytics import facade

_clients: dict[tuple[str, str], Client] = {}
_lock = threading.Lock()


def _client(public_key: str) -> Client:
    url = settings.GPU_TRACKING_URL
    with _lock:
        client = _clients.get((url, public_key))
        if client is None:
            # A short interval: a job's events are few and people watch dashboards while generating.
            client = _clients[(url, public_key)] = Client(url, public_key, flush_interval=1.0)
        return client


def track_generation(*, site_id: int, name: str, properties: dict[str, Any]) -> None:
    """Queues one generation_* event for the site; never blocks and never raises for the network."""
    if not settings.GPU_TRACKING_URL:
        return
    site = facade.site_snapshot_by_id(site_id)
    if site is None:
        return
    _client(site.public_key).track(name, props=properties, category="image_generation")


def flush() -> None:
    """Sends what is queued now (the worker calls it after each batch)."""
    with _lock:
        clients = list(_clients.values())
    for client in clients:
        client.flush()
