"""Template helpers of the console's layout."""

from __future__ import annotations

from django import template
from django.urls import reverse

from consent.views.assets import asset_version

register = template.Library()


@register.simple_tag
def console_asset(name: str) -> str:
    """The URL of a bundled console file with its fingerprint, so browsers never run a stale script."""
    return f"{reverse('console:asset', args=[name])}?v={asset_version(name)}"
