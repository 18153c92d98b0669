"""`manage.py import_events`: spooled or exported NDJSON through the live pipeline, idempotently."""

from __future__ import annotations

import gzip
import io
import json
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from sightline_sdk import Client

from analytics.models import Event, IdentityLink
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def run_import(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_events", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def summary_count(out: str, label: str) -> int:
    line = next(line for line in out.splitlines() if line.strip().startswith(label))
    return int(line.split()[1].replace(",", ""))


def spool_file(tmp_path: Path) -> tuple[Path, list[str]]:
    """A real SDK spool (spool mode: no server at all), joined into one NDJSON file."""
    spool = tmp_path / "spool"
    client = Client("", "", mode="spool", spool_dir=spool, spool_max_bytes=1500, batch_size=7)
    uuids = [client.track("offline_step", user_id="u-1", props={"step": i}) for i in range(40)]
    uuids.append(client.identify("u-1", anonymous_id="anon-1", traits={"team": "vision"}))
    client.close()
    files = sorted(spool.glob("*.ndjson"))
    assert len(files) > 1
    joined = tmp_path / "events.ndjson"
    joined.write_bytes(b"".join(f.read_bytes() for f in files))
    return joined, uuids


def test_a_spool_is_imported_once_however_often_it_is_loaded(tmp_path):
    site = make_site()
    path, uuids = spool_file(tmp_path)

    out, err = run_import(str(path), "--site", str(site.id), "--batch-size", "10")
    assert summary_count(out, "accepted") == 41 and summary_count(out, "rejected") == 0
    events = Event.objects.filter(site_id=site.id)
    assert sorted(str(e.uuid) for e in events) == sorted(uuids)
    assert {e.source for e in events} == {"import"}
    assert IdentityLink.objects.get(site_id=site.id, anonymous_id="anon-1").user_id == "u-1"
    assert "lines/s" in err and "100%" in err

    out, _ = run_import(str(path), "--site", str(site.id))
    assert (summary_count(out, "accepted"), summary_count(out, "duplicates")) == (0, 41)
    assert Event.objects.filter(site_id=site.id).count() == 41


def test_bad_lines_are_reported_by_number_and_the_rest_is_stored(tmp_path):
    site = make_site()
    lines = [
        json.dumps({"name": "good", "ts": "2026-03-01T10:00:00Z"}),
        "{not json",
        "",
        json.dumps({"name": ""}),
        json.dumps({"name": "also_good", "uuid": "00000000-0000-4000-8000-00000000000a"}),
        json.dumps({"name": "ancient", "ts": "1990-01-01T00:00:00Z"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"name": "opted_out", "consent": "denied"}),
    ]
    path = tmp_path / "mixed.ndjson"
    path.write_text("\n".join(lines) + "\n")
    out = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_events", str(path), "--site", str(site.id), stdout=out, stderr=io.StringIO())
    assert raised.value.returncode == 1
    text = out.getvalue()
    assert "line 2: invalid_json" in text
    assert "line 4: missing_field (name)" in text
    assert "line 6: timestamp_out_of_range (ts)" in text
    assert "line 7: not_an_object" in text
    assert (summary_count(text, "accepted"), summary_count(text, "rejected"), summary_count(text, "ignored")) == (
        2,
        4,
        1,
    )
    assert sorted(Event.objects.filter(site_id=site.id).values_list("name", flat=True)) == ["also_good", "good"]


def test_imported_events_go_through_the_privacy_steps(tmp_path):
    site = make_site()
    event = {
        "name": "signup",
        "url": "https://example.com/welcome?email=jane@example.com",
        "props": {"note": "call me at jane@example.com"},
        "ip": "203.0.113.77",
    }
    path = tmp_path / "pii.ndjson"
    path.write_text(json.dumps(event) + "\n")
    run_import(str(path), "--site", str(site.id))
    stored = Event.objects.get(site_id=site.id)
    assert "jane@example.com" not in json.dumps([stored.url, stored.properties])
    assert stored.ip == "203.0.113.0"


def test_stdin_and_gzip_are_read_and_many_batches_stored(tmp_path, monkeypatch):
    site = make_site()
    body = "".join(json.dumps({"name": "bulk", "props": {"i": i}}) + "\n" for i in range(2500)).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(body)))
    out, err = run_import("-", "--site", str(site.id))
    assert summary_count(out, "accepted") == 2500
    assert "2,500 lines" in err

    other = make_site(name="Other")
    packed = tmp_path / "bulk.ndjson.gz"
    packed.write_bytes(gzip.compress(body))
    out, _ = run_import(str(packed), "--site", str(other.id), "--no-progress")
    assert summary_count(out, "accepted") == 2500
    assert Event.objects.filter(site_id=other.id).count() == 2500


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--site", "999999"], "There is no site 999999"),
        (["--site", "{site}", "--batch-size", "0"], "--batch-size must be at least 1"),
    ],
)
def test_usage_errors(tmp_path, args, message):
    site = make_site()
    path = tmp_path / "one.ndjson"
    path.write_text('{"name": "x"}\n')
    with pytest.raises(CommandError, match=message):
        run_import(str(path), *[a.format(site=site.id) for a in args])


def test_a_missing_file_is_a_clear_error():
    site = make_site()
    with pytest.raises(CommandError, match="Cannot read /nonexistent/events"):
        run_import("/nonexistent/events.ndjson", "--site", str(site.id))
