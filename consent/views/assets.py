"""The browser files: the beacon (at SIGHTLINE_BEACON_PATH), its link add-on, the banner script and styles.

They are built by `npm run build` into frontend/dist/, found through Django's static files
(STATICFILES_DIRS prefix "sightline/") and answered here so they keep short, ad-blocker-neutral
paths and caching headers even where nothing else serves /static/ (DEBUG off, no web server in front).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.views.decorators.http import require_GET

CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@dataclass(frozen=True, slots=True)
class _Asset:
    body: bytes
    etag: str
    mtime: float


_cache: dict[str, _Asset] = {}


def _asset(name: str) -> _Asset:
    found = finders.find(f"sightline/{name}")
    if not isinstance(found, str):
        raise Http404(f"{name} is not built: run `make run`, or `npm ci && npm run build` in frontend/.")
    path = Path(found)
    mtime = path.stat().st_mtime
    cached = _cache.get(name)
    if cached is None or cached.mtime != mtime:  # a rebuild is picked up without a restart
        body = path.read_bytes()
        cached = _cache[name] = _Asset(body, f'"{hashlib.sha256(body).hexdigest()[:20]}"', mtime)
    return cached


@require_GET
def client_asset(request: HttpRequest, name: str) -> HttpResponse:
    asset = _asset(name)
    if request.headers.get("if-none-match") == asset.etag:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(asset.body, content_type=CONTENT_TYPES[Path(name).suffix])
    response["ETag"] = asset.etag
    # The path never changes with a new version, so browsers revalidate after max-age (a 304 is cheap).
    response["Cache-Control"] = f"public, max-age={settings.SIGHTLINE_CLIENT_MAX_AGE}"
    # Sites that isolate themselves (Cross-Origin-Embedder-Policy) may still load these files.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def asset_version(name: str) -> str:
    """A short fingerprint of a built file, for `?v=` in page links: a rebuilt file gets a new URL at once."""
    return _asset(name).etag.strip('"')[:12]
