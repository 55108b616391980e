"""Microsoft Defender Threat Intelligence host reputation, over Microsoft Graph.

Contract (api-contracts.md §3): ``GET /security/threatIntelligence/hosts/{host}/reputation`` ->
``hostReputation {id, classification: unknown|neutral|suspicious|malicious|unknownFutureValue,
score: 0-100, rules: [{name, description, severity, relatedDetailsUrl}]}``; permission
``ThreatIntelligence.Read.All``; a tenant without the licence gets 403, which becomes an 'auth_error'
status row (and stops further MDTI calls in the run), not a failed asset.
It goes through the shared ``GraphClient`` (token refresh on 401, Graph throttling) rather than the
engine's own HTTP path; the engine runs it in worker threads within its concurrency cap.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import Sequence
from typing import Any, ClassVar

from hunt_assets.clients.graph import GraphClient
from hunt_assets.clients.http import Limit
from hunt_assets.intel.ti.base import ParseError, Provider, ProviderConfig, Send, as_dict
from hunt_assets.intel.ti.model import Finding, Indicator, Severity

PERMISSION = "ThreatIntelligence.Read.All (application) on Microsoft Graph"
_CLASS = {
    "malicious": Severity.HIGH,
    "suspicious": Severity.MEDIUM,
    "neutral": Severity.INFORMATION,
    "unknown": Severity.INFORMATION,
    "unknownfuturevalue": Severity.INFORMATION,
}


class MDTIReputation(Provider):
    name: ClassVar[str] = "mdti"
    supports: ClassVar[frozenset[str]] = frozenset({"domain", "ip"})
    default_base_url: ClassVar[str] = "https://graph.microsoft.com"
    default_limits: ClassVar[tuple[Limit, ...]] = (Limit(60, 60),)  # generic Graph; MDTI documents none
    default_concurrency: ClassVar[int] = 2
    requires_key: ClassVar[bool] = False
    forbidden_hint: ClassVar[str] = PERMISSION

    def __init__(self, config: ProviderConfig | None = None, *, graph: GraphClient | None = None) -> None:
        super().__init__(config)
        self.graph = graph

    def missing_credentials(self) -> str | None:
        if self.graph is None:
            return "no Microsoft Graph credentials (AZURE_TENANT_ID / AZURE_CLIENT_ID / secret or certificate)"
        return None

    def requests_sent(self) -> int:
        return self.graph.requests_sent if self.graph is not None else 0

    def path(self, ind: Indicator) -> str:
        return f"security/threatIntelligence/hosts/{urllib.parse.quote(ind.value, safe='')}/reputation"

    async def fetch(self, indicators: Sequence[Indicator], send: Send) -> dict[Indicator, Finding]:
        (ind,) = indicators
        assert self.graph is not None  # the engine skips us otherwise
        body = await asyncio.to_thread(self.graph.get_json, self.path(ind), forbidden_hint=PERMISSION)
        return {ind: self.parse_body(body)}

    def parse_body(self, body: Any) -> Finding:
        body = as_dict(body, "mdti reputation")
        classification = str(body.get("classification") or "").lower()
        if classification not in _CLASS:
            raise ParseError(f"mdti: unknown classification {classification!r}")
        try:
            score = int(body.get("score") or 0)
        except (TypeError, ValueError):
            raise ParseError("mdti: score is not a number") from None
        rules = [r for r in body.get("rules") or [] if isinstance(r, dict)]
        detail = f"{classification}, score {score}/100"
        if rules:
            detail += "; rules: " + "; ".join(str(r.get("name")) for r in rules[:5])
        raw = {
            "id": body.get("id"),
            "classification": classification,
            "score": score,
            "rules": [{k: r.get(k) for k in ("name", "description", "severity")} for r in rules[:20]],
        }
        status = "ok" if classification not in {"unknown", "unknownfuturevalue"} or rules else "not_found"
        return Finding(status, _CLASS[classification], detail, raw)
