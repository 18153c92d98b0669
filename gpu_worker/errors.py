"""The generation API's refusals: a status, a stable code, a sentence, and where useful a field or a wait."""

from __future__ import annotations

from server.errors import DomainError


class GenerationRefused(DomainError):
    def __init__(self, status: int, code: str, detail: str, *, field: str = "", retry_after: int | None = None) -> None:
        super().__init__(code, detail)
        self.status = status
        self.field = field
        self.retry_after = retry_after


class GenerationTimedOut(Exception):
    """A generation stopped between denoising steps because its time limit was reached."""
