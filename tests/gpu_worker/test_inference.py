"""The inference path in this process (not the web's), for both pipeline families: the tiny models reproduce a
seed byte for byte and paint every mode at the requested size through the one loader and runner."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from gpu_worker.inference.runner import ImageJob, generate_images
from gpu_worker.model_directory import read_model_directory


@pytest.fixture(params=["qwen-image", "stable-diffusion"])
def model_dir(request) -> str:
    fixture = "tiny_model_dir" if request.param == "qwen-image" else "tiny_sd_model_dir"
    return str(request.getfixturevalue(fixture))


def _job(seed: int, prompt: str = "a cat", **fields: Any) -> ImageJob:
    values: dict[str, Any] = {"mode": "text_to_image", "negative_prompt": "", "width": 32, "height": 32, "steps": 2}
    return ImageJob(prompt=prompt, guidance_scale=4.0, seed=seed, **(values | fields))


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def test_the_tiny_models_are_the_families_they_claim(tiny_model_dir, tiny_sd_model_dir):
    qwen, sd = read_model_directory(str(tiny_model_dir)), read_model_directory(str(tiny_sd_model_dir))
    assert (qwen.pipeline_class, qwen.family, qwen.size_multiple) == ("QwenImagePipeline", "qwen-image", 16)
    assert (sd.pipeline_class, sd.family, sd.size_multiple) == ("StableDiffusionPipeline", "stable-diffusion", 8)


def test_same_seed_gives_identical_png_bytes_and_another_seed_does_not(model_dir):
    first = generate_images(model_dir, [_job(7)], device="cpu")
    again = generate_images(model_dir, [_job(7)], device="cpu")
    other = generate_images(model_dir, [_job(8)], device="cpu")
    assert first == again
    assert first != other
    assert first[0].startswith(b"\x89PNG")


def test_a_batch_returns_one_image_per_job_in_order(model_dir):
    images = generate_images(model_dir, [_job(1, "一只猫"), _job(2, "a dog")], device="cpu")
    assert len(images) == 2 and images[0] != images[1]
    # Each image depends on its own seed only: the second job alone gives the batch's second image.
    assert generate_images(model_dir, [_job(2, "a dog")], device="cpu") == images[1:]


def test_text_to_image_inpaint_and_outpaint_give_the_requested_sizes(model_dir):
    multiple = read_model_directory(model_dir).size_multiple
    width, height = 3 * multiple, 2 * multiple  # not square, and for SD not a multiple of 16
    [text_to_image] = generate_images(model_dir, [_job(1, width=width, height=height)], device="cpu")
    assert _image(text_to_image).size == (width, height)

    black = _png(Image.new("RGB", (width, height), (0, 0, 0)))
    mask = Image.new("L", (width, height), 0)
    mask.paste(255, (0, 0, width // 2, height))  # repaint the left half
    inpaint = _job(2, mode="inpaint", width=width, height=height, image_png=black, mask_png=_png(mask))
    [inpainted] = generate_images(model_dir, [inpaint], device="cpu")
    assert _image(inpainted).size == (width, height)

    # An outpaint job's size is the grown canvas (as the API's validation sets it).
    outpaint = _job(
        3, mode="outpaint", width=width + multiple, height=height, image_png=black, direction="right", pixels=multiple
    )
    [outpainted] = generate_images(model_dir, [outpaint], device="cpu")
    result = _image(outpainted)
    assert result.size == (width + multiple, height)
    # The original is kept pixel for pixel; the new strip is painted (noise, from a tiny model).
    assert result.crop((0, 0, width, height)).getextrema() == ((0, 0), (0, 0), (0, 0))
    assert result.crop((width, 0, width + multiple, height)).getextrema() != ((0, 0), (0, 0), (0, 0))


@pytest.mark.parametrize("missing", ["nowhere", ""])
def test_a_missing_model_directory_raises(missing):
    from gpu_worker.model_directory import ModelUnavailable

    with pytest.raises(ModelUnavailable):
        generate_images(missing, [_job(1)], device="cpu")
