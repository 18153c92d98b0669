"""Matomo's (Piwik's) tracking HTTP API: `GET`/`POST` `/matomo.php` and `/piwik.php`.

A request's parameters come from the query string and/or a form-encoded body; matomo.js queues requests
and sends them as a JSON bulk body `{"requests": ["?idsite=1&rec=1&…", …]}` (often labelled as a form, so
the bytes decide). The reply depends on the request (a tracking GIF, 204 for `send_image=0`, JSON for a
bulk), so `resolve(request)` picks the instance whose `success()` answers it.
"""

from __future__ import annotations

import math
import re
from urllib.parse import parse_qsl

from ingest.adapters.base import (
    AdapterRejection,
    Credentials,
    DoorRequest,
    Outcome,
    Protocol,
    ProtocolError,
    Reply,
    Submission,
    json_reply,
    parse_json_body,
)
from ingest.events import Source

# The 1x1 transparent GIF Matomo itself answers with (43 bytes, GIF89a).
TRACKING_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
_GIF_HEADERS = (("content-type", "image/gif"), ("cache-control", "no-store"))

_DIMENSION = re.compile(r"dimension[0-9]{1,4}")
_SITE_ID = re.compile(r"[0-9]{1,10}")
_EPOCH_SECONDS = re.compile(r"[0-9]{1,12}(\.[0-9]{1,6})?")
_UTC_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")

# Parameters that become native fields or credentials, so they are not kept again as properties.
_MAPPED = frozenset(
    {"idsite", "rec", "_id", "cid", "uid", "url", "urlref", "action_name", "e_c", "e_a", "e_n", "e_v"}
    | {"cdt", "ua", "cip", "token_auth", "send_image"}
)
# Cache busters and the API version say nothing about the visit.
_NOISE = frozenset({"r", "apiv", "_"})

# Requests that are not page views, by the parameter that marks them (first match wins). A heartbeat
# (`ping=1`), a download or a content impression counted as a page view would inflate page views; `ca=1`
# is Matomo's own "not a page view" flag for plugin requests (media, forms, heatmaps).
_KINDS = (
    ("search", "site_search"),
    ("link", "outlink"),
    ("download", "download"),
    ("c_i", "content_interaction"),
    ("c_n", "content_impression"),
    ("ping", "ping"),
    ("ca", "custom_action"),
)


class MatomoProtocol(Protocol):
    """Matomo's tracking API; `idsite` names the site, `token_auth` is its secret key. Answers with a GIF."""

    source = Source.MATOMO
    paths = ("/matomo.php", "/piwik.php")
    methods = ("GET", "POST")

    def resolve(self, request: DoorRequest) -> MatomoProtocol:
        """The instance whose replies fit this request; never raises."""
        if _is_bulk(request):
            return BULK
        if _params(request).get("send_image") == "0":
            return NO_IMAGE
        return IMAGE

    def parse(self, request: DoorRequest) -> Submission:
        if _is_bulk(request):
            return _parse_bulk(request)
        params = _params(request)
        site_id = _site_id([params])
        token = params.get("token_auth") or None
        return Submission(Credentials(site_id=site_id, secret_key=token), [_event(params)])

    def success(self, outcome: Outcome) -> Reply:
        if _nothing_kept(outcome):
            return super().success(outcome)  # Sightline's 400 with the reasons: the GIF would hide them
        return Reply(status=200, body=TRACKING_GIF, headers=_GIF_HEADERS)


class _NoImageMatomoProtocol(MatomoProtocol):
    def success(self, outcome: Outcome) -> Reply:
        if _nothing_kept(outcome):
            return super().success(outcome)
        return Reply(status=204, body=b"", headers=())


class _BulkMatomoProtocol(MatomoProtocol):
    def success(self, outcome: Outcome) -> Reply:
        # Matomo's bulk answer; each event is the request at the same index, so the indices line up.
        invalid = [r.index for r in outcome.rejected]
        return json_reply(
            200,
            {
                "status": "success",
                "tracked": outcome.accepted,
                "invalid": len(invalid),
                "invalid_indices": invalid,
            },
        )


IMAGE = MatomoProtocol()
NO_IMAGE = _NoImageMatomoProtocol()
BULK = _BulkMatomoProtocol()


def _nothing_kept(outcome: Outcome) -> bool:
    return not outcome.accepted and bool(outcome.rejected)


def _is_bulk(request: DoorRequest) -> bool:
    return request.method == "POST" and request.body.lstrip()[:1] == b"{"


def _params(request: DoorRequest) -> dict[str, str]:
    params = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
    params.update(request.query)  # Matomo reads $_GET + $_POST: the query string wins
    return params


def _parse_bulk(request: DoorRequest) -> Submission:
    payload = parse_json_body(request.body)
    requests = payload.get("requests") if isinstance(payload, dict) else None
    if not isinstance(payload, dict) or not isinstance(requests, list):
        raise ProtocolError(400, "invalid_bulk", 'A bulk body is {"requests": ["?idsite=1&rec=1&…", …]}.')
    param_sets = [_bulk_params(item) for item in requests]
    mapped = [p for p in param_sets if isinstance(p, dict)]
    token = payload.get("token_auth")
    if not isinstance(token, str) or not token:
        token = request.query.get("token_auth") or next((p["token_auth"] for p in mapped if p.get("token_auth")), None)
    events = [_event(p) if isinstance(p, dict) else p for p in param_sets]
    return Submission(Credentials(site_id=_site_id(mapped), secret_key=token), events)


def _bulk_params(item: object) -> dict[str, str] | AdapterRejection:
    if isinstance(item, str):
        # Matomo takes "?idsite=1&…" or a whole URL; a bare "idsite=1&…" is accepted too.
        query = item.partition("?")[2] if "?" in item else item
        return dict(parse_qsl(query, keep_blank_values=True))
    if isinstance(item, dict):
        params: dict[str, str] = {}
        for key, value in item.items():
            if isinstance(value, bool):
                params[key] = "1" if value else "0"
            elif isinstance(value, str | int | float):
                params[key] = str(value)
        return params
    return AdapterRejection(
        "invalid_field", 'Each bulk request is a query string such as "?idsite=1&rec=1".', "requests"
    )


def _site_id(param_sets: list[dict[str, str]]) -> int:
    """The one site all requests are for: a request cannot be split between sites' keys and limits."""
    raw_ids = {p["idsite"] for p in param_sets if p.get("idsite")}
    if not raw_ids:
        raise ProtocolError(400, "missing_idsite", "Send the site's numeric id as `idsite`.")
    site_ids = set()
    for raw in raw_ids:
        if not _SITE_ID.fullmatch(raw.strip()) or int(raw) < 1:
            raise ProtocolError(400, "invalid_idsite", "`idsite` must be the site's numeric id.")
        site_ids.add(int(raw))
    if len(site_ids) > 1:
        raise ProtocolError(400, "mixed_sites", "All requests of a bulk must be for the same `idsite`.")
    return site_ids.pop()


def _event(params: dict[str, str]) -> object:
    if params.get("rec") != "1":
        return AdapterRejection("not_recorded", "Matomo records a request only when it has rec=1.", "rec")
    if not params.get("idsite"):
        return AdapterRejection("missing_field", "Every request of a bulk needs `idsite`.", "idsite")
    native: dict[str, object | None] = {
        # `cid` is Matomo's forced visitor id; it wins over the tracker's own `_id`.
        "anonymous_id": params.get("cid") or params.get("_id") or None,
        "user_id": params.get("uid") or None,
        "url": params.get("url") or None,
        "referrer": params.get("urlref") or None,
        "title": params.get("action_name") or None,
        "ts": _timestamp(params.get("cdt")),
        "ua": params.get("ua") or None,
        "ip": params.get("cip") or None,
    }
    if params.get("e_c") and params.get("e_a"):
        native.update(
            name=params["e_a"],
            category=params["e_c"],
            action=params["e_a"],
            label=params.get("e_n") or None,
            value=_number(params.get("e_v")),
        )
    else:
        native["name"] = _kind(params)
        if params.get("idgoal"):
            native["value"] = _number(params.get("revenue"))
    dims = {key: value for key, value in params.items() if _DIMENSION.fullmatch(key)}
    native["dims"] = dims or None
    native["props"] = {
        key: value for key, value in params.items() if key not in _MAPPED and key not in _NOISE and key not in dims
    }
    return {key: value for key, value in native.items() if value is not None}


def _kind(params: dict[str, str]) -> str:
    goal = params.get("idgoal")
    if goal:
        # Goal 0 is Matomo's ecommerce: an order when it has an order id, else a cart update.
        if goal == "0":
            return "ecommerce_order" if params.get("ec_id") else "ecommerce_cart_update"
        return "goal"
    return next((name for key, name in _KINDS if params.get(key) not in (None, "", "0")), "page_view")


def _timestamp(cdt: str | None) -> object:
    """`cdt` is UNIX seconds or "YYYY-MM-DD HH:MM:SS" in UTC; anything else goes on for the pipeline."""
    if not cdt:
        return None
    text = cdt.strip()
    if _EPOCH_SECONDS.fullmatch(text):
        return float(text) * 1000 if "." in text else int(text) * 1000
    if _UTC_DATETIME.fullmatch(text):
        return f"{text.replace(' ', 'T')}Z"
    return cdt


def _number(text: str | None) -> object:
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return text  # the pipeline rejects it as `value`
    return number if math.isfinite(number) else text
