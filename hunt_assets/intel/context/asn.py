"""IP -> ASN, owner and country through RDAP (ipwhois), a passive look-up: the RIRs, not the suspect.

ipwhois speaks to the RIRs with its own urllib client (it cannot go through ``clients.http``), so this
wrapper adds what it lacks: a shared rate limiter, private-range refusal before any query, and every
failure turned into a result with an ``error`` rather than an exception. The look-up function is
injectable; tests and sample mode use ``FakeRdapIp``, which returns ipwhois' own result shape.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hunt_assets.clients.http import Limit, RateLimiter, redact, shared_limiter
from hunt_assets.entities import is_public_address

RdapLookup = Callable[[str], Mapping[str, Any]]
IPWHOIS_LIMITS = (Limit(1, 1.0),)  # ARIN and RIPE throttle bursts; one query a second is their polite rate


@dataclass
class AsnInfo:
    ip: str
    asn: str = ""
    asn_description: str = ""
    country: str = ""
    cidr: str = ""
    registry: str = ""
    network_name: str = ""
    source: str = "rdap"
    error: str = ""


def ipwhois_lookup(ip: str, timeout: int = 5) -> Mapping[str, Any]:
    from ipwhois import IPWhois

    return IPWhois(ip, timeout=timeout).lookup_rdap(depth=0, retry_count=2, rate_limit_timeout=5)


def lookup_asn(ip: str, *, rdap: RdapLookup | None = None, limiter: RateLimiter | None = None) -> AsnInfo:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return AsnInfo(ip, error="not an IP address")
    if not is_public_address(address):
        return AsnInfo(ip, error="private or reserved address: no public RDAP record")
    if rdap is None:
        rdap = ipwhois_lookup
        limiter = limiter or shared_limiter("rdap:ipwhois", IPWHOIS_LIMITS)
    if limiter is not None:
        limiter.acquire()
    try:
        res = rdap(str(address))
    except Exception as exc:
        return AsnInfo(ip, error=redact(f"{type(exc).__name__}: {exc}")[:300])
    network = res.get("network") or {}
    return AsnInfo(
        ip,
        asn=str(res.get("asn") or ""),
        asn_description=str(res.get("asn_description") or ""),
        country=str(res.get("asn_country_code") or network.get("country") or ""),
        cidr=str(res.get("asn_cidr") or network.get("cidr") or ""),
        registry=str(res.get("asn_registry") or ""),
        network_name=str(network.get("name") or ""),
    )


class FakeRdapIp:
    """ipwhois ``lookup_rdap`` results from a table; unknown IPs get a deterministic documentation ASN."""

    def __init__(self, table: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.table = dict(table or {})
        self.calls: list[str] = []

    def __call__(self, ip: str) -> Mapping[str, Any]:
        self.calls.append(ip)
        if ip in self.table:
            return self.table[ip]
        asn = 64496 + sum(map(ord, ip)) % 15  # RFC 5398 documentation ASNs
        return {
            "asn": str(asn),
            "asn_description": f"SAMPLE-AS{asn} Sample Hosting, NL",
            "asn_country_code": "NL",
            "asn_cidr": f"{ip}/32",
            "asn_registry": "ripencc",
            "asn_date": "2020-01-01",
            "network": {"name": "SAMPLE-NET", "cidr": f"{ip}/32", "country": "NL"},
        }
