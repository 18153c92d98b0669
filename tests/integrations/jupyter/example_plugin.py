"""A stand-in for an image's extension page (TensorBoard, a dashboard): a jupyter_server extension with
one authenticated HTML page, enabled only in the test's Jupyter server."""

from __future__ import annotations

from typing import Any

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web


class ExamplePage(JupyterHandler):
    @web.authenticated
    def get(self, *args: Any) -> None:
        self.finish("<html><body>example plugin</body></html>")


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "tests.integrations.jupyter.example_plugin"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    route = url_path_join(serverapp.base_url, "example-plugin") + "(/.*)?"
    serverapp.web_app.add_handlers(".*$", [(route, ExamplePage)])
