import pytest

from consent.ip_truncation import truncate_ip
from consent.visitor_id import cookieless_visitor_id


@pytest.mark.parametrize(
    ("raw", "level", "expected"),
    [
        ("203.0.113.77", "standard", "203.0.113.0"),
        ("203.0.113.77", "strong", "203.0.0.0"),
        ("2001:db8:85a3:1234:5678:8a2e:370:7334", "standard", "2001:db8:85a3::"),
        ("2001:db8:85a3:1234:5678:8a2e:370:7334", "strong", "2001:db8::"),
        ("::ffff:198.51.100.9", "standard", "198.51.100.0"),
        (" 10.1.2.3 ", "standard", "10.1.2.0"),
        ("", "standard", ""),
        ("not an ip", "standard", ""),
        ("999.1.1.1", "standard", ""),
        ("01.2.3.4", "standard", ""),
        ("1.2.3", "standard", ""),
        ("１.２.３.４", "standard", ""),
        ("203.0.113.77", "unknown-level", "203.0.113.0"),
    ],
)
def test_truncate_ip(raw, level, expected):
    assert truncate_ip(raw, level) == expected


def test_visitor_id_depends_on_every_input_and_is_not_reversible():
    base = {"salt": b"s" * 32, "site_id": 1, "ip": "203.0.113.77", "user_agent": "UA"}
    first = cookieless_visitor_id(**base)
    assert first == cookieless_visitor_id(**base)
    assert "203.0.113.77" not in first
    for key, other in (("salt", b"t" * 32), ("site_id", 2), ("ip", "203.0.113.78"), ("user_agent", "UA2")):
        assert cookieless_visitor_id(**(base | {key: other})) != first
