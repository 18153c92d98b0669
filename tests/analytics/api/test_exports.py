"""The export encoders: CSV neutralisation on every cell and header, JSON and NDJSON shapes, streaming."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, datetime

import orjson
import pytest

from analytics.api.exports import encode_csv, encode_json, encode_ndjson, export_format
from server.errors import DomainError


def csv_rows(chunks) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(chunks).decode())))


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-5", "'-5"),  # text that looks like a number is still text
        ("a=b", "a=b"),
        ("x-1", "x-1"),
        (" =1", " =1"),
        ("", ""),
        ("价格", "价格"),
    ],
)
def test_csv_text_cells_that_could_run_as_formulas_are_neutralised(value, written):
    assert csv_rows(encode_csv(["c"], [[value]], 10))[1] == [written]


def test_csv_headers_are_neutralised_and_values_typed():
    when = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    rows = [[-5, 1.5, None, True, when, {"k": "=v"}, ["=x"]]]
    header, row = csv_rows(encode_csv(["=cmd", "b", "c", "d", "e", "f", "g"], rows, 10))
    assert header == ["'=cmd", "b", "c", "d", "e", "f", "g"]
    # Numbers stay numbers; JSON values are text and start with a bracket.
    assert row == ["-5", "1.5", "", "true", "2026-03-01T08:00:00+00:00", '{"k":"=v"}', '["=x"]']


def test_json_is_one_array_of_objects():
    when = datetime(2026, 3, 1, tzinfo=UTC)
    body = b"".join(encode_json(["a", "b"], [[1, "=x"], [2, when], [3, None]], 2))
    assert orjson.loads(body) == [{"a": 1, "b": "=x"}, {"a": 2, "b": "2026-03-01T00:00:00+00:00"}, {"a": 3, "b": None}]
    assert orjson.loads(b"".join(encode_json(["a"], [], 2))) == []


def test_ndjson_is_one_object_per_line():
    body = b"".join(encode_ndjson(["a"], [[1], [2], [3]], 2))
    assert body.endswith(b"\n")
    assert [orjson.loads(line) for line in body.splitlines()] == [{"a": 1}, {"a": 2}, {"a": 3}]


@pytest.mark.parametrize("encoder", [encode_csv, encode_json, encode_ndjson])
def test_rows_are_read_a_chunk_at_a_time(encoder):
    """An endless source still yields chunks: nothing waits for the whole result or holds it."""
    endless = ([i, "x"] for i in itertools.count())
    chunks = encoder(["i", "s"], endless, 100)
    taken = list(itertools.islice(chunks, 4))
    assert len(taken) == 4
    assert next(endless)[0] <= 400  # at most the rows of the chunks taken were read


@pytest.mark.parametrize(("raw", "expected"), [(None, None), ("", None), ("csv", "csv"), ("ndjson", "ndjson")])
def test_export_format(raw, expected):
    assert export_format(raw) == expected


def test_an_unknown_format_is_refused():
    with pytest.raises(DomainError) as caught:
        export_format("xlsx")
    assert caught.value.code == "invalid_format"
