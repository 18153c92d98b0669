"""Seconds per image and images/s of the GPU worker's pipeline for a model directory, resolution, steps and
batch size, with and without each speed-up (docs/gpu-worker.md). Run with the gpu extra installed:

    .venv/bin/python bench/bench_generate.py --model-dir /tmp/tiny-qwen-image --size 256 --steps 4 --batch 4
"""

from __future__ import annotations

import argparse
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
django.setup()

from gpu_worker.inference import loader  # noqa: E402
from gpu_worker.inference.runner import ImageJob, generate_images  # noqa: E402


def _measure(model_dir: str, size: int, steps: int, batch: int, repeats: int) -> float:
    jobs = [ImageJob("text_to_image", f"prompt {n}", "", size, size, steps, 4.0, n) for n in range(batch)]
    generate_images(model_dir, jobs)  # warm-up: loading, kernel selection, compilation
    start = time.perf_counter()
    for _ in range(repeats):
        generate_images(model_dir, jobs)
    return (time.perf_counter() - start) / (repeats * batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    import torch

    cuda = torch.cuda.is_available()
    variants = [("baseline (fp32, math attention, batch 1)", {"dtype": "fp32", "sdpa": False}, 1)]
    variants.append(("+ SDPA", {"dtype": "fp32", "sdpa": True}, 1))
    if cuda:
        variants.append(("+ bf16", {"dtype": "bf16", "sdpa": True}, 1))
        variants.append(("+ torch.compile", {"dtype": "bf16", "sdpa": True, "compile_denoiser": True}, 1))
    best = variants[-1][1]
    variants.append((f"+ batching ({args.batch})", best, args.batch))
    print(f"device: {'cuda ' + torch.cuda.get_device_name() if cuda else 'cpu'}; {args.size}², {args.steps} steps")
    for label, options, batch in variants:
        loader._loaded.clear()
        original = loader.load_model

        def configured(model_dir: str, options: dict = options, original=original, **_: object):  # type: ignore[no-untyped-def]
            return original(model_dir, **options)

        loader.load_model = configured  # type: ignore[assignment]
        import gpu_worker.inference.runner as runner

        runner.load_model = configured  # type: ignore[assignment]
        seconds = _measure(args.model_dir, args.size, args.steps, batch, args.repeats)
        print(f"{label:45s} {seconds:8.3f} s/image {1 / seconds:8.2f} images/s")
        runner.load_model = original


if __name__ == "__main__":
    main()
