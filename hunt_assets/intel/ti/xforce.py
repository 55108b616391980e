"""IBM X-Force Exchange: IP reputation, URL/domain reputation, malware by hash.

Contract (api.xforce.ibmcloud.com/doc): HTTP Basic auth with API key + password.
``GET /api/ipr/{ip}`` -> ``{"ip", "score" (1-10), "cats": {category: confidence}, "geo", "reason", ...}``;
``GET /api/url/{url-or-domain}`` -> ``{"result": {"url", "score", "cats": {...}}, "associated": [...]}``;
``GET /api/malware/{md5|sha1|sha256}`` -> ``{"malware": {"risk": "high"|"medium"|"low", "family", ...}}``.
Unknown -> 404 ``{"error": "Not found."}``. Older documentation shows the same paths without the
``/api`` prefix; the base URL is configuration for exactly that reason.
"""

from __future__ import annotations

import base64
import urllib.parse
from collections.abc import Sequence
from typing import ClassVar

import httpx

from hunt_assets.clients.http import Limit
from hunt_assets.intel.ti.base import ParseError, Provider, as_dict, need
from hunt_assets.intel.ti.model import Finding, Indicator, Severity, severity_from_score


def _score(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ParseError(f"score {value!r} is not a number") from None


def score_severity(score: float) -> Severity:
    # X-Force: 1 = no risk known ... 10 = very risky; 4+ is where its UI turns amber
    return severity_from_score(score, low=2.0, medium=4.0, high=7.0)


class XForce(Provider):
    name: ClassVar[str] = "xforce"
    supports: ClassVar[frozenset[str]] = frozenset({"domain", "ip", "url", "hash"})
    default_base_url: ClassVar[str] = "https://api.xforce.ibmcloud.com/api"
    default_limits: ClassVar[tuple[Limit, ...]] = (Limit(60, 60), Limit(5000, 30 * 86400))
    default_concurrency: ClassVar[int] = 4

    def missing_credentials(self) -> str | None:
        if not self.config.api_key or not self.config.api_secret:
            return "no API key and password configured (XFORCE_API_KEY / XFORCE_API_PASSWORD)"
        return None

    def request(self, indicators: Sequence[Indicator]) -> httpx.Request:
        (ind,) = indicators
        path = {"ip": "ipr", "domain": "url", "url": "url", "hash": "malware"}[ind.type]
        value = urllib.parse.quote(ind.value, safe="")
        token = base64.b64encode(f"{self.config.api_key}:{self.config.api_secret}".encode()).decode("ascii")
        return httpx.Request(
            "GET",
            self.url(f"{path}/{value}"),
            headers={"Accept": "application/json", "Authorization": f"Basic {token}"},
        )

    def parse(self, indicators: Sequence[Indicator], response: httpx.Response) -> dict[Indicator, Finding]:
        (ind,) = indicators
        body = as_dict(self.json(response), "xforce")
        if ind.type == "ip":
            score = _score(need(body, "score"))
            cats = body.get("cats") or {}
            detail = f"score {score:g}/10" + (f", categories {', '.join(sorted(cats))}" if cats else "")
            if body.get("reasonDescription"):
                detail += f"; {body['reasonDescription']}"
            raw = {k: body.get(k) for k in ("ip", "score", "cats", "geo", "reason", "reasonDescription", "tags")}
            return {ind: Finding("ok", score_severity(score), detail, raw)}
        if ind.type in {"domain", "url"}:
            result = as_dict(need(body, "result"), "result")
            score = _score(result.get("score", 1))
            cats = result.get("cats") or {}
            detail = f"score {score:g}/10" + (f", categories {', '.join(sorted(cats))}" if cats else "")
            return {ind: Finding("ok", score_severity(score), detail, {"result": result, "tags": body.get("tags")})}
        malware = as_dict(need(body, "malware"), "malware")
        risk = str(malware.get("risk") or "").lower()
        severity = {"high": Severity.HIGH, "medium": Severity.MEDIUM, "low": Severity.LOW}.get(risk, Severity.LOW)
        family = malware.get("family") or []
        detail = f"malware risk {risk or 'unrated'}" + (f", family {', '.join(map(str, family))}" if family else "")
        raw = {"malware": {k: malware.get(k) for k in ("type", "md5", "risk", "family", "created")}}
        return {ind: Finding("ok", severity, detail, raw)}
