"""Spooling to disk while the server cannot be reached, and replaying the spool exactly once."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from typing import Any

import pytest
from sightline_sdk import Client

from tests.processes import ROOT, wait_for
from tests.sdk.conftest import stored

pytestmark = pytest.mark.slow


def spool_lines(directory) -> list[dict[str, Any]]:
    return [json.loads(line) for path in sorted(directory.glob("*.ndjson")) for line in path.read_text().splitlines()]


def test_spooled_while_unreachable_then_replayed_exactly_once(site, live_sightline, unreachable_url, tmp_path):
    spool = tmp_path / "spool"
    client = Client(unreachable_url, site.secret_key, mode="auto", spool_dir=spool, max_retries=1, backoff_base=0.01)
    uuids = [client.track("train_step", props={"step": i}) for i in range(30)]
    client.close()

    assert client.stats().spooled == 30 and client.stats().dropped == 0
    assert not list(spool.glob("*.tmp")), "close() seals the open segment"
    lines = spool_lines(spool)
    assert [line["uuid"] for line in lines] == uuids
    assert all(line["ts"].endswith("Z") for line in lines)
    carried = tmp_path / "carried"
    shutil.copytree(spool, carried)  # the same files, carried to the server a second time

    replay = subprocess.run(
        [sys.executable, "-m", "sightline_sdk.cli", "replay", str(spool), "--server", live_sightline.url],
        env={"SIGHTLINE_KEY": site.secret_key, "PATH": ""},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert replay.returncode == 0, replay.stderr
    assert "events sent: 30" in replay.stdout
    assert not list(spool.iterdir()), "delivered files are removed"
    assert sorted(str(e.uuid) for e in stored(site)) == sorted(uuids)

    again = Client(live_sightline.url, site.secret_key).replay_spool(carried)
    assert (again.files_sent, again.files_left, again.events_sent) == (1, 0, 30)
    assert len(stored(site)) == 30, "a replayed uuid is stored once"


def test_auto_mode_replays_its_spool_when_the_server_is_back(site, proxy, tmp_path):
    proxy.down = True
    client = Client(
        proxy.url,
        site.secret_key,
        mode="auto",
        spool_dir=tmp_path,
        max_retries=1,
        backoff_base=0.01,
        flush_interval=0.2,
    )
    for i in range(10):
        client.track("during_outage", props={"i": i})
    assert client.flush(timeout=30)
    assert client.stats().spooled == 10 and not stored(site)

    proxy.down = False
    client.track("after_outage")  # no flush: the first answered request sets off the replay by itself
    wait_for(lambda: len(stored(site)) == 11, 20, "the spool to be replayed")
    client.close()
    assert sorted(e.name for e in stored(site)) == ["after_outage"] + ["during_outage"] * 10
    assert not list(tmp_path.iterdir())


def test_spool_mode_writes_sealed_segments_rotated_by_size(tmp_path):
    client = Client("http://127.0.0.1:9", "", mode="spool", spool_dir=tmp_path, spool_max_bytes=2000, batch_size=5)
    uuids = [client.track("offline", props={"padding": "x" * 100, "i": i}) for i in range(50)]
    assert client.flush(timeout=30)
    client.close()

    files = sorted(tmp_path.iterdir())
    assert len(files) > 3 and all(f.name.endswith(".ndjson") for f in files)
    assert all(f.stat().st_size < 2000 + 400 for f in files)  # sealed once past the limit: one batch over at most
    assert [line["uuid"] for line in spool_lines(tmp_path)] == uuids


def test_an_open_segment_is_not_replayed_until_sealed(site, live_sightline, tmp_path):
    # batch_size=1: the worker writes each event at once; a long max age keeps the segment open.
    writer = Client(live_sightline.url, "", mode="spool", spool_dir=tmp_path, spool_max_age=3600, batch_size=1)
    writer.track("flushed")
    assert writer.flush(timeout=30)  # flush seals: what was flushed can be replayed or carried away
    writer.track("being_written")
    wait_for(lambda: bool(list(tmp_path.glob("*.ndjson.tmp"))), 10, "the open segment")

    reader = Client(live_sightline.url, site.secret_key)
    assert reader.replay_spool(tmp_path).files_sent == 1
    assert [e.name for e in stored(site)] == ["flushed"]
    writer.close()
    assert reader.replay_spool(tmp_path).files_sent == 1
    assert sorted(e.name for e in stored(site)) == ["being_written", "flushed"]


def test_a_dead_writers_segment_is_recovered_and_a_torn_line_skipped(site, live_sightline, tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    good = [
        {"uuid": "00000000-0000-4000-8000-000000000001", "name": "a", "ts": "2026-01-02T03:04:05.000Z"},
        {"uuid": "00000000-0000-4000-8000-000000000002", "name": "b", "ts": "2026-01-02T03:04:06.000Z"},
    ]
    torn = '{"uuid": "00000000-0000-4000-8000-0000000000'
    segment = tmp_path / f"{1:020d}-{pid}-deadbeef.ndjson.tmp"
    segment.write_text("".join(json.dumps(e) + "\n" for e in good) + torn)

    result = Client(live_sightline.url, site.secret_key).replay_spool(tmp_path)
    assert (result.files_sent, result.events_sent, result.unreadable_lines) == (1, 2, 1)
    assert sorted(e.name for e in stored(site)) == ["a", "b"]
    assert not list(tmp_path.iterdir())
