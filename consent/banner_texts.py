"""The banner's default texts in English and Simplified Chinese, and how a site's overrides apply to them.

Pure Python: the keys here are the ones consent.js reads; a site may override any of them per language.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "zh-Hans")

DEFAULT_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Your privacy",
        "body": (
            "We would like to measure how this site is used, with an anonymous identifier kept in your browser. "
            "Nothing is shared with anyone else, and you can change your mind at any time."
        ),
        "accept": "Accept analytics",
        "reject": "Reject analytics",
        "customize": "Choose categories",
        "save": "Save my choice",
        "categories": "Categories",
        "necessary": "Necessary",
        "necessary_description": "Needed for the site to work. Always on.",
        "analytics": "Analytics",
        "analytics_description": "Counts visits and clicks so we can improve the site. Off unless you agree.",
        "policy_link": "Privacy policy",
        "opted_in": "Your visits are measured with an anonymous identifier kept in this browser.",
        "opted_out": "Your visits are not measured with any identifier from this browser.",
        "opt_out": "Opt out",
        "opt_in": "Allow analytics",
    },
    "zh-Hans": {
        "title": "您的隐私",
        "body": (
            "我们希望了解本站的使用情况，为此会在您的浏览器中保存一个匿名标识。"
            "数据不会提供给任何第三方，您可以随时改变主意。"
        ),
        "accept": "接受统计",
        "reject": "拒绝统计",
        "customize": "选择类别",
        "save": "保存我的选择",
        "categories": "类别",
        "necessary": "必要",
        "necessary_description": "网站正常运行所必需，始终开启。",
        "analytics": "统计分析",
        "analytics_description": "统计访问和点击，帮助我们改进网站。未经您同意不会开启。",
        "policy_link": "隐私政策",
        "opted_in": "您的访问正在通过本浏览器中保存的匿名标识进行统计。",
        "opted_out": "您的访问不会通过本浏览器中的任何标识进行统计。",
        "opt_out": "退出统计",
        "opt_in": "允许统计",
    },
}

MAX_TEXT_LENGTH = 2000


def merged_texts(overrides: Any) -> dict[str, dict[str, str]]:
    """The defaults with a site's overrides applied; unknown languages or keys and non-strings are ignored."""
    texts = {lang: dict(values) for lang, values in DEFAULT_TEXTS.items()}
    if not isinstance(overrides, dict):
        return texts
    for lang, values in overrides.items():
        if lang not in texts or not isinstance(values, dict):
            continue
        for key, value in values.items():
            if key in texts[lang] and isinstance(value, str) and value.strip():
                texts[lang][key] = value.strip()[:MAX_TEXT_LENGTH]
    return texts


def text_override_errors(overrides: Any) -> list[str]:
    """Why a site's text overrides cannot be saved as given; empty when they can. merged_texts would skip
    what is wrong silently, which is right for the banner but not for the person editing them."""
    if not isinstance(overrides, dict):
        return ['Expected an object of languages, e.g. {"en": {"title": "…"}}.']
    errors = []
    for lang, values in overrides.items():
        if lang not in DEFAULT_TEXTS:
            errors.append(f"{lang!r} is not a banner language; use {' or '.join(LANGUAGES)}.")
        elif not isinstance(values, dict):
            errors.append(f"{lang}: expected an object of texts.")
        else:
            for key, value in values.items():
                if key not in DEFAULT_TEXTS[lang]:
                    errors.append(f"{lang}.{key} is not a banner text.")
                elif not isinstance(value, str) or len(value) > MAX_TEXT_LENGTH:
                    errors.append(f"{lang}.{key}: expected text of at most {MAX_TEXT_LENGTH} characters.")
    return errors
