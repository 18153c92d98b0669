"""POST /api/v1/generate, GET /api/v1/generate/{id} and its image. Keys and origins are checked like the
collect and consent endpoints: the secret key server-side, the public key from the site's allowed origins."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from analytics import facade
from consent.origins import origin_allowed
from gpu_worker import selectors, services
from gpu_worker.errors import GenerationRefused
from gpu_worker.generation_request import Limits, Refused, parse_generation_request
from gpu_worker.model_directory import ModelUnavailable, read_model_directory
from gpu_worker.records import JobInfo
from server.errors import DomainError

_Response = TypeVar("_Response", bound=HttpResponseBase)


def _error(status: int, code: str, detail: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code, **extra}, status=status)


def _cors(response: _Response, origin: str | None) -> _Response:
    if origin:
        response["Access-Control-Allow-Origin"] = origin
    response["Vary"] = "Origin"
    return response


def _site(request: HttpRequest, key: Any) -> facade.SiteSnapshot:
    """The asking site: the secret key (Authorization: Bearer) from servers, or the public key from pages."""
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        if not authorization[7:].strip().startswith("sk_"):
            raise GenerationRefused(
                401, "site_key_required", "Generation takes the site's secret or public key, not a personal API token."
            )
        site = facade.site_snapshot_by_secret(authorization[7:].strip())
        if site is None:
            raise GenerationRefused(401, "invalid_key", "The secret key does not belong to any site.")
        return site
    if not isinstance(key, str) or not key:
        raise GenerationRefused(401, "missing_key", "The request does not say which site it is for.")
    site = facade.site_snapshot_by_public_key(key)
    if site is None:
        raise GenerationRefused(401, "invalid_key", "The key does not belong to any site.")
    origin = request.headers.get("origin")
    if origin is not None and not origin_allowed(origin, site.allowed_origins, own_host=request.headers.get("host")):
        raise GenerationRefused(403, "origin_not_allowed", "This origin is not allowed for the site.")
    return site


def _refusal(error: DomainError, origin: str | None) -> HttpResponse:
    extra = {"field": error.field} if isinstance(error, GenerationRefused) and error.field else {}
    response = _error(error.status, error.code, error.detail, **extra)
    if isinstance(error, GenerationRefused) and error.retry_after is not None:
        response["Retry-After"] = str(error.retry_after)
    return _cors(response, origin)


def _job_body(job: JobInfo, public_key: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(job.id),
        "status": job.status,
        "mode": job.mode,
        "width": job.width,
        "height": job.height,
        "steps": job.steps,
        "seed": job.seed,
        "model": job.model,
        "batch_size": job.batch_size,
        "queue_wait_ms": job.queue_wait_ms,
        "run_ms": job.run_ms,
        "status_url": f"/api/v1/generate/{job.id}",
    }
    if job.has_image:
        body["image_url"] = f"/api/v1/generate/{job.id}/image?key={public_key}"
    if job.status == "failed":
        body["error_class"] = job.error_class
        body["error"] = job.error_detail
    return body


def _max_body_bytes() -> int:
    # An image and a mask, base64 (4/3), and the rest of the JSON.
    return settings.GPU_MAX_UPLOAD_BYTES * 3 + 64 * 1024


# No cookies are read: the key and the origin check stand in for CSRF protection, as in consent's endpoints.
@csrf_exempt
@require_http_methods(["POST", "OPTIONS"])
def generate(request: HttpRequest) -> HttpResponse:
    origin = request.headers.get("origin")
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "content-type, authorization"
        return _cors(response, origin)
    if int(request.headers.get("content-length") or 0) > _max_body_bytes():
        return _cors(_error(413, "body_too_large", f"The body may be at most {_max_body_bytes()} bytes."), origin)
    try:
        payload = json.loads(request.body)
    except ValueError:  # also bodies that are not UTF-8
        return _cors(_error(400, "invalid_json", "The body is not JSON.", field=""), origin)
    try:
        site = _site(request, payload.get("key") if isinstance(payload, dict) else None)
        model = read_model_directory(settings.GPU_MODEL_DIR)
    except DomainError as error:
        return _refusal(error, origin)
    except ModelUnavailable:
        detail = "Image generation is not available on this server (no model directory is configured)."
        return _cors(_error(503, "generation_unavailable", detail), origin)
    limits = Limits(settings.GPU_MAX_PROMPT_CHARS, settings.GPU_MAX_UPLOAD_BYTES, model.size_multiple)
    parsed = parse_generation_request(payload, limits)
    if isinstance(parsed, Refused):
        return _cors(_error(400, parsed.code, parsed.detail, field=parsed.field), origin)
    try:
        job = services.job_create(site=site, request=parsed, model=model)
    except DomainError as error:
        return _refusal(error, origin)
    return _cors(JsonResponse(_job_body(job, site.public_key), status=202), origin)


@require_http_methods(["GET"])
def job_status(request: HttpRequest, job_id: str) -> HttpResponse:
    origin = request.headers.get("origin")
    try:
        site = _site(request, request.GET.get("key"))
        job = selectors.job_get(site_id=site.id, job_id=job_id)
    except DomainError as error:
        return _refusal(error, origin)
    response = JsonResponse(_job_body(job, site.public_key))
    response["Cache-Control"] = "no-store"
    return _cors(response, origin)


@require_http_methods(["GET"])
def job_image(request: HttpRequest, job_id: str) -> HttpResponseBase:
    origin = request.headers.get("origin")
    try:
        site = _site(request, request.GET.get("key"))
        path = selectors.job_image_path(site_id=site.id, job_id=job_id)
    except DomainError as error:
        return _refusal(error, origin)
    try:
        response = FileResponse(path.open("rb"), content_type="image/png")
    except FileNotFoundError:
        return _cors(_error(404, "image_not_found", "This job's image is gone."), origin)
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = f'inline; filename="{job_id}.png"'
    return _cors(response, origin)
