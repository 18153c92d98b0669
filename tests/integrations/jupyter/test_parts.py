"""The extension's pure parts: run-all bursts, repeats, roles, message inspection, dimensions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jupyter_server.services.kernels.connection.base import serialize_binary_message, serialize_msg_to_ws_v1
from sightline_jupyter.bursts import RepeatFilter, RunAllDetector
from sightline_jupyter.config import Sightline
from sightline_jupyter.environment import image_dimensions
from sightline_jupyter.kernel_messages import V1_PROTOCOL, execute_request_of
from sightline_jupyter.visitors import groups_of, role_of, visitor_of


def test_a_burst_is_run_all_once_and_hand_runs_are_not():
    detector = RunAllDetector(min_cells=3, window=1.0)
    assert [detector.observe("k", t) for t in (0.0, 0.01, 0.02, 0.03)] == [False, False, True, False]
    # By hand: two seconds apart, never a burst.
    assert not any(detector.observe("h", t) for t in (10.0, 12.0, 14.0, 16.0))
    # A new burst on the same kernel after a pause counts again; other kernels are separate.
    assert [detector.observe("k", t) for t in (5.0, 5.1, 5.2)] == [False, False, True]


def test_a_repeat_within_the_window_is_let_through_once():
    repeats = RepeatFilter(window=300)
    assert [repeats.first("a", t) for t in (0, 10, 299)] == [True, False, False]
    assert repeats.first("a", 300) and repeats.first("b", 301)


class HubUser:
    username = "bob"
    hub_user = {"name": "bob", "groups": ["zeta", "alpha"]}


class GroupedUser:
    username = "carol"
    groups = ["trainers"]


@pytest.mark.parametrize(
    ("user", "allowed", "role"),
    [
        (HubUser(), [], "alpha"),  # no allow-list: the first group alphabetically
        (HubUser(), ["zeta", "alpha"], "zeta"),  # the allow-list's order decides
        (HubUser(), ["staff"], "guest"),  # none allowed: the default role
        (GroupedUser(), ["trainers"], "trainers"),
        (object(), [], "guest"),
        (None, [], "guest"),
    ],
)
def test_roles_come_from_groups(user, allowed, role):
    assert role_of(groups_of(user), allowed, "guest") == role
    assert visitor_of(user, key=b"k", allowed_roles=allowed, default_role="guest").role == role


def test_the_pseudonym_is_keyed_and_stable():
    one = visitor_of(GroupedUser(), key=b"k1", allowed_roles=[], default_role="")
    assert one == visitor_of(GroupedUser(), key=b"k1", allowed_roles=[], default_role="")
    assert one.anonymous_id != visitor_of(GroupedUser(), key=b"k2", allowed_roles=[], default_role="").anonymous_id
    assert "carol" not in one.anonymous_id


def message(msg_type: str, content: dict[str, Any], channel: str = "shell") -> dict[str, Any]:
    return {
        "header": {"msg_type": msg_type},
        "parent_header": {},
        "metadata": {},
        "content": content,
        "channel": channel,
    }


def v1(msg: dict[str, Any]) -> bytes:
    parts = [json.dumps(msg[k]).encode() for k in ("header", "parent_header", "metadata", "content")]
    return serialize_msg_to_ws_v1(parts, msg["channel"])


@pytest.mark.parametrize(
    ("msg", "expected"),
    [
        (message("execute_request", {"code": "1", "silent": False}), False),
        (message("execute_request", {"code": "1", "silent": True}), True),
        (message("execute_request", {"code": "1"}), False),
        (message("complete_request", {"code": "im", "cursor_pos": 2}), None),
        (message("execute_request", {"code": "1"}, channel="control"), None),
        (message("comm_msg", {"data": {}}), None),
    ],
)
def test_execute_requests_are_recognised_in_every_wire_format(msg, expected):
    assert execute_request_of(json.dumps(msg), None) == expected
    assert execute_request_of(v1(msg), V1_PROTOCOL) == expected
    binary = {**msg, "buffers": [b"\x00"]}
    assert execute_request_of(serialize_binary_message(binary), None) == expected


@pytest.mark.parametrize(
    ("settings", "probed", "env", "expected"),
    [
        ({}, {}, {}, {}),
        (
            {"image_version": "1.0"},
            {"torch_version": "2.5", "cuda_version": "12.4", "gpu_count": 1},
            {},
            {
                "image_version": "1.0",
                "torch_version": "2.5",
                "cuda_version": "12.4",
                "multi_gpu": False,
            },
        ),
        (
            {"torch_version": "2.6", "multi_gpu": True},
            {"torch_version": "2.5", "gpu_count": 1},
            {},
            {
                "torch_version": "2.6",
                "multi_gpu": True,
            },
        ),
        (
            {},
            {"torch_version": "2.5", "cuda_version": None, "gpu_count": 0},
            {},
            {
                "torch_version": "2.5",
                "multi_gpu": False,
            },
        ),
        ({}, {}, {"CUDA_VISIBLE_DEVICES": "0,1"}, {"multi_gpu": True}),
    ],
)
def test_dimensions_prefer_settings_then_the_probe_then_the_environment(monkeypatch, settings, probed, env, expected):
    for name in ("SIGHTLINE_IMAGE_VERSION", "SIGHTLINE_TORCH_VERSION", "SIGHTLINE_CUDA_VERSION", "SIGHTLINE_MULTI_GPU"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert image_dimensions(Sightline(**settings), probed) == expected
