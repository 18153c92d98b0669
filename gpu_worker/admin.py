from __future__ import annotations

from django.contrib import admin

from gpu_worker.models import GenerationSettings


@admin.register(GenerationSettings)
class GenerationSettingsAdmin(admin.ModelAdmin[GenerationSettings]):
    list_display = ("site_id", "enabled", "daily_quota", "rate_limit_per_minute", "updated_at")
    list_filter = ("enabled",)
