"""What happens to an event between the door and the buffer, in order.

Each step takes an event and the request's context and returns the event (changed or not) or a
`Dropped` with its reason. Reading PIPELINE tells you everything that is done to an event.
"""

from __future__ import annotations

from collections.abc import Callable

from ingest.events import Dropped, Event, RequestContext
from ingest.steps.enrich import apply_aliases, correct_clock, parse_user_agent
from ingest.steps.parse import parse
from ingest.steps.privacy import decide_consent, derive_visitor_id, scrub_pii, truncate_ip
from ingest.steps.validate import validate

Step = Callable[[Event, RequestContext], Event | Dropped]

PIPELINE: tuple[Step, ...] = (
    decide_consent,  # consent, Do-Not-Track and GPC: keep, keep without identifiers, or drop
    derive_visitor_id,  # no client id: the daily-salted cookieless visitor id
    truncate_ip,  # the raw IP goes no further than this step
    scrub_pii,  # e-mails, phones, ID and card numbers, IPs and secrets out of every string
    parse_user_agent,  # browser, OS, device type, bot flag; the user agent itself is dropped
    apply_aliases,  # the site's event renames
    correct_clock,  # client clock skew, future and too-old timestamps
    validate,  # size limits and storable values
)


def process(raw: object, ctx: RequestContext) -> Event | Dropped:
    """Runs one native-shaped event dict through parse and every step of PIPELINE."""
    event = parse(raw, ctx)
    for step in PIPELINE:
        if isinstance(event, Dropped):
            return event
        event = step(event, ctx)
    return event
