"""Everything device- and dtype-specific, in one place: CUDA with bf16 (or fp16) and SDPA when present,
the CPU with float32 otherwise. Seeds always go through CPU generators, so a seed gives the same noise on
every machine and CPU runs reproduce byte for byte."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True, slots=True)
class Placement:
    device: str  # "cuda" or "cpu"
    dtype: torch.dtype
    # diffusers' attention backend: "native" is torch's scaled_dot_product_attention (flash / memory-efficient
    # kernels on CUDA); "_native_math" is its plain reference implementation, for comparison in bench/.
    attention_backend: str = "native"


def choose_placement(preference: str = "auto", *, dtype: str = "auto", sdpa: bool = True) -> Placement:
    """`preference`: auto, cuda or cpu; `dtype`: auto, bf16, fp16 or fp32 (auto: bf16/fp16 on CUDA, fp32 on CPU)."""
    use_cuda = preference == "cuda" or (preference == "auto" and torch.cuda.is_available())
    if dtype == "auto" and use_cuda:
        chosen = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    elif dtype == "auto":
        chosen = torch.float32  # CPUs are slow at half precision and some kernels lack it
    else:
        chosen = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[dtype]
    return Placement("cuda" if use_cuda else "cpu", chosen, "native" if sdpa else "_native_math")


def place_pipeline(pipeline: Any, placement: Placement, *, compile_denoiser: bool = False) -> Any:
    """Moves a loaded pipeline to its device and dtype and sets the attention kernels."""
    if placement.device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True  # TF32 matmuls for whatever stays in float32
    pipeline.to(placement.device, placement.dtype)
    denoiser = getattr(pipeline, "transformer", None) or getattr(pipeline, "unet", None)
    if denoiser is not None and hasattr(denoiser, "set_attention_backend"):
        denoiser.set_attention_backend(placement.attention_backend)
    if compile_denoiser and denoiser is not None:
        denoiser.compile(fullgraph=False)
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


def seeded_generators(seeds: list[int]) -> list[torch.Generator]:
    """One CPU generator per image, so each image of a batch depends on its own seed only."""
    return [torch.Generator("cpu").manual_seed(seed) for seed in seeds]


def release_memory(placement: Placement) -> None:
    """After a failure (e.g. out of memory) the next batch should start from a clean cache."""
    if placement.device == "cuda":
        torch.cuda.empty_cache()
