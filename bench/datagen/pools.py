"""The fixed vocabulary of the generated site: pages, referrers, browsers, models, prompts.

Everything here is built once per run from the seeded generator and then only picked from, so the per-event
work is a few list lookups and one f-string. Every string is plain ASCII without tab, newline or backslash,
so it can go into COPY's text format as it is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

# (path, title, relative weight as a page someone moves on to within a session)
PAGES: tuple[tuple[str, str, float], ...] = (
    ("/", "Imagine - AI image generator", 3.0),
    ("/generate", "Generate - Imagine", 4.0),
    ("/gallery", "Community gallery - Imagine", 3.0),
    ("/pricing", "Pricing - Imagine", 1.2),
    ("/docs/getting-started", "Getting started - Imagine docs", 0.8),
    ("/docs/prompting", "Writing prompts - Imagine docs", 0.8),
    ("/docs/inpainting", "Inpainting and outpainting - Imagine docs", 0.5),
    ("/docs/api", "API reference - Imagine docs", 0.4),
    ("/blog/sdxl-vs-flux", "SDXL or FLUX? - Imagine blog", 0.3),
    ("/account", "Your account - Imagine", 0.4),
)
LANDING_BY_CHANNEL: dict[str, tuple[tuple[str, float], ...]] = {
    "search": (("/", 4), ("/docs/getting-started", 1.5), ("/docs/prompting", 1.5), ("/blog/sdxl-vs-flux", 1)),
    "social": (("/gallery", 4), ("/", 2), ("/blog/sdxl-vs-flux", 1)),
    "direct": (("/", 4), ("/generate", 3), ("/gallery", 1)),
    "referral": (("/", 2), ("/docs/api", 1), ("/pricing", 1)),
}
# (channel, referrer URL, weight) for a first visit; returning visits are mostly direct.
REFERRERS: tuple[tuple[str, str, float], ...] = (
    ("direct", "", 30),
    ("search", "https://www.google.com/", 18),
    ("search", "https://www.baidu.com/", 14),
    ("search", "https://www.bing.com/", 5),
    ("search", "https://duckduckgo.com/", 1.5),
    ("social", "https://www.reddit.com/r/StableDiffusion/", 5),
    ("social", "https://t.co/", 4),
    ("social", "https://weibo.com/", 3),
    ("social", "https://www.zhihu.com/", 4),
    ("social", "https://www.xiaohongshu.com/", 3),
    ("referral", "https://github.com/", 3),
    ("referral", "https://news.ycombinator.com/", 1.5),
    ("referral", "https://huggingface.co/", 3),
)
# (browser, os, device_type, weight), named as ingest's user-agent step names them.
HUMAN_CLIENTS: tuple[tuple[str, str, str, float], ...] = (
    ("Chrome", "Windows", "desktop", 30),
    ("Chrome", "Mac OS X", "desktop", 12),
    ("Edge", "Windows", "desktop", 8),
    ("Safari", "Mac OS X", "desktop", 6),
    ("Firefox", "Windows", "desktop", 4),
    ("Chrome", "Linux", "desktop", 2.5),
    ("Firefox", "Ubuntu", "desktop", 1.5),
    ("QQ Browser", "Windows", "desktop", 2),
    ("Mobile Safari", "iOS", "mobile", 12),
    ("Chrome Mobile", "Android", "mobile", 10),
    ("WeChat", "Android", "mobile", 4),
    ("WeChat", "iOS", "mobile", 3),
    ("Samsung Internet", "Android", "mobile", 1.5),
    ("MiuiBrowser", "Android", "mobile", 1),
    ("Mobile Safari", "iOS", "tablet", 2.5),
    ("Chrome", "Android", "tablet", 0.5),
)
BOT_CLIENTS: tuple[tuple[str, str, str, float], ...] = (
    ("Googlebot", "Other", "bot", 4),
    ("Baiduspider", "Other", "bot", 3),
    ("bingbot", "Other", "bot", 1),
    ("HeadlessChrome", "Linux", "bot", 2),
    ("Python Requests", "Other", "bot", 1),
)
# (model, default steps, (width, height) choices, seconds per step on the site's GPUs)
MODELS: tuple[tuple[str, int, tuple[tuple[int, int], ...], float, float], ...] = (
    ("sdxl-1.0", 30, ((1024, 1024), (1152, 896), (896, 1152)), 0.18, 45),
    ("sd-1.5", 25, ((512, 512), (512, 768), (768, 512)), 0.06, 20),
    ("flux-schnell", 4, ((1024, 1024), (1344, 768)), 0.35, 25),
    ("flux-dev", 28, ((1024, 1024), (1344, 768)), 0.4, 10),
)
FAILURES: tuple[str, ...] = ("timeout", "nsfw_filter", "out_of_memory", "queue_full")
IMAGE_VERSIONS: tuple[tuple[str, float], ...] = (("2.3", 1), ("2.4", 3), ("2.5", 4))
ROLES: tuple[tuple[str, float], ...] = (("student", 4), ("researcher", 3), ("engineer", 2), ("artist", 1))
GPUS: tuple[str, ...] = ("T4", "A10", "A100", "H100")
DOWNLOAD_FORMATS: tuple[str, ...] = ("png", "png", "png", "jpg", "webp")

_SUBJECTS = (
    "a red fox",
    "an astronaut",
    "a lighthouse",
    "a cyberpunk street",
    "a bowl of ramen",
    "an old library",
    "a samurai cat",
    "a floating island",
    "a mountain temple",
    "a portrait of a robot",
    "a koi pond",
    "a steampunk airship",
    "a desert caravan",
    "a glass teapot",
    "a snowy village",
    "a neon dragon",
)
_SCENES = (
    "at golden hour",
    "in the rain",
    "under a starry sky",
    "in a misty forest",
    "on a busy market day",
    "at dawn",
    "in spring blossom",
    "inside a greenhouse",
    "by the sea",
    "in the year 3000",
)
_STYLES = (
    "digital painting",
    "watercolor",
    "studio photograph",
    "isometric 3d render",
    "ink wash",
    "oil on canvas",
    "anime key visual",
    "pixel art",
    "low poly",
    "film still",
)
_MODIFIERS = (
    "highly detailed",
    "soft lighting",
    "volumetric light",
    "8k",
    "sharp focus",
    "cinematic composition",
    "pastel colors",
    "dramatic shadows",
    "wide angle",
    "bokeh",
    "trending on artstation",
    "muted palette",
    "vivid colors",
    "symmetrical",
    "intricate",
    "rim light",
    "masterpiece",
    "35mm lens",
)


@dataclass(frozen=True, slots=True)
class Prompt:
    label: str  # the first 50 characters, as a site with prompt text stored would keep it
    length: int


def weighted(items: tuple[tuple[Any, ...], ...]) -> tuple[list[tuple[Any, ...]], list[float]]:
    """Splits (..., weight) tuples into the items and their cumulative weights for random.choices."""
    values, cumulative, total = [], [], 0.0
    for item in items:
        total += float(item[-1])
        values.append(item[:-1])
        cumulative.append(total)
    return values, cumulative


def make_prompts(rng: random.Random, count: int = 4000) -> list[Prompt]:
    """Fake prompts with a long-tailed length: most a short phrase, some a paragraph of modifiers."""
    prompts = []
    for _ in range(count):
        target = min(900, max(12, int(rng.lognormvariate(4.3, 0.7))))  # median about 75 characters
        text = f"{rng.choice(_SUBJECTS)} {rng.choice(_SCENES)}, {rng.choice(_STYLES)}"
        while len(text) < target:
            text += ", " + rng.choice(_MODIFIERS)
        prompts.append(Prompt(label=text[:50], length=len(text)))
    return prompts
