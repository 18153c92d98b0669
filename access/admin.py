from __future__ import annotations

from django.contrib import admin

from access.models import ApiToken, SiteMembership


@admin.register(SiteMembership)
class SiteMembershipAdmin(admin.ModelAdmin[SiteMembership]):
    list_display = ("user", "site", "role", "created_at")
    list_filter = ("role", "site")
    search_fields = ("user__username",)
    autocomplete_fields = ("user",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Tokens are listed and revoked here; they are created with `createapitoken` or the API (shown once)."""

    list_display = ("prefix", "name", "user", "site", "role", "created_at", "last_used_at", "expires_at")
    list_filter = ("site", "role")
    search_fields = ("prefix", "name", "user__username")
    readonly_fields = ("user", "prefix", "token_hash", "site", "role", "created_at", "last_used_at")
    fields = ("name", "user", "prefix", "site", "role", "created_at", "last_used_at", "expires_at")

    def has_add_permission(self, request: object) -> bool:
        return False
