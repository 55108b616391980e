"""GreyNoise Community API: is this IP internet background noise, a known benign service, or malicious?

Contract (docs.greynoise.io, Community API): ``GET /v3/community/{ip}`` with optional header ``key``.
200 -> ``{"ip", "noise", "riot", "classification": "benign"|"malicious"|"unknown", "name", "link",
"last_seen", "message": "Success"}``; unseen -> 404 ``{"ip", "noise": false, "riot": false, "message":
"IP not observed scanning the internet or contained in RIOT data set."}``; over the community quota ->
429 ``{"plan", "rate-limit", "message"}``. The unauthenticated tier allows a few dozen look-ups a day.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import ClassVar

import httpx

from hunt_assets.clients.http import ApiError, Limit, NotFoundError
from hunt_assets.intel.ti.base import Provider, as_dict
from hunt_assets.intel.ti.model import Finding, Indicator, Severity


class GreyNoise(Provider):
    name: ClassVar[str] = "greynoise"
    supports: ClassVar[frozenset[str]] = frozenset({"ip"})
    default_base_url: ClassVar[str] = "https://api.greynoise.io/v3/community"
    default_limits: ClassVar[tuple[Limit, ...]] = (Limit(1, 1.0), Limit(1000, 86400))
    default_concurrency: ClassVar[int] = 2
    requires_key: ClassVar[bool] = False  # the community tier answers without a key, at a lower quota

    def accepts(self, indicator: Indicator) -> bool:
        return indicator.type == "ip" and ipaddress.ip_address(indicator.value).version == 4

    def request(self, indicators: Sequence[Indicator]) -> httpx.Request:
        (ind,) = indicators
        headers = {"Accept": "application/json"}
        if self.config.api_key:
            headers["key"] = self.config.api_key
        return httpx.Request("GET", self.url(ind.value), headers=headers)

    def on_error(self, indicator: Indicator, error: ApiError) -> Finding | None:
        if isinstance(error, NotFoundError):
            return Finding("not_found", Severity.INFORMATION, "not observed scanning the internet, not in RIOT")
        return None

    def parse(self, indicators: Sequence[Indicator], response: httpx.Response) -> dict[Indicator, Finding]:
        (ind,) = indicators
        body = as_dict(self.json(response), "greynoise")
        classification = str(body.get("classification") or "unknown").lower()
        if body.get("riot") or classification == "benign":
            severity = Severity.INFORMATION
        elif classification == "malicious":
            severity = Severity.HIGH
        elif body.get("noise"):
            severity = Severity.LOW
        else:
            severity = Severity.INFORMATION
        detail = (
            f"{classification}; noise={bool(body.get('noise'))}, riot={bool(body.get('riot'))}, "
            f"name {body.get('name') or 'n/a'}, last seen {body.get('last_seen') or 'n/a'}"
        )
        raw = {
            k: body.get(k) for k in ("ip", "noise", "riot", "classification", "name", "link", "last_seen", "message")
        }
        return {ind: Finding("ok", severity, detail, raw)}
