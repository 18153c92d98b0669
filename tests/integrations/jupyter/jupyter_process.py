"""A real `jupyter server` for a test, with the Sightline extension on, and a kernel websocket client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import websocket
from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1, serialize_msg_to_ws_v1

from tests.processes import ROOT, free_port, wait_for

TOKEN = "sightline-test-token"
V1 = "v1.kernel.websocket.jupyter.org"

# Stands in for PyTorch so the extension's probe has something to find; torch itself is not installed.
FAKE_TORCH = """
__version__ = "2.5.1+cu124"
class version:
    cuda = "12.4"
class cuda:
    @staticmethod
    def device_count():
        return 2
"""


@dataclass
class JupyterServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                kind = response.headers.get("Content-Type", "")
                return response.status, json.loads(raw) if "json" in kind and raw else raw.decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]


def start_jupyter(tmp_path: Path, sightline: dict[str, Any]) -> JupyterServer:
    port = free_port()
    config_dir, runtime = tmp_path / "jupyter-config", tmp_path / "jupyter-runtime"
    fake = tmp_path / "fake-site" / "torch"
    for folder in (config_dir, runtime, fake):
        folder.mkdir(parents=True)
    (fake / "__init__.py").write_text(FAKE_TORCH)
    config = {
        "ServerApp": {
            "ip": "127.0.0.1",
            "port": port,
            "port_retries": 0,
            "token": TOKEN,
            "open_browser": False,
            "allow_root": True,
            "root_dir": str(tmp_path / "root"),
            "jpserver_extensions": {"sightline_jupyter": True, "tests.integrations.jupyter.example_plugin": True},
            "identity_provider_class": "tests.integrations.jupyter.group_identity.GroupIdentityProvider",
        },
        "Sightline": sightline,
    }
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(config))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIGHTLINE_", "JUPYTER_", "DJANGO_"))}
    env |= {
        "JUPYTER_CONFIG_DIR": str(config_dir),
        "JUPYTER_RUNTIME_DIR": str(runtime),
        "JUPYTER_DATA_DIR": str(tmp_path / "jupyter-data"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "IPYTHONDIR": str(tmp_path / "ipython"),
        "PYTHONPATH": os.pathsep.join([str(fake.parent), str(ROOT)]),
    }
    log = tmp_path / "jupyter.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server"], cwd=tmp_path, env=env, stdout=out, stderr=out
        )
    server = JupyterServer(f"http://127.0.0.1:{port}", process, log)

    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"jupyter server exited:\n{server.output()}")
        try:
            return server.request("GET", "/api/status")[0] == 200
        except OSError:
            return False

    wait_for(up, 60, "jupyter server")
    return server


class KernelSocket:
    """The browser's side of a kernel websocket, in either wire protocol."""

    def __init__(self, server: JupyterServer, kernel_id: str, *, v1: bool) -> None:
        self.v1 = v1
        self.session = uuid.uuid4().hex
        url = server.url.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels?session_id={self.session}"
        self.ws = websocket.create_connection(
            url, header=[f"Authorization: token {TOKEN}"], subprotocols=[V1] if v1 else None, timeout=60
        )

    def send_execute(self, code: str, *, silent: bool = False) -> str:
        msg_id = uuid.uuid4().hex
        header = {
            "msg_id": msg_id,
            "msg_type": "execute_request",
            "username": "test",
            "session": self.session,
            "date": datetime.now(UTC).isoformat(),
            "version": "5.3",
        }
        content = {"code": code, "silent": silent, "store_history": not silent, "user_expressions": {}}
        parts: list[Any] = [header, {}, {"cellId": uuid.uuid4().hex}, content]
        if self.v1:
            self.ws.send_binary(serialize_msg_to_ws_v1([json.dumps(p).encode() for p in parts], "shell"))
        else:
            keys = ("header", "parent_header", "metadata", "content")
            self.ws.send(json.dumps({**dict(zip(keys, parts, strict=True)), "channel": "shell", "buffers": []}))
        return msg_id

    def receive(self) -> tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]:
        """(channel, header, parent_header, content) of the next message."""
        raw = self.ws.recv()
        if self.v1:
            channel, parts = deserialize_msg_from_ws_v1(raw)
            header, parent, _, content = (json.loads(p) for p in parts[:4])
            return channel, header, parent, content
        msg = json.loads(raw)
        return msg["channel"], msg["header"], msg["parent_header"], msg["content"]

    def wait_for_replies(self, msg_ids: list[str]) -> dict[str, str]:
        """Reads until every request is answered and its kernel is idle again; returns what each printed."""
        printed = dict.fromkeys(msg_ids, "")
        replied: set[str] = set()
        idle: set[str] = set()
        while replied != set(msg_ids) or idle != set(msg_ids):
            channel, header, parent, content = self.receive()
            parent_id = parent.get("msg_id")
            if parent_id not in printed:
                continue
            if header["msg_type"] == "stream":
                printed[parent_id] += content["text"]
            elif channel == "shell" and header["msg_type"] == "execute_reply":
                assert content["status"] == "ok", content
                replied.add(parent_id)
            elif header["msg_type"] == "status" and content["execution_state"] == "idle":
                idle.add(parent_id)
        return printed

    def close(self) -> None:
        self.ws.close()
