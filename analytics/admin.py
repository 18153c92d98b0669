from __future__ import annotations

from django.contrib import admin

from analytics.models import EventAlias, Site


class EventAliasInline(admin.TabularInline[EventAlias, Site]):
    model = EventAlias
    extra = 1


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin[Site]):
    list_display = ("id", "name", "timezone", "public_key", "consent_mode", "ip_truncation")
    readonly_fields = ("public_key", "secret_key_hash", "created_at")
    inlines = [EventAliasInline]


@admin.register(EventAlias)
class EventAliasAdmin(admin.ModelAdmin[EventAlias]):
    list_display = ("site", "alias", "name")
    list_filter = ("site",)
    search_fields = ("alias", "name")
