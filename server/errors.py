"""Domain errors and the one handler that turns every API error into `{"detail", "code"}` replies."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.response import Response


class DomainError(Exception):
    """A service refused: `code` is stable for programs, `detail` is for people.

    `errors` optionally lists what was wrong where, as `[{"field": "path.to.field", "detail": "..."}]`.
    """

    status = 400

    def __init__(self, code: str, detail: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.errors = errors


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


def _field_errors(data: Any, path: str = "") -> list[dict[str, str]]:
    """Flattens DRF's nested validation errors into `[{"field", "detail"}]`, with dotted field paths."""
    if isinstance(data, dict):
        return [e for key, value in data.items() for e in _field_errors(value, f"{path}.{key}" if path else key)]
    if isinstance(data, list):
        if all(isinstance(item, str) for item in data):
            return [{"field": path, "detail": str(item)} for item in data]
        nested = (_field_errors(item, f"{path}.{i}" if path else str(i)) for i, item in enumerate(data))
        return [e for errors in nested for e in errors]
    return [{"field": path, "detail": str(data)}]


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    # Imported here: rest_framework.views loads the authentication classes, which raise these errors.
    from rest_framework.views import exception_handler

    if isinstance(exc, DomainError):
        body: dict[str, Any] = {"detail": exc.detail, "code": exc.code}
        if exc.errors is not None:
            body["errors"] = exc.errors
        return Response(body, status=exc.status)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(response.data)
        # "non_field_errors" is DRF's name for the body as a whole; the API calls that the empty path.
        errors = [{**e, "field": e["field"].removeprefix("non_field_errors").lstrip(".")} for e in errors]
        response.data = {"detail": "The request is invalid.", "code": "invalid", "errors": errors}
    elif isinstance(exc, exceptions.Throttled):
        # The same code the collect endpoints use; DRF has already set Retry-After.
        response.data = {"detail": str(exc.detail), "code": "rate_limited"}
    elif isinstance(response.data, dict) and "detail" in response.data:
        code = getattr(response.data["detail"], "code", "error")
        response.data = {"detail": str(response.data["detail"]), "code": code}
    return response


def api_not_found(request: Any, exception: Exception | None = None) -> Any:
    """404 for paths no route matches: JSON in the API's shape under /api/, Django's page elsewhere."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": f"There is no API endpoint at {request.path}.", "code": "not_found"}, status=404)
    return page_not_found(request, exception or Exception("not found"))
