"""One pipeline call for a batch of same-shape jobs: text-to-image, inpaint, or outpaint (inpainting on a
larger canvas). Returns PNG bytes, one per job, in order."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence
from typing import Any

from PIL import Image

from gpu_worker.errors import GenerationTimedOut
from gpu_worker.generation_request import GenerationRequest
from gpu_worker.inference.device import release_memory, seeded_generators
from gpu_worker.inference.loader import LoadedModel, load_model
from gpu_worker.outpaint import outpaint_layout

# A job as the pipeline sees it is the validated request itself (gpu_worker/generation_request.py, no torch).
ImageJob = GenerationRequest


def _decode(data: bytes | None, mode: str) -> Image.Image:
    if data is None:
        raise ValueError("the job's input image is missing")
    with Image.open(io.BytesIO(data)) as image:
        return image.convert(mode)


def _inpaint_inputs(job: ImageJob) -> tuple[Image.Image, Image.Image]:
    if job.mode == "inpaint":
        return _decode(job.image_png, "RGB"), _decode(job.mask_png, "L")
    original = _decode(job.image_png, "RGB")
    layout = outpaint_layout(width=original.width, height=original.height, direction=job.direction, pixels=job.pixels)
    # The new strip starts as the original's mean colour: the model repaints it; a neutral start blends better.
    mean = original.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    canvas = Image.new("RGB", layout.canvas, mean)
    canvas.paste(original, layout.paste_at)
    mask = Image.new("L", layout.canvas, 0)
    mask.paste(255, layout.paint_box)
    return canvas, mask


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")  # no metadata: equal pixels give equal bytes
    return buffer.getvalue()


def _call_arguments(model: LoadedModel, jobs: Sequence[ImageJob]) -> dict[str, Any]:
    first = jobs[0]
    arguments: dict[str, Any] = {
        "prompt": [job.prompt for job in jobs],
        "negative_prompt": [job.negative_prompt for job in jobs],
        "width": first.width,
        "height": first.height,
        "num_inference_steps": first.steps,
        "generator": seeded_generators([job.seed for job in jobs]),
    }
    arguments[model.directory.guidance_argument] = first.guidance_scale
    return arguments


def _deadline_check(deadline: float, steps: int) -> Callable[..., dict[str, Any]]:
    """A step-end callback that stops the call cleanly once time.monotonic() passes `deadline`.

    On a GPU a step takes seconds, so this is precise; Celery's soft-limit signal stays the backstop for time
    spent outside the steps (loading, the text encoder, the VAE) and can land anywhere in a library's code.
    """

    def check(pipeline: Any, step: int, timestep: Any, callback_kwargs: dict[str, Any]) -> dict[str, Any]:
        if time.monotonic() > deadline:
            raise GenerationTimedOut(f"stopped after step {step + 1} of {steps}: the time limit was reached")
        return callback_kwargs

    return check


def generate_images(
    model_dir: str,
    jobs: Sequence[ImageJob],
    *,
    device: str = "auto",
    compile_denoiser: bool = False,
    deadline: float | None = None,
) -> list[bytes]:
    """Runs `jobs` (same mode, size, steps and guidance) as one pipeline call; past `deadline` (a
    time.monotonic() value) it raises GenerationTimedOut at the end of the current denoising step."""
    model = load_model(model_dir, device=device, compile_denoiser=compile_denoiser)
    arguments = _call_arguments(model, jobs)
    if deadline is not None:
        arguments["callback_on_step_end"] = _deadline_check(deadline, jobs[0].steps)
    try:
        if jobs[0].mode == "text_to_image":
            result = model.text_to_image(**arguments)
        else:
            inputs = [_inpaint_inputs(job) for job in jobs]
            # strength 1: the masked area is painted from noise; the unmasked area is kept from the input.
            result = model.inpaint(
                image=[image for image, _ in inputs], mask_image=[mask for _, mask in inputs], strength=1.0, **arguments
            )
    except BaseException:
        release_memory(model.placement)
        raise
    images = list(result.images)
    for index, job in enumerate(jobs):
        if job.mode == "outpaint":
            # The VAE round trip shifts colours slightly everywhere; outpainting promises the original unchanged.
            original = _decode(job.image_png, "RGB")
            layout = outpaint_layout(
                width=original.width, height=original.height, direction=job.direction, pixels=job.pixels
            )
            images[index].paste(original, layout.paste_at)
    return [_png(image) for image in images]
