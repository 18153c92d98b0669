"""Seeing cell executions on the server: execute_requests passing through the kernel websocket.

Cell execution never reaches Jupyter's event bus; it is a message from the browser to the kernel. The
server relays those messages in its kernel websocket connection, so the extension puts a subclass of
the configured connection class in front: it looks at each incoming message's type, and for an
execute_request only at the `silent` flag, then hands the message on unchanged. The code is never kept,
logged or sent: the v1 binary protocol is read part by part without decoding the code at all, the legacy
JSON protocol is parsed and dropped at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jupyter_server.services.kernels.connection.base import (
    BaseKernelWebsocketConnection,
    deserialize_binary_message,
    deserialize_msg_from_ws_v1,
)

logger = logging.getLogger("sightline_jupyter")

V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"


@dataclass(frozen=True, slots=True)
class Execution:
    """The facts of one execute_request: none of its content."""

    kernel_id: str
    silent: bool


def _json_part(part: bytes | memoryview) -> dict[str, Any]:
    value = json.loads(bytes(part))
    return value if isinstance(value, dict) else {}


def execute_request_of(message: str | bytes, subprotocol: str | None) -> bool | None:
    """None: not an execute_request on the shell channel. Else whether it is silent."""
    if subprotocol == V1_PROTOCOL and isinstance(message, bytes):
        channel, parts = deserialize_msg_from_ws_v1(message)  # type: ignore[no-untyped-call]
        if channel != "shell" or len(parts) < 4:
            return None
        if _json_part(parts[0]).get("msg_type") != "execute_request":
            return None
        # parts[3] is the content; `silent` needs it, and the code in it is dropped with the dict.
        return bool(_json_part(parts[3]).get("silent"))
    binary = isinstance(message, bytes)
    msg = deserialize_binary_message(message) if binary else json.loads(message)  # type: ignore[no-untyped-call]
    if not isinstance(msg, dict) or msg.get("channel", "shell") != "shell":
        return None
    header, content = msg.get("header"), msg.get("content")
    if not isinstance(header, dict) or header.get("msg_type") != "execute_request":
        return None
    return bool(content.get("silent")) if isinstance(content, dict) else False


OnExecute = Callable[[BaseKernelWebsocketConnection, Execution], None]


def counting_connection_class(base: type[BaseKernelWebsocketConnection], on_execute: OnExecute) -> type[Any]:
    """A subclass of `base` that reports each execute_request to `on_execute` before relaying it."""

    class SightlineCountingConnection(base):  # type: ignore[valid-type,misc]
        def handle_incoming_message(self, incoming_msg: str | bytes) -> Any:
            try:
                silent = execute_request_of(incoming_msg, getattr(self, "subprotocol", None))
                if silent is not None:
                    on_execute(self, Execution(kernel_id=str(self.kernel_id), silent=silent))
            except Exception:  # analytics must never break the notebook: log the kind, never the message
                logger.exception("sightline: could not inspect a kernel message")
            return super().handle_incoming_message(incoming_msg)

    SightlineCountingConnection.__name__ = f"Sightline{base.__name__}"
    return SightlineCountingConnection
