"""The same path with the other family: a live server and a real Celery GPU worker whose GPU_MODEL_DIR is the
tiny Stable Diffusion pipeline (sizes in multiples of 8, text-to-image and outpaint)."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from tests.gpu_worker.conftest import running_gpu_stack, start_gpu_worker, stop_gpu_worker, stored_events

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(scope="module")
def sd_stack(django_db_setup, django_db_blocker, tmp_path_factory, tiny_sd_model_dir):
    with running_gpu_stack(django_db_blocker, tmp_path_factory, tiny_sd_model_dir) as stack:
        worker = start_gpu_worker(stack, "gpu-sd")
        yield stack
        stop_gpu_worker(stack, worker)


def _image(stack, job) -> Image.Image:
    status, headers, body = stack.request("GET", job["image_url"])
    assert status == 200 and headers["Content-Type"] == "image/png"
    return Image.open(io.BytesIO(body)).convert("RGB")


def test_stable_diffusion_text_to_image_and_outpaint_end_to_end(sd_stack, gpu_site, tiny_sd_model_dir):
    site = gpu_site(0)
    # 40×24: multiples of 8 but not of 16, which only a Stable Diffusion model directory accepts.
    status, text_to_image = sd_stack.post(
        {"key": site.public_key, "prompt": "a fox", "width": 40, "height": 24, "steps": 2}
    )
    assert status == 202, text_to_image
    buffer = io.BytesIO()
    Image.new("RGB", (40, 24), (0, 0, 0)).save(buffer, format="PNG")
    black = base64.b64encode(buffer.getvalue()).decode()
    body = {"key": site.public_key, "mode": "outpaint", "prompt": "more", "image": black, "direction": "down"}
    status, outpaint = sd_stack.post(body | {"pixels": 8, "steps": 2})
    assert status == 202, outpaint

    painted = sd_stack.wait_done(text_to_image["id"], site.public_key)
    grown = sd_stack.wait_done(outpaint["id"], site.public_key)
    assert painted["status"] == grown["status"] == "succeeded", (painted, grown)
    assert _image(sd_stack, painted).size == (40, 24)
    result = _image(sd_stack, grown)
    assert result.size == (40, 32)
    assert result.crop((0, 0, 40, 24)).getextrema() == ((0, 0), (0, 0), (0, 0))
    assert result.crop((0, 24, 40, 32)).getextrema() != ((0, 0), (0, 0), (0, 0))

    events = stored_events(site.id, ("generation_succeeded",), 2)
    assert {e.properties["model"] for e in events} == {tiny_sd_model_dir.name}
    assert sorted(e.properties["mode"] for e in events) == ["outpaint", "text_to_image"]
