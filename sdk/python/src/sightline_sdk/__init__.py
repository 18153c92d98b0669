"""Sightline's Python SDK: `Client(server_url, secret_key).track("event", user_id=...)`.

Standard library only. See docs/sdk.md in the Sightline repository.
"""

from sightline_sdk.client import Client, Mode, Stats
from sightline_sdk.delivery import ReplayResult
from sightline_sdk.transport import VERSION

__all__ = ["VERSION", "Client", "Mode", "ReplayResult", "Stats"]
__version__ = VERSION
