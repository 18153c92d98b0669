"""The benchmark funnel two ways, alternated in one process: one row per person aggregated in Python
(funnel_people + funnel_math.funnel_result) against the runner (counts and sorted gaps in SQL, per person half
on two connections: funnel_totals + totals_result).

    .venv/bin/python bench/bench_funnel_totals.py --database-url postgres://postgres@127.0.0.1:5432/sightline_bench_1m \
        [--range 30d|all] [--rounds 5]

Prints each round's seconds, whether both results are equal, and the load average; then the medians. Reads
person events when analytics_personevent is built (as the insight would). See BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import timedelta
from zoneinfo import ZoneInfo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--range", choices=["30d", "all"], default="30d")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django

    django.setup()
    from django.db.models import Max, Min

    from analytics.engine import insights
    from analytics.engine.execute import fetch_all
    from analytics.engine.funnel_math import attempt_from_row, funnel_result
    from analytics.engine.funnel_sql import funnel_people
    from analytics.engine.runners.funnels import _person_events, run_funnels
    from analytics.models import Event, Site

    site = Site.objects.order_by("id").first()
    assert site is not None, "no site: run bench/generate_events.py first"
    span = Event.objects.filter(site_id=site.id).aggregate(first=Min("timestamp"), last=Max("timestamp"))
    zone = ZoneInfo(site.timezone)
    first, last = span["first"].astimezone(zone).date(), span["last"].astimezone(zone).date()
    start = last - timedelta(days=29) if args.range == "30d" else first
    query = insights.parse(
        "funnels",
        {
            "steps": [{"event": "page_view"}, {"event": "click_generate"}, {"event": "download"}],
            "conversion_window": {"value": 1, "unit": "day"},
            "order": "ordered",
            "date_range": {"from": start.isoformat(), "to": last.isoformat()},
        },
    )
    names = [step.event for step in query.steps]
    per_person, in_sql = [], []
    for _ in range(args.rounds):
        ctx = insights.context_for(site.id)
        person_events = _person_events(ctx, query)
        began = time.perf_counter()
        rows = fetch_all(ctx, funnel_people(ctx, query, person_events=person_events))
        attempts = (attempt_from_row(row, len(names), query.order, query.window_seconds) for row in rows)
        old = funnel_result(attempts, names, query.order, None)
        middle = time.perf_counter()
        new = run_funnels(ctx, query)
        end = time.perf_counter()
        per_person.append(middle - began)
        in_sql.append(end - middle)
        load = os.getloadavg()[0]
        print(f"per person {middle - began:.3f} s, in SQL {end - middle:.3f} s, equal {old == new}, load {load:.1f}")
    print(f"medians: per person {statistics.median(per_person):.3f} s, in SQL {statistics.median(in_sql):.3f} s")


if __name__ == "__main__":
    main()
