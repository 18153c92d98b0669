"""The role order and narrowing, table-driven: a token never acts above its user."""

from __future__ import annotations

import pytest

from access.roles import Role, role_at_least, role_narrowed

V, A, D = Role.VIEWER, Role.ANALYST, Role.ADMIN


@pytest.mark.parametrize(
    ("role", "minimum", "expected"),
    [(V, V, True), (V, A, False), (A, V, True), (A, D, False), (D, A, True), (D, D, True), (None, V, False)],
)
def test_role_at_least(role, minimum, expected):
    assert role_at_least(role, minimum) is expected


@pytest.mark.parametrize(
    ("role", "ceiling", "expected"),
    [(D, None, D), (D, V, V), (V, D, V), (A, A, A), (None, D, None), (None, None, None)],
)
def test_role_narrowed_takes_the_lower(role, ceiling, expected):
    assert role_narrowed(role, ceiling) == expected
