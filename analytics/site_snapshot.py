"""A site as ingest and the query engine see it: a frozen snapshot, safe to cache and to pass between apps."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SiteSnapshot:
    id: int
    name: str
    public_key: str
    timezone: str
    allowed_origins: tuple[str, ...]
    ip_truncation: str
    consent_mode: str
    honour_dnt: bool
    prompt_policy: str
    aliases: dict[str, str] = field(default_factory=dict)
