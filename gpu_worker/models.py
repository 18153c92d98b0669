"""Generation jobs. ORM only: writes go through services, reads through selectors."""

from __future__ import annotations

import uuid

from django.db import models


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class GenerationJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The analytics site that asked; a plain id because apps do not share models (docs/architecture.md).
    site_id = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    mode = models.CharField(max_length=16)
    # The text is needed until the image exists, then erased: only its length and language class stay.
    prompt = models.TextField(blank=True, default="")
    negative_prompt = models.TextField(blank=True, default="")
    prompt_length = models.PositiveIntegerField()
    prompt_language = models.CharField(max_length=8)
    # What the events may carry about the prompt under the site's policy, fixed when the job was requested.
    prompt_properties = models.JSONField(default=dict, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    steps = models.PositiveIntegerField()
    guidance_scale = models.FloatField()
    seed = models.BigIntegerField()
    direction = models.CharField(max_length=8, blank=True, default="")
    pixels = models.PositiveIntegerField(default=0)
    model = models.CharField(max_length=200)
    # Jobs with equal shapes (mode, size, steps, guidance, model) can share one pipeline call.
    shape_key = models.CharField(max_length=200)
    batch_id = models.UUIDField(null=True, blank=True)
    batch_size = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    queue_wait_ms = models.PositiveIntegerField(null=True, blank=True)
    run_ms = models.PositiveIntegerField(null=True, blank=True)
    error_class = models.CharField(max_length=100, blank=True, default="")
    error_detail = models.CharField(max_length=500, blank=True, default="")
    # File names under GPU_IMAGE_DIR; emptied when the retention task deletes the files.
    image_file = models.CharField(max_length=100, blank=True, default="")
    input_image_file = models.CharField(max_length=100, blank=True, default="")
    mask_file = models.CharField(max_length=100, blank=True, default="")
    images_deleted = models.BooleanField(default=False)

    class Meta:
        indexes = [
            # The batch claim: queued jobs of one shape, oldest first.
            models.Index(fields=["status", "shape_key", "created_at"], name="gpu_job_claim"),
            # The daily quota count and per-site listings.
            models.Index(fields=["site_id", "created_at"], name="gpu_job_site_created"),
            models.Index(fields=["finished_at"], name="gpu_job_finished"),
        ]

    def __str__(self) -> str:
        return f"{self.mode} job {self.id} ({self.status})"


class GenerationSettings(models.Model):
    """Whether a site may generate images, and how many: edited in the admin or with `gpu_site_settings`."""

    # The analytics site; a plain id, as in consent's BannerSettings.
    site_id = models.BigIntegerField(primary_key=True)
    # Off until an operator turns it on: a GPU is costly, and a site's public key is public.
    enabled = models.BooleanField(default=False)
    daily_quota = models.PositiveIntegerField(default=500, help_text="Jobs per UTC day; beyond: 429 quota_exceeded.")
    rate_limit_per_minute = models.PositiveIntegerField(
        default=20, help_text="Jobs per minute; beyond: 429 rate_limited. 0: no per-minute limit."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "generation settings"
        verbose_name_plural = "generation settings"

    def __str__(self) -> str:
        return f"Generation settings of site {self.site_id}"
