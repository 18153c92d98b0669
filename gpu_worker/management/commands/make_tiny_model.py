"""`manage.py make_tiny_model DIR [--family qwen-image|stable-diffusion]`: writes a tiny pipeline with seeded
random weights (its images are noise)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

# Listed here too, so that `--help` and a wrong --family answer without importing torch.
FAMILIES = {"qwen-image": "Qwen-Image", "stable-diffusion": "Stable Diffusion"}


class Command(BaseCommand):
    help = "Write a tiny diffusers pipeline (random weights, for tests: its images are noise) to DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--family", choices=list(FAMILIES), default="qwen-image", help="Pipeline family (default qwen-image)."
        )
        parser.add_argument("--seed", type=int, default=0, help="Seed of the random weights (default 0).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            from gpu_worker.inference.tiny_model import TINY_MODEL_BUILDERS
        except ImportError as error:
            raise CommandError(f"The gpu extra is not installed ({error}): pip install '.[gpu]'") from None
        directory: Path = options["directory"]
        if (directory / "model_index.json").exists():
            raise CommandError(f"{directory} already holds a model; choose an empty directory.")
        family: str = options["family"]
        TINY_MODEL_BUILDERS[family](directory, seed=options["seed"])
        self.stdout.write(f"Tiny {FAMILIES[family]} pipeline written to {directory} (its images are noise).")
