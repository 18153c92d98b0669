"""Per-site banner settings and the settings endpoint the beacon reads (GET /api/v1/consent/config)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from consent.banner_texts import DEFAULT_TEXTS, merged_texts
from consent.services import banner_settings_set
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def config(client, key, origin="https://example.com"):
    return client.get("/api/v1/consent/config", {"key": key}, HTTP_ORIGIN=origin)


@pytest.mark.parametrize(
    ("mode", "show", "banner"),
    [
        ("cookieless", "auto", False),
        ("opt_in", "auto", True),
        ("cookieless", "always", True),
        ("opt_in", "never", False),
    ],
)
def test_when_the_banner_shows(client, mode, show, banner):
    site = make_site(consent_mode=mode)
    banner_settings_set(site_id=site.id, show=show)
    body = config(client, site.public_key).json()
    assert (body["mode"], body["banner"], body["dnt"]) == (mode, banner, True)


def test_config_reply(client):
    site = make_site(honour_dnt=False)
    banner_settings_set(
        site_id=site.id,
        policy_version="v7",
        policy_url="https://example.com/privacy",
        language="zh-Hans",
        texts={"zh-Hans": {"title": "隐私设置"}, "fr": {"title": "ignored"}},
    )
    response = config(client, site.public_key)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["Access-Control-Allow-Origin"] == "https://example.com"
    body = response.json()
    assert (body["policy"], body["policy_url"], body["language"], body["dnt"]) == (
        "v7",
        "https://example.com/privacy",
        "zh-Hans",
        False,
    )
    assert body["texts"]["zh-Hans"]["title"] == "隐私设置"
    assert body["texts"]["en"] == DEFAULT_TEXTS["en"]
    assert set(body["texts"]) == {"en", "zh-Hans"}


def test_a_site_without_settings_gets_the_defaults(client):
    site = make_site(consent_mode="opt_in")
    body = config(client, site.public_key).json()
    assert (body["banner"], body["policy"], body["language"]) == (True, "1", "auto")


@pytest.mark.parametrize(
    ("key", "origin", "status"),
    [("pk_unknown", "https://example.com", 401), ("", "https://example.com", 401), (None, "https://evil.test", 403)],
)
def test_config_refusals(client, key, origin, status):
    site = make_site()
    assert config(client, key if key is not None else site.public_key, origin).status_code == status


@pytest.mark.parametrize(
    ("overrides", "expected_title"),
    [
        ({"en": {"title": "  Cookies? None.  "}}, "Cookies? None."),
        ({"en": {"title": ""}}, DEFAULT_TEXTS["en"]["title"]),
        ({"en": {"title": 42}}, DEFAULT_TEXTS["en"]["title"]),
        ({"en": "not a dict"}, DEFAULT_TEXTS["en"]["title"]),
        ("not a dict", DEFAULT_TEXTS["en"]["title"]),
        ({"en": {"unknown_key": "x"}}, DEFAULT_TEXTS["en"]["title"]),
    ],
)
def test_text_overrides(overrides, expected_title):
    texts = merged_texts(overrides)
    assert texts["en"]["title"] == expected_title
    assert "unknown_key" not in texts["en"]


def test_both_languages_have_every_text():
    assert set(DEFAULT_TEXTS["en"]) == set(DEFAULT_TEXTS["zh-Hans"])


def test_policy_url_must_be_a_web_address():
    with pytest.raises(ValidationError):
        banner_settings_set(site_id=1, policy_url="javascript:alert(1)")
