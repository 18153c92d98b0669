"""The consent app's routes: the browser files and the consent endpoints (included by server/urls.py)."""

from __future__ import annotations

from django.conf import settings
from django.urls import path

from consent.views import api, assets

urlpatterns = [
    # The beacon's path is configurable: ad-blocker lists target well-known names such as matomo.js.
    path(settings.SIGHTLINE_BEACON_PATH.lstrip("/"), assets.client_asset, {"name": "s.js"}, name="beacon"),
    path("links.js", assets.client_asset, {"name": "links.js"}, name="beacon-links"),
    path("consent.js", assets.client_asset, {"name": "consent.js"}, name="consent-script"),
    path("consent.css", assets.client_asset, {"name": "consent.css"}, name="consent-styles"),
    path("api/v1/consent", api.record, name="consent-record"),
    path("api/v1/consent/config", api.config, name="consent-config"),
]
