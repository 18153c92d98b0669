"""Liveness and readiness probes for load balancers and docker-compose."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answering."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """The database (and Redis, outside embedded mode) answer; 503 names the one that does not."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means not ready; the reply says which
        checks["database"] = f"unreachable: {type(exc).__name__}"
    if not settings.EMBEDDED:
        from ingest.buffer import redis_ping

        checks["redis"] = "ok" if redis_ping() else "unreachable"
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ready" if ready else "not ready", "checks": checks}, status=200 if ready else 503)
