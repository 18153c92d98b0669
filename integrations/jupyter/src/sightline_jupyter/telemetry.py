"""What the extension sends, and the four places in jupyter_server it listens at.

| event            | seen at                                              | props                        |
|------------------|------------------------------------------------------|------------------------------|
| open_notebook    | event bus, contents_service `get` of a .ipynb        | notebook (file name only)    |
| kernel_started   | event bus, kernel_actions `start` / success          | kernel_name                  |
| cell_executed    | kernel websocket, execute_request (not silent)       | notebook, kernel_name        |
| start_training   | kernel websocket, a burst of execute_requests        | notebook, kernel_name        |
| plugin_accessed  | the request log hook, GET of a configured path       | page (the configured prefix) |

Every event carries the image's dimensions and the user's role, under a keyed pseudonym of the user.
Paths beyond a notebook's file name, code, cell contents, outputs and file contents are never sent.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Coroutine
from pathlib import PurePosixPath
from typing import Any

from sightline_sdk import Client, Mode

from sightline_jupyter.bursts import RepeatFilter, RunAllDetector
from sightline_jupyter.config import Sightline
from sightline_jupyter.environment import Dimensions, image_dimensions, probe_torch
from sightline_jupyter.kernel_messages import Execution, counting_connection_class
from sightline_jupyter.visitors import Visitor, current_user, record_users, visitor_of

logger = logging.getLogger("sightline_jupyter")

CONTENTS_SCHEMA = "https://events.jupyter.org/jupyter_server/contents_service/v1"
KERNEL_ACTIONS_SCHEMA = "https://events.jupyter.org/jupyter_server/kernel_actions/v1"
DIMENSIONS_WAIT_SECONDS = 90.0


class SightlineTelemetry:
    def __init__(self, serverapp: Any, config: Sightline, client: Client) -> None:
        self.serverapp = serverapp
        self.config = config
        self.client = client
        # The pseudonym key: derived from the site key, so ids are stable across restarts and images.
        self.key = hashlib.sha256(b"sightline-jupyter:" + config.secret_key.encode()).digest()
        self.dimensions: Dimensions = image_dimensions(config, {})
        self._probe: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.run_all = RunAllDetector(min_cells=config.run_all_min_cells, window=config.run_all_window_seconds)
        self.repeats = RepeatFilter(config.repeat_window_seconds)

    @classmethod
    def create(cls, serverapp: Any, config: Sightline) -> SightlineTelemetry | None:
        """The extension for this server, or None (logged) when it is off or has nowhere to send."""
        if not config.enabled:
            logger.info("sightline: disabled")
            return None
        mode: Mode
        if config.server_url and config.secret_key:
            mode = "auto" if config.spool_dir else "send"
        elif config.spool_dir:
            mode = "spool"  # an enclave without a route to the server: the spool is carried out
        else:
            logger.warning("sightline: set SIGHTLINE_URL and SIGHTLINE_KEY (or SIGHTLINE_SPOOL_DIR); sending nothing")
            return None
        client = Client(
            config.server_url,
            config.secret_key,
            mode=mode,
            spool_dir=config.spool_dir or None,
            flush_interval=config.flush_interval,
        )
        return cls(serverapp, config, client)

    def install(self) -> None:
        """Hooks into the server; called once, while the extension loads."""
        events = self.serverapp.event_logger
        events.add_listener(schema_id=CONTENTS_SCHEMA, listener=self._on_contents)
        events.add_listener(schema_id=KERNEL_ACTIONS_SCHEMA, listener=self._on_kernel_action)
        record_users(self.serverapp.identity_provider)
        settings = self.serverapp.web_app.settings
        # The handler reads both settings per request, so replacing them now applies to every request.
        settings["kernel_websocket_connection_class"] = counting_connection_class(
            settings["kernel_websocket_connection_class"], self._on_execute
        )
        settings["log_function"] = self._request_logger(settings.get("log_function"))

    async def start(self) -> None:
        """Starts the PyTorch probe once the event loop runs; events wait for it (bounded)."""
        if self.config.probe_torch:
            self._probe = asyncio.ensure_future(self._run_probe())

    async def _run_probe(self) -> None:
        self.dimensions = image_dimensions(self.config, await probe_torch())

    # Listeners -----------------------------------------------------------------------------------------

    async def _on_contents(self, logger: Any, schema_id: str, data: dict[str, Any]) -> None:
        path = str(data.get("path", ""))
        if data.get("action") != "get" or not path.endswith(".ipynb"):
            return
        visitor = self._visitor(current_user.get())
        if self.repeats.first(("open", visitor.anonymous_id, path), time.monotonic()):
            await self._track("open_notebook", visitor, {"notebook": PurePosixPath(path).name})

    async def _on_kernel_action(self, logger: Any, schema_id: str, data: dict[str, Any]) -> None:
        if data.get("action") != "start" or data.get("status") != "success":
            return
        props = {"kernel_name": str(data.get("kernel_name", ""))}
        await self._track("kernel_started", self._visitor(current_user.get()), props, str(data.get("kernel_id", "")))

    def _on_execute(self, connection: Any, execution: Execution) -> None:
        if execution.silent:  # completions, widgets, debuggers: not a person running a cell
            return
        # Timed here, as the message passes, not when the task below gets to run.
        run_all = self.run_all.observe((execution.kernel_id, id(connection)), time.monotonic())
        handler = getattr(connection, "websocket_handler", None)
        visitor = self._visitor(getattr(handler, "current_user", None))
        kernel_name = str(getattr(getattr(connection, "kernel_manager", None), "kernel_name", ""))
        self._spawn(self._executed(visitor, execution.kernel_id, kernel_name, run_all))

    async def _executed(self, visitor: Visitor, kernel_id: str, kernel_name: str, run_all: bool) -> None:
        props = {"notebook": await self._notebook_of(kernel_id), "kernel_name": kernel_name}
        await self._track("cell_executed", visitor, props, kernel_id)
        if run_all:
            await self._track("start_training", visitor, props, kernel_id)

    def _request_logger(self, original: Callable[[Any], None] | None) -> Callable[[Any], None]:
        def log_request(handler: Any) -> None:
            try:
                self._on_request(handler)
            except Exception:  # a hook in the request log must never fail the request
                logger.exception("sightline: request hook failed")
            if original is not None:
                original(handler)

        return log_request

    def _on_request(self, handler: Any) -> None:
        request = handler.request
        if request.method != "GET" or handler.get_status() >= 400 or not self.config.plugin_paths:
            return
        base = str(self.serverapp.base_url).rstrip("/")
        path = request.path[len(base) :] if request.path.startswith(base + "/") else request.path
        page = next((p for p in self.config.plugin_paths if _under(path, p)), None)
        if page is None:
            return
        visitor = self._visitor(handler.current_user)
        if self.repeats.first(("page", visitor.anonymous_id, page), time.monotonic()):
            self._spawn(self._track("plugin_accessed", visitor, {"page": page}))

    # Sending -------------------------------------------------------------------------------------------

    def _visitor(self, user: Any) -> Visitor:
        return visitor_of(
            user, key=self.key, allowed_roles=self.config.role_groups, default_role=self.config.default_role
        )

    async def _notebook_of(self, kernel_id: str) -> str | None:
        """The file name of the notebook a kernel belongs to, from the session manager."""
        try:
            session = await self.serverapp.session_manager.get_session(kernel_id=kernel_id)
        except Exception:  # no session for this kernel (started on its own): no name
            return None
        if not isinstance(session, dict) or session.get("type") not in ("notebook", None):
            return None
        path = str(session.get("path") or "")
        return PurePosixPath(path).name if path.endswith(".ipynb") else None

    async def _track(self, name: str, visitor: Visitor, props: dict[str, Any], session_id: str = "") -> None:
        try:
            if self._probe is not None and not self._probe.done():
                await asyncio.wait([self._probe], timeout=DIMENSIONS_WAIT_SECONDS)
            dims: dict[str, str | bool | None] = dict(self.dimensions)
            if visitor.role:
                dims["role"] = visitor.role
            self.client.track(
                name,
                anonymous_id=visitor.anonymous_id,
                session_id=session_id or None,
                props={k: v for k, v in props.items() if v is not None},
                dims=dims,
            )
        except Exception:  # the top of a listener: log and carry on, the server must not notice
            logger.exception("sightline: could not queue %s", name)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        # Held until done: the loop keeps only weak references to tasks.
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _under(path: str, prefix: str) -> bool:
    prefix = "/" + prefix.strip("/")
    return path == prefix or path.startswith(prefix + "/")
