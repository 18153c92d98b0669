"""IP truncation: the only form of an IP address Sightline ever keeps."""

from __future__ import annotations

import ipaddress

# Bits kept of each address, per site setting. "standard" is Matomo's and GA's default.
KEEP_BITS = {"standard": (24, 48), "strong": (16, 32)}


def _truncate_ipv4_fast(raw: str, level: str) -> str | None:
    """Dotted-quad IPv4 without the ipaddress module: most traffic, on the hot path."""
    parts = raw.split(".")
    if len(parts) != 4 or not all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts):
        return None
    if any(len(p) > 1 and p[0] == "0" for p in parts):
        return None  # leading zeros are ambiguous (octal to some parsers); let ipaddress refuse them
    kept = 3 if level != "strong" else 2
    return ".".join(parts[:kept] + ["0"] * (4 - kept))


def truncate_ip(raw: str, level: str = "standard") -> str:
    """Zeroes the host part of an address; returns "" for anything that is not an IP address."""
    raw = raw.strip()
    if not raw:
        return ""  # server-side events often carry no address; don't pay for ipaddress's exception
    fast = _truncate_ipv4_fast(raw, level) if raw.isascii() else None
    if fast is not None:
        return fast
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return ""
    v4_bits, v6_bits = KEEP_BITS.get(level, KEEP_BITS["standard"])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    bits = v4_bits if address.version == 4 else v6_bits
    network = ipaddress.ip_network(f"{address}/{bits}", strict=False)
    return str(network.network_address)
