"""VirusTotal API v3: domains, IP addresses, URLs and files.

Contract (developers.virustotal.com/reference): ``GET /api/v3/{domains|ip_addresses|urls|files}/{id}``
with header ``x-apikey``; a URL's id is its unpadded URL-safe base64. 200 -> ``{"data": {"id", "type",
"attributes": {"last_analysis_stats": {"harmless", "malicious", "suspicious", "undetected", "timeout"},
"reputation", ...}}}``; unknown objects -> 404 ``{"error": {"code": "NotFoundError", ...}}``; quota ->
429 ``QuotaExceededError``. Public API: 4 requests/minute and 500/day.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import timedelta
from typing import ClassVar

import httpx

from hunt_assets.clients.http import Limit
from hunt_assets.intel.ti.base import ParseError, Provider, as_dict, need
from hunt_assets.intel.ti.model import Finding, Indicator, Severity, severity_from_ratio

_COLLECTION = {"domain": "domains", "ip": "ip_addresses", "url": "urls", "hash": "files"}


def url_id(url: str) -> str:
    """VirusTotal's identifier for a URL: URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(url.encode("utf-8")).decode("ascii").rstrip("=")


class VirusTotal(Provider):
    name: ClassVar[str] = "virustotal"
    supports: ClassVar[frozenset[str]] = frozenset(_COLLECTION)
    default_base_url: ClassVar[str] = "https://www.virustotal.com/api/v3"
    default_limits: ClassVar[tuple[Limit, ...]] = (Limit(4, 60), Limit(500, 86400))
    default_concurrency: ClassVar[int] = 4
    default_ttl: ClassVar[timedelta] = timedelta(days=1)

    def request(self, indicators: Sequence[Indicator]) -> httpx.Request:
        (ind,) = indicators
        ident = url_id(ind.value) if ind.type == "url" else ind.value
        return httpx.Request(
            "GET",
            self.url(f"{_COLLECTION[ind.type]}/{ident}"),
            headers={"x-apikey": self.config.api_key or "", "Accept": "application/json"},
        )

    def parse(self, indicators: Sequence[Indicator], response: httpx.Response) -> dict[Indicator, Finding]:
        (ind,) = indicators
        body = as_dict(self.json(response), "virustotal")
        attrs = as_dict(need(body, "data", "attributes"), "data.attributes")
        stats = attrs.get("last_analysis_stats")
        if not isinstance(stats, dict):
            raise ParseError("data.attributes.last_analysis_stats missing")
        try:
            counts = {k: int(v) for k, v in stats.items()}
        except (TypeError, ValueError):
            raise ParseError("last_analysis_stats holds non-numeric counts") from None
        malicious, suspicious = counts.get("malicious", 0), counts.get("suspicious", 0)
        total = sum(counts.values())
        severity = severity_from_ratio(malicious, total)
        if severity == Severity.INFORMATION and suspicious:
            severity = Severity.LOW
        label = ""
        ptc = attrs.get("popular_threat_classification")
        if isinstance(ptc, dict) and ptc.get("suggested_threat_label"):
            label = f", threat label {ptc['suggested_threat_label']}"
        detail = (
            f"{malicious}/{total} engines malicious, {suspicious} suspicious, "
            f"reputation {attrs.get('reputation', 'n/a')}{label}"
        )
        raw = {
            "data": {
                "id": body["data"].get("id"),
                "type": body["data"].get("type"),
                "attributes": {
                    k: attrs[k]
                    for k in (
                        "last_analysis_stats",
                        "reputation",
                        "categories",
                        "popular_threat_classification",
                        "tags",
                        "last_analysis_date",
                    )
                    if k in attrs
                },
            }
        }
        return {ind: Finding("ok", severity, detail, raw)}
