"""The ingest benchmark's drain copies: door-made rows under fresh ids and times, each key line its row's."""

from __future__ import annotations

from datetime import UTC, datetime

from analytics.event_store.copy_text import decode_line, encode_rows
from bench.ingest_bench.phases import _Template
from tests.analytics.dataset import event


def test_a_copy_keeps_the_rows_but_their_ids_and_times():
    made = encode_rows([event(1, f"e{i}", datetime(2026, 11, 20, 10, tzinfo=UTC), anon="a") for i in range(3)])
    fields = {b"c": made.text, b"k": made.keys, b"l": made.links}
    before = datetime.now(UTC)
    copy = _Template(fields).copy()
    lines, keys = copy[b"c"].splitlines(), copy[b"k"].splitlines()
    assert len(lines) == len(keys) == 3
    originals = [decode_line(line) for line in made.text.splitlines()]
    for line, key, original in zip(lines, keys, originals, strict=True):
        row = decode_line(line)
        assert key == b"\t".join(line.split(b"\t")[:3])  # the key line is the row's (site, id, time)
        assert row[1] != original[1]
        assert datetime.fromisoformat(row[2]) >= before and row[3] == row[2]
        assert row[4:] == original[4:]
    assert copy[b"l"] == made.links
