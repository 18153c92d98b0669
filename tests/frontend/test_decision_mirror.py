"""The beacon's consent decision (frontend/src/decision.js) agrees with consent/decision.py on every input."""

from __future__ import annotations

import itertools
import json
import subprocess
from typing import Any

from consent.decision import Choice, ConsentSignals, decide
from tests.browser import FRONTEND

CHOICES = [None, Choice.GRANTED, Choice.DENIED]
MODES = ["cookieless", "opt_in"]
FLAGS = [False, True]
# Every combination of the signals: 3 choices x DNT x GPC x 2 modes x honour DNT x sender manages consent.
TABLE = list(itertools.product(CHOICES, FLAGS, FLAGS, MODES, FLAGS, FLAGS))

RUN_MIRROR = """
import { decide } from './src/decision.js';
const rows = JSON.parse(process.argv[1]);
console.log(JSON.stringify(rows.map((row) => decide(...row))));
"""


def test_js_mirror_agrees_with_python_on_the_whole_table():
    rows = [[choice and choice.value, *rest] for choice, *rest in TABLE]
    out = subprocess.run(
        ["node", "--input-type=module", "-e", RUN_MIRROR, json.dumps(rows)],
        cwd=FRONTEND,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    js = json.loads(out)
    python = [list(_collect_and_store(row)) for row in TABLE]
    assert len(js) == len(python) == 96
    disagreements = [(row, p, j) for row, p, j in zip(TABLE, python, js, strict=True) if p != j]
    assert disagreements == []


def _collect_and_store(row: tuple[Any, ...]) -> tuple[bool, bool]:
    choice, dnt, gpc, mode, honour, managed = row
    decision = decide(ConsentSignals(choice, dnt, gpc, mode, honour, managed))
    return decision.collect, decision.store_identifiers
