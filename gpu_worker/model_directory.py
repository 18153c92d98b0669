"""What the web process needs to know of the configured model without loading it: its name and family.

Reads only model_index.json (diffusers' pipeline manifest), so the web process never imports torch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


class ModelUnavailable(Exception):
    """No usable model directory is configured."""


@dataclass(frozen=True, slots=True)
class ModelDirectory:
    path: Path
    name: str  # the directory's name: recorded with each job, part of the batch shape
    pipeline_class: str  # model_index.json's _class_name, e.g. QwenImagePipeline

    # What differs between the pipeline families lives here, in the properties below; the loader and the
    # runner ask them rather than testing the family themselves.

    @property
    def family(self) -> str:
        """qwen-image or stable-diffusion: the names `manage.py make_tiny_model --family` takes."""
        return "qwen-image" if self.pipeline_class.startswith("QwenImage") else "stable-diffusion"

    @property
    def size_multiple(self) -> int:
        # Qwen-Image's VAE downsamples 8× and its transformer packs latents 2×2; Stable Diffusion needs 8.
        return 16 if self.family == "qwen-image" else 8

    @property
    def guidance_argument(self) -> str:
        # Qwen-Image applies classifier-free guidance through true_cfg_scale (its guidance_scale is for
        # guidance-distilled checkpoints); Stable Diffusion calls the same thing guidance_scale.
        return "true_cfg_scale" if self.family == "qwen-image" else "guidance_scale"


def read_model_directory(configured: str) -> ModelDirectory:
    """The configured model; raises ModelUnavailable when it is not set or has no readable manifest."""
    if not configured:
        raise ModelUnavailable("GPU_MODEL_DIR is not set: image generation is off on this server.")
    path = Path(configured)
    try:
        index = json.loads((path / "model_index.json").read_text())
    except (OSError, ValueError) as error:
        raise ModelUnavailable(f"{path} has no readable model_index.json ({type(error).__name__}).") from None
    pipeline_class = index.get("_class_name") if isinstance(index, dict) else None
    if not isinstance(pipeline_class, str):
        raise ModelUnavailable(f"{path}/model_index.json names no pipeline class.")
    return ModelDirectory(path=path, name=path.resolve().name, pipeline_class=pipeline_class)
