"""`POST /batch`: Amplitude's Batch API and PostHog's batch endpoint share the path."""

from __future__ import annotations

import orjson

from ingest.adapters.amplitude import AmplitudeProtocol
from ingest.adapters.base import DoorRequest, Protocol, Submission
from ingest.adapters.posthog import PostHogProtocol
from ingest.events import Source


class BatchPathProtocol(Protocol):
    """Tells Amplitude from PostHog by the body: `{"events": [...]}` is Amplitude, anything else PostHog.

    Contract with the door: the registered protocol's `methods` decide which methods the path allows;
    then, when it has a `resolve(request)` method, the door calls it and uses the protocol it returns for
    everything else — `parse`, `success`, `error`, `source`, `dry_run` — because the replies (Amplitude's
    `events_ingested` or PostHog's `status: 1`) depend on the body and `success(outcome)` never sees the
    request. `resolve` never raises. `parse` here also delegates, for a
    caller that skips `resolve`, but then the replies are Sightline's own.
    """

    # Only read by a door that skips resolve(); the resolved protocol's source is the one to record.
    source = Source.POSTHOG
    paths = ("/batch", "/batch/")

    def __init__(self, amplitude: AmplitudeProtocol | None = None, posthog: PostHogProtocol | None = None) -> None:
        self.amplitude = amplitude or AmplitudeProtocol()
        self.posthog = posthog or PostHogProtocol()

    def resolve(self, request: DoorRequest) -> Protocol:
        # The body is parsed again by the chosen protocol: twice the (orjson-fast) decoding buys a contract
        # with no state carried between calls.
        try:
            payload = orjson.loads(request.body)
        except orjson.JSONDecodeError:
            return self.posthog  # empty, form-encoded `data=` or broken: PostHog reads or refuses it
        if isinstance(payload, dict) and "events" in payload and "batch" not in payload:
            return self.amplitude
        return self.posthog

    def parse(self, request: DoorRequest) -> Submission:
        return self.resolve(request).parse(request)
