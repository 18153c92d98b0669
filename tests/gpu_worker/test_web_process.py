"""The web process never imports torch: not the WSGI app, the API views, the URLs or the tasks module."""

from __future__ import annotations

import subprocess
import sys

from tests.processes import ROOT


def test_importing_the_web_app_and_the_tasks_does_not_import_torch():
    code = (
        "import django, sys; django.setup();"
        "import server.wsgi, server.urls, gpu_worker.api.views, gpu_worker.tasks, gpu_worker.services, gpu_worker.demo;"
        "from django.urls import resolve; resolve('/api/v1/generate');"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'diffusers', 'transformers')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={
            "DJANGO_SETTINGS_MODULE": "server.settings",
            "PATH": "/usr/bin:/bin",
            "SIGHTLINE_DATA_DIR": str(ROOT / "var"),
        },
    )
    assert result.stdout.strip() == "[]", result.stdout
