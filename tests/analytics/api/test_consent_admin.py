"""A site's banner settings and its consent rates per day, through the REST API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from analytics.models import Site
from consent.models import BannerSettings, ConsentRecord
from tests.access.factories import site_with_member

pytestmark = pytest.mark.django_db


def test_defaults_until_saved_then_the_saved_settings():
    site, client = site_with_member("adam", "admin")
    before = client.get(f"/api/v1/sites/{site}/banner/").json()
    assert before["show"] == "auto" and before["texts"] == {} and before["updated_at"] is None
    assert before["default_texts"]["zh-Hans"]["title"] == "您的隐私"
    change = {
        "show": "always",
        "policy_version": "2026-11",
        "policy_url": "https://example.com/privacy",
        "language": "zh-Hans",
        "texts": {"en": {"title": "<b>Cookies?</b> None."}},
    }
    saved = client.patch(f"/api/v1/sites/{site}/banner/", change, format="json")
    assert saved.status_code == 200, saved.content
    after = client.get(f"/api/v1/sites/{site}/banner/").json()
    assert {k: after[k] for k in change} == change
    assert after["updated_at"] is not None
    stored = BannerSettings.objects.get(site_id=site)
    assert (stored.show, stored.policy_version) == ("always", "2026-11")


def test_a_partial_change_keeps_the_rest():
    site, client = site_with_member("adam", "admin")
    client.patch(f"/api/v1/sites/{site}/banner/", {"policy_version": "7"}, format="json")
    client.patch(f"/api/v1/sites/{site}/banner/", {"show": "never"}, format="json")
    stored = BannerSettings.objects.get(site_id=site)
    assert (stored.show, stored.policy_version) == ("never", "7")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"show": "sometimes"}, "show"),
        ({"policy_url": "javascript:alert(1)"}, "policy_url"),
        ({"language": "fr"}, "language"),
        ({"policy_version": "v" * 33}, "policy_version"),
        ({"texts": {"fr": {"title": "Bonjour"}}}, "texts"),
        ({"texts": {"en": {"headline": "x"}}}, "texts"),
        ({"texts": {"en": {"title": 3}}}, "texts"),
        ({"texts": ["en"]}, "texts"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_changes_name_their_field_and_save_nothing(change, field):
    site, client = site_with_member("adam", "admin")
    response = client.patch(f"/api/v1/sites/{site}/banner/", change, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert not BannerSettings.objects.filter(site_id=site).exists()


def _choice(site: int, choice: str, when: datetime) -> None:
    ConsentRecord.objects.create(
        site_id=site, subject="s", choice=choice, policy_version="1", source="banner", recorded_at=when
    )


def test_daily_rates_in_the_sites_time_zone():
    site, client = site_with_member("vera", "viewer")
    Site.objects.filter(pk=site).update(timezone="Asia/Shanghai")
    # 2026-03-01 16:30 UTC is already 2 March in Shanghai; 15:59 UTC is still 1 March.
    _choice(site, "granted", datetime(2026, 3, 1, 15, 59, tzinfo=UTC))
    _choice(site, "denied", datetime(2026, 3, 1, 16, 30, tzinfo=UTC))
    _choice(site, "granted", datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    _choice(site, "granted", datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    _choice(site + 1000, "denied", datetime(2026, 3, 1, 12, 0, tzinfo=UTC))  # another site's ledger
    body = client.get(f"/api/v1/sites/{site}/consent/daily/?start=2026-03-01&end=2026-03-03").json()
    assert body["timezone"] == "Asia/Shanghai"
    assert body["days"] == [
        {"day": "2026-03-01", "granted": 1, "denied": 0, "opt_in_rate": 1.0},
        {"day": "2026-03-02", "granted": 2, "denied": 1, "opt_in_rate": 2 / 3},
        {"day": "2026-03-03", "granted": 0, "denied": 0, "opt_in_rate": None},
    ]
    assert body["totals"] == {"granted": 3, "denied": 1, "opt_in_rate": 0.75}


def test_the_default_range_is_the_last_thirty_days():
    site, client = site_with_member("vera", "viewer")
    body = client.get(f"/api/v1/sites/{site}/consent/daily/").json()
    assert len(body["days"]) == 30 and body["days"][-1]["day"] == body["end"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start=2026-03-05&end=2026-03-01", "start"),
        ("start=2024-01-01&end=2026-01-01", "start"),
        ("start=yesterday", "start"),
        ("end=2026-02-30", "end"),
    ],
)
def test_bad_ranges_are_refused(query, field):
    site, client = site_with_member("vera", "viewer")
    response = client.get(f"/api/v1/sites/{site}/consent/daily/?{query}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_one_query_for_the_ledger(django_assert_num_queries):
    site, client = site_with_member("vera", "viewer")
    client.get(f"/api/v1/sites/{site}/consent/daily/")  # records the token's last use once
    # The token, the role, the site's time zone, the ledger.
    with django_assert_num_queries(4):
        client.get(f"/api/v1/sites/{site}/consent/daily/?start=2025-01-01&end=2025-12-31")
