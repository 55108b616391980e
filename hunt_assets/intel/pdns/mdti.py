"""Microsoft Defender Threat Intelligence passive DNS and host reputation through Microsoft Graph.

Why through the shared GraphClient: MDTI lives under ``/security/threatIntelligence`` on Graph, so it gets
the same token, throttling, retries and ``@odata.nextLink`` paging as hunting and alerts. What this module
adds is the mapping of ``passiveDnsRecord`` (parentHost/artifact navigation properties) onto DNS terms,
and a 403 explained in words a hunter can act on: MDTI needs ``ThreatIntelligence.Read.All`` and, per
older Graph documentation, an MDTI licence -- Microsoft's pages disagree, so the message names both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from hunt_assets.clients.graph import GraphClient
from hunt_assets.clients.http import NotFoundError, PermissionDeniedError
from hunt_assets.entities import Entity
from hunt_assets.intel.pdns.model import PassiveDnsRecord, RecordError, normalize_name
from hunt_assets.intel.pdns.providers import LookupResult, WarningCollector

SOURCE = "mdti"
BASE = "/security/threatIntelligence/hosts"
PERMISSION_HINT = (
    "the Graph application permission ThreatIntelligence.Read.All with admin consent, and "
    "Defender Threat Intelligence access for the tenant (older Graph docs require an MDTI "
    "portal licence plus the API add-on)"
)
_LICENCE_WORDS = re.compile(r"licen[cs]e|subscription|sku|not entitled|entitlement", re.IGNORECASE)


class MdtiAccessError(PermissionDeniedError):
    """MDTI answered 403: the app lacks the permission or the tenant lacks the licence."""


def _parse_time(value: Any, what: str) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordError(f"{SOURCE}: {what} is not an ISO 8601 string ({value!r})")
    text = value.strip()
    # Graph writes up to 7 fractional digits; Python 3.11 accepts them, but normalize for older parsers
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise RecordError(f"{SOURCE}: {what} is not an ISO 8601 time ({value!r})") from None


def _nav_id(item: Mapping[str, Any], name: str) -> str | None:
    nav = item.get(name)
    if isinstance(nav, Mapping) and isinstance(nav.get("id"), str) and nav["id"].strip():
        return nav["id"].strip()
    return None


def parse_passive_dns_record(item: Any, queried: str, *, reverse: bool) -> PassiveDnsRecord:
    """Map one Graph ``passiveDnsRecord`` to DNS terms.

    Forward: the owner name is ``parentHost`` (the queried host) and the answer is ``artifact``.
    Reverse: the documented sample returns the queried host as ``parentHost`` and the name that points
    at it as ``artifact`` (``www.contoso.com CNAME contoso.com``); if the service ever returns the
    queried value as the artifact instead, the other side is taken as the owner -- either way the
    record reads "owner -> answer" as a resolver would have seen it.
    """
    if not isinstance(item, Mapping):
        raise RecordError(f"{SOURCE}: passiveDns item is not an object ({type(item).__name__})")
    parent = _nav_id(item, "parentHost") or queried
    artifact = _nav_id(item, "artifact")
    if artifact is None:
        raise RecordError(f"{SOURCE}: record {item.get('id')!r} has no artifact id")
    rrtype = item.get("recordType")
    q = normalize_name(queried)
    if not reverse:
        owner, answer = parent, artifact
    elif normalize_name(parent) == q or normalize_name(artifact) != q:
        owner, answer = artifact, parent
    else:
        owner, answer = parent, artifact
    return PassiveDnsRecord.build(
        rrname=owner,
        rrtype=rrtype if isinstance(rrtype, str) else "",
        rdata=[answer],
        first_seen=_parse_time(item.get("firstSeenDateTime"), "firstSeenDateTime"),
        last_seen=_parse_time(item.get("lastSeenDateTime"), "lastSeenDateTime"),
        collected_at=_parse_time(item.get("collectedDateTime"), "collectedDateTime"),
        source=SOURCE,
    )


@dataclass(frozen=True)
class HostReputation:
    """MDTI's verdict on a host: classification unknown|neutral|suspicious|malicious and a 0-100 score."""

    host: str
    classification: str
    score: int | None
    rules: list[dict[str, str]] = field(default_factory=list)


def _explain_403(exc: PermissionDeniedError, host: str) -> MdtiAccessError:
    text = str(exc)
    cause = (
        "the tenant is not licensed for Defender Threat Intelligence API access"
        if _LICENCE_WORDS.search(text)
        else "the app registration lacks ThreatIntelligence.Read.All (application permission, admin "
        "consent) or the tenant lacks Defender Threat Intelligence access"
    )
    return MdtiAccessError(
        SOURCE,
        f"MDTI refused the look-up of {host}: {cause}. Needed: {PERMISSION_HINT}. Graph said: {text}",
        status=exc.status,
        code=exc.code,
    )


class MdtiProvider:
    """MDTI passive DNS: domains forward (``/passiveDns``), IPs reverse (``/passiveDnsReverse``)."""

    name = SOURCE
    external = True

    def __init__(self, graph: GraphClient, *, max_records: int = 200_000, page_size: int | None = None) -> None:
        self.graph = graph
        self.max_records = max_records
        self.page_size = page_size  # sent as $top only when set: the docs do not say the service honours it

    def __repr__(self) -> str:
        return f"MdtiProvider({self.graph!r})"

    def _path(self, host: str, relation: str) -> str:
        return f"{BASE}/{quote(host, safe='.:')}/{relation}"

    def history(self, host: str, *, reverse: bool) -> LookupResult:
        """Every page of one direction; stops at ``max_records`` and flags the result as truncated."""
        relation = "passiveDnsReverse" if reverse else "passiveDns"
        result = LookupResult(source=SOURCE)
        warnings = WarningCollector()
        params = {"$top": str(self.page_size)} if self.page_size else None
        try:
            for n, item in enumerate(self.graph.get_paged(self._path(host, relation), params)):
                if n >= self.max_records:
                    result.truncated = True
                    result.warnings.append(f"{SOURCE}: stopped after {self.max_records} records for {host}")
                    break
                try:
                    result.records.append(parse_passive_dns_record(item, host, reverse=reverse))
                except RecordError as exc:
                    warnings.add(str(exc))
        except PermissionDeniedError as exc:
            raise _explain_403(exc, host) from None
        except NotFoundError:
            # an unknown host is a normal answer: no history, not a failure
            result.warnings.append(f"{SOURCE}: no passive DNS known for {host} (404)")
        result.warnings.extend(warnings.summary())
        result.skipped = warnings.skipped
        return result

    def lookup(self, entity: Entity) -> LookupResult:
        reverse = entity.kind == "ip" or (entity.kind == "url" and not entity.registered_domain)
        return self.history(entity.host, reverse=reverse)

    def reputation(self, host: str) -> HostReputation | None:
        """MDTI's reputation of a host; None when MDTI does not know it (404)."""
        try:
            body = self.graph.get_json(self._path(host, "reputation"))
        except PermissionDeniedError as exc:
            raise _explain_403(exc, host) from None
        except NotFoundError:
            return None
        classification = body.get("classification")
        if not isinstance(classification, str):
            raise RecordError(f"{SOURCE}: reputation of {host} has no classification")
        score = body.get("score")
        valid = isinstance(score, int) and not isinstance(score, bool) and 0 <= score <= 100
        if score is not None and not valid:
            raise RecordError(f"{SOURCE}: reputation score of {host} is not 0-100 ({score!r})")
        rules = []
        for rule in body.get("rules") or []:
            if isinstance(rule, Mapping):
                rules.append(
                    {k: str(rule.get(k, "")) for k in ("name", "description", "severity", "relatedDetailsUrl")}
                )
        return HostReputation(host=host, classification=classification, score=score, rules=rules)
