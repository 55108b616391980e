"""The Tor Project's bulk exit list (check.torproject.org/torbulkexitlist): one IPv4 per line.

Refreshed daily: the list is published continuously, but an exit node's presence changes over hours,
and the hunters' question ("was this a Tor exit?") tolerates a day's staleness. One download per day
answers every IP of every run.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import ClassVar

import httpx

from hunt_assets.clients.http import Limit
from hunt_assets.intel.ti.base import BulkListProvider, ParseError
from hunt_assets.intel.ti.model import Finding, Indicator, Severity


class TorExitList(BulkListProvider):
    name: ClassVar[str] = "tor"
    supports: ClassVar[frozenset[str]] = frozenset({"ip"})
    default_base_url: ClassVar[str] = "https://check.torproject.org/torbulkexitlist"
    default_limits: ClassVar[tuple[Limit, ...]] = (Limit(1, 60),)
    default_concurrency: ClassVar[int] = 1
    list_ttl: ClassVar[timedelta] = timedelta(days=1)
    default_ttl: ClassVar[timedelta] = timedelta(days=1)

    def list_request(self) -> httpx.Request:
        return httpx.Request("GET", self.base_url, headers={"Accept": "text/plain"})

    def parse_list(self, response: httpx.Response) -> dict[str, str]:
        table: dict[str, str] = {}
        bad = 0
        for line in response.text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                table[str(ipaddress.ip_address(line))] = "Tor exit node"
            except ValueError:
                bad += 1
        if not table or bad > len(table):
            raise ParseError(f"tor: not an exit list ({len(table)} addresses, {bad} other lines)")
        return table

    def finding_for(self, indicator: Indicator, table: dict[str, str]) -> Finding:
        if indicator.value in table:
            return Finding("ok", Severity.MEDIUM, "Tor exit node (bulk exit list)", {"tor_exit": True})
        return Finding("not_found", Severity.INFORMATION, "not a Tor exit node", {"tor_exit": False})
