from __future__ import annotations

from django.contrib import admin
from django.urls import path

from server import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
