"""Calls the real WSGI application (collect door in front of Django) in-process, as gunicorn would."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import orjson
from django.core import signals
from django.db import close_old_connections


@dataclass
class DoorResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    _json: Any = field(default=None, repr=False)

    def json(self) -> Any:
        return orjson.loads(self.body)


class DoorClient:
    def __init__(self) -> None:
        from server.wsgi import application

        self.app = application

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str | dict[str, Any] | list[Any] = b"",
        *,
        query: dict[str, str] | str | None = None,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
        remote_addr: str = "203.0.113.77",
    ) -> DoorResponse:
        if isinstance(body, dict | list):
            body = orjson.dumps(body)
        elif isinstance(body, str):
            body = body.encode()
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query if isinstance(query, str) else urlencode(query or {}),
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(len(body)),
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "REMOTE_ADDR": remote_addr,
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": io.StringIO(),
            "HTTP_HOST": "localhost",
            "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
        }
        for name, value in (headers or {}).items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        captured: dict[str, Any] = {}

        def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
            captured["status"] = int(status.split()[0])
            captured["headers"] = {k.lower(): v for k, v in response_headers}

        # As Django's test client does: a test's transaction must survive the request's connection recycling.
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            chunks = self.app(environ, start_response)
            data = b"".join(chunks)
            if hasattr(chunks, "close"):
                chunks.close()
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)
        return DoorResponse(captured["status"], captured["headers"], data)

    def post(self, path: str, body: Any = b"", **kwargs: Any) -> DoorResponse:
        return self.request("POST", path, body, **kwargs)

    def get(self, path: str, **kwargs: Any) -> DoorResponse:
        return self.request("GET", path, **kwargs)
