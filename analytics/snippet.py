"""The HTML a site pastes into its pages to load the beacon."""

from __future__ import annotations

from django.utils.html import escape

BEACON_PATH = "/s.js"


def site_snippet(*, public_key: str, server_url: str) -> str:
    base = server_url.rstrip("/")
    # A queue stub so calls made before the script loads are kept; the beacon drains it on load.
    return (
        "<script>window.sightline=window.sightline||function(){(sightline.q=sightline.q||[]).push(arguments)};</script>\n"
        f'<script async src="{escape(base + BEACON_PATH)}" data-key="{escape(public_key)}" '
        f'data-api="{escape(base)}"></script>'
    )
