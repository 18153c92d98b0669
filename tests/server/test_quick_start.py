"""The quick start's server command on a fresh data directory: embedded SQLite, no Redis, nothing else."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import urllib.request

import orjson
import pytest

from tests.processes import ROOT, free_port, wait_for

pytestmark = pytest.mark.slow

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"


def _embedded_env(data_dir) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
    return env | {"SIGHTLINE_DATA_DIR": str(data_dir)}


def test_serve_creates_admin_and_demo_site_and_stores_events(tmp_path):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=_embedded_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        banner = ""
        assert server.stdout is not None
        while "snippet:" not in banner:
            line = server.stdout.readline()
            assert line, f"serve exited early:\n{banner}"
            banner += line
        assert f"http://127.0.0.1:{port}/" in banner
        assert re.search(r"password [A-Za-z0-9_-]{12,}", banner)
        public_key = re.search(r"public key (pk_\S+)", banner).group(1)

        def up() -> bool:
            try:
                return urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).status == 200
            except OSError:
                return False

        wait_for(up, 30, "the server to answer")
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/collect",
            data=orjson.dumps({"key": public_key, "name": "hello", "url": "http://127.0.0.1/x?email=a@b.co"}),
            # A browser's user agent: urllib's own would (rightly) be flagged as a bot and left out of insights.
            headers={"Content-Type": "text/plain", "Origin": f"http://127.0.0.1:{port}", "User-Agent": BROWSER},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 202
            assert orjson.loads(response.read())["accepted"] == 1
        ready = orjson.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5).read())
        assert ready["checks"] == {"database": "ok"}
        _the_readme_insight_example_answers(port, tmp_path)
    finally:
        server.terminate()
        server.wait(20)
    # Embedded mode wrote the event inside the request: it is in SQLite already, scrubbed.
    with sqlite3.connect(tmp_path / "sightline.sqlite3") as db:
        rows = db.execute("SELECT name, url FROM analytics_event").fetchall()
    assert rows == [("hello", "http://127.0.0.1/x?email=[email]")]


def _the_readme_insight_example_answers(port: int, data_dir) -> None:
    """The README's token + trends example, on the embedded SQLite server."""
    token = orjson.loads(
        subprocess.run(
            [sys.executable, "manage.py", "createapitoken", "admin", "--site", "1", "--role", "analyst", "--json"],
            cwd=ROOT,
            env=_embedded_env(data_dir),
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )["token"]
    query = {"series": [{"event": "hello", "math": "count"}], "interval": "day", "date_range": {"last_days": 7}}
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/sites/1/insights/trends/",
        data=orjson.dumps(query),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        result = orjson.loads(response.read())
    assert result["series"][0]["total"] == 1
    assert sum(result["series"][0]["data"]) == 1


def test_createsite_prints_json(tmp_path):
    env = _embedded_env(tmp_path)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "createsite",
            "Docs",
            "--origin",
            "https://docs.example.com",
            "--timezone",
            "Asia/Shanghai",
            "--json",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    site = orjson.loads(out)
    assert set(site) == {"id", "public_key", "secret_key", "snippet"}
    assert site["public_key"] in site["snippet"] and site["secret_key"] not in site["snippet"]
    bad = subprocess.run(
        [sys.executable, "manage.py", "createsite", "X", "--timezone", "Mars/Olympus"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and "IANA time zone" in bad.stderr
