"""The SDK against the live server: batching, identity, retries that honour Retry-After, splitting, drops."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest
from sightline_sdk import Client

from analytics.models import Event, IdentityLink
from tests.processes import ROOT
from tests.sdk.conftest import stored
from tests.sdk.proxy import Step

pytestmark = pytest.mark.slow


def test_events_are_batched_and_stored_with_their_uuids(site, proxy):
    client = Client(proxy.url, site.secret_key, batch_size=50, flush_interval=60)
    uuids = [
        client.track(
            "image_generated",
            user_id=f"u-{i % 7}",
            props={"steps": i, "model": "sdxl"},
            dims={"image_version": "2.4"},
            url="https://example.com/generate",
        )
        for i in range(120)
    ]
    assert client.flush(timeout=30)
    client.close()

    assert proxy.batch_sizes() == [50, 50, 20]
    events = stored(site)
    assert sorted(str(e.uuid) for e in events) == sorted(uuids)
    assert {e.source for e in events} == {"batch"}
    sample = next(e for e in events if str(e.uuid) == uuids[3])
    assert (sample.name, sample.user_id, sample.properties, sample.dimensions) == (
        "image_generated",
        "u-3",
        {"steps": 3, "model": "sdxl"},
        {"image_version": "2.4"},
    )
    assert client.stats().sent == 120 and client.stats().queued == 0


def test_a_batch_is_sent_after_the_flush_interval_without_flush(site, proxy):
    client = Client(proxy.url, site.secret_key, batch_size=100, flush_interval=0.2)
    client.track("heartbeat")
    deadline = time.monotonic() + 10
    while not stored(site) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [e.name for e in stored(site)] == ["heartbeat"]
    client.close()


def test_identify_and_alias_link_ids_to_the_user(site, proxy):
    with Client(proxy.url, site.secret_key) as client:
        client.track("page_view", anonymous_id="anon-1")
        client.identify("u-1", anonymous_id="anon-1", traits={"plan": "pro"})
        client.alias("u-1", "device-9")
    identify = Event.objects.get(site_id=site.id, name="$identify")
    assert (identify.user_id, identify.anonymous_id, identify.properties) == (
        "u-1",
        "anon-1",
        {"$set": {"plan": "pro"}},
    )
    links = dict(IdentityLink.objects.filter(site_id=site.id).values_list("anonymous_id", "user_id"))
    assert links == {"anon-1": "u-1", "device-9": "u-1"}


def test_429_and_503_are_retried_after_the_servers_retry_after(site, proxy):
    proxy.script.extend([Step(429, retry_after="1"), Step(503, retry_after="1")])
    # A tiny back-off base: only Retry-After can explain waits of a second.
    client = Client(proxy.url, site.secret_key, backoff_base=0.01, max_retries=3)
    uuids = [client.track("generate", props={"i": i}) for i in range(5)]
    assert client.flush(timeout=30)
    client.close()

    assert [s.status for s in proxy.seen] == [429, 503, 202]
    gaps = [b.at - a.at for a, b in zip(proxy.seen, proxy.seen[1:], strict=False)]
    assert all(gap >= 1.0 for gap in gaps), gaps
    assert all(s.uuids == uuids for s in proxy.seen)  # the same events, with the same uuids, every time
    assert sorted(str(e.uuid) for e in stored(site)) == sorted(uuids)
    assert client.stats().retries == 2


def test_a_lost_reply_means_a_resend_that_is_stored_once(site, proxy):
    # The server stores the batch twice over, but the client only ever sees errors until the third try.
    proxy.script.extend([Step(503, forward_first=True), Step(502, forward_first=True)])
    client = Client(proxy.url, site.secret_key, backoff_base=0.05)
    uuids = [client.track("generate") for _ in range(5)]
    assert client.flush(timeout=30)
    client.close()

    assert len(proxy.seen) == 3
    assert sorted(str(e.uuid) for e in stored(site)) == sorted(uuids)


def test_rejected_events_are_counted_and_not_retried(site, proxy):
    client = Client(proxy.url, site.secret_key, backoff_base=0.05)
    client.track("fine")
    client.track("x" * 201)  # longer than the server allows: rejected one by one
    assert client.flush(timeout=30)
    client.track("y" * 201)  # alone in its batch: the whole request is refused with 400
    assert client.flush(timeout=30)
    client.close()

    assert [s.status for s in proxy.seen] == [202, 400]
    assert [e.name for e in stored(site)] == ["fine"]
    stats = client.stats()
    assert (stats.sent, stats.rejected, stats.retries) == (1, 2, 0)


def test_a_413_splits_the_batch_in_halves(site, proxy):
    proxy.script.append(Step(413))
    client = Client(proxy.url, site.secret_key, batch_size=10, flush_interval=60)
    for i in range(10):
        client.track("big", props={"i": i})
    assert client.flush(timeout=30)
    client.close()
    assert proxy.batch_sizes() == [10, 5, 5]
    assert len(stored(site)) == 10


def test_a_full_queue_drops_its_oldest_events(site, proxy):
    # Nothing is sent before flush: the batch size is never reached and the interval is long.
    client = Client(proxy.url, site.secret_key, batch_size=100, max_queue=5, flush_interval=600)
    for i in range(8):
        client.track(f"e{i}")
    assert client.flush(timeout=30)
    client.close()
    assert sorted(e.name for e in stored(site)) == ["e3", "e4", "e5", "e6", "e7"]
    assert client.stats().dropped == 3


def test_an_unreachable_server_never_raises_into_the_app(unreachable_url):
    client = Client(unreachable_url, "sk_x", max_retries=2, backoff_base=0.01)
    client.track("lost")
    assert client.flush(timeout=30)
    client.close()
    client.track("after close")  # dropped, not raised
    stats = client.stats()
    assert (stats.sent, stats.dropped, stats.retries) == (0, 2, 2)


FORK_SCRIPT = textwrap.dedent(
    """
    import os, sys
    from sightline_sdk import Client

    client = Client(sys.argv[1], sys.argv[2], flush_interval=60)
    client.track("parent_before_fork")
    pid = os.fork()
    if pid == 0:
        client.track("child")
        client.close()
        os._exit(0)
    os.waitpid(pid, 0)
    client.track("parent_after_fork")
    # No close(): the atexit hook delivers what is queued.
    """
)


def test_fork_gives_the_child_its_own_worker_and_exit_flushes(site, live_sightline, tmp_path):
    script = tmp_path / "fork_app.py"
    script.write_text(FORK_SCRIPT)
    subprocess.run([sys.executable, str(script), live_sightline.url, site.secret_key], cwd=ROOT, check=True, timeout=60)
    assert sorted(e.name for e in stored(site)) == ["child", "parent_after_fork", "parent_before_fork"]
