"""The generation API and the demo page (included by server/urls.py)."""

from __future__ import annotations

from django.urls import include, path

from consent.views.assets import client_asset
from gpu_worker import demo

urlpatterns = [
    path("api/v1/", include("gpu_worker.api.urls")),
    path("demo/generate/<str:public_key>", demo.page, name="generate-demo"),
    # Built by frontend/build.mjs from frontend/src/gpu_demo.js; served like the beacon.
    path("demo/gpu-demo.js", client_asset, {"name": "gpu-demo.js"}, name="generate-demo-script"),
]
