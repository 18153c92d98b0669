"""The language class of a prompt, for the generation_* events: zh, en, mixed, or other. Pure."""

from __future__ import annotations

# CJK Unified Ideographs and their extensions A and B, and the compatibility block: the Han characters
# Chinese prompts are written in.
_HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2A6DF))


def _is_han(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _HAN_RANGES)


def prompt_language(prompt: str) -> str:
    """zh: Han characters and no Latin letters; en: Latin letters and no Han; mixed: both; other: neither."""
    han = latin = False
    for char in prompt:
        if _is_han(char):
            han = True
        elif char.isascii() and char.isalpha():
            latin = True
        if han and latin:
            return "mixed"
    if han:
        return "zh"
    return "en" if latin else "other"
