"""IP truncation: the only form of an IP address Sightline ever keeps."""

from __future__ import annotations

import ipaddress

# Bits kept of each address, per site setting. "standard" is Matomo's and GA's default.
KEEP_BITS = {"standard": (24, 48), "strong": (16, 32)}


def truncate_ip(raw: str, level: str = "standard") -> str:
    """Zeroes the host part of an address; returns "" for anything that is not an IP address."""
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return ""
    v4_bits, v6_bits = KEEP_BITS.get(level, KEEP_BITS["standard"])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    bits = v4_bits if address.version == 4 else v6_bits
    network = ipaddress.ip_network(f"{address}/{bits}", strict=False)
    return str(network.network_address)
