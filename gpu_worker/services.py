"""Writes: creating jobs (quota, rate limit, inputs on disk), running a batch, expiring images."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from analytics.site_snapshot import SiteSnapshot
from gpu_worker import selectors, tracking
from gpu_worker.errors import GenerationRefused
from gpu_worker.generation_request import GenerationRequest
from gpu_worker.model_directory import ModelDirectory
from gpu_worker.models import GenerationJob, GenerationSettings, JobStatus
from gpu_worker.prompt_language import prompt_language
from gpu_worker.prompt_policy import prompt_properties
from gpu_worker.records import (
    GenerationSettingsInfo,
    JobInfo,
    event_properties,
    generation_settings_info,
    job_info,
)
from gpu_worker.soft_limit import soft_limit_deferred

logger = logging.getLogger(__name__)


def _shape_key(request: GenerationRequest, model: ModelDirectory) -> str:
    return f"{request.mode}:{request.width}x{request.height}:{request.steps}:{request.guidance_scale:g}:{model.name}"


def _check_rate(site: SiteSnapshot, limit: int, now: datetime) -> None:
    if limit <= 0:
        return
    # One counter per site and minute, shared by the web processes through the cache (Redis in production).
    key = f"gpu:rate:{site.public_key}:{now:%Y%m%d%H%M}"
    cache.add(key, 0, timeout=120)
    if cache.incr(key) > limit:
        raise GenerationRefused(
            429,
            "rate_limited",
            f"At most {limit} generation requests per minute for this site; retry later.",
            retry_after=60 - now.second,
        )


def _check_quota(site: SiteSnapshot, quota: int, now: datetime) -> None:
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if GenerationJob.objects.filter(site_id=site.id, created_at__gte=midnight).count() >= quota:
        tomorrow = midnight + timedelta(days=1)
        raise GenerationRefused(
            429,
            "quota_exceeded",
            f"This site's daily quota of {quota} images is used up; it renews at midnight UTC.",
            retry_after=int((tomorrow - now).total_seconds()) + 1,
        )


def _write_input(job_id: uuid.UUID, suffix: str, data: bytes | None) -> str:
    if data is None:
        return ""
    name = f"{job_id}-{suffix}.png"
    directory = Path(settings.GPU_IMAGE_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data)
    return name


def job_create(*, site: SiteSnapshot, request: GenerationRequest, model: ModelDirectory) -> JobInfo:
    """Queues a generation for the GPU worker; raises GenerationRefused (429) over the rate limit or quota."""
    limits = selectors.generation_settings_get(site_id=site.id)
    if not limits.enabled:
        raise GenerationRefused(
            403, "generation_not_enabled", "Image generation is not enabled for this site (its generation settings)."
        )
    now = datetime.now(UTC)
    _check_quota(site, limits.daily_quota, now)
    _check_rate(site, limits.rate_limit_per_minute, now)
    job_id = uuid.uuid4()
    job = GenerationJob(
        id=job_id,
        site_id=site.id,
        mode=request.mode,
        prompt=request.prompt,
        negative_prompt=request.negative_prompt,
        prompt_length=len(request.prompt),
        prompt_language=prompt_language(request.prompt),
        prompt_properties=prompt_properties(
            request.prompt,
            policy=site.prompt_policy,
            hash_key=settings.GPU_PROMPT_HASH_KEY,
            max_chars=settings.GPU_PROMPT_SCRUBBED_CHARS,
        ),
        width=request.width,
        height=request.height,
        steps=request.steps,
        guidance_scale=request.guidance_scale,
        seed=request.seed,
        direction=request.direction,
        pixels=request.pixels,
        model=model.name,
        shape_key=_shape_key(request, model),
        input_image_file=_write_input(job_id, "image", request.image_png),
        mask_file=_write_input(job_id, "mask", request.mask_png),
    )
    with transaction.atomic():
        job.save(force_insert=True)
        # Imported here: the tasks module is the Celery entry point and imports this one.
        from gpu_worker.tasks import generate

        # No time limits in the message: Celery would otherwise copy this (web) process's task limits into it,
        # and they would override the GPU worker's own GPU_SOFT_TIME_LIMIT / GPU_HARD_TIME_LIMIT. An explicit
        # None clears them (Celery 5.7's send_task); celery-types declares these arguments as int only.
        no_limits: dict[str, Any] = {"time_limit": None, "soft_time_limit": None}
        transaction.on_commit(lambda: generate.apply_async((str(job_id),), **no_limits))
    info = job_info(job)
    tracking.track_generation(site_id=site.id, name="generation_requested", properties=event_properties(info))
    return info


def _claim_batch(job_id: str) -> list[GenerationJob]:
    """Takes the job and up to GPU_MAX_BATCH - 1 queued jobs of its shape; their own tasks then find them taken."""
    now = datetime.now(UTC)
    with transaction.atomic():
        job = GenerationJob.objects.select_for_update(skip_locked=True).filter(pk=job_id, status=JobStatus.QUEUED)
        first = job.first()
        if first is None:
            return []
        others = list(
            GenerationJob.objects.select_for_update(skip_locked=True)
            .filter(status=JobStatus.QUEUED, shape_key=first.shape_key)
            .exclude(pk=first.pk)
            .order_by("created_at")[: max(0, settings.GPU_MAX_BATCH - 1)]
        )
        batch = [first, *others]
        batch_id = uuid.uuid4()
        for member in batch:
            member.status = JobStatus.RUNNING
            member.started_at = now
            member.batch_id = batch_id
            member.batch_size = len(batch)
            member.queue_wait_ms = max(0, int((now - member.created_at).total_seconds() * 1000))
        GenerationJob.objects.bulk_update(batch, ["status", "started_at", "batch_id", "batch_size", "queue_wait_ms"])
    return batch


def _finish(jobs: list[GenerationJob], *, error: BaseException | None, images: list[bytes] | None) -> None:
    now = datetime.now(UTC)
    directory = Path(settings.GPU_IMAGE_DIR)
    for index, job in enumerate(jobs):
        job.finished_at = now
        job.run_ms = int((now - job.started_at).total_seconds() * 1000) if job.started_at else 0
        # The prompt was needed for the image only; what the site's policy allows is in prompt_properties.
        job.prompt = job.negative_prompt = ""
        if images is not None:
            directory.mkdir(parents=True, exist_ok=True)
            job.image_file = f"{job.id}.png"
            (directory / job.image_file).write_bytes(images[index])
            job.status = JobStatus.SUCCEEDED
        else:
            job.status = JobStatus.FAILED
            job.error_class = _error_class(error)
            job.error_detail = _error_detail(error)[:500]
    fields = [
        "finished_at",
        "run_ms",
        "prompt",
        "negative_prompt",
        "image_file",
        "status",
        "error_class",
        "error_detail",
    ]
    GenerationJob.objects.bulk_update(jobs, fields)
    name = "generation_succeeded" if images is not None else "generation_failed"
    for job in jobs:
        tracking.track_generation(site_id=job.site_id, name=name, properties=event_properties(job_info(job)))


# Every way a generation can run out of time is one error class for the API and the events.
_TIMEOUT_ERRORS = ("GenerationTimedOut", "SoftTimeLimitExceeded", "TimeLimitExceeded", "RanPastHardLimit")


def _error_class(error: BaseException | None) -> str:
    if error is None:
        return "Unknown"
    name = type(error).__name__
    return "timeout" if name in _TIMEOUT_ERRORS else name


def _error_detail(error: BaseException | None) -> str:
    if type(error).__name__ == "SoftTimeLimitExceeded":  # Celery's signal: its exception says nothing
        return f"interrupted at the soft time limit ({settings.GPU_SOFT_TIME_LIMIT} s)"
    return str(error) if error is not None else ""


def _image_jobs(jobs: list[GenerationJob]) -> list[GenerationRequest]:
    directory = Path(settings.GPU_IMAGE_DIR)

    def read(name: str) -> bytes | None:
        return (directory / name).read_bytes() if name else None

    return [
        GenerationRequest(
            mode=job.mode,
            prompt=job.prompt,
            negative_prompt=job.negative_prompt,
            width=job.width,
            height=job.height,
            steps=job.steps,
            guidance_scale=job.guidance_scale,
            seed=job.seed,
            image_png=read(job.input_image_file),
            mask_png=read(job.mask_file),
            direction=job.direction,
            pixels=job.pixels,
        )
        for job in jobs
    ]


def batch_run(*, job_id: str) -> int:
    """Runs the job with the queued jobs of its shape as one pipeline call; returns the batch size (0: taken)."""
    started = time.monotonic()
    jobs = _claim_batch(job_id)
    if not jobs:
        return 0
    for job in jobs:
        tracking.track_generation(
            site_id=job.site_id, name="generation_started", properties=event_properties(job_info(job))
        )
    # Ahead of Celery's soft limit by a tenth of it (at least a second), so that a step in progress at the
    # deadline ends before the signal comes: the step check stops cleanly, the signal lands anywhere in a library.
    soft = settings.GPU_SOFT_TIME_LIMIT
    deadline = started + soft - max(1.0, soft / 10)
    error: Exception | None = None
    images: list[bytes] | None = None
    try:
        from gpu_worker.inference.runner import generate_images

        images = generate_images(
            settings.GPU_MODEL_DIR,
            _image_jobs(jobs),
            device=settings.GPU_DEVICE,
            compile_denoiser=settings.GPU_TORCH_COMPILE,
            deadline=deadline,
        )
    except Exception as failure:  # the worker's top level: every failure ends the jobs as failed, none hangs
        logger.exception("generation failed", extra={"batch_size": len(jobs), "error": type(failure).__name__})
        error = failure
    with soft_limit_deferred():
        _finish(jobs, error=error, images=images)
        tracking.flush()
    return len(jobs)


def batch_fail_interrupted(*, job_id: str, error: BaseException) -> int:
    """Fails the still-running jobs of `job_id`'s batch after its process was killed (hard time limit) or died.

    Called by the GPU worker's main process, which outlives the killed child; returns how many jobs it failed.
    """
    batch_id = GenerationJob.objects.filter(pk=job_id).values_list("batch_id", flat=True).first()
    if batch_id is None:
        return 0  # never claimed: the message is acknowledged and the job expires from the queue
    jobs = list(GenerationJob.objects.filter(batch_id=batch_id, status=JobStatus.RUNNING))
    if jobs:
        _finish(jobs, error=error, images=None)
        tracking.flush()
    return len(jobs)


def jobs_fail_stale() -> int:
    """Fails jobs no worker will finish: running past the hard time limit (process killed), or queued too long."""
    now = datetime.now(UTC)
    running_cutoff = now - timedelta(seconds=settings.GPU_HARD_TIME_LIMIT + 60)
    queued_cutoff = now - timedelta(seconds=settings.GPU_MAX_QUEUE_SECONDS)
    stale = list(GenerationJob.objects.filter(status=JobStatus.RUNNING, started_at__lt=running_cutoff)) + list(
        GenerationJob.objects.filter(status=JobStatus.QUEUED, created_at__lt=queued_cutoff)
    )
    for job in stale:
        _finish([job], error=RanPastHardLimit() if job.status == JobStatus.RUNNING else QueueTimeout(), images=None)
    return len(stale)


class RanPastHardLimit(Exception):
    def __str__(self) -> str:
        return "the job ran past the hard time limit: its worker process was stopped, or died"


class QueueTimeout(Exception):
    def __str__(self) -> str:
        return "no GPU worker took the job in time"


def images_expire() -> int:
    """Deletes images and inputs of jobs finished more than GPU_IMAGE_RETENTION_HOURS ago; returns how many jobs."""
    cutoff = datetime.now(UTC) - timedelta(hours=settings.GPU_IMAGE_RETENTION_HOURS)
    directory = Path(settings.GPU_IMAGE_DIR)
    expired = list(GenerationJob.objects.filter(finished_at__lt=cutoff, images_deleted=False))
    for job in expired:
        for name in (job.image_file, job.input_image_file, job.mask_file):
            if name:
                (directory / name).unlink(missing_ok=True)
        job.images_deleted = True
    GenerationJob.objects.bulk_update(expired, ["images_deleted"])
    return len(expired)


def generation_settings_update(
    *,
    site_id: int,
    enabled: bool | None = None,
    daily_quota: int | None = None,
    rate_limit_per_minute: int | None = None,
) -> GenerationSettingsInfo:
    """Creates or changes a site's generation settings; arguments left None keep their value."""
    row, _ = GenerationSettings.objects.get_or_create(pk=site_id)
    changes = {"enabled": enabled, "daily_quota": daily_quota, "rate_limit_per_minute": rate_limit_per_minute}
    for field, value in changes.items():
        if value is not None:
            if field != "enabled" and value < 0:
                raise GenerationRefused(400, "invalid_value", f"{field} must be 0 or more.", field=field)
            setattr(row, field, value)
    row.save()
    return generation_settings_info(row)
