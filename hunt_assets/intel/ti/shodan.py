"""Shodan host information (IPv4).

Contract (developer.shodan.io/api): ``GET /shodan/host/{ip}?key=KEY`` -> ``{"ip_str", "org", "isp", "asn",
"country_code", "ports": [...], "hostnames": [...], "tags": [...], "vulns": [...], "data": [...]}``; an
address Shodan has not scanned -> 404 ``{"error": "No information available for that IP."}``. Shodan
asks for about one request per second (the hunters' notebook sleeps 0.4-0.5 s between calls).
Shodan is exposure, not reputation: only its own tags (malware, c2, compromised) raise severity high.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import ClassVar

import httpx

from hunt_assets.clients.http import Limit
from hunt_assets.intel.ti.base import ParseError, Provider, as_dict
from hunt_assets.intel.ti.model import Finding, Indicator, Severity

BAD_TAGS = {"malware", "c2", "compromised", "botnet", "scanner"}
GREY_TAGS = {"tor", "proxy", "vpn", "self-signed", "honeypot"}


class Shodan(Provider):
    name: ClassVar[str] = "shodan"
    supports: ClassVar[frozenset[str]] = frozenset({"ip"})
    default_base_url: ClassVar[str] = "https://api.shodan.io"
    default_limits: ClassVar[tuple[Limit, ...]] = (Limit(1, 1.0),)
    default_concurrency: ClassVar[int] = 1

    def accepts(self, indicator: Indicator) -> bool:
        return indicator.type == "ip" and ipaddress.ip_address(indicator.value).version == 4

    def request(self, indicators: Sequence[Indicator]) -> httpx.Request:
        (ind,) = indicators
        return httpx.Request(
            "GET",
            self.url(f"shodan/host/{ind.value}"),
            params={"key": self.config.api_key or ""},
            headers={"Accept": "application/json"},
        )

    def parse(self, indicators: Sequence[Indicator], response: httpx.Response) -> dict[Indicator, Finding]:
        (ind,) = indicators
        body = as_dict(self.json(response), "shodan")
        if "ip_str" not in body and "ports" not in body:
            raise ParseError("neither ip_str nor ports in the host answer")
        tags = {str(t).lower() for t in body.get("tags") or []}
        vulns = body.get("vulns") or []
        ports = sorted(int(p) for p in body.get("ports") or [] if str(p).isdigit())
        if tags & BAD_TAGS:
            severity = Severity.HIGH
        elif vulns or tags & GREY_TAGS:
            severity = Severity.LOW
        else:
            severity = Severity.INFORMATION
        detail = f"ports {ports[:15]}, org {body.get('org') or 'n/a'}"
        if tags:
            detail += f", tags {sorted(tags)}"
        if vulns:
            detail += f", {len(vulns)} CVEs"
        raw = {
            k: body.get(k)
            for k in (
                "ip_str",
                "org",
                "isp",
                "asn",
                "country_code",
                "ports",
                "hostnames",
                "tags",
                "vulns",
                "last_update",
            )
        }
        return {ind: Finding("ok", severity, detail, raw)}
