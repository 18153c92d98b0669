"""The contract between the HTTP door and the vendor adapters.

An adapter reads a `DoorRequest` and returns a `Submission`: the credentials it carried and a list of
native-shaped event dicts (docs/api/collect.md). It also shapes the replies of its protocol. It never
validates events itself beyond what it needs to map them; the pipeline does that once for everyone.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import orjson

from ingest.events import Source

JSON_CONTENT = ("content-type", "application/json")


@dataclass(frozen=True, slots=True)
class DoorRequest:
    method: str
    path: str
    # First value of each query parameter; `query_lists` keeps repeats where a protocol needs them.
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    client_ip: str


@dataclass(frozen=True, slots=True)
class Credentials:
    public_key: str | None = None
    secret_key: str | None = None
    # Matomo identifies the site by its numeric id (`idsite`).
    site_id: int | None = None


@dataclass(frozen=True, slots=True)
class AdapterRejection:
    """An event the adapter could not map (e.g. Amplitude event without event_type)."""

    code: str
    detail: str
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Submission:
    credentials: Credentials
    events: list[object]  # native-shaped dicts (or anything else: `parse` rejects it), or AdapterRejection
    sent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    index: int
    code: str
    detail: str
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    accepted: int
    rejected: list[Rejection] = field(default_factory=list)
    # Dropped by policy (consent, DNT, GPC): not an error, not stored.
    ignored: int = 0
    body_bytes: int = 0


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (JSON_CONTENT,)


class ProtocolError(Exception):
    """The whole request is refused (unparseable body, missing key, …)."""

    def __init__(self, status: int, code: str, detail: str, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.retry_after = retry_after


def json_reply(status: int, payload: object, extra_headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    return Reply(status=status, body=orjson.dumps(payload), headers=(JSON_CONTENT, *extra_headers))


def parse_json_body(body: bytes) -> object:
    """Parses a JSON body, turning every decoder complaint into a 400 that says what was wrong."""
    if not body.strip():
        raise ProtocolError(400, "empty_body", "The request body is empty; send a JSON object.")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ProtocolError(400, "invalid_json", f"The body is not valid JSON: {exc}") from None


class Protocol(ABC):
    """One wire format: how to read its requests and how to answer them."""

    source: Source
    # Paths this protocol answers, exactly as requested (with or without a trailing slash as listed).
    paths: tuple[str, ...] = ()
    methods: tuple[str, ...] = ("POST",)

    @abstractmethod
    def parse(self, request: DoorRequest) -> Submission:
        """Reads credentials and events; raises ProtocolError for a request that cannot be read at all."""

    def success(self, outcome: Outcome) -> Reply:
        status = 202 if outcome.accepted or not outcome.rejected else 400
        payload: dict[str, object] = {"accepted": outcome.accepted, "ignored": outcome.ignored}
        if outcome.rejected:
            payload["rejected"] = [
                {"index": r.index, "code": r.code, "detail": r.detail, "field": r.field} for r in outcome.rejected
            ]
        if status == 400:
            payload.update(detail="No event in the request was valid.", code="no_valid_events")
        return json_reply(status, payload)

    def error(self, error: ProtocolError) -> Reply:
        headers: tuple[tuple[str, str], ...] = ()
        if error.retry_after is not None:
            headers = (("retry-after", str(error.retry_after)),)
        return json_reply(error.status, {"detail": error.detail, "code": error.code}, headers)
