"""The demo page in real Chromium, against the live server and a real GPU worker (tiny model on the CPU):
type a prompt, Generate, see the image, Download and Outpaint, and find the click and generation_* events."""

from __future__ import annotations

import pytest

from tests.gpu_worker.conftest import start_gpu_worker, stop_gpu_worker, stored_events

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CLICKS = ("click_generate", "click_download", "click_outpaint")
GENERATION = ("generation_requested", "generation_started", "generation_succeeded")


@pytest.fixture(scope="module")
def demo_worker(gpu_stack):
    process = start_gpu_worker(gpu_stack, "gpu-demo")
    yield process
    stop_gpu_worker(gpu_stack, process)


def _open(browsing, gpu_stack, site):
    session = browsing()
    page = session.context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda response: problems.append(response.url) if response.status >= 400 else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error('CSP: ' + e.violatedDirective))"
    )
    page.goto(f"{gpu_stack.url}/demo/generate/{site.public_key}")
    return page, problems


def _generate(page, prompt: str) -> None:
    page.fill("#prompt", prompt)
    page.select_option("#size", "64")
    page.fill("#steps", "2")
    page.click("#generate")
    page.wait_for_function("() => document.getElementById('result').naturalWidth === 64", timeout=120_000)


def test_the_demo_page_generates_edits_and_tracks_with_a_scrubbed_label(
    gpu_stack,
    demo_worker,
    gpu_site,
    browsing,
):
    site = gpu_site(6, origins=["https://shop.example.com"], prompt_policy="scrubbed")
    page, problems = _open(browsing, gpu_stack, site)
    prompt = "a red bike for alice@example.com"
    _generate(page, prompt)
    assert page.get_attribute("#result", "src").startswith("/api/v1/generate/")
    with page.expect_download() as download:
        page.click("#download")
    assert download.value.suggested_filename.endswith(".png")
    page.click("#outpaint")  # 16 pixels to the right: 80 × 64
    page.wait_for_function("() => document.getElementById('result').naturalWidth === 80", timeout=120_000)

    clicks = {event.name: event for event in stored_events(site.id, CLICKS, 3)}
    for click in clicks.values():
        assert (click.category, click.label, click.value) == ("image_generation", "a red bike for [email]", len(prompt))
    generation = stored_events(site.id, GENERATION, 6)
    assert sorted(e.properties["mode"] for e in generation if e.name == "generation_succeeded") == [
        "outpaint",
        "text_to_image",
    ]
    assert problems == []


def test_with_the_default_policy_the_click_label_is_empty(gpu_stack, demo_worker, gpu_site, browsing):
    site = gpu_site(7, origins=["https://shop.example.com"])
    page, problems = _open(browsing, gpu_stack, site)
    prompt = "a secret prompt"
    _generate(page, prompt)
    (click,) = stored_events(site.id, ("click_generate",), 1)
    assert (click.label, click.value) == ("", len(prompt))
    assert all("secret" not in str(e.properties) for e in stored_events(site.id, GENERATION, 3))
    assert problems == []
