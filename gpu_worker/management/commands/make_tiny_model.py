"""`manage.py make_tiny_model DIR`: writes a tiny Qwen-Image pipeline with seeded random weights (noise images)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Write a tiny Qwen-Image pipeline (random weights, for tests: its images are noise) to DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--seed", type=int, default=0, help="Seed of the random weights (default 0).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            from gpu_worker.inference.tiny_model import build_tiny_qwen_image
        except ImportError as error:
            raise CommandError(f"The gpu extra is not installed ({error}): pip install '.[gpu]'") from None
        directory: Path = options["directory"]
        if (directory / "model_index.json").exists():
            raise CommandError(f"{directory} already holds a model; choose an empty directory.")
        build_tiny_qwen_image(directory, seed=options["seed"])
        self.stdout.write(f"Tiny Qwen-Image pipeline written to {directory} (its images are noise).")
