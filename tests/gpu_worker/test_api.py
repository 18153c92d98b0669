"""The generate API in-process (Django's test client): keys, origins, validation, limits, 503 without a model.
Jobs created here are never enqueued: the test's transaction is rolled back, so on_commit never runs."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache

from gpu_worker import selectors, services
from gpu_worker.models import GenerationJob, JobStatus
from gpu_worker.records import GenerationSettingsInfo
from tests.factories import make_site
from tests.gpu_worker.factories import make_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def enabled(settings, tiny_model_dir, tmp_path):
    site = make_site(origins=["https://shop.example"])
    settings.GPU_MODEL_DIR = str(tiny_model_dir)
    settings.GPU_IMAGE_DIR = tmp_path
    services.generation_settings_update(site_id=site.id, enabled=True)
    settings.GPU_TRACKING_URL = ""  # no event delivery from this process
    cache.clear()
    return site


def _post(client, body, **headers):
    return client.post("/api/v1/generate", body, content_type="application/json", headers=headers)


def test_without_a_model_directory_generation_is_unavailable(client, settings):
    site = make_site()
    settings.GPU_MODEL_DIR = ""
    response = _post(client, {"key": site.public_key, "prompt": "a cat"})
    assert response.status_code == 503
    assert response.json()["code"] == "generation_unavailable"


def test_accepted_request_answers_202_with_the_job(client, enabled):
    response = _post(client, {"key": enabled.public_key, "prompt": "a cat", "width": 64, "height": 64, "seed": 9})
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "queued" and body["seed"] == 9 and body["model"] == "tiny-qwen-image"
    job = GenerationJob.objects.get(pk=body["id"])
    assert (job.prompt_length, job.prompt_language, job.prompt_properties) == (5, "en", {})
    status = client.get(f"/api/v1/generate/{body['id']}", {"key": enabled.public_key})
    assert status.status_code == 200 and status.json()["status"] == "queued" and "image_url" not in status.json()


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"prompt": "x", "width": 72}, 400, "invalid_size", "width"),  # Qwen-Image needs multiples of 16
        ({"prompt": "x" * 1001}, 400, "prompt_too_long", "prompt"),
        ({"prompt": "a\ud800"}, 400, "invalid_encoding", "prompt"),
        ({"prompt": "x", "mode": "inpaint"}, 400, "missing_field", "image"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, enabled, body, status, code, field):
    response = _post(client, {"key": enabled.public_key, **body})
    assert (response.status_code, response.json()["code"], response.json()["field"]) == (status, code, field)


def test_broken_json_and_keys(client, enabled):
    assert client.post("/api/v1/generate", b"{no", content_type="application/json").json()["code"] == "invalid_json"
    assert client.post("/api/v1/generate", b"\xff\xfe", content_type="application/json").status_code == 400
    assert _post(client, {"prompt": "x"}).status_code == 401
    assert _post(client, {"key": "pk_nope", "prompt": "x"}).status_code == 401
    assert _post(client, {"prompt": "x"}, authorization="Bearer sk_nope").status_code == 401
    refused = _post(client, {"key": enabled.public_key, "prompt": "x"}, origin="https://evil.example")
    assert refused.status_code == 403 and refused.json()["code"] == "origin_not_allowed"
    allowed = _post(client, {"key": enabled.public_key, "prompt": "x"}, origin="https://shop.example")
    assert allowed.status_code == 202 and allowed["Access-Control-Allow-Origin"] == "https://shop.example"
    # The secret key server-side: no origin check.
    assert _post(client, {"prompt": "x"}, authorization=f"Bearer {enabled.secret_key}").status_code == 202


def test_generation_is_off_until_the_sites_settings_enable_it(client, enabled):
    other = make_site()
    response = _post(client, {"key": other.public_key, "prompt": "x"})
    assert response.status_code == 403 and response.json()["code"] == "generation_not_enabled"
    assert selectors.generation_settings_get(site_id=other.id).enabled is False
    services.generation_settings_update(site_id=other.id, enabled=True)
    assert _post(client, {"key": other.public_key, "prompt": "x"}).status_code == 202
    services.generation_settings_update(site_id=other.id, enabled=False)
    assert _post(client, {"key": other.public_key, "prompt": "x"}).status_code == 403


def test_the_daily_quota_is_the_sites_own(client, enabled):
    services.generation_settings_update(site_id=enabled.id, daily_quota=2)
    statuses = [_post(client, {"key": enabled.public_key, "prompt": "x"}).status_code for _ in range(3)]
    assert statuses == [202, 202, 429]
    assert selectors.generation_settings_get(site_id=enabled.id).daily_quota == 2


def test_settings_are_editable_in_the_admin(admin_client, enabled):
    response = admin_client.post(
        f"/admin/gpu_worker/generationsettings/{enabled.id}/change/",
        {"site_id": enabled.id, "enabled": "", "daily_quota": 7, "rate_limit_per_minute": 3},
    )
    assert response.status_code == 302, response.content[:500]
    assert selectors.generation_settings_get(site_id=enabled.id) == GenerationSettingsInfo(enabled.id, False, 7, 3)


def test_another_sites_job_is_a_404(client, enabled, settings):
    other = make_site()
    services.generation_settings_update(site_id=other.id, enabled=True)
    job_id = _post(client, {"key": enabled.public_key, "prompt": "x"}).json()["id"]
    assert client.get(f"/api/v1/generate/{job_id}", {"key": other.public_key}).status_code == 404
    assert client.get(f"/api/v1/generate/{job_id}/image", {"key": enabled.public_key}).status_code == 404


def test_rate_limit_answers_429_with_retry_after(client, enabled, settings):
    services.generation_settings_update(site_id=enabled.id, rate_limit_per_minute=2)
    statuses = [_post(client, {"key": enabled.public_key, "prompt": "x"}) for _ in range(3)]
    assert [r.status_code for r in statuses] == [202, 202, 429]
    assert statuses[-1].json()["code"] == "rate_limited"
    assert 0 < int(statuses[-1]["Retry-After"]) <= 60


def test_expired_images_are_deleted_and_stale_jobs_failed(enabled, settings, tmp_path):
    settings.GPU_IMAGE_RETENTION_HOURS = 1
    old = datetime.now(UTC) - timedelta(hours=2)
    expired = make_job(site_id=enabled.id, status=JobStatus.SUCCEEDED, finished_at=old, image_file="old.png")
    fresh = make_job(
        site_id=enabled.id, status=JobStatus.SUCCEEDED, finished_at=datetime.now(UTC), image_file="new.png"
    )
    stuck = make_job(site_id=enabled.id, status=JobStatus.RUNNING, started_at=old)
    for name in ("old.png", "new.png"):
        (tmp_path / name).write_bytes(b"png")
    assert services.images_expire() == 1
    assert not (tmp_path / "old.png").exists() and (tmp_path / "new.png").exists()
    expired.refresh_from_db()
    fresh.refresh_from_db()
    assert expired.images_deleted and not fresh.images_deleted
    assert services.jobs_fail_stale() == 1
    stuck.refresh_from_db()
    assert (stuck.status, stuck.error_class) == (JobStatus.FAILED, "timeout")
    assert os.listdir(tmp_path) == ["new.png"]
