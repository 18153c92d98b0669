"""Events the writer could not store, kept with the reason so an operator can look and replay."""

from __future__ import annotations

from django.db import models


class DeadLetter(models.Model):
    site_id = models.BigIntegerField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=500)
    # The event as it was buffered: already scrubbed and without the raw IP.
    payload = models.TextField()

    class Meta:
        ordering = ["-received_at"]
