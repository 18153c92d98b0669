"""Table tests of the pure core: prompt language, prompt policy, request validation, outpaint layout."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import struct
import zlib

import pytest

from gpu_worker.generation_request import GenerationRequest, Limits, Refused, parse_generation_request, png_size
from gpu_worker.outpaint import outpaint_layout
from gpu_worker.prompt_language import prompt_language
from gpu_worker.prompt_policy import prompt_properties

LIMITS = Limits(max_prompt_chars=100, max_upload_bytes=10_000, size_multiple=16)


def _png(width: int, height: int) -> str:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = zlib.compress(b"".join(b"\x00" + b"\x00" * width for _ in range(height)))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    return base64.b64encode(png).decode()


@pytest.mark.parametrize(
    ("prompt", "language"),
    [
        ("a red bicycle", "en"),
        ("红色的自行车", "zh"),
        ("红色的 bicycle", "mixed"),
        ("自行车，高清，4K", "mixed"),  # "K" is a Latin letter
        ("自行车，高清", "zh"),
        ("12345 !!!", "other"),
        ("велосипед", "other"),
        ("", "other"),
    ],
)
def test_prompt_language(prompt, language):
    assert prompt_language(prompt) == language


def test_prompt_policies():
    prompt = "call me at alice@example.com please " + "x" * 300
    assert prompt_properties(prompt, policy="none", hash_key="k", max_chars=50) == {}
    scrubbed = prompt_properties(prompt, policy="scrubbed", hash_key="k", max_chars=50)["prompt"]
    assert "alice@example.com" not in scrubbed and len(scrubbed) == 50
    hashed = prompt_properties(prompt, policy="hashed", hash_key="k", max_chars=50)
    assert hashed == {"prompt_hash": hmac.new(b"k", prompt.encode(), hashlib.sha256).hexdigest()}
    assert prompt_properties(prompt, policy="hashed", hash_key="other", max_chars=50) != hashed
    assert prompt_properties(prompt, policy="unknown", hash_key="k", max_chars=50) == {}


def test_a_valid_text_to_image_request_with_defaults():
    parsed = parse_generation_request({"prompt": "a cat", "seed": 3}, LIMITS)
    assert parsed == GenerationRequest(
        mode="text_to_image",
        prompt="a cat",
        negative_prompt="",
        width=512,
        height=512,
        steps=30,
        guidance_scale=4.0,
        seed=3,
    )


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ([], "invalid_body", ""),
        ({}, "missing_field", "prompt"),
        ({"prompt": "   "}, "missing_field", "prompt"),
        ({"prompt": 5}, "invalid_type", "prompt"),
        ({"prompt": "x" * 101}, "prompt_too_long", "prompt"),
        ({"prompt": "bad \ud800 text"}, "invalid_encoding", "prompt"),
        ({"prompt": "bell \x07"}, "invalid_encoding", "prompt"),
        ({"prompt": "ok", "negative_prompt": "\x00"}, "invalid_encoding", "negative_prompt"),
        ({"prompt": "ok", "mode": "video"}, "invalid_value", "mode"),
        ({"prompt": "ok", "width": 100}, "invalid_size", "width"),
        ({"prompt": "ok", "width": 2048}, "out_of_range", "width"),
        ({"prompt": "ok", "height": 0}, "out_of_range", "height"),
        ({"prompt": "ok", "height": "512"}, "invalid_type", "height"),
        ({"prompt": "ok", "steps": 0}, "out_of_range", "steps"),
        ({"prompt": "ok", "steps": 101}, "out_of_range", "steps"),
        ({"prompt": "ok", "steps": True}, "invalid_type", "steps"),
        ({"prompt": "ok", "guidance_scale": 21}, "out_of_range", "guidance_scale"),
        ({"prompt": "ok", "guidance_scale": float("nan")}, "invalid_type", "guidance_scale"),
        ({"prompt": "ok", "seed": -1}, "out_of_range", "seed"),
        ({"prompt": "ok", "seed": 2**32}, "out_of_range", "seed"),
        ({"prompt": "ok", "mode": "inpaint"}, "missing_field", "image"),
        ({"prompt": "ok", "mode": "inpaint", "image": _png(64, 64)}, "missing_field", "mask"),
        ({"prompt": "ok", "mode": "inpaint", "image": "%%%", "mask": _png(64, 64)}, "invalid_image", "image"),
        (
            {"prompt": "ok", "mode": "inpaint", "image": base64.b64encode(b"GIF89a....").decode()},
            "invalid_image",
            "image",
        ),
        ({"prompt": "ok", "mode": "inpaint", "image": _png(64, 64), "mask": _png(32, 64)}, "invalid_size", "mask"),
        ({"prompt": "ok", "mode": "inpaint", "image": _png(60, 64), "mask": _png(60, 64)}, "invalid_size", "image"),
        ({"prompt": "ok", "mode": "inpaint", "image": "A" * 20_000, "mask": _png(64, 64)}, "image_too_large", "image"),
        ({"prompt": "ok", "mode": "outpaint", "image": _png(64, 64)}, "invalid_value", "direction"),
        (
            {"prompt": "ok", "mode": "outpaint", "image": _png(64, 64), "direction": "up", "pixels": 24},
            "invalid_size",
            "pixels",
        ),
        (
            {"prompt": "ok", "mode": "outpaint", "image": _png(1024, 64), "direction": "left", "pixels": 16},
            "invalid_size",
            "pixels",
        ),
    ],
)
def test_refused_requests_name_the_field(body, code, field):
    refused = parse_generation_request(body, LIMITS)
    assert isinstance(refused, Refused), refused
    assert (refused.code, refused.field) == (code, field)


def test_outpaint_request_size_is_the_extended_canvas():
    body = {
        "prompt": "sky",
        "mode": "outpaint",
        "image": "data:image/png;base64," + _png(64, 48),
        "direction": "up",
        "pixels": 32,
    }
    parsed = parse_generation_request(body, LIMITS)
    assert isinstance(parsed, GenerationRequest)
    assert (parsed.width, parsed.height, parsed.direction, parsed.pixels) == (64, 80, "up", 32)
    assert png_size(parsed.image_png or b"") == (64, 48)


@pytest.mark.parametrize(
    ("direction", "canvas", "paste_at", "paint_box"),
    [
        ("left", (96, 48), (32, 0), (0, 0, 32, 48)),
        ("right", (96, 48), (0, 0), (64, 0, 96, 48)),
        ("up", (64, 80), (0, 32), (0, 0, 64, 32)),
        ("down", (64, 80), (0, 0), (0, 48, 64, 80)),
    ],
)
def test_outpaint_layout(direction, canvas, paste_at, paint_box):
    layout = outpaint_layout(width=64, height=48, direction=direction, pixels=32)
    assert (layout.canvas, layout.paste_at, layout.paint_box) == (canvas, paste_at, paint_box)


def test_png_size_reads_the_header_only():
    assert png_size(base64.b64decode(_png(7, 9))) == (7, 9)
    assert png_size(b"not a png at all, not at all") is None
    assert png_size(io.BytesIO(b"\x89PNG").getvalue()) is None
