"""A real HTTP server between the SDK and the live Sightline that misbehaves on cue.

It listens on 127.0.0.1 and, request by request, follows a script: answer with an error without
forwarding ("the server is busy"), forward and then answer with an error ("the reply was lost"), or
forward and relay the reply. Every request it sees is recorded with its time and its events' uuids.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Step:
    status: int
    retry_after: str | None = None
    forward_first: bool = False  # True: the upstream stores the batch, the client still sees `status`


@dataclass(frozen=True)
class Seen:
    at: float
    uuids: list[str]
    status: int


class ScriptedProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.script: deque[Step] = deque()
        self.seen: list[Seen] = []
        self.down = False  # answer every request with 503 and no Retry-After
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> ScriptedProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def batch_sizes(self) -> list[int]:
        return [len(s.uuids) for s in self.seen]

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        events = json.loads(gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body)["events"]
        with self._lock:
            step = Step(503) if self.down else (self.script.popleft() if self.script else None)
        if step is None or step.forward_first:
            status, reply_headers, reply = self._forward(path, headers, body)
        if step is not None:
            status, reply = step.status, json.dumps({"detail": "scripted", "code": "scripted"}).encode()
            reply_headers = {"Retry-After": step.retry_after} if step.retry_after else {}
        with self._lock:
            self.seen.append(Seen(time.monotonic(), [e.get("uuid") for e in events], status))
        return status, reply_headers, reply

    def _forward(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        keep = ("authorization", "content-type", "content-encoding", "user-agent")
        request = urllib.request.Request(
            self.upstream + path, data=body, method="POST", headers={k: v for k, v in headers.items() if k in keep}
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, {}, response.read()
        except urllib.error.HTTPError as error:
            with error:
                retry_after = error.headers.get("Retry-After")
                return error.code, {"Retry-After": retry_after} if retry_after else {}, error.read()


def _handler_for(proxy: ScriptedProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, reply_headers, reply = proxy.handle(self.path, headers, body)
            self.send_response(status)
            for name, value in reply_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep the test output clean

    return Handler
