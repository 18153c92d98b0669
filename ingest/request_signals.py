"""Django's request_started / request_finished for collect requests, sent only by requests that use the database.

Django sends both around every request so that database connections are recycled (closed when broken or
past CONN_MAX_AGE). Most collect requests never query: the site comes from the per-process cache and the
events go to Redis. For them the two signals were ~10 % of the request's time and did nothing, so the door
marks its requests and the code that does query (site_cache misses, the database fallback of the buffer)
calls `database_needed()` first: request_started is sent then, once, and request_finished at the end.
Outside a collect request (the consumer, the importer, tests) `database_needed()` does nothing.
"""

from __future__ import annotations

import threading

from django.core import signals

_state = threading.local()  # gthread workers run several requests at once, one per thread


def collect_request_started() -> None:
    _state.active = True
    _state.used_database = False


def database_needed() -> None:
    if getattr(_state, "active", False) and not _state.used_database:
        _state.used_database = True
        signals.request_started.send(sender=__name__, environ={})


def collect_request_finished() -> None:
    used = getattr(_state, "used_database", False)
    _state.active = _state.used_database = False
    if used:
        signals.request_finished.send(sender=__name__)
