from __future__ import annotations

from django.contrib import admin

from ingest.models import DeadLetter


@admin.register(DeadLetter)
class DeadLetterAdmin(admin.ModelAdmin[DeadLetter]):
    list_display = ("received_at", "site_id", "reason")
    list_filter = ("site_id",)
    readonly_fields = ("site_id", "received_at", "reason", "payload")
