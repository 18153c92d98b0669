"""What leaves the app about a job: a frozen JobInfo, and the properties its generation_* events carry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from gpu_worker.models import GenerationJob, GenerationSettings


@dataclass(frozen=True, slots=True)
class JobInfo:
    id: UUID
    site_id: int
    status: str
    mode: str
    width: int
    height: int
    steps: int
    guidance_scale: float
    seed: int
    model: str
    prompt_length: int
    prompt_language: str
    prompt_properties: dict[str, str]
    created_at: datetime
    batch_size: int | None
    queue_wait_ms: int | None
    run_ms: int | None
    error_class: str
    error_detail: str
    has_image: bool


def job_info(job: GenerationJob) -> JobInfo:
    return JobInfo(
        id=job.id,
        site_id=job.site_id,
        status=job.status,
        mode=job.mode,
        width=job.width,
        height=job.height,
        steps=job.steps,
        guidance_scale=job.guidance_scale,
        seed=job.seed,
        model=job.model,
        prompt_length=job.prompt_length,
        prompt_language=job.prompt_language,
        prompt_properties=dict(job.prompt_properties or {}),
        created_at=job.created_at,
        batch_size=job.batch_size,
        queue_wait_ms=job.queue_wait_ms,
        run_ms=job.run_ms,
        error_class=job.error_class,
        error_detail=job.error_detail,
        has_image=bool(job.image_file) and not job.images_deleted,
    )


def event_properties(job: JobInfo) -> dict[str, Any]:
    """The generation_* event's properties: measurements and shape, and the prompt only as its policy allows."""
    properties: dict[str, Any] = {
        "job_id": str(job.id),
        "mode": job.mode,
        "width": job.width,
        "height": job.height,
        "steps": job.steps,
        "model": job.model,
        "prompt_length": job.prompt_length,
        "prompt_language": job.prompt_language,
        **job.prompt_properties,
    }
    optional = {
        "batch_size": job.batch_size,
        "queue_wait_ms": job.queue_wait_ms,
        "run_ms": job.run_ms,
        "error_class": job.error_class or None,
    }
    properties.update({key: value for key, value in optional.items() if value is not None})
    return properties


@dataclass(frozen=True, slots=True)
class GenerationSettingsInfo:
    """A site's generation settings; a site without a row has these defaults (generation off)."""

    site_id: int
    enabled: bool = False
    daily_quota: int = 500
    rate_limit_per_minute: int = 20


def generation_settings_info(row: GenerationSettings) -> GenerationSettingsInfo:
    return GenerationSettingsInfo(row.site_id, row.enabled, row.daily_quota, row.rate_limit_per_minute)
