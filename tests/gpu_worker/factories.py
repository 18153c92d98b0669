"""Generation jobs as rows, for tests that need jobs in a given state without running a worker."""

from __future__ import annotations

from typing import Any

from gpu_worker.models import GenerationJob


def make_job(*, site_id: int, status: str, **fields: Any) -> GenerationJob:
    """A tiny text-to-image job of one fixed shape; `fields` set the rest (times, files, batch)."""
    row: dict[str, Any] = {
        "mode": "text_to_image",
        "prompt_length": 1,
        "prompt_language": "en",
        "width": 16,
        "height": 16,
        "steps": 1,
        "guidance_scale": 1.0,
        "seed": 1,
        "model": "m",
        "shape_key": "s",
    }
    return GenerationJob.objects.create(site_id=site_id, status=status, **(row | fields))
