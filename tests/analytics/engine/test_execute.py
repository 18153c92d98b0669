"""The one place statements run: planner settings are local to an insight's statement."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.db import connection

from analytics.engine.context import EngineSettings
from analytics.engine.execute import fetch_all
from analytics.engine.insights import context_for
from analytics.engine.sql import Sql
from tests.factories import make_site

# Committed transactions: SET LOCAL must end with the statement's own transaction, not the test's.
pytestmark = pytest.mark.django_db(transaction=True)
SETTING = Sql("SELECT current_setting('jit')")


def _jit_now() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        return str(cursor.fetchone()[0])


def test_insight_statements_run_without_jit_and_the_connection_keeps_its_default():
    ctx = context_for(make_site().id)
    default = _jit_now()
    assert default == "on"  # PostgreSQL's default, so the next line shows a change
    assert fetch_all(ctx, SETTING) == [("off",)]
    assert _jit_now() == default


def test_jit_can_be_left_on_by_setting():
    ctx = context_for(make_site().id)
    assert fetch_all(replace(ctx, settings=EngineSettings(query_jit=True)), SETTING) == [("on",)]
