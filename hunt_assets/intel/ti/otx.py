"""AlienVault OTX DirectConnect API v1: indicator 'general' sections.

Contract (otx.alienvault.com/api):
``GET /api/v1/indicators/{IPv4|IPv6|domain|hostname|url|file}/{value}/general``, header ``X-OTX-API-KEY``.
200 -> ``{"indicator", "type", "pulse_info": {"count", "pulses": [{"name", "tags", "malware_families"}]},
"validation": [{"source", "message", "name"}], ...}``. An indicator
OTX has never seen still answers 200 with ``pulse_info.count == 0``; malformed indicators get 400.
OTX documents no hard per-minute quota for keyed users; we keep a polite 10,000/hour.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from collections.abc import Sequence
from typing import ClassVar

import httpx

from hunt_assets.clients.http import Limit
from hunt_assets.entities import split_registered
from hunt_assets.intel.ti.base import ParseError, Provider, as_dict, need
from hunt_assets.intel.ti.model import Finding, Indicator, Severity


def section(ind: Indicator) -> str:
    if ind.type == "ip":
        return "IPv6" if ipaddress.ip_address(ind.value).version == 6 else "IPv4"
    if ind.type == "domain":
        return "domain" if split_registered(ind.value)[1] == ind.value else "hostname"
    return {"url": "url", "hash": "file"}[ind.type]


class OTX(Provider):
    name: ClassVar[str] = "otx"
    supports: ClassVar[frozenset[str]] = frozenset({"domain", "ip", "url", "hash"})
    default_base_url: ClassVar[str] = "https://otx.alienvault.com/api/v1"
    default_limits: ClassVar[tuple[Limit, ...]] = (Limit(10_000, 3600),)
    default_concurrency: ClassVar[int] = 8

    def request(self, indicators: Sequence[Indicator]) -> httpx.Request:
        (ind,) = indicators
        value = urllib.parse.quote(ind.value, safe="")
        return httpx.Request(
            "GET",
            self.url(f"indicators/{section(ind)}/{value}/general"),
            headers={"X-OTX-API-KEY": self.config.api_key or "", "Accept": "application/json"},
        )

    def parse(self, indicators: Sequence[Indicator], response: httpx.Response) -> dict[Indicator, Finding]:
        (ind,) = indicators
        body = as_dict(self.json(response), "otx")
        pulse_info = as_dict(need(body, "pulse_info"), "pulse_info")
        try:
            count = int(pulse_info.get("count", 0))
        except (TypeError, ValueError):
            raise ParseError("pulse_info.count is not a number") from None
        pulses = pulse_info.get("pulses") or []
        names = [str(p.get("name", "")) for p in pulses if isinstance(p, dict)][:5]
        families = sorted(
            {
                str(f.get("display_name", f)) if isinstance(f, dict) else str(f)
                for p in pulses
                if isinstance(p, dict)
                for f in (p.get("malware_families") or [])
            }
        )
        allowlisted = [
            v
            for v in (body.get("validation") or [])
            if isinstance(v, dict) and v.get("source") in {"whitelist", "alexa", "majestic", "akamai", "false_positive"}
        ]
        if allowlisted:
            severity = Severity.INFORMATION
        elif count >= 5:
            severity = Severity.HIGH
        elif count >= 2:
            severity = Severity.MEDIUM
        elif count == 1:
            severity = Severity.LOW
        else:
            severity = Severity.INFORMATION
        detail = f"{count} pulses"
        if names:
            detail += ": " + "; ".join(names)
        if families:
            detail += f" (malware: {', '.join(families[:5])})"
        if allowlisted:
            detail += f"; allow-listed by {', '.join(str(v.get('source')) for v in allowlisted)}"
        status = "ok" if count or allowlisted else "not_found"
        raw = {
            "indicator": body.get("indicator"),
            "type": body.get("type"),
            "pulse_info": {
                "count": count,
                "pulses": [
                    {k: p.get(k) for k in ("id", "name", "tags", "malware_families", "created")}
                    for p in pulses[:20]
                    if isinstance(p, dict)
                ],
            },
            "validation": body.get("validation") or [],
        }
        return {ind: Finding(status, severity, detail, raw)}
