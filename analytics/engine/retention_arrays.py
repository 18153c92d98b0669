"""First-time retention cells from packed rows, in numpy: what runners/retention.statement's SQL counts.

PostgreSQL groups a retention grid's events by (person, period) after bucketing each one in the site's zone,
on one core. Here it only reads one person half's target and returning events out of an index (two byte
strings: person with the event's kind, and time) and numpy buckets them against the period starts, which
time_buckets.buckets computed in the site's zone (DST included), as the SQL's date_trunc does. The rules are
the statement's: a person's cohort is the period of their first target event in the range, unless they had
one before it; they returned in a later period if they had a returning event in it; recurring grids (a cohort
per period with a target event) stay in SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

# timestamptz_send counts microseconds from 2000-01-01 UTC.
_EPOCH_2000_US = 946_684_800_000_000
TARGET, RETURNING = 1, 2  # the kind bits under each packed key (person × 4 + kind)


def micros(instant_epoch_s: float) -> int:
    """An instant (epoch seconds, a whole number of microseconds) as timestamptz_send counts it."""
    return round(instant_epoch_s * 1_000_000) - _EPOCH_2000_US


def first_time_cells(
    packed: tuple[Any, ...], *, starts: Sequence[int], range_start: int
) -> list[tuple[int, int | None, int]]:
    """(cohort period, None, size) and (cohort period, later period, returned) cells, periods as indexes into
    ``starts`` (period starts, timestamptz_send microseconds); rows before ``range_start`` are the history:
    only their target events are read, and they keep a person out of every cohort."""
    keys_bytes, time_bytes = packed[0], packed[1]
    if keys_bytes is None:
        return []
    keys = np.frombuffer(bytes(keys_bytes), dtype=">i8").astype(np.int64)
    when = np.frombuffer(bytes(time_bytes), dtype=">i8").astype(np.int64)
    person, kind = keys >> 2, keys & 3
    period = np.searchsorted(np.asarray(starts, dtype=np.int64), when, side="right") - 1
    period[when < range_start] = -1
    # Each person's cohort: the period of their first target event; -1 (history) or none: no cohort.
    people, person_index = np.unique(person, return_inverse=True)
    cohort = np.full(len(people), len(starts), dtype=np.int64)
    targets = (kind & TARGET) != 0
    np.minimum.at(cohort, person_index[targets], period[targets])
    in_cohort = (cohort >= 0) & (cohort < len(starts))
    cells: list[tuple[int, int | None, int]] = []
    sizes = np.bincount(cohort[in_cohort], minlength=len(starts))
    cells += [(c, None, int(size)) for c, size in enumerate(sizes) if size]
    # Returns: each (person, later period) with a returning event once.
    back = ((kind & RETURNING) != 0) & (period >= 0)
    who, later = person_index[back], period[back]
    first = cohort[who]
    kept = in_cohort[who] & (later > first)
    pairs = np.unique(who[kept] * len(starts) + later[kept])
    grid = np.bincount(cohort[pairs // len(starts)] * len(starts) + pairs % len(starts), minlength=len(starts) ** 2)
    cells += [(int(i) // len(starts), int(i) % len(starts), int(grid[i])) for i in np.flatnonzero(grid)]
    return cells
