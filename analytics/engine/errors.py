"""The error a query (or a cohort, dimension or site change) is refused with: 400 and every field's reason."""

from __future__ import annotations

from collections.abc import Iterable

from analytics.queries.errors import FieldError
from server.errors import DomainError


class QueryInvalid(DomainError):
    """``errors``: ``[{"field": "steps[1].filters[0].value", "detail": "..."}]``; rendered by server.errors."""

    def __init__(self, errors: Iterable[FieldError | dict[str, str]]) -> None:
        found = [e.as_dict() if isinstance(e, FieldError) else dict(e) for e in errors]
        first = found[0] if found else {"field": "$", "detail": "Invalid."}
        super().__init__("invalid_query", f"{first['field']}: {first['detail']}", found)
        self.errors: list[dict[str, str]] = found


def invalid(field: str, detail: str) -> QueryInvalid:
    return QueryInvalid([FieldError(field, detail)])
