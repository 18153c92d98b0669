"""The HTML a site pastes into its pages to load the beacon."""

from __future__ import annotations

from django.conf import settings
from django.utils.html import escape

# A queue stub so calls made before the script loads are kept; the beacon drains it on load. Sites with a
# strict Content-Security-Policy leave this line out and keep only the <script src> tag (docs/client/).
QUEUE_STUB = (
    "<script>window.sightline=window.sightline||function(){(sightline.q=sightline.q||[]).push(arguments)};</script>"
)


def beacon_url(server_url: str) -> str:
    return server_url.rstrip("/") + settings.SIGHTLINE_BEACON_PATH


def site_snippet(*, public_key: str, server_url: str) -> str:
    base = server_url.rstrip("/")
    return (
        f"{QUEUE_STUB}\n"
        f'<script async src="{escape(beacon_url(base))}" data-key="{escape(public_key)}" '
        f'data-api="{escape(base)}"></script>'
    )
