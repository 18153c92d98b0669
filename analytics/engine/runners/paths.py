"""Paths: what persons did next after their first occurrence of an event, or before it, step by step."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from analytics.engine.base import PERSON, TIMESTAMP, UUID, source
from analytics.engine.breakdown import OTHER, top_values
from analytics.engine.context import RunContext
from analytics.engine.execute import fetch_all
from analytics.engine.sql import Sql, param, q
from analytics.queries.paths import PathsQuery

_PERSON_ORDER = Sql("(PARTITION BY person ORDER BY ts, uuid)")
_NEXT = Sql("SELECT rn - arn AS off, before AS src, name AS dst FROM a WHERE rn - arn BETWEEN 1 AND {d}")
_PREVIOUS = Sql("SELECT rn - arn AS off, name AS src, after AS dst FROM a WHERE arn - rn BETWEEN 1 AND {d}")


def statement(ctx: RunContext, query: PathsQuery) -> Sql:
    span = ctx.window(query.scope.date_range)
    rows = source(
        ctx,
        start=span.start,
        end=span.end,
        columns=[("person", PERSON), ("ts", ctx.dialect.epoch(TIMESTAMP)), ("uuid", UUID), ("name", Sql('e."name"'))],
        filters=query.scope.filters,
        include_bots=query.scope.include_bots,
    )
    if query.collapse_repeats:
        rows = q(
            "SELECT * FROM (SELECT b.*, LAG(name) OVER {w} AS prev FROM ({r}) b) c WHERE prev IS NULL OR prev <> name",
            w=_PERSON_ORDER,
            r=rows,
        )
    numbered = q(
        "SELECT person, name, rn, MIN(CASE WHEN name = {a} THEN rn END) OVER (PARTITION BY person) AS arn, "
        "LAG(name) OVER (PARTITION BY person ORDER BY rn) AS before, "
        "LEAD(name) OVER (PARTITION BY person ORDER BY rn) AS after "
        "FROM (SELECT k.*, ROW_NUMBER() OVER {w} AS rn FROM ({r}) k) n",
        a=param(query.anchor),
        w=_PERSON_ORDER,
        r=rows,
    )
    steps = q((_NEXT if query.forward else _PREVIOUS).text, d=param(query.depth))
    return q(
        "WITH a AS ({n}) SELECT off, src, dst, COUNT(*) FROM ({s}) s GROUP BY off, src, dst "
        "UNION ALL SELECT 0, NULL, NULL, COUNT(*) FROM a WHERE rn = arn",
        n=numbered,
        s=steps,
    )


def run_paths(ctx: RunContext, query: PathsQuery) -> dict[str, Any]:
    edges: list[tuple[int, str, str, int]] = []
    persons = 0
    for off, src, dst, count in fetch_all(ctx, statement(ctx, query)):
        if int(off) == 0:
            persons = int(count)
        else:
            edges.append((int(off), str(src), str(dst), int(count)))
    nodes: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for off, src, dst, count in edges:
        nodes[off][dst if query.forward else src] += count
    kept = {off: top_values(names, query.limit) for off, names in nodes.items()}

    def shown(off: int, name: str) -> str:
        return name if off == 0 or name in kept.get(off, ()) else OTHER

    merged: dict[tuple[int, str, str], int] = defaultdict(int)
    for off, src, dst, count in edges:
        src_off, dst_off = (off - 1, off) if query.forward else (off, off + 1)
        merged[(off, shown(src_off, src), shown(dst_off, dst))] += count
    offsets = sorted(nodes, key=abs)
    steps = []
    for off in offsets:
        counts: dict[str, int] = defaultdict(int)
        for name, count in nodes[off].items():
            counts[shown(off, name)] += count
        ordered = sorted(counts, key=lambda n: (n == OTHER, -counts[n], n))
        steps.append({"offset": off, "events": [{"event": n, "count": counts[n]} for n in ordered]})
    return {
        "kind": "paths",
        "direction": "next" if query.forward else "previous",
        "anchor": query.anchor,
        "persons": persons,
        "steps": steps,
        "edges": [
            {"offset": off, "from": src, "to": dst, "count": count}
            for (off, src, dst), count in sorted(
                merged.items(), key=lambda item: (abs(item[0][0]), -item[1], item[0][1], item[0][2])
            )
        ],
    }


def paths_rows(result: dict[str, Any]) -> tuple[list[str], Iterator[list[Any]]]:
    return ["offset", "from", "to", "count"], iter(
        [[e["offset"], e["from"], e["to"], e["count"]] for e in result["edges"]]
    )
