from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from server import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # The collect endpoints (/api/v1/collect, /api/v1/batch) never reach Django: see ingest/http/door.py.
    # The beacon, the consent banner and the consent endpoints (s.js, consent.js, /api/v1/consent…).
    path("", include("consent.urls")),
    path("api/v1/", include("analytics.api.urls")),
    path("api/v1/", include("access.api.urls")),
    # Image generation (POST /api/v1/generate, its status and image) and its demo page.
    path("", include("gpu_worker.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The language switch of the console's header (Django's set_language, a POST form).
    path("i18n/", include("django.conf.urls.i18n")),
    # The admin web console: /, /login/, /sites/<id>/overview/, … (docs/console.md).
    path("", include("console.urls")),
]

# Unknown /api/ paths answer in the API's {"detail", "code"} shape rather than an HTML page.
handler404 = "server.errors.api_not_found"
