"""WSGI entry point: granian (the production default, docs/decisions/0007) or gunicorn serve
`server.wsgi:application`."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")

_django_application = get_wsgi_application()

# Imported after Django is set up: the collect door uses the ORM for site lookups.
from ingest.http.door import CollectDoor  # noqa: E402

_door = CollectDoor(_django_application)

# The keys a server puts into every request's environ itself (PEP 3333, CGI); never taken for the process's.
_REQUEST_KEYS = frozenset(
    {
        "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH",
        "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "SERVER_SOFTWARE", "REMOTE_ADDR", "REMOTE_PORT",
        "GATEWAY_INTERFACE",
    }
)  # fmt: skip
# granian starts every request's environ from a copy of the process environment (CGI style): a variable
# such as HTTP_X_FORWARDED_FOR set for the server would read as a header of every request that lacks it,
# and DATABASE_URL or SECRET_KEY would sit in request.META. Those entries are taken out again; a request
# header that happens to equal the process's variable of the same name is indistinguishable and goes too.
_PROCESS_ENVIRON = {key: value for key, value in os.environ.items() if key not in _REQUEST_KEYS}


def _without_process_environ(environ: dict[str, Any]) -> dict[str, Any]:
    for key, value in _PROCESS_ENVIRON.items():
        if environ.get(key) == value:
            del environ[key]
    return environ


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("SERVER_SOFTWARE") == "Granian":
        environ = _without_process_environ(environ)
    return _door(environ, start_response)
