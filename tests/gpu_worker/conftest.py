"""The GPU worker's real parts for tests: the tiny model (built once), a Redis of our own, a live server
with the generation API on, and Celery GPU worker processes running the tiny model on the CPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from analytics.models import Event
from gpu_worker.services import generation_settings_update
from tests.factories import make_site
from tests.live_server import live_database_url, running_sightline
from tests.processes import ROOT, RedisServer, free_port, wait_for


def _make_tiny_model(tmp_path_factory, family: str) -> Path:
    directory = tmp_path_factory.mktemp("models") / f"tiny-{family}"
    subprocess.run(
        [sys.executable, "manage.py", "make_tiny_model", str(directory), "--family", family],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return directory


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """The tiny Qwen-Image pipeline (the production family): what the shared gpu_stack runs."""
    return _make_tiny_model(tmp_path_factory, "qwen-image")


@pytest.fixture(scope="session")
def tiny_sd_model_dir(tmp_path_factory) -> Path:
    """The tiny Stable Diffusion pipeline."""
    return _make_tiny_model(tmp_path_factory, "stable-diffusion")


@dataclass
class GpuStack:
    url: str
    env: dict[str, str]
    image_dir: Path
    workers: list[Any]

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers or {})
        if data is not None:
            request.add_header("content-type", "application/json")
        # The headers as http.client gives them: names match in any case (the server may send them lower-case).
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def post(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        status, _, raw = self.request("POST", "/api/v1/generate", body)
        return status, json.loads(raw)

    def job(self, job_id: str, key: str) -> dict[str, Any]:
        status, _, raw = self.request("GET", f"/api/v1/generate/{job_id}?key={key}")
        assert status == 200, raw
        return json.loads(raw)

    def wait_done(self, job_id: str, key: str, timeout: float = 120) -> dict[str, Any]:
        found: dict[str, Any] = {}

        def done() -> bool:
            found.update(self.job(job_id, key))
            return found["status"] in ("succeeded", "failed")

        try:
            wait_for(done, timeout, f"job {job_id} to finish")
        except AssertionError:
            logs = "\n".join(worker.output() for worker in self.workers)
            raise AssertionError(f"job {job_id} is {found.get('status')}\n{logs}") from None
        return found


@pytest.fixture(scope="session")
def gpu_stack(django_db_setup, django_db_blocker, tiny_model_dir, tmp_path_factory) -> Iterator[GpuStack]:
    with running_gpu_stack(django_db_blocker, tmp_path_factory, tiny_model_dir) as stack:
        yield stack


@contextmanager
def running_gpu_stack(django_db_blocker, tmp_path_factory, model_dir: Path) -> Iterator[GpuStack]:
    """A Redis of its own and a live server whose GPU_MODEL_DIR is `model_dir` (workers: start_gpu_worker)."""
    with django_db_blocker.unblock():
        database_url = live_database_url()
    redis_server = RedisServer(tmp_path_factory.mktemp("redis"))
    redis_server.start()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    image_dir = tmp_path_factory.mktemp("generated")
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_server.url,
        "INGEST_SITE_CACHE_SECONDS": "0",
        "INGEST_RATE_LIMIT_PER_SITE": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "GPU_MODEL_DIR": str(model_dir),
        "GPU_IMAGE_DIR": str(image_dir),
        "GPU_TRACKING_URL": url,
        "GPU_MAX_BATCH": "4",
    }
    try:
        with running_sightline({**os.environ, **env}, name=f"gpu-server-{model_dir.name}", port=port):
            yield GpuStack(url=url, env=env, image_dir=image_dir, workers=[])
    finally:
        redis_server.stop()


@pytest.fixture
def gpu_site(transactional_db) -> Callable[..., Any]:
    """A site allowed to generate (daily quota 5, rate limit 100 a minute); `n` names it."""

    def create(n: int = 0, **fields: Any) -> Any:
        site = make_site(name=f"GPU site {n}", origins=fields.pop("origins", []), **fields)
        generation_settings_update(site_id=site.id, enabled=True, daily_quota=5, rate_limit_per_minute=100)
        return site

    return create


def stored_events(site_id: int, names: tuple[str, ...], count: int, timeout: float = 60) -> list[Event]:
    """Waits until `count` events with these names are stored for the site (SDK → collect → stream → consumer)."""

    def query() -> list[Event]:
        return list(Event.objects.filter(site_id=site_id, name__in=names).order_by("received_at"))

    wait_for(lambda: len(query()) >= count, timeout, f"{count} events {names}")
    time.sleep(0.2)
    return query()


def start_gpu_worker(stack: GpuStack, name: str, **env: str) -> Any:
    """`celery -A server worker -Q gpu --concurrency 1` as deployed; it also drains the event stream here."""
    from tests.processes import CeleryWorker

    worker = CeleryWorker(
        {**stack.env, "LOG_LEVEL": "INFO", **env},
        name=name,
        queues="gpu",
        pool=("--pool", "prefork", "--concurrency", "1"),
    )
    worker.start()
    stack.workers.append(worker)
    return worker


def stop_gpu_worker(stack: GpuStack, worker: Any) -> None:
    worker.stop()
    stack.workers.remove(worker)
