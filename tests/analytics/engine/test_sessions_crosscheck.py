"""Sessions against a plain-Python sessioning of a random dataset: totals and several breakdowns at once.

The engine finds each session's breakdown value by prefixing values with their position in the person's
(timestamp, uuid) order; this checks it against the rule as written in docs/queries.md, with equal
timestamps, values missing on a session's first events, logins mid-journey and a range that cuts sessions.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from datetime import timedelta
from itertools import pairwise

import pytest

from tests.analytics.dataset import at, event, write
from tests.analytics.engine.helpers import day_range, run
from tests.factories import make_site

pytestmark = pytest.mark.django_db
RANGE = day_range("2026-03-03", "2026-03-07")
TIMEOUT = 30 * 60
NONE = "\x1fnone"  # how the engine ranks "not set": before any printable value on equal counts
CHOICES = {
    "browser": ["Chrome", "Firefox", "Safari", ""],
    "referrer": ["", "", "https://a.example/", "https://b.example/", "https://c.example/"],
    "os": ["Windows", "iOS", ""],
}
LIMITS = {"browser": 2, "referrer": 10, "os": 1}


def random_events(site, seed):
    rng = random.Random(seed)
    rows, facts = [], []
    for p in range(50):
        anon, user = f"anon{p}", (f"user{p % 40}" if rng.random() < 0.4 else "")
        login_at = rng.randrange(30)
        clock = at(rng.uniform(-1, 5))
        for k in range(rng.randrange(3, 50)):
            clock += timedelta(minutes=rng.choice([0, 0, 1, 5, 29, 30, 31, 90]))  # equal timestamps happen
            logged_in = bool(user) and k >= login_at
            fields = {key: rng.choice(values) for key, values in CHOICES.items()}
            name = rng.choice(["page_view", "page_view", "click"])
            props = {"engagement_ms": rng.choice([0, 4000, 20000])} if rng.random() < 0.3 else {}
            uid = str(uuid.UUID(int=rng.getrandbits(128)))
            # Logged in: some events carry only the user id, the login event both (the identity link).
            event_anon = anon if not logged_in or k == login_at or rng.random() < 0.5 else ""
            event_user = user if logged_in else ""
            rows.append(event(site, name, clock, anon=event_anon, user=event_user, uuid=uid, props=props, **fields))
            facts.append((clock.timestamp(), uid, event_anon, event_user, name, props, fields))
    write(*rows)
    return facts


def reference(facts, start, end, breakdowns):
    links = {anon: user for _, _, anon, user, *_ in facts if anon and user}
    persons = defaultdict(list)
    for ts, uid, anon, user, name, props, fields in facts:
        if start <= ts < end:
            persons[user or links.get(anon) or anon].append((ts, uid, name, props, fields))
    sessions = []
    for person, evs in persons.items():
        evs.sort(key=lambda e: (e[0], e[1]))
        current = [evs[0]]
        for prev, e in pairwise(evs):
            if e[0] - prev[0] <= TIMEOUT:
                current.append(e)
            else:
                sessions.append((person, current))
                current = [e]
        sessions.append((person, current))
    out = {}
    for key in breakdowns:
        groups = defaultdict(list)
        for person, evs in sessions:
            first = next((e[4][key] for e in evs if e[4][key]), NONE)
            groups[first].append((person, evs))
        order = sorted(groups, key=lambda v: (-len(groups[v]), v))
        kept = defaultdict(list)
        for value in order:
            kept[value if value in order[: LIMITS[key]] else "$other"].extend(groups[value])
        out[key] = {(None if v == NONE else v): _measures(s) for v, s in kept.items()}
    out["totals"] = _measures(sessions)
    return out


def _measures(sessions):
    durations, bounces, pages = [], 0, 0
    for _, evs in sessions:
        span = evs[-1][0] - evs[0][0]
        engaged = sum(e[3].get("engagement_ms", 0) for e in evs) / 1000
        views = sum(1 for e in evs if e[2] == "page_view")
        duration = max(span, engaged)
        durations.append(duration)
        bounces += views == 1 and duration < 10
        pages += views
    n = len(sessions)
    return (n, len({p for p, _ in sessions}), pytest.approx(sum(durations) / n), pytest.approx(bounces / n), pages / n)


def _measured(row):
    return (row["sessions"], row["visitors"], row["avg_duration_s"], row["bounce_rate"], row["pages_per_session"])


@pytest.mark.parametrize("seed", [1, 2])
def test_sessions_and_several_breakdowns_match_a_plain_python_sessioning(seed):
    site = make_site().id
    facts = random_events(site, seed)
    start, end = at(1, hours=-9).timestamp(), at(6, hours=-9).timestamp()  # UTC site: the range's midnights
    keys = list(LIMITS)
    expected = reference(facts, start, end, keys)
    together = run(
        site, "sessions", {"date_range": RANGE, "breakdowns": [{"key": k, "limit": LIMITS[k]} for k in keys]}
    )
    assert _measured(together["totals"]) == expected["totals"]
    assert expected["totals"][0] > 50  # enough sessions for the check to mean something
    assert [b["key"] for b in together["breakdowns"]] == keys
    for key, answer in zip(keys, together["breakdowns"], strict=True):
        assert {r["breakdown_value"]: _measured(r) for r in answer["rows"]} == expected[key], key
        alone = run(site, "sessions", {"date_range": RANGE, "breakdown": {"key": key, "limit": LIMITS[key]}})
        assert alone["rows"] == answer["rows"] and alone["totals"] == together["totals"], key
    assert together["rows"] == together["breakdowns"][0]["rows"]
    lean = run(
        site,
        "sessions",
        {
            "date_range": RANGE,
            "breakdowns": [{"key": k, "limit": LIMITS[k]} for k in keys],
            "breakdown_visitors": False,
        },
    )
    assert lean["totals"] == together["totals"]
    for key, answer in zip(keys, lean["breakdowns"], strict=True):
        expected_rows = {value: (m[0], None, *m[2:]) for value, m in expected[key].items()}
        assert {r["breakdown_value"]: _measured(r) for r in answer["rows"]} == expected_rows, key
