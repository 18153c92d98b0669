from __future__ import annotations

from django.apps import AppConfig


class GpuWorkerConfig(AppConfig):
    name = "gpu_worker"
    verbose_name = "Image generation"
    default_auto_field = "django.db.models.BigAutoField"
