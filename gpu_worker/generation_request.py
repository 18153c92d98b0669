"""A generation request's JSON, checked into a frozen GenerationRequest, or the first refused field. Pure.

The web process never decodes images (it has no PIL or torch): uploads are checked to be PNG files of a
valid size by their header alone; the worker decodes them.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import struct
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

MODES = ("text_to_image", "inpaint", "outpaint")
DIRECTIONS = ("left", "right", "up", "down")
MAX_SIDE = 1024
STEPS_RANGE = (1, 100)
GUIDANCE_RANGE = (0.0, 20.0)
SEED_MAX = 2**32 - 1
OUTPAINT_PIXELS_MAX = 512
# Line breaks and tabs are ordinary in prompts; every other control character is not text.
_ALLOWED_CONTROLS = {"\n", "\r", "\t"}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True, slots=True)
class Limits:
    max_prompt_chars: int
    max_upload_bytes: int
    size_multiple: int  # 16 for Qwen-Image (latents are 8× smaller and packed 2×2), 8 for Stable Diffusion


@dataclass(frozen=True, slots=True)
class GenerationRequest:
    mode: str
    prompt: str
    negative_prompt: str
    width: int
    height: int
    steps: int
    guidance_scale: float
    seed: int
    image_png: bytes | None = None
    mask_png: bytes | None = None
    direction: str = ""
    pixels: int = 0


@dataclass(frozen=True, slots=True)
class Refused:
    code: str
    detail: str
    field: str


class _Refusal(Exception):
    def __init__(self, code: str, detail: str, field: str) -> None:
        self.refused = Refused(code, detail, field)


def _text(payload: dict[str, Any], field: str, *, required: bool, max_chars: int) -> str:
    value = payload.get(field)
    if value is None or value == "":
        if required:
            raise _Refusal("missing_field", f"{field} is required.", field)
        return ""
    if not isinstance(value, str):
        raise _Refusal("invalid_type", f"{field} must be a string.", field)
    if len(value) > max_chars:
        raise _Refusal("prompt_too_long", f"{field} may have at most {max_chars} characters.", field)
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs":  # a lone surrogate: JSON allows "\ud800", UTF-8 cannot encode it
            raise _Refusal("invalid_encoding", f"{field} is not valid Unicode text (a lone surrogate).", field)
        if category == "Cc" and char not in _ALLOWED_CONTROLS:
            raise _Refusal("invalid_encoding", f"{field} contains control character U+{ord(char):04X}.", field)
    if not value.strip():
        raise _Refusal("missing_field" if required else "invalid_value", f"{field} is blank.", field)
    return value


def _integer(payload: dict[str, Any], field: str, default: int, low: int, high: int, multiple: int = 1) -> int:
    value = payload.get(field, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Refusal("invalid_type", f"{field} must be an integer.", field)
    if not low <= value <= high:
        raise _Refusal("out_of_range", f"{field} must be between {low} and {high}.", field)
    if value % multiple:
        raise _Refusal("invalid_size", f"{field} must be a multiple of {multiple}.", field)
    return value


def _number(payload: dict[str, Any], field: str, default: float, low: float, high: float) -> float:
    value = payload.get(field, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:  # NaN != NaN
        raise _Refusal("invalid_type", f"{field} must be a number.", field)
    if not low <= value <= high:
        raise _Refusal("out_of_range", f"{field} must be between {low:g} and {high:g}.", field)
    return float(value)


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR chunk, or None when the bytes do not start like a PNG file."""
    if len(data) < 24 or not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _png(payload: dict[str, Any], field: str, limits: Limits) -> tuple[bytes, int, int]:
    value = payload.get(field)
    if value is None or value == "":
        raise _Refusal("missing_field", f"{field} (a base64 PNG) is required for this mode.", field)
    if not isinstance(value, str):
        raise _Refusal("invalid_type", f"{field} must be a base64 string.", field)
    if value.startswith("data:"):  # a data: URL from a canvas' toDataURL()
        value = value.partition(",")[2]
    if len(value) > limits.max_upload_bytes * 4 // 3 + 4:
        raise _Refusal("image_too_large", f"{field} may be at most {limits.max_upload_bytes} bytes.", field)
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _Refusal("invalid_image", f"{field} is not valid base64.", field) from None
    size = png_size(data)
    if size is None:
        raise _Refusal("invalid_image", f"{field} is not a PNG image.", field)
    width, height = size
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise _Refusal("invalid_size", f"{field} may be at most {MAX_SIDE}×{MAX_SIDE} pixels.", field)
    return data, width, height


def parse_generation_request(payload: Any, limits: Limits) -> GenerationRequest | Refused:
    """Checks every field of a POST /api/v1/generate body; the first refusal names its field."""
    try:
        return _parse(payload, limits)
    except _Refusal as refusal:
        return refusal.refused


def _parse(payload: Any, limits: Limits) -> GenerationRequest:
    if not isinstance(payload, dict):
        raise _Refusal("invalid_body", "The body must be a JSON object.", "")
    mode = payload.get("mode", "text_to_image")
    if mode not in MODES:
        raise _Refusal("invalid_value", f"mode must be one of {', '.join(MODES)}.", "mode")
    prompt = _text(payload, "prompt", required=True, max_chars=limits.max_prompt_chars)
    negative = _text(payload, "negative_prompt", required=False, max_chars=limits.max_prompt_chars)
    multiple = limits.size_multiple
    steps = _integer(payload, "steps", 30, *STEPS_RANGE)
    guidance = _number(payload, "guidance_scale", 4.0, *GUIDANCE_RANGE)
    seed = _integer(payload, "seed", secrets.randbelow(SEED_MAX + 1), 0, SEED_MAX)
    common = GenerationRequest(
        mode=mode,
        prompt=prompt,
        negative_prompt=negative,
        width=0,
        height=0,
        steps=steps,
        guidance_scale=guidance,
        seed=seed,
    )
    if mode == "text_to_image":
        width = _integer(payload, "width", 512, multiple, MAX_SIDE, multiple)
        height = _integer(payload, "height", 512, multiple, MAX_SIDE, multiple)
        return replace(common, width=width, height=height)
    image, width, height = _png(payload, "image", limits)
    if width % multiple or height % multiple:
        raise _Refusal("invalid_size", f"image's width and height must be multiples of {multiple}.", "image")
    if mode == "inpaint":
        mask, mask_width, mask_height = _png(payload, "mask", limits)
        if (mask_width, mask_height) != (width, height):
            raise _Refusal("invalid_size", "mask must have the same size as image.", "mask")
        return replace(common, width=width, height=height, image_png=image, mask_png=mask)
    direction = payload.get("direction")
    if direction not in DIRECTIONS:
        raise _Refusal("invalid_value", f"direction must be one of {', '.join(DIRECTIONS)}.", "direction")
    pixels = _integer(payload, "pixels", 128, multiple, OUTPAINT_PIXELS_MAX, multiple)
    if direction in ("left", "right"):
        width += pixels
    else:
        height += pixels
    if width > MAX_SIDE or height > MAX_SIDE:
        raise _Refusal("invalid_size", f"The extended canvas may be at most {MAX_SIDE}×{MAX_SIDE} pixels.", "pixels")
    return replace(common, width=width, height=height, image_png=image, direction=direction, pixels=pixels)
