"""Reading streamed replies in tests: a streamed export must be read or closed, as a server would."""

from __future__ import annotations

from typing import Any


def drained(response: Any) -> Any:
    """Reads a streamed reply to its end (which closes it, and its server-side cursor); returns the reply."""
    if getattr(response, "streaming", False):
        response.body = b"".join(response.streaming_content)
    return response
