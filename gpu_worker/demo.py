"""The demo page: the seed's text-to-image page, tracked by the real beacon and using the real API."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from analytics import facade

# Scripts and images from this server only; no inline script or style.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


@require_GET
def page(request: HttpRequest, public_key: str) -> HttpResponse:
    site = facade.site_snapshot_by_public_key(public_key)
    if site is None:
        raise Http404("no such site")
    server = request.build_absolute_uri("/").rstrip("/")
    context = {
        "site_name": site.name,
        "public_key": site.public_key,
        # The page's click events carry prompt text only when the site's policy is "scrubbed".
        "prompt_policy": site.prompt_policy,
        "server": server,
        "beacon_path": settings.SIGHTLINE_BEACON_PATH,
        "available": bool(settings.GPU_MODEL_DIR),
    }
    response = render(request, "gpu_worker/demo.html", context)
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
