from __future__ import annotations

from django.contrib import admin

from analytics.models import Cohort, CustomDimension, EventAlias, Site


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


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin[Cohort]):
    list_display = ("id", "site", "name", "updated_at")
    list_filter = ("site",)
    search_fields = ("name",)


@admin.register(CustomDimension)
class CustomDimensionAdmin(admin.ModelAdmin[CustomDimension]):
    list_display = ("site", "key", "display_name", "scope")
    list_filter = ("site", "scope")
    search_fields = ("key", "display_name")
