"""Who may do what: per-site memberships and personal API tokens. ORM only."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from access.roles import Role


class RoleChoice(models.TextChoices):
    VIEWER = Role.VIEWER.value, "Viewer: reads insights and exports of aggregates"
    ANALYST = Role.ANALYST.value, "Analyst: + raw event exports, people lists, cohorts"
    ADMIN = Role.ADMIN.value, "Admin: + site settings, dimensions, aliases, members, site tokens"


class SiteMembership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="site_memberships")
    site = models.ForeignKey("analytics.Site", on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=16, choices=RoleChoice.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "user"], name="membership_unique_per_site")]

    def __str__(self) -> str:
        return f"{self.user_id} is {self.role} of site {self.site_id}"


class ApiToken(models.Model):
    """A personal token. Only a SHA-256 of it is kept; the token itself is shown once, when it is created."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=200, blank=True, default="")
    # The first characters of the token, so people can tell their tokens apart; not enough to guess the rest.
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    # Narrowing: a token with a site acts on that site only, and at most with `role` there.
    site = models.ForeignKey("analytics.Site", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    role = models.CharField(max_length=16, choices=RoleChoice.choices, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(site__isnull=True, role="") | models.Q(site__isnull=False) & ~models.Q(role=""),
                name="token_site_and_role_together",
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or 'unnamed'})"
