"""Loads a diffusers pipeline from a local directory, once per process, for text-to-image and inpainting.

One loader for every model: diffusers' auto pipelines read model_index.json and pick the classes
(QwenImagePipeline / QwenImageInpaintPipeline, StableDiffusion…Pipeline), the tiny test model included.
Imported only by the GPU worker's task at run time, after the worker process has forked.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gpu_worker.inference.device import Placement, choose_placement, place_pipeline
from gpu_worker.model_directory import ModelDirectory, read_model_directory

# Nothing is ever fetched from a hub: set before huggingface_hub, transformers and diffusers are imported,
# since they read these once, at import.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"


@dataclass(frozen=True, slots=True)
class LoadedModel:
    directory: ModelDirectory
    placement: Placement
    text_to_image: Any
    inpaint: Any


_loaded: dict[tuple[str, str, bool], LoadedModel] = {}
_lock = threading.Lock()


def load_model(
    model_dir: str, *, device: str = "auto", dtype: str = "auto", sdpa: bool = True, compile_denoiser: bool = False
) -> LoadedModel:
    """The pipelines of `model_dir`, loaded on first use and kept for the life of the process."""
    key = (str(Path(model_dir).resolve()), f"{device}/{dtype}/{sdpa}", compile_denoiser)
    with _lock:
        if key not in _loaded:
            _loaded[key] = _load(model_dir, device, dtype, sdpa, compile_denoiser)
        return _loaded[key]


def import_libraries() -> None:
    """Imports what loading a model needs without loading one (diffusers and transformers import lazily)."""
    import huggingface_hub.file_download  # noqa: F401
    import transformers.modeling_utils  # noqa: F401
    from diffusers import AutoPipelineForInpainting, AutoPipelineForText2Image  # noqa: F401


def _load(model_dir: str, device: str, dtype: str, sdpa: bool, compile_denoiser: bool) -> LoadedModel:
    from diffusers import AutoPipelineForInpainting, AutoPipelineForText2Image

    directory = read_model_directory(model_dir)
    placement = choose_placement(device, dtype=dtype, sdpa=sdpa)
    pipeline = AutoPipelineForText2Image.from_pretrained(
        str(directory.path), local_files_only=True, dtype=placement.dtype
    )
    place_pipeline(pipeline, placement, compile_denoiser=compile_denoiser)
    # The same modules, shared: inpainting costs no second copy of the weights. Stable Diffusion's regular
    # 4-channel UNet gets StableDiffusionInpaintPipeline, which then blends the mask in latent space.
    inpaint = AutoPipelineForInpainting.from_pipe(pipeline)
    inpaint.set_progress_bar_config(disable=True)
    return LoadedModel(directory, placement, pipeline, inpaint)
