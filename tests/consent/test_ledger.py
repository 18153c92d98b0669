"""The consent ledger: the service, the endpoint the beacon posts to, append-only storage, daily rates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import orjson
import pytest
from django.contrib.admin.sites import site as admin_site
from django.db import DatabaseError, transaction

from consent.models import ConsentRecord
from consent.selectors import ConsentDay, consent_daily_counts
from consent.services import ConsentInputError, banner_settings_set, consent_record_create, subject_pseudonym
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def post(client, body, origin="https://example.com", content_type="text/plain"):
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    return client.post("/api/v1/consent", data=data, content_type=content_type, HTTP_ORIGIN=origin)


def test_record_is_pseudonymous_and_dated_under_the_current_policy():
    site = make_site()
    banner_settings_set(site_id=site.id, policy_version="2026-01")
    record = consent_record_create(site_id=site.id, subject="browser-uuid-1", choice="granted", source="banner")
    assert record.subject == subject_pseudonym(site_id=site.id, subject="browser-uuid-1")
    assert "browser-uuid-1" not in record.subject and len(record.subject) == 32
    assert (record.policy_version, record.categories) == ("2026-01", ["necessary", "analytics"])
    assert record.recorded_at.tzinfo is not None
    # The same browser on another site is another subject.
    assert subject_pseudonym(site_id=site.id + 1, subject="browser-uuid-1") != record.subject


@pytest.mark.parametrize(
    ("choice", "source", "subject", "code"),
    [
        ("maybe", "banner", "s", "invalid_choice"),
        ("granted", "cookie-wall", "s", "invalid_source"),
        ("denied", "api", "", "invalid_subject"),
        ("denied", "api", "x" * 201, "invalid_subject"),
    ],
)
def test_invalid_records_are_refused(choice, source, subject, code):
    with pytest.raises(ConsentInputError) as error:
        consent_record_create(site_id=1, subject=subject, choice=choice, source=source)
    assert error.value.code == code


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", ["update", "delete"])
def test_the_database_refuses_to_change_the_ledger(change):
    record = consent_record_create(site_id=1, subject="s", choice="denied", source="api")
    rows = ConsentRecord.objects.filter(pk=record.pk)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        rows.update(choice="granted") if change == "update" else rows.delete()
    assert ConsentRecord.objects.get(pk=record.pk).choice == "denied"


def test_admin_is_read_only(rf, admin_user):
    request = rf.get("/admin/")
    request.user = admin_user
    model_admin = admin_site._registry[ConsentRecord]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_endpoint_records_a_choice(client):
    site = make_site()
    response = post(client, {"key": site.public_key, "choice": "denied", "subject": "b-1", "source": "banner"})
    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == "https://example.com"
    (record,) = ConsentRecord.objects.filter(site_id=site.id)
    assert (record.choice, record.source, record.categories) == ("denied", "banner", ["necessary"])


@pytest.mark.parametrize(
    ("body", "origin", "status", "code"),
    [
        (b"not json", "https://example.com", 400, "invalid_json"),
        (b"[1]", "https://example.com", 400, "invalid_body"),
        ({"choice": "denied", "subject": "s"}, "https://example.com", 401, "missing_key"),
        ({"key": "pk_nope", "choice": "denied", "subject": "s"}, "https://example.com", 401, "invalid_key"),
        ({"key": "KEY", "choice": "denied", "subject": "s"}, "https://evil.example.net", 403, "origin_not_allowed"),
        ({"key": "KEY", "choice": "yes", "subject": "s"}, "https://example.com", 400, "invalid_choice"),
        ({"key": "KEY", "choice": "denied", "subject": "s" * 5000}, "https://example.com", 413, "body_too_large"),
    ],
)
def test_endpoint_refusals(client, body, origin, status, code):
    site = make_site()
    if isinstance(body, dict) and body.get("key") == "KEY":
        body = {**body, "key": site.public_key}
    response = post(client, body, origin=origin)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert not ConsentRecord.objects.exists()


def test_endpoint_answers_preflight_and_refuses_get(client):
    assert client.options("/api/v1/consent", HTTP_ORIGIN="https://example.com").status_code == 204
    assert client.get("/api/v1/consent").status_code == 405


def test_daily_counts_include_empty_days():
    site = make_site()
    for day, choice in [(1, "granted"), (1, "granted"), (1, "denied"), (3, "denied")]:
        ConsentRecord.objects.create(
            site_id=site.id,
            subject="s",
            choice=choice,
            policy_version="1",
            source="banner",
            recorded_at=datetime(2026, 3, day, 23, 59, tzinfo=UTC),
        )
    ConsentRecord.objects.create(
        site_id=site.id + 1, subject="s", choice="granted", policy_version="1", source="api",
        recorded_at=datetime(2026, 3, 1, 12, tzinfo=UTC),
    )  # fmt: skip
    assert consent_daily_counts(site_id=site.id, start=date(2026, 3, 1), end=date(2026, 3, 3)) == [
        ConsentDay(date(2026, 3, 1), granted=2, denied=1),
        ConsentDay(date(2026, 3, 2), granted=0, denied=0),
        ConsentDay(date(2026, 3, 3), granted=0, denied=1),
    ]


def test_daily_counts_take_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        consent_daily_counts(site_id=1, start=date(2026, 1, 1), end=date(2026, 12, 31))


def test_daily_counts_follow_the_time_zone_asked_for():
    site = make_site()
    for hour in (15, 16):  # 23:00 and midnight in Shanghai (UTC+8)
        ConsentRecord.objects.create(
            site_id=site.id, subject="s", choice="granted", policy_version="1", source="banner",
            recorded_at=datetime(2026, 3, 1, hour, tzinfo=UTC),
        )  # fmt: skip
    shanghai = consent_daily_counts(
        site_id=site.id, start=date(2026, 3, 1), end=date(2026, 3, 2), timezone="Asia/Shanghai"
    )
    assert [(d.day.day, d.granted) for d in shanghai] == [(1, 1), (2, 1)]
    utc = consent_daily_counts(site_id=site.id, start=date(2026, 3, 1), end=date(2026, 3, 2))
    assert [(d.day.day, d.granted) for d in utc] == [(1, 2), (2, 0)]
