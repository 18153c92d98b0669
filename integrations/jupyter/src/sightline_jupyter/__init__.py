"""A jupyter_server extension that sends notebook usage to Sightline through the Python SDK.

Enabled by the config file the package installs (jupyter_server_config.d/sightline_jupyter.json), or
with `jupyter server extension enable sightline_jupyter`. See docs/jupyter.md in the Sightline repository.
"""

from __future__ import annotations

from typing import Any

from sightline_jupyter.config import Sightline
from sightline_jupyter.telemetry import SightlineTelemetry

__all__ = ["Sightline", "SightlineTelemetry"]
__version__ = "0.1.0"

_SETTINGS_KEY = "sightline_telemetry"


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "sightline_jupyter"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    telemetry = SightlineTelemetry.create(serverapp, Sightline(parent=serverapp))
    if telemetry is not None:
        telemetry.install()
        serverapp.web_app.settings[_SETTINGS_KEY] = telemetry


async def _start_jupyter_server_extension(serverapp: Any) -> None:
    telemetry = serverapp.web_app.settings.get(_SETTINGS_KEY)
    if telemetry is not None:
        await telemetry.start()
