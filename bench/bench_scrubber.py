"""Time the PII scrubber on a realistic ~8 KB event; target p95 <= 2 ms per event.

Run from the repository root: `python bench/bench_scrubber.py [--iterations N] [--runs N]`.
A script rather than a test: timings depend on the machine, so they are read by people, not asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

# Run as a plain script, the repository root is not on sys.path; put it there so `consent` imports.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from consent.scrubber import scrub_properties, scrub_text, scrub_url

Event = dict[str, object]

_WORDS = (
    "pricing", "plan", "checkout", "cart", "product", "details", "shipping", "return", "policy", "newsletter",
    "account", "settings", "team", "invite", "dashboard", "report", "export", "filter", "segment", "cohort",
    "funnel", "retention", "onboarding", "tutorial", "video",
)  # fmt: skip
_PII = (
    "alice.smith@example.com",
    "+44 20 7946 0958",
    "138 0013 8000",
    "4111 1111 1111 1111",
    "11010519491231002X",
    "192.168.10.24",
    "2001:db8::8a2e:370:7334",
)


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize()


def build_event(seed: int) -> Event:
    """One pageview-like event: most values are harmless, a handful carry PII as real events do."""
    rng = random.Random(seed)
    properties: dict[str, object] = {}
    for index in range(60):
        kind = index % 12
        key = f"prop_{index}"
        if kind == 0:
            value: object = _sentence(rng, rng.randint(4, 12))
        elif kind == 1:
            value = f"{rng.getrandbits(128):032x}"  # hash / id
        elif kind == 2:
            value = f"ORD-2024-{rng.randint(0, 999999):06d}"
        elif kind == 3:
            value = str(1732262400000 + rng.randint(0, 10**9))  # ms timestamp as a string
        elif kind == 4:
            value = f"{rng.randint(1, 20)}.{rng.randint(0, 9)}.{rng.randint(0, 30)}"
        elif kind == 5:
            value = f"${rng.randint(1, 999)}.{rng.randint(0, 99):02d}"
        elif kind == 6:
            value = _sentence(rng, rng.randint(100, 150)) + "."  # long free text
        elif kind == 7:
            value = f"https://shop.example.com/products/{rng.randint(1, 9999)}?utm_source=ads&variant=blue"
        elif kind == 8:
            value = f"{_sentence(rng, 6)} contact {rng.choice(_PII)} for details"
        elif kind == 9:
            value = rng.choice(["true", "false", "en-GB", "zh-CN", "EUR", "dark", "mobile"])
        elif kind == 10:
            value = {"name": _sentence(rng, 2), "qty": rng.randint(1, 5), "tags": [_sentence(rng, 1)] * 3}
        elif index == 11:
            value = (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
                "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
            )
        else:
            value = rng.randint(0, 10**6)
        properties[key] = value
    properties["password"] = "hunter2"
    properties["customer_email"] = "bob@example.org"
    return {
        "url": (
            "https://shop.example.com/checkout/step-2?utm_source=newsletter&utm_medium=email"
            "&utm_campaign=bf2024&token=eyJhbGciOiJIUzI1NiJ9.e30.abc&email=alice%40example.com&ref=x1#summary"
        ),
        "referrer": "https://mail.example.net/inbox?session_id=9f8e7d6c&folder=promotions",
        "title": "Checkout - step 2 of 3 | Example Shop",
        "label": f"Pay now {rng.choice(['(card)', '(paypal)', ''])}",
        "properties": properties,
    }


def scrub_event(event: Event) -> Event:
    """What the ingest pipeline's scrub step does to one event."""
    return {
        "url": scrub_url(str(event["url"])),
        "referrer": scrub_url(str(event["referrer"])),
        "title": scrub_text(str(event["title"])),
        "label": scrub_text(str(event["label"])),
        "properties": scrub_properties(event["properties"]),
    }


def _percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    events = [build_event(seed) for seed in range(32)]
    sizes = [len(json.dumps(event)) for event in events]
    print(f"events: {len(events)} variants, {statistics.mean(sizes) / 1024:.1f} KB JSON on average")
    for event in events:  # warm caches the way a long-running worker would be
        scrub_event(event)

    summaries: list[tuple[float, float, float]] = []
    for run in range(1, args.runs + 1):
        timings: list[float] = []
        for iteration in range(args.iterations):
            event = events[iteration % len(events)]
            start = time.perf_counter_ns()
            scrub_event(event)
            timings.append((time.perf_counter_ns() - start) / 1e6)
        timings.sort()
        p50, p95, p99 = (_percentile(timings, f) for f in (0.50, 0.95, 0.99))
        summaries.append((p50, p95, p99))
        print(f"run {run}: p50 {p50:.3f} ms  p95 {p95:.3f} ms  p99 {p99:.3f} ms per event")

    medians = [statistics.median(values) for values in zip(*summaries, strict=True)]
    print(f"median of {args.runs} runs x {args.iterations} events: p50 {medians[0]:.3f} ms  ", end="")
    print(f"p95 {medians[1]:.3f} ms  p99 {medians[2]:.3f} ms  (target p95 <= 2 ms)")


if __name__ == "__main__":
    main()
