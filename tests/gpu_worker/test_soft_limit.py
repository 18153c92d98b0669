"""The soft-time-limit signal is held back while a batch's outcome is recorded, then delivered."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from types import FrameType

import pytest

from gpu_worker.soft_limit import SOFT_LIMIT_SIGNAL, soft_limit_deferred


class SoftLimit(Exception):
    pass


@pytest.fixture
def raising_handler() -> Iterator[None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise SoftLimit

    previous = signal.signal(SOFT_LIMIT_SIGNAL, handler)
    try:
        yield
    finally:
        signal.signal(SOFT_LIMIT_SIGNAL, previous)


def test_the_celery_soft_limit_signal_is_the_one_held_back() -> None:
    from billiard.pool import SIG_SOFT_TIMEOUT

    assert SIG_SOFT_TIMEOUT == SOFT_LIMIT_SIGNAL


def _record_outcome(steps: list[str]) -> None:
    with soft_limit_deferred():
        os.kill(os.getpid(), SOFT_LIMIT_SIGNAL)
        steps.append("row marked")
        steps.append("event queued")


def _unprotected(steps: list[str]) -> None:
    os.kill(os.getpid(), SOFT_LIMIT_SIGNAL)
    steps.append("after")


def test_a_signal_sent_inside_the_section_arrives_after_it(raising_handler: None) -> None:
    steps: list[str] = []
    with pytest.raises(SoftLimit):
        _record_outcome(steps)
    assert steps == ["row marked", "event queued"]
    assert SOFT_LIMIT_SIGNAL not in signal.pthread_sigmask(signal.SIG_BLOCK, set())


def test_outside_the_section_the_signal_interrupts_at_once(raising_handler: None) -> None:
    steps: list[str] = []
    with pytest.raises(SoftLimit):
        _unprotected(steps)
    assert steps == []
