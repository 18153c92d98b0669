"""The consent endpoints the beacon calls: its site's settings, and the ledger's one write.

Both are public (the site's public key) and answered for the site's allowed origins only, like collect.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from consent.origins import origin_allowed
from consent.selectors import client_config
from consent.services import ConsentInputError, consent_record_create
from consent.site_lookup import ConsentSite, site_by_public_key

# A consent record is a few short strings; anything larger is not from the beacon.
MAX_BODY_BYTES = 4096


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def _cors(response: HttpResponse, origin: str | None) -> HttpResponse:
    if origin:
        response["Access-Control-Allow-Origin"] = origin
    response["Vary"] = "Origin"
    return response


def _site(key: Any, origin: str | None) -> ConsentSite | JsonResponse:
    if not isinstance(key, str) or not key:
        return _error(401, "missing_key", "The request does not say which site it is for.")
    site = site_by_public_key(key)
    if site is None:
        return _error(401, "invalid_key", "The key does not belong to any site.")
    if origin is not None and not origin_allowed(origin, site.allowed_origins):
        return _error(403, "origin_not_allowed", "This origin is not allowed for the site.")
    return site


@require_GET
def config(request: HttpRequest) -> HttpResponse:
    origin = request.headers.get("origin")
    site = _site(request.GET.get("key"), origin)
    if isinstance(site, JsonResponse):
        return site
    response = JsonResponse(
        client_config(site_id=site.id, consent_mode=site.consent_mode, honour_dnt=site.honour_dnt),
        json_dumps_params={"ensure_ascii": False},
    )
    # Browsers reuse it for a while: one request per visit, not per page; changes apply within this time.
    response["Cache-Control"] = f"public, max-age={settings.CONSENT_CONFIG_MAX_AGE}"
    return _cors(response, origin)


# CSRF protects cookie-authenticated forms; this endpoint has no cookies and checks the origin itself.
@csrf_exempt
@require_http_methods(["POST", "OPTIONS"])
def record(request: HttpRequest) -> HttpResponse:
    origin = request.headers.get("origin")
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "content-type"
        return _cors(response, origin)
    if len(request.body) > MAX_BODY_BYTES:
        return _error(413, "body_too_large", f"A consent record is at most {MAX_BODY_BYTES} bytes.")
    try:
        body = json.loads(request.body)  # text/plain from the beacon (no preflight), or application/json
    except ValueError:
        return _error(400, "invalid_json", "The body is not JSON.")
    if not isinstance(body, dict):
        return _error(400, "invalid_body", "The body must be a JSON object.")
    site = _site(body.get("key"), origin)
    if isinstance(site, JsonResponse):
        return site
    categories = body.get("categories")
    try:
        consent_record_create(
            site_id=site.id,
            subject=str(body.get("subject") or ""),
            choice=str(body.get("choice") or ""),
            source=str(body.get("source") or "api"),
            categories=[str(c) for c in categories] if isinstance(categories, list) else None,
        )
    except ConsentInputError as error:
        return _cors(_error(400, error.code, error.detail), origin)
    return _cors(JsonResponse({"recorded": True}, status=201), origin)
