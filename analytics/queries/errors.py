"""Parse errors as values: each names the field path it is about (``steps[1].filters[0].value``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "detail": self.detail}


def child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class Reader:
    """Reads a JSON object field by field, collecting every error instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, path: str, detail: str) -> None:
        self.errors.append(FieldError(path or "$", detail))

    def obj(self, value: Any, path: str, allowed: frozenset[str]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(path, "Expected an object.")
            return None
        for key in sorted(set(value) - allowed, key=str):
            self.fail(child(path, str(key)), "Unknown field.")
        return value

    def string(
        self, data: dict[str, Any], key: str, path: str, *, required: bool = True, max_len: int = 200
    ) -> str | None:
        value = data.get(key)
        where = child(path, key)
        if value is None:
            if required:
                self.fail(where, "This field is required.")
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(where, "Expected a non-empty string.")
            return None
        if len(value) > max_len:
            self.fail(where, f"At most {max_len} characters.")
            return None
        return value

    def integer(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        *,
        low: int,
        high: int,
        default: int | None,
        required: bool = True,
    ) -> int | None:
        value = data.get(key)
        where = child(path, key)
        if value is None:
            if default is None and required:
                self.fail(where, "This field is required.")
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, "Expected an integer.")
            return None
        if not low <= value <= high:
            self.fail(where, f"Must be between {low} and {high}.")
            return None
        return value

    def boolean(self, data: dict[str, Any], key: str, path: str, *, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.fail(child(path, key), "Expected true or false.")
            return default
        return value

    def choice(self, data: dict[str, Any], key: str, path: str, choices: tuple[str, ...], default: str | None) -> str:
        value = data.get(key, default)
        if value not in choices:
            shown = ", ".join(choices)
            self.fail(
                child(path, key), f"Expected one of: {shown}." if value is not None else "This field is required."
            )
            return choices[0]
        return str(value)

    def items(self, data: dict[str, Any], key: str, path: str, *, low: int, high: int) -> list[Any]:
        value = data.get(key, [] if low == 0 else None)
        where = child(path, key)
        if value is None:
            self.fail(where, "This field is required.")
            return []
        if not isinstance(value, list):
            self.fail(where, "Expected a list.")
            return []
        if not low <= len(value) <= high:
            self.fail(where, f"Expected {low} to {high} items.")
            return []
        return value
