"""Reads: one site's job, the path of its image, and a site's generation settings."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from gpu_worker.models import GenerationJob, GenerationSettings
from gpu_worker.records import GenerationSettingsInfo, JobInfo, generation_settings_info, job_info
from server.errors import NotFound


def _job(*, site_id: int, job_id: str) -> GenerationJob:
    # Another site's job is answered exactly like a missing one: ids are not confirmed across sites.
    job = GenerationJob.objects.filter(pk=job_id, site_id=site_id).first()
    if job is None:
        raise NotFound("job_not_found", "There is no generation job with this id for this site.")
    return job


def job_get(*, site_id: int, job_id: str) -> JobInfo:
    return job_info(_job(site_id=site_id, job_id=job_id))


def job_image_path(*, site_id: int, job_id: str) -> Path:
    """The finished image's file; NotFound while there is none (running, failed, or deleted after retention)."""
    job = _job(site_id=site_id, job_id=job_id)
    if not job.image_file or job.images_deleted:
        raise NotFound("image_not_found", "This job has no image (not finished, failed, or expired).")
    return Path(settings.GPU_IMAGE_DIR) / job.image_file


def generation_settings_get(*, site_id: int) -> GenerationSettingsInfo:
    """The site's settings, or the defaults (generation off) when none were saved."""
    row = GenerationSettings.objects.filter(pk=site_id).first()
    return generation_settings_info(row) if row is not None else GenerationSettingsInfo(site_id)
