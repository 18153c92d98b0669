"""The Jupyter extension in a real jupyter_server, executing real cells, sending to the live Sightline."""

from __future__ import annotations

import json
import time
from collections import Counter

import nbformat
import pytest

from analytics.models import Event
from tests.factories import make_site
from tests.integrations.jupyter.jupyter_process import KernelSocket, start_jupyter

pytestmark = pytest.mark.slow

MARKER = "do-not-send-7f3a"  # in the notebook's code, its output and its file; must never reach Sightline
CELLS = [f"SECRET = {MARKER!r}", "print(SECRET)", "total = sum(range(10))"]


@pytest.fixture
def site(live_sightline, transactional_db):
    return make_site(origins=[])


@pytest.fixture
def jupyter(site, live_sightline, tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(f"# Training ({MARKER})")]
    notebook.cells += [nbformat.v4.new_code_cell(code) for code in CELLS]
    (tmp_path / "root" / "examples").mkdir(parents=True)
    nbformat.write(notebook, tmp_path / "root" / "examples" / "train.ipynb")
    server = start_jupyter(
        tmp_path,
        {
            "server_url": live_sightline.url,
            "secret_key": site.secret_key,
            "image_version": "pytorch-cuda-2024.11",
            "plugin_paths": ["/example-plugin"],
            "role_groups": ["trainers", "admins"],
            "flush_interval": 0.2,
        },
    )
    yield server
    server.process.terminate()
    server.process.wait(30)


def events_of(site, expected: int) -> list[Event]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        events = list(Event.objects.filter(site_id=site.id).order_by("timestamp"))
        if len(events) >= expected:
            return events
        time.sleep(0.1)
    raise AssertionError(f"expected {expected} events, got {[e.name for e in events]}")


def test_notebook_use_arrives_with_dimensions_and_never_code(site, jupyter):
    assert jupyter.request("GET", "/api/contents/examples?content=1")[0] == 200  # a folder: not an open
    status, model = jupyter.request("GET", "/api/contents/examples/train.ipynb?type=notebook&content=1")
    assert status == 200 and MARKER in json.dumps(model)  # the server does read the file
    assert jupyter.request("GET", "/api/contents/examples/train.ipynb?content=0")[0] == 200  # a re-read: not again
    status, session = jupyter.request(
        "POST",
        "/api/sessions",
        {"path": "examples/train.ipynb", "name": "train.ipynb", "type": "notebook", "kernel": {"name": "python3"}},
    )
    assert status == 201, session
    kernel_id = session["kernel"]["id"]

    # One cell by hand, in the legacy JSON protocol; then a silent execution, which is not a cell run.
    by_hand = KernelSocket(jupyter, kernel_id, v1=False)
    printed = by_hand.wait_for_replies([by_hand.send_execute(CELLS[0]), by_hand.send_execute(CELLS[1])])
    assert MARKER in "".join(printed.values())  # the cell really ran
    by_hand.wait_for_replies([by_hand.send_execute("x = 1", silent=True)])
    by_hand.close()

    # Run All, as JupyterLab does it over the v1 binary protocol: every code cell sent at once.
    run_all = KernelSocket(jupyter, kernel_id, v1=True)
    run_all.wait_for_replies([run_all.send_execute(code) for code in CELLS])
    run_all.close()

    assert "example plugin" in jupyter.request("GET", "/example-plugin/")[1]
    jupyter.request("GET", "/example-plugin/")  # the same visit again within the window: not counted

    events = events_of(site, 9)
    time.sleep(1)  # anything sent twice would arrive by now
    events = list(Event.objects.filter(site_id=site.id))
    assert Counter(e.name for e in events) == {
        "open_notebook": 1,
        "kernel_started": 1,
        "cell_executed": 5,
        "start_training": 1,
        "plugin_accessed": 1,
    }
    by_name = {e.name: e for e in events}
    assert by_name["open_notebook"].properties == {"notebook": "train.ipynb"}
    assert by_name["kernel_started"].properties == {"kernel_name": "python3"}
    assert by_name["start_training"].properties == {"notebook": "train.ipynb", "kernel_name": "python3"}
    assert by_name["plugin_accessed"].properties == {"page": "/example-plugin"}
    assert by_name["cell_executed"].session_id == kernel_id
    for event in events:
        assert event.dimensions == {
            "image_version": "pytorch-cuda-2024.11",
            "torch_version": "2.5.1+cu124",
            "cuda_version": "12.4",
            "multi_gpu": True,
            "role": "trainers",
        }
        assert event.anonymous_id.startswith("jupyter:") and event.user_id == ""
    assert len({e.anonymous_id for e in events}) == 1

    stored = json.dumps([{f.name: str(getattr(e, f.name)) for f in Event._meta.concrete_fields} for e in events])
    for secret in [MARKER, *CELLS, "examples/", "sum(range", "alice"]:
        assert secret not in stored
