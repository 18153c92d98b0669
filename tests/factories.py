"""Factories for the models tests need; they go through the same services as the product."""

from __future__ import annotations

from typing import Any

from analytics.models import Site
from analytics.services import CreatedSite, site_create


def make_site(name: str = "Test site", origins: list[str] | None = None, **settings: Any) -> CreatedSite:
    site = site_create(name=name, origins=origins if origins is not None else ["https://example.com"])
    if settings:
        Site.objects.filter(pk=site.id).update(**settings)
    return site
