"""The whole path with real processes: API (live server) → Redis → Celery GPU worker (tiny Qwen-Image on the
CPU) → image on disk → generation_* events through the SDK into the event store."""

from __future__ import annotations

import base64
import io
import time

import pytest
from PIL import Image

from tests.gpu_worker.conftest import start_gpu_worker, stop_gpu_worker, stored_events

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

GENERATION_EVENTS = ("generation_requested", "generation_started", "generation_succeeded", "generation_failed")


@pytest.fixture(scope="module")
def worker(gpu_stack):
    process = start_gpu_worker(gpu_stack, "gpu-e2e")
    yield process
    stop_gpu_worker(gpu_stack, process)


def _png(width: int, height: int, colour: tuple[int, ...] | int, mode: str = "RGB") -> str:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), colour).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _image(gpu_stack, job) -> Image.Image:
    status, headers, body = gpu_stack.request("GET", job["image_url"])
    assert status == 200 and headers["Content-Type"] == "image/png"
    return Image.open(io.BytesIO(body))


def test_text_to_image_end_to_end_with_events_and_no_prompt_text(gpu_stack, worker, gpu_site):
    site = gpu_site(0)
    prompt = "a red bicycle, 红色的自行车, write to alice@example.com"
    status, accepted = gpu_stack.post({"key": site.public_key, "prompt": prompt, "width": 64, "height": 48, "steps": 2})
    assert status == 202, accepted
    assert accepted["status"] == "queued"
    job = gpu_stack.wait_done(accepted["id"], site.public_key)
    assert job["status"] == "succeeded", job
    assert job["batch_size"] == 1 and job["queue_wait_ms"] >= 0 and job["run_ms"] > 0
    assert _image(gpu_stack, job).size == (64, 48)

    events = stored_events(site.id, GENERATION_EVENTS, 3)
    assert [e.name for e in events] == ["generation_requested", "generation_started", "generation_succeeded"]
    done = events[-1].properties
    assert done["job_id"] == accepted["id"]
    assert done | {"run_ms": 0, "queue_wait_ms": 0} == done | {
        "mode": "text_to_image",
        "width": 64,
        "height": 48,
        "steps": 2,
        "batch_size": 1,
        "prompt_length": len(prompt),
        "prompt_language": "mixed",
        "run_ms": 0,
        "queue_wait_ms": 0,
    }
    assert done["run_ms"] == job["run_ms"]
    # The default policy: no prompt text anywhere in the stored events.
    for event in events:
        assert "prompt" not in event.properties and "prompt_hash" not in event.properties
        assert "bicycle" not in str(event.properties) and "bicycle" not in event.label


def test_another_sites_key_sees_neither_the_job_nor_its_image(gpu_stack, worker, gpu_site):
    owner, other = gpu_site(0), gpu_site(1)
    _, accepted = gpu_stack.post({"key": owner.public_key, "prompt": "a lake", "width": 32, "height": 32, "steps": 1})
    job = gpu_stack.wait_done(accepted["id"], owner.public_key)
    status, _, _ = gpu_stack.request("GET", f"/api/v1/generate/{accepted['id']}?key={other.public_key}")
    assert status == 404
    image_path = job["image_url"].split("?")[0]
    assert gpu_stack.request("GET", f"{image_path}?key={other.public_key}")[0] == 404
    assert gpu_stack.request("GET", f"{image_path}?key={owner.public_key}")[0] == 200


def test_inpaint_and_outpaint(gpu_stack, worker, gpu_site):
    site = gpu_site(0)
    black = _png(64, 64, (0, 0, 0))
    mask = _png(64, 64, 0, mode="L")
    status, inpaint = gpu_stack.post(
        {"key": site.public_key, "mode": "inpaint", "prompt": "a moon", "image": black, "mask": mask, "steps": 2}
    )
    assert status == 202, inpaint
    status, outpaint = gpu_stack.post(
        {
            "key": site.public_key,
            "mode": "outpaint",
            "prompt": "more sky",
            "image": black,
            "direction": "right",
            "pixels": 32,
            "steps": 2,
        }
    )
    assert status == 202, outpaint
    inpainted = gpu_stack.wait_done(inpaint["id"], site.public_key)
    outpainted = gpu_stack.wait_done(outpaint["id"], site.public_key)
    assert inpainted["status"] == outpainted["status"] == "succeeded", (inpainted, outpainted)
    assert _image(gpu_stack, inpainted).size == (64, 64)
    result = _image(gpu_stack, outpainted).convert("RGB")
    assert result.size == (96, 64)
    # Outpainting keeps the original: the left 64 columns are the black input, the new strip is painted.
    assert result.crop((0, 0, 64, 64)).getextrema() == ((0, 0), (0, 0), (0, 0))
    assert result.crop((64, 0, 96, 64)).getextrema() != ((0, 0), (0, 0), (0, 0))
    events = stored_events(site.id, ("generation_succeeded",), 2)
    assert sorted(e.properties["mode"] for e in events) == ["inpaint", "outpaint"]


def test_same_shape_jobs_waiting_together_run_as_one_batch_and_shapes_do_not_mix(gpu_stack, worker, gpu_site):
    blocker_site, site = gpu_site(1), gpu_site(0)
    # A slower job keeps the worker busy while the others queue up behind it.
    _, slow = gpu_stack.post(
        {"key": blocker_site.public_key, "prompt": "slow", "width": 256, "height": 256, "steps": 8}
    )
    deadline = time.monotonic() + 60
    while gpu_stack.job(slow["id"], blocker_site.public_key)["status"] == "queued" and time.monotonic() < deadline:
        time.sleep(0.05)
    same = [
        gpu_stack.post(
            {"key": site.public_key, "prompt": f"cat {n}", "width": 32, "height": 32, "steps": 2, "seed": n}
        )[1]
        for n in range(3)
    ]
    other = gpu_stack.post({"key": site.public_key, "prompt": "dog", "width": 48, "height": 32, "steps": 2})[1]
    assert gpu_stack.job(slow["id"], blocker_site.public_key)["status"] == "running", "the blocker ended too soon"
    results = [gpu_stack.wait_done(job["id"], site.public_key) for job in [*same, other]]
    assert [r["status"] for r in results] == ["succeeded"] * 4
    assert [r["batch_size"] for r in results] == [3, 3, 3, 1]
    events = stored_events(site.id, ("generation_succeeded",), 4)
    assert sorted(e.properties["batch_size"] for e in events) == [1, 3, 3, 3]


def test_the_daily_quota_answers_429_with_retry_after(gpu_stack, worker, gpu_site):
    site = gpu_site(2)
    for n in range(5):  # gpu_site's daily quota
        status, job = gpu_stack.post({"key": site.public_key, "prompt": f"p{n}", "width": 16, "height": 16, "steps": 1})
        assert status == 202, job
    status, headers, body = gpu_stack.request(
        "POST", "/api/v1/generate", {"key": site.public_key, "prompt": "one more", "width": 16, "height": 16}
    )
    assert status == 429 and b"quota_exceeded" in body
    assert 0 < int(headers["Retry-After"]) <= 86400
    gpu_stack.wait_done(job["id"], site.public_key)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("scrubbed", {"prompt": "portrait of [email], 肖像"}), ("hashed", None)],
)
def test_prompt_policies_reach_the_stored_events(gpu_stack, worker, gpu_site, settings, policy, expected):
    site = gpu_site(3, prompt_policy=policy)
    prompt = "portrait of bob@example.com, 肖像"
    _, accepted = gpu_stack.post({"key": site.public_key, "prompt": prompt, "width": 16, "height": 16, "steps": 1})
    gpu_stack.wait_done(accepted["id"], site.public_key)
    events = stored_events(site.id, GENERATION_EVENTS, 3)
    for event in events:
        assert "bob@example.com" not in str(event.properties)
        if policy == "scrubbed":
            assert event.properties["prompt"] == expected["prompt"]
        else:
            assert len(event.properties["prompt_hash"]) == 64 and "prompt" not in event.properties
    if policy == "hashed":
        assert len({e.properties["prompt_hash"] for e in events}) == 1
