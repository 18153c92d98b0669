from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from consent.models import BannerSettings, ConsentRecord


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin[ConsentRecord]):
    """The ledger is evidence: it can be read and filtered here, never added to, changed or deleted."""

    list_display = ("recorded_at", "site_id", "choice", "source", "policy_version", "subject")
    list_filter = ("choice", "source", "site_id")
    search_fields = ("subject",)
    date_hierarchy = "recorded_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BannerSettings)
class BannerSettingsAdmin(admin.ModelAdmin[BannerSettings]):
    list_display = ("site_id", "show", "policy_version", "language", "updated_at")
