"""The inference path in this process (not the web's): the tiny model reproduces a seed byte for byte."""

from __future__ import annotations

import pytest

from gpu_worker.inference.runner import ImageJob, generate_images


def _job(seed: int, prompt: str = "a cat") -> ImageJob:
    return ImageJob(
        mode="text_to_image",
        prompt=prompt,
        negative_prompt="",
        width=32,
        height=32,
        steps=2,
        guidance_scale=4.0,
        seed=seed,
    )


def test_same_seed_gives_identical_png_bytes_and_another_seed_does_not(tiny_model_dir):
    first = generate_images(str(tiny_model_dir), [_job(7)], device="cpu")
    again = generate_images(str(tiny_model_dir), [_job(7)], device="cpu")
    other = generate_images(str(tiny_model_dir), [_job(8)], device="cpu")
    assert first == again
    assert first != other
    assert first[0].startswith(b"\x89PNG")


def test_a_batch_returns_one_image_per_job_in_order(tiny_model_dir):
    images = generate_images(str(tiny_model_dir), [_job(1, "一只猫"), _job(2, "a dog")], device="cpu")
    assert len(images) == 2 and images[0] != images[1]


@pytest.mark.parametrize("missing", ["nowhere", ""])
def test_a_missing_model_directory_raises(missing):
    from gpu_worker.model_directory import ModelUnavailable

    with pytest.raises(ModelUnavailable):
        generate_images(missing, [_job(1)], device="cpu")
