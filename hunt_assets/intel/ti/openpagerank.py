"""Open PageRank (domcop.com/openpagerank): how established a domain is.

Contract (openpagerank.com/api/v1.0/getPageRank): ``GET ?domains[]=a&domains[]=b`` (up to 100 domains per
request) with header ``API-OPR``. 200 -> ``{"status_code": 200, "response": [{"status_code": 200|404,
"error": "", "page_rank_integer", "page_rank_decimal", "rank", "domain"}], "last_updated"}``.
Not a reputation source: an unranked domain (new, or never linked to) is only *low*, which is how the
Entity Explorer notebook used it (highlight low PageRank). Batching 100 per call makes it nearly free.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import ClassVar

import httpx

from hunt_assets.clients.http import Limit
from hunt_assets.intel.ti.base import ParseError, Provider, as_dict, need
from hunt_assets.intel.ti.model import Finding, Indicator, Severity


class OpenPageRank(Provider):
    name: ClassVar[str] = "openpagerank"
    supports: ClassVar[frozenset[str]] = frozenset({"domain"})
    default_base_url: ClassVar[str] = "https://openpagerank.com/api/v1.0"
    default_limits: ClassVar[tuple[Limit, ...]] = (Limit(10_000, 3600),)
    default_concurrency: ClassVar[int] = 2
    default_ttl: ClassVar[timedelta] = timedelta(days=7)
    batch_size: ClassVar[int] = 100

    def request(self, indicators: Sequence[Indicator]) -> httpx.Request:
        params = [("domains[]", i.value) for i in indicators]
        return httpx.Request(
            "GET",
            self.url("getPageRank"),
            params=params,
            headers={"API-OPR": self.config.api_key or "", "Accept": "application/json"},
        )

    def parse(self, indicators: Sequence[Indicator], response: httpx.Response) -> dict[Indicator, Finding]:
        body = as_dict(self.json(response), "openpagerank")
        entries = need(body, "response")
        if not isinstance(entries, list):
            raise ParseError("openpagerank: response is not a list")
        by_domain = {str(e.get("domain", "")).lower(): e for e in entries if isinstance(e, dict)}
        out: dict[Indicator, Finding] = {}
        for ind in indicators:
            entry = by_domain.get(ind.value)
            if entry is None:
                continue  # the engine records 'the answer did not mention this indicator'
            try:
                decimal = float(entry.get("page_rank_decimal") or 0)
            except (TypeError, ValueError):
                raise ParseError("openpagerank: page_rank_decimal is not a number") from None
            if entry.get("status_code") == 404 or decimal == 0:
                out[ind] = Finding("ok", Severity.LOW, "no Open PageRank (unknown or new domain)", entry)
            else:
                out[ind] = Finding(
                    "ok",
                    Severity.INFORMATION,
                    f"Open PageRank {decimal:g}/10, global rank {entry.get('rank')}",
                    entry,
                )
        return out
