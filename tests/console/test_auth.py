"""Signing in and out, the session cookie, and the brute-force lockout."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from console.security import CONTENT_SECURITY_POLICY
from tests.console.conftest import PASSWORD
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_the_login_page():
    for path in ("/", "/sites/1/overview/"):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"] == f"/login/?next={path}"


def test_login_page_has_the_strict_policy_and_no_inline_script():
    response = Client().get("/login/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    html = response.content.decode()
    assert "<script>" not in html and " style=" not in html and "<style" not in html
    assert 'src="/assets/console.js?v=' in html


def test_sign_in_lands_on_the_first_sites_overview_and_sets_a_safe_cookie(console_user):
    site = make_site("Alpha").id
    console_user("vera", sites={site: "viewer"})
    client = Client()
    response = client.post("/login/", {"username": "vera", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert client.get("/")["Location"] == f"/sites/{site}/overview/"
    page = client.get(f"/sites/{site}/overview/")
    assert page.status_code == 200 and "Alpha" in page.content.decode()


def test_wrong_password_says_what_to_do(console_user):
    console_user("vera")
    response = Client().post("/login/", {"username": "vera", "password": "nope"})
    assert response.status_code == 200
    assert "do not match" in response.content.decode()


def test_sign_out_is_a_post(console_user, console_client):
    client = console_client(console_user("vera"))
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/")["Location"].startswith("/login/")


def test_lockout_after_the_failure_limit_for_that_username_and_ip(console_user, settings):
    console_user("vera")
    console_user("otto")
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/login/", {"username": "vera", "password": "wrong"}).status_code == 200
    locked = client.post("/login/", {"username": "vera", "password": "wrong"})
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "Too many failed sign-ins" in text and "Try again in 15 minutes" in text
    assert locked["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    # Even the right password is refused now, from this IP...
    assert client.post("/login/", {"username": "vera", "password": PASSWORD}).status_code == 429
    # ...but another username from the same IP, or the same username from elsewhere, may still sign in.
    assert client.post("/login/", {"username": "otto", "password": PASSWORD}).status_code == 302
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert elsewhere.post("/login/", {"username": "vera", "password": PASSWORD}).status_code == 302


def test_an_operator_can_lift_a_lockout(console_user, settings):
    console_user("vera")
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "vera", "password": "wrong"})
    assert client.post("/login/", {"username": "vera", "password": PASSWORD}).status_code == 429
    call_command("axes_reset_ip_username", "198.51.100.7", "vera")
    assert client.post("/login/", {"username": "vera", "password": PASSWORD}).status_code == 302


def test_lockout_logs_carry_no_ip(console_user, settings, caplog):
    console_user("vera")
    client = Client(REMOTE_ADDR="198.51.100.7")
    with caplog.at_level("INFO"):
        for _ in range(settings.AXES_FAILURE_LIMIT + 1):
            client.post("/login/", {"username": "vera", "password": "wrong"})
    assert "vera" in caplog.text
    assert "198.51.100.7" not in caplog.text
