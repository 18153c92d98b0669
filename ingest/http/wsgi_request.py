"""Reads a WSGI environ into a `DoorRequest`, enforcing the body size limit before anything is parsed."""

from __future__ import annotations

import zlib
from typing import Any
from urllib.parse import parse_qsl

from django.conf import settings

from ingest.adapters.base import DoorRequest, ProtocolError

_TOO_LARGE = "The body is larger than {limit} bytes; send fewer events per request."


def _client_ip(environ: dict[str, Any]) -> str:
    hops = settings.INGEST_TRUSTED_PROXY_HOPS
    if hops > 0:
        forwarded = [part.strip() for part in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return str(forwarded[-hops])
    return str(environ.get("REMOTE_ADDR") or "")


def _read_body(environ: dict[str, Any], limit: int) -> bytes:
    length_header = environ.get("CONTENT_LENGTH") or ""
    stream = environ["wsgi.input"]
    if length_header:
        try:
            length = int(length_header)
        except ValueError:
            raise ProtocolError(400, "invalid_content_length", "Content-Length is not a number.") from None
        if length > limit:
            raise ProtocolError(413, "body_too_large", _TOO_LARGE.format(limit=limit))
        return bytes(stream.read(length)) if length > 0 else b""
    # No length (chunked): read one byte past the limit to know whether it was exceeded.
    body = bytes(stream.read(limit + 1)) if environ.get("HTTP_TRANSFER_ENCODING") else b""
    if len(body) > limit:
        raise ProtocolError(413, "body_too_large", _TOO_LARGE.format(limit=limit))
    return body


def _decompress(body: bytes, limit: int) -> bytes:
    """gzip (Content-Encoding, or PostHog's compression=gzip-js) with a cap, so a zip bomb stays small."""
    decompressor = zlib.decompressobj(wbits=47)  # 32 + 15: gzip or zlib header, detected
    try:
        out = decompressor.decompress(body, limit + 1)
    except zlib.error:
        raise ProtocolError(400, "invalid_gzip", "The body is not valid gzip.") from None
    if len(out) > limit or decompressor.unconsumed_tail:
        raise ProtocolError(413, "body_too_large", _TOO_LARGE.format(limit=limit))
    return out


def door_request(environ: dict[str, Any]) -> DoorRequest:
    limit = settings.INGEST_MAX_BODY_BYTES
    query_string = environ.get("QUERY_STRING", "")
    try:
        query = dict(parse_qsl(query_string, keep_blank_values=True, max_num_fields=1000))
    except ValueError:
        raise ProtocolError(400, "invalid_query", "The query string has too many fields.") from None
    headers = {
        key[5:].replace("_", "-").lower(): str(value) for key, value in environ.items() if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = str(environ["CONTENT_TYPE"])
    body = _read_body(environ, limit)
    encoding = headers.get("content-encoding", "").lower()
    if body and (encoding == "gzip" or query.get("compression", "").startswith("gzip")):
        body = _decompress(body, limit)
    elif encoding not in ("", "identity", "gzip"):
        raise ProtocolError(415, "unsupported_encoding", f"Content-Encoding {encoding!r} is not supported.")
    return DoorRequest(
        method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
        path=str(environ.get("PATH_INFO", "")),
        query=query,
        headers=headers,
        body=body,
        client_ip=_client_ip(environ),
    )
