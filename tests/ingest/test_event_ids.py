"""Event ids drawn from per-thread blocks of random bytes: unique across threads, blocks and a fork."""

from __future__ import annotations

import os
import threading
import uuid

from ingest import event_ids
from ingest.event_ids import IDS_PER_DRAW, new_event_id


def test_ids_stay_unique_and_version_7_across_many_blocks():
    ids = [new_event_id() for _ in range(IDS_PER_DRAW * 5 + 7)]  # several draws, and part of one
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(text).version == 7 for text in ids)
    # Every id has bits of its own: no two share their 74 random bits, which a block handed out twice would.
    assert len({text[15:] for text in ids}) == len(ids)


def test_threads_never_hand_out_the_same_bits():
    per_thread: list[list[str]] = [[] for _ in range(8)]
    start = threading.Barrier(8)

    def make(out: list[str]) -> None:
        start.wait()
        out.extend(new_event_id() for _ in range(IDS_PER_DRAW * 3))

    threads = [threading.Thread(target=make, args=(out,)) for out in per_thread]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [text[15:] for out in per_thread for text in out]
    assert len(set(everything)) == len(everything) == 8 * IDS_PER_DRAW * 3


def test_a_forked_child_does_not_repeat_its_parents_ids():
    event_ids._random.digits = ""
    new_event_id()  # the parent draws a fresh block: 255 ids still to hand out when it forks
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, sent to the parent
        os.close(read_end)
        os.write(write_end, "".join(new_event_id() for _ in range(20)).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        text = pipe.read().decode()
    os.waitpid(pid, 0)
    child = {text[i + 15 : i + 36] for i in range(0, len(text), 36)}
    parent = {new_event_id()[15:] for _ in range(20)}
    assert len(child) == 20 and not child & parent
