"""Table-driven tests for the PII rules: per rule, what it catches and the look-alikes it leaves alone."""

from __future__ import annotations

import copy
from urllib.parse import urlsplit

import pytest

from consent.pii_rules import (
    CARD,
    CN_ID,
    EMAIL,
    IPV4,
    IPV6,
    PHONE,
    RULES,
    URL_SECRET,
    PiiRule,
    is_secret_param_name,
    is_secret_property_key,
)
from consent.scrubber import REDACTED, TRUNCATED, apply_rule, scrub_properties, scrub_text, scrub_url

# (rule, text, expected) — the rule applied on its own, so one rule's look-alikes are not hidden by another.
CAUGHT: list[tuple[PiiRule, str, str]] = [
    (EMAIL, "alice@example.com", "[email]"),
    (EMAIL, "Contact: Bob.Smith+news@mail.example.co.uk.", "Contact: [email]."),
    (EMAIL, "/users/alice@example.com/profile", "/users/[email]/profile"),
    (EMAIL, "u=alice%40example.com", "u=[email]"),
    (EMAIL, "邮箱alice@example.com是我的", "邮箱[email]是我的"),
    (PHONE, "+44 20 7946 0958", "[phone]"),
    (PHONE, "call +1 (415) 555-2671 now", "call [phone] now"),
    (PHONE, "+86 138 0013 8000", "[phone]"),
    (PHONE, "+14155552671", "[phone]"),
    (PHONE, "13800138000", "[phone]"),
    (PHONE, "手机13800138000", "手机[phone]"),
    (PHONE, "138 0013 8000", "[phone]"),
    (PHONE, "138-0013-8000", "[phone]"),
    (PHONE, "0086 13800138000", "[phone]"),
    (PHONE, "tel:+8613800138000", "tel:[phone]"),
    (PHONE, "(415) 555-2671", "[phone]"),
    (PHONE, "415-555-2671", "[phone]"),
    (CN_ID, "11010519491231002X", "[cn_id]"),
    (CN_ID, "id 11010519491231002x.", "id [cn_id]."),
    (CN_ID, "身份证44030419900307123X", "身份证[cn_id]"),
    (CARD, "4111 1111 1111 1111", "[card]"),
    (CARD, "4111-1111-1111-1111", "[card]"),
    (CARD, "card=4111111111111111", "card=[card]"),
    (CARD, "5555555555554444", "[card]"),
    (CARD, "2223003122003222", "[card]"),
    (CARD, "3782 822463 10005", "[card]"),
    (CARD, "6011111111111117", "[card]"),
    (CARD, "3530111333300000", "[card]"),
    (CARD, "6200000000000005", "[card]"),
    (CARD, "30569309025904", "[card]"),
    (CARD, "3056 930902 5904", "[card]"),
    (CARD, "paid with 4111 1111 1111 1111 2024-11-22", "paid with [card] 2024-11-22"),
    (IPV4, "client 192.168.1.10 connected", "client [ip] connected"),
    (IPV4, "from 8.8.8.8.", "from [ip]."),
    (IPV4, "http://10.1.2.3:8080/", "http://[ip]:8080/"),
    (IPV4, "255.255.255.255", "[ip]"),
    (IPV4, "12.0.1.4", "[ip]"),
    (IPV6, "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "[ip]"),
    (IPV6, "peer 2001:db8::1 up", "peer [ip] up"),
    (IPV6, "::1", "[ip]"),
    (IPV6, "fe80::1%eth0", "[ip]%eth0"),
    (IPV6, "::ffff:192.168.1.1", "[ip]"),
    (IPV6, "http://[2001:db8::8a2e:370:7334]:443/", "http://[[ip]]:443/"),
    (URL_SECRET, "https://a.com/p?token=abc&x=1", "https://a.com/p?token=[redacted]&x=1"),
    (URL_SECRET, "?access_token=abc", "?access_token=[redacted]"),
    (URL_SECRET, "?x=1&api_key=abc", "?x=1&api_key=[redacted]"),
    (URL_SECRET, "?apiKey=abc", "?apiKey=[redacted]"),
    (URL_SECRET, "#id_token=eyJhbGciOi.x.y&state=1", "#id_token=[redacted]&state=1"),
    (URL_SECRET, "?code=4/0AX4XfWh&scope=email", "?code=[redacted]&scope=email"),
    (
        URL_SECRET,
        "?X-Amz-Signature=ab12&X-Amz-Credential=AKIA",
        "?X-Amz-Signature=[redacted]&X-Amz-Credential=[redacted]",
    ),
    (URL_SECRET, "/cart;jsessionid=A1B2C3", "/cart;jsessionid=[redacted]"),
    (URL_SECRET, "?session_id=s1&sessionid=s2", "?session_id=[redacted]&sessionid=[redacted]"),
    (URL_SECRET, "login failed password=hunter2", "login failed password=[redacted]"),
]

LEFT_ALONE: list[tuple[PiiRule, str]] = [
    (EMAIL, "@alice on twitter"),
    (EMAIL, "logo@2x.png"),
    (EMAIL, "npm i left-pad@1.3.0"),
    (EMAIL, "user@localhost"),
    (PHONE, "1732262400"),
    (PHONE, "1732262400000"),
    (PHONE, "ORD-2024-000123"),
    (PHONE, "ORD-13800138000"),
    (PHONE, "1.2.3"),
    (PHONE, "12.0.1.4"),
    (PHONE, "2024-11-22"),
    (PHONE, "2024-11-22T12:30:45+08:00"),
    (PHONE, "$1,234.56"),
    (PHONE, "+12.50"),
    (PHONE, "+1"),
    (PHONE, "ext 5551"),
    (PHONE, "12345"),
    (PHONE, "1e+10"),
    (PHONE, "12345678901"),
    (PHONE, "138001380001"),
    (PHONE, "138001380.00"),
    (PHONE, "550e8400-e29b-41d4-a716-446655440000"),
    (PHONE, "13800138-0001-4000-8000-000000000000"),
    (PHONE, "a3f1b2c13800138000de4f5a6b7c8d9e0f1a2b3c"),
    (CN_ID, "110105194912310021"),
    (CN_ID, "110105200013011235"),
    (CN_ID, "320102198902291230"),
    (CN_ID, "320102189912311237"),
    (CN_ID, "011010519491231002X"),
    (CN_ID, "11010519491231002X1"),
    (CARD, "4111111111111112"),
    (CARD, "4111 1111 1111 1112"),
    (CARD, "1732262400000"),
    (CARD, "1732262400002"),
    (CARD, "4111 1111-1111 1111"),
    (CARD, "4111111111111111111111"),
    (CARD, "ORD-4111111111111111"),
    (CARD, "1234567890123456"),
    (CARD, "550e8400-e29b-41d4-a716-446655440000"),
    (CARD, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    (IPV4, "1.2.3"),
    (IPV4, "1.2.3.4.5"),
    (IPV4, "v12.0.1.4"),
    (IPV4, "version 12.0.1.4"),
    (IPV4, "Version: 10.0.19045.1"),
    (IPV4, "Chrome/120.0.0.0 Safari/537.36"),
    (IPV4, "256.1.1.1"),
    (IPV4, "$19.99"),
    (IPV4, "2024.11.22"),
    (IPV6, "12:30:45"),
    (IPV6, "2024-11-22T12:30:45Z"),
    (IPV6, "std::vector"),
    (IPV6, "Abc::Def"),
    (IPV6, "00:1A:2B:3C:4D:5E"),
    (IPV6, "https://example.com:8080/"),
    (IPV6, "ratio 16:9"),
    (URL_SECRET, "https://a.com/p?monkey=1&turkey=2&donkey=3&keynote=4"),
    (URL_SECRET, "?keyboard_layout=qwerty&author=ann"),
    (URL_SECRET, "?country_code=GB&promo_code=SPRING&zip_code=12345"),
    (URL_SECRET, "?token="),
    (URL_SECRET, "a == b"),
]

# Strings that hold no PII at all: every rule together must leave them byte-for-byte alone.
CLEAN: list[str] = [
    "",
    "Pricing",
    "Sign up for the newsletter",
    "Order ORD-2024-000123 shipped on 2024-11-22",
    "ts=1732262400 ms=1732262400000",
    "Upgraded to 1.2.3 from 12.0",
    "Total: $1,234.56 (€ 19.99)",
    "550e8400-e29b-41d4-a716-446655440000",
    "commit da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "Step 2: choose a plan",
    "Meeting at 12:30:45",
    "card 4111111111111112 declined",
    "id 110105194912310021",
    "Room 101, floor 3",
]


@pytest.mark.parametrize(("rule", "text", "expected"), CAUGHT, ids=lambda v: v.name if isinstance(v, PiiRule) else None)
def test_rule_catches(rule: PiiRule, text: str, expected: str) -> None:
    assert apply_rule(rule, text) == expected


@pytest.mark.parametrize(("rule", "text"), LEFT_ALONE, ids=lambda v: v.name if isinstance(v, PiiRule) else None)
def test_rule_leaves_look_alike_alone(rule: PiiRule, text: str) -> None:
    assert apply_rule(rule, text) == text


@pytest.mark.parametrize(("rule", "text", "expected"), CAUGHT, ids=lambda v: v.name if isinstance(v, PiiRule) else None)
def test_scrub_text_removes_what_each_rule_catches(rule: PiiRule, text: str, expected: str) -> None:
    assert rule.replacement in scrub_text(text)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_replacements_contain_no_hint(rule: PiiRule) -> None:
    # scrub_text skips a rule group once its hints are absent; a placeholder that brought a hint back
    # (a digit, "@", ":" or "=") would make that skip unsound and scrubbing non-idempotent.
    for other in RULES:
        assert not any(hint in rule.replacement for hint in other.hints)


@pytest.mark.parametrize("text", CLEAN)
def test_scrub_text_leaves_clean_text_alone(text: str) -> None:
    assert scrub_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mail alice@example.com or call +44 20 7946 0958", "Mail [email] or call [phone]"),
        ("from ::ffff:192.168.1.1 via 10.0.0.7", "from [ip] via [ip]"),
        ("ID 11010519491231002X card 4111 1111 1111 1111", "ID [cn_id] card [card]"),
        ("see https://x.io/cb?token=alice@example.com&n=2", "see https://x.io/cb?token=[redacted]&n=2"),
    ],
)
def test_scrub_text_combines_rules(text: str, expected: str) -> None:
    assert scrub_text(text) == expected
    assert scrub_text(expected) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.com/p?token=abc&x=1", "https://a.com/p?token=[redacted]&x=1"),
        ("https://a.com/users/alice@example.com/profile", "https://a.com/users/[email]/profile"),
        ("/users/alice@example.com/profile", "/users/[email]/profile"),
        ("https://a.com/?email=alice%40example.com&page=2", "https://a.com/?email=[email]&page=2"),
        ("https://a.com/?q=call+%2B44+20+7946+0958", "https://a.com/?q=call+[phone]"),
        ("https://a.com/?q=hello+world&n=1", "https://a.com/?q=hello+world&n=1"),
        (
            "https://a.com/cb#access_token=xyz&token_type=bearer&expires_in=3600",
            "https://a.com/cb#access_token=[redacted]&token_type=[redacted]&expires_in=3600",
        ),
        ("https://a.com/app#/reset?token=abc", "https://a.com/app#/reset?token=[redacted]"),
        ("https://a.com/docs#section-2", "https://a.com/docs#section-2"),
        ("https://bob:hunter2@a.com/x", "https://redacted@a.com/x"),
        ("http://10.1.2.3:8080/status?monkey=1", "http://10.1.2.3:8080/status?monkey=1"),
        ("http://[2001:db8::1]:8080/u/alice@example.com", "http://[2001:db8::1]:8080/u/[email]"),
        ("//10.0.0.1/x?ip=10.0.0.2", "//10.0.0.1/x?ip=[ip]"),
        ("https://10.0.0.1.nip.io/x", "https://10.0.0.1.nip.io/x"),
        (
            "https://a.com/api?Api_Key=k1&apikey=k2&sig=s&code=c",
            "https://a.com/api?Api_Key=[redacted]&apikey=[redacted]&sig=[redacted]&code=[redacted]",
        ),
        (
            "https://a.com/o/ORD-2024-000123?v=1.2.3&t=1732262400000",
            "https://a.com/o/ORD-2024-000123?v=1.2.3&t=1732262400000",
        ),
        ("https://a.com/p?flag&x=", "https://a.com/p?flag&x="),
        ("https://a.com", "https://a.com"),
        ("", ""),
    ],
)
def test_scrub_url(url: str, expected: str) -> None:
    scrubbed = scrub_url(url)
    assert scrubbed == expected
    assert scrub_url(scrubbed) == scrubbed
    # Downstream steps split the URL again; placeholders must not make that raise.
    assert urlsplit(scrubbed).path == urlsplit(url).path.replace("alice@example.com", "[email]")


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("token", True), ("access_token", True), ("api_key", True), ("apiKey", True), ("x-auth", True),
        ("session_id", True), ("sessionid", True), ("id_token", True), ("PHPSESSID", True), ("code", True),
        ("client_secret", True), ("X-Amz-Security-Token", True), ("user[password]", True), ("pwd", True),
        ("monkey", False), ("turkey", False), ("donkey", False), ("keynote", False),
        ("keyboard_layout", False), ("author", False), ("country_code", False), ("utm_source", False),
        ("page", False),
    ],
)  # fmt: skip
def test_secret_param_names(name: str, secret: bool) -> None:
    assert is_secret_param_name(name) is secret


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("password", True), ("newPassword", True), ("api_key", True), ("auth_token", True), ("cvv", True),
        ("$session_id", False), ("key", False), ("auth_method", False), ("prompt_tokens", False),
        ("email", False), ("monkey", False),
    ],
)  # fmt: skip
def test_secret_property_keys(key: str, secret: bool) -> None:
    assert is_secret_property_key(key) is secret


def test_scrub_properties_nested_lists_and_secret_keys() -> None:
    props: dict[object, object] = {
        "password": "hunter2",
        "email": "bob@x.io",
        "plan": "pro",
        "count": 3,
        "ratio": 0.5,
        "active": True,
        "missing": None,
        "token_count": 512,
        "$session_id": "0192f0a1-7c2e-7d3a-9b1e-5f6a7b8c9d0e",
        "key": "ArrowDown",
        "url": "https://a.com/?token=abc",
        "contacts": [{"phone": "+44 20 7946 0958"}, "ip 10.0.0.7", 42],
        "credentials": {"user": "bob", "pin": 1234, "nested": ["s3cret"]},
        ("tuple", "key"): ("alice@example.com",),
    }
    original = copy.deepcopy(props)

    assert scrub_properties(props) == {
        "password": REDACTED,
        "email": "[email]",
        "plan": "pro",
        "count": 3,
        "ratio": 0.5,
        "active": True,
        "missing": None,
        "token_count": 512,
        "$session_id": "0192f0a1-7c2e-7d3a-9b1e-5f6a7b8c9d0e",
        "key": "ArrowDown",
        "url": "https://a.com/?token=[redacted]",
        "contacts": [{"phone": "[phone]"}, "ip [ip]", 42],
        "credentials": {"user": REDACTED, "pin": 1234, "nested": [REDACTED]},
        ("tuple", "key"): ("[email]",),
    }
    assert props == original


def test_scrub_properties_returns_new_containers() -> None:
    props = {"a": ["x"], "b": {"c": "y"}}
    scrubbed = scrub_properties(props)
    assert isinstance(scrubbed, dict)
    assert scrubbed == props
    assert scrubbed is not props
    assert scrubbed["a"] is not props["a"]
    assert scrubbed["b"] is not props["b"]


@pytest.mark.parametrize("value", [None, True, 0, 1732262400000, 4111111111111111, 3.14, b"alice@example.com"])
def test_scrub_properties_leaves_non_string_scalars_alone(value: object) -> None:
    assert scrub_properties(value) is value


def test_scrub_properties_truncates_past_max_depth() -> None:
    deep: object = "alice@example.com"
    for _ in range(4):
        deep = [deep]
    assert scrub_properties(deep, max_depth=4) == [[[["[email]"]]]]
    assert scrub_properties(deep, max_depth=3) == [[[TRUNCATED]]]
    assert scrub_properties({"password": deep}, max_depth=3) == {"password": [[TRUNCATED]]}
