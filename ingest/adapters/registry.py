"""Which protocol answers which path. The door looks a request's exact path up here.

A protocol with `resolve(request)` (the shared `/batch` path, Matomo) is resolved before use, and a
protocol with `dry_run = True` (GA4's validation server) is run through the pipeline without buffering;
`protocol_for` does the first, the door does the second.
"""

from __future__ import annotations

from ingest.adapters.amplitude import AmplitudeProtocol
from ingest.adapters.base import DoorRequest, Protocol
from ingest.adapters.ga4 import Ga4DebugProtocol, Ga4Protocol
from ingest.adapters.matomo import MatomoProtocol
from ingest.adapters.native import BatchProtocol, CollectProtocol
from ingest.adapters.posthog import PostHogProtocol
from ingest.adapters.shared_batch import BatchPathProtocol


def _by_path(*protocols: Protocol) -> dict[str, Protocol]:
    table: dict[str, Protocol] = {}
    for protocol in protocols:
        for path in protocol.paths:
            if path in table:
                # Two adapters on one path is a programming error; fail at import, not on some request.
                raise RuntimeError(f"{path} is claimed by {type(table[path]).__name__} and {type(protocol).__name__}")
            table[path] = protocol
    return table


PROTOCOLS: dict[str, Protocol] = _by_path(
    CollectProtocol(),
    BatchProtocol(),
    AmplitudeProtocol(),
    PostHogProtocol(),
    MatomoProtocol(),
    Ga4Protocol(),
    Ga4DebugProtocol(),
    BatchPathProtocol(),
)


def protocol_for(request: DoorRequest) -> Protocol | None:
    """The protocol that reads and answers this request, or None for an unknown path."""
    protocol = PROTOCOLS.get(request.path)
    resolve = getattr(protocol, "resolve", None)
    if resolve is None:
        return protocol
    resolved: Protocol = resolve(request)
    return resolved


def is_dry_run(protocol: Protocol) -> bool:
    """True for a protocol whose events are checked but never stored (GA4's /debug/mp/collect)."""
    return bool(getattr(protocol, "dry_run", False))
