"""Privacy state that must outlive a request: the daily salts of the cookieless visitor id."""

from __future__ import annotations

from django.db import models


class VisitorSalt(models.Model):
    """One random salt per UTC day; deleted 48 hours after its day starts, so old visitor ids cannot be recomputed."""

    day = models.DateField(primary_key=True)
    salt = models.BinaryField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
