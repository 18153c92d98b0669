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

    @property
    def family(self) -> str:
        return "qwenimage" if self.pipeline_class.startswith("QwenImage") else "stable-diffusion"

    @property
    def size_multiple(self) -> int:
        # Qwen-Image's VAE downsamples 8× and its transformer packs latents 2×2; Stable Diffusion needs 8.
        return 16 if self.family == "qwenimage" else 8


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
