"""Outpainting as inpainting: where the original goes on the larger canvas and which area is painted. Pure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OutpaintLayout:
    canvas: tuple[int, int]  # width, height of the result
    paste_at: tuple[int, int]  # top-left corner of the original image on the canvas
    paint_box: tuple[int, int, int, int]  # left, top, right, bottom of the new area (the mask's white part)


def outpaint_layout(*, width: int, height: int, direction: str, pixels: int) -> OutpaintLayout:
    """`width`×`height` is the original image; the canvas grows by `pixels` toward `direction`."""
    if direction == "left":
        return OutpaintLayout((width + pixels, height), (pixels, 0), (0, 0, pixels, height))
    if direction == "right":
        return OutpaintLayout((width + pixels, height), (0, 0), (width, 0, width + pixels, height))
    if direction == "up":
        return OutpaintLayout((width, height + pixels), (0, pixels), (0, 0, width, pixels))
    if direction == "down":
        return OutpaintLayout((width, height + pixels), (0, 0), (0, height, width, height + pixels))
    raise ValueError(f"unknown outpaint direction {direction!r}")
