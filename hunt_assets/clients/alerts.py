"""Security alerts and their evidence: Graph ``alerts_v2``, or the sample tenant's AlertInfo/AlertEvidence.

Why both produce Graph's shape: the sample tenant must expose the *same* alert feed as a live tenant, so
the lake rows are first rendered as ``alerts_v2`` JSON (``lake_alerts_as_graph``, which the offline fake
API also serves) and then parsed by the one parser. Evidence is dispatched on ``@odata.type``; types we do
not model are kept raw rather than dropped, because Graph adds evidence types over time.

Why drain every page: ``alerts_v2`` has no ``$orderby``, so a cursor may only advance once all pages of a
poll are read (api-contracts.md §4).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from hunt_assets.clients.graph import GraphClient
from hunt_assets.clients.http import Limit, RateLimiter, shared_limiter

log = logging.getLogger("hunt_assets.alerts")

ALERTS_PATH = "/security/alerts_v2"
ALERTS_PERMISSION = "SecurityAlert.Read.All (Microsoft Graph application permission, admin consent)"
ALERTS_LIMITS = (Limit(150, 60),)  # Graph: 150 requests/min per app per tenant for security alerts
ODATA_PREFIX = "#microsoft.graph.security."

EvidenceKind = Literal["ip", "url", "dns", "device", "file", "user", "unknown"]


@dataclass(frozen=True)
class Evidence:
    """One evidence item: its kind and the value a hunter pivots on, the full object kept raw."""

    kind: EvidenceKind
    value: str
    odata_type: str
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class Alert:
    id: str
    title: str
    severity: str
    status: str
    created: datetime | None
    last_updated: datetime | None
    evidence: list[Evidence]
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


_FRACTION = re.compile(r"(\.\d{1,6})\d*")


def parse_graph_datetime(value: Any) -> datetime | None:
    """Graph/Kusto ISO timestamps ('...:35.7664356Z', 7 fraction digits) -> aware UTC datetime."""
    if not isinstance(value, str) or not value:
        return None
    text = _FRACTION.sub(r"\1", value.strip()).replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _first(raw: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        value: Any = raw
        for part in key.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if value not in (None, ""):
            return str(value)
    return ""


_EVIDENCE_KINDS: dict[str, tuple[EvidenceKind, tuple[str, ...]]] = {
    "ipEvidence": ("ip", ("ipAddress",)),
    "urlEvidence": ("url", ("url",)),
    "dnsEvidence": ("dns", ("domainName",)),
    "deviceEvidence": ("device", ("deviceDnsName", "mdeDeviceId", "azureAdDeviceId")),
    "fileEvidence": ("file", ("fileDetails.sha256", "fileDetails.sha1", "fileDetails.fileName")),
    "userEvidence": ("user", ("userAccount.userPrincipalName", "userAccount.accountName")),
}


def parse_evidence(raw: Mapping[str, Any]) -> Evidence:
    odata_type = str(raw.get("@odata.type") or "")
    short = odata_type.removeprefix(ODATA_PREFIX).lstrip("#")
    kind, keys = _EVIDENCE_KINDS.get(short, ("unknown", ()))
    return Evidence(kind=kind, value=_first(raw, *keys) if keys else "", odata_type=odata_type, raw=dict(raw))


def parse_alert(raw: Mapping[str, Any]) -> Alert:
    evidence = raw.get("evidence") or []
    if not isinstance(evidence, list):
        evidence = []
    return Alert(
        id=str(raw.get("id") or ""),
        title=str(raw.get("title") or ""),
        severity=str(raw.get("severity") or "unknown"),
        status=str(raw.get("status") or "unknown"),
        created=parse_graph_datetime(raw.get("createdDateTime")),
        last_updated=parse_graph_datetime(raw.get("lastUpdateDateTime")),
        evidence=[parse_evidence(e) for e in evidence if isinstance(e, Mapping)],
        raw=dict(raw),
    )


def graph_datetime(value: datetime) -> str:
    """Graph's filter literal: UTC, Z suffix, no quotes."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _dedupe_latest(alerts: Iterable[Alert]) -> list[Alert]:
    """An alert updated while we page can appear twice; keep its latest state, in first-seen order."""
    by_id: dict[str, Alert] = {}
    for alert in alerts:
        seen = by_id.get(alert.id)
        if seen is None or (alert.last_updated or datetime.min.replace(tzinfo=UTC)) >= (
            seen.last_updated or datetime.min.replace(tzinfo=UTC)
        ):
            by_id[alert.id] = alert
    return list(by_id.values())


class GraphAlertsClient:
    """``GET /security/alerts_v2?$filter=lastUpdateDateTime ge ...``, every page, under 150 requests/min."""

    def __init__(
        self,
        graph_client: GraphClient,
        *,
        limiter: RateLimiter | None = None,
        tenant: str = "default",
        page_size: int | None = None,
    ) -> None:
        self.graph = graph_client.with_limiter(limiter or shared_limiter(f"{tenant}:alerts", ALERTS_LIMITS))
        self.page_size = page_size

    def alerts_since(self, since: datetime) -> list[Alert]:
        params: dict[str, Any] = {"$filter": f"lastUpdateDateTime ge {graph_datetime(since)}"}
        if self.page_size:
            params["$top"] = self.page_size
        raw = self.graph.get_paged(
            ALERTS_PATH, params, forbidden_hint=ALERTS_PERMISSION, headers={"Prefer": "include-unknown-enum-members"}
        )
        alerts = _dedupe_latest(parse_alert(a) for a in raw if isinstance(a, Mapping))
        log.info(
            "alerts_v2: %d alerts updated since %s; limiter %s",
            len(alerts),
            graph_datetime(since),
            self.graph.limiter.state() if self.graph.limiter else "off",
        )
        return alerts


# --------------------------------------------------------------------------------------------------
# The sample tenant: AlertInfo/AlertEvidence rendered as alerts_v2 JSON
# --------------------------------------------------------------------------------------------------

_SEVERITIES = {"informational", "low", "medium", "high"}


def _iso7(value: Any) -> str | None:
    """A timestamp as Graph writes it: UTC, 7 fraction digits, Z."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_graph_datetime(value)
        if value is None:
            return None
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def _techniques(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return [t.strip() for t in value.split(",") if t.strip()]
        value = parsed
    return [str(t) for t in value] if isinstance(value, list) else [str(value)]


def _s(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value)


def evidence_from_lake_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """One AlertEvidence row as the matching Graph ``alertEvidence`` subtype."""
    entity = _s(row, "EntityType")
    base: dict[str, Any] = {
        "createdDateTime": _iso7(row.get("Timestamp")),
        "verdict": "unknown",
        "remediationStatus": "none",
        "roles": [_s(row, "EvidenceRole").lower()] if _s(row, "EvidenceRole") else [],
        "tags": [],
    }
    kind = entity.lower()
    if kind == "ip":
        typed = {
            "@odata.type": ODATA_PREFIX + "ipEvidence",
            "ipAddress": _s(row, "RemoteIP") or _s(row, "LocalIP"),
            "countryLetterCode": None,
        }
    elif kind == "url":
        typed = {"@odata.type": ODATA_PREFIX + "urlEvidence", "url": _s(row, "RemoteUrl")}
    elif kind in ("machine", "device"):
        typed = {
            "@odata.type": ODATA_PREFIX + "deviceEvidence",
            "mdeDeviceId": _s(row, "DeviceId"),
            "deviceDnsName": _s(row, "DeviceName"),
            "ipInterfaces": [ip for ip in [_s(row, "LocalIP")] if ip],
        }
    elif kind == "file":
        typed = {
            "@odata.type": ODATA_PREFIX + "fileEvidence",
            "fileDetails": {
                "fileName": _s(row, "FileName"),
                "filePath": _s(row, "FolderPath"),
                "sha1": _s(row, "SHA1"),
                "sha256": _s(row, "SHA256"),
                "fileSize": row.get("FileSize"),
            },
        }
    elif kind == "user":
        typed = {
            "@odata.type": ODATA_PREFIX + "userEvidence",
            "userAccount": {
                "accountName": _s(row, "AccountName"),
                "domainName": _s(row, "AccountDomain"),
                "userSid": _s(row, "AccountSid"),
                "azureAdUserId": _s(row, "AccountObjectId"),
                "userPrincipalName": _s(row, "AccountUpn"),
            },
        }
    elif kind == "process":
        typed = {
            "@odata.type": ODATA_PREFIX + "processEvidence",
            "processCommandLine": _s(row, "ProcessCommandLine"),
            "imageFile": {
                "fileName": _s(row, "FileName"),
                "filePath": _s(row, "FolderPath"),
                "sha1": _s(row, "SHA1"),
                "sha256": _s(row, "SHA256"),
            },
        }
    elif kind == "mailmessage":
        typed = {
            "@odata.type": ODATA_PREFIX + "analyzedMessageEvidence",
            "networkMessageId": _s(row, "NetworkMessageId"),
            "subject": _s(row, "EmailSubject"),
        }
    else:
        # Entity types Graph models differently (mailbox, registry, cloud app...): kept, typed generically.
        typed = {
            "@odata.type": ODATA_PREFIX + (f"{kind}Evidence" if kind else "alertEvidence"),
            "entityType": entity,
            "details": {k: v for k, v in row.items() if v not in (None, "") and k not in ("Timestamp",)},
        }
        typed["details"] = json.loads(json.dumps(typed["details"], default=str))
    return {**typed, **base}


def lake_alerts_as_graph(con: Any, since: datetime) -> list[dict[str, Any]]:
    """The sample lake's alerts updated at or after ``since`` as ``alerts_v2`` objects, newest first.

    The lake has no status or update column, so ``lastUpdateDateTime`` is the AlertInfo Timestamp and
    every alert is 'new' -- the same limitation the advanced-hunting path has against a real tenant.
    """
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    info = con.execute("SELECT * FROM AlertInfo WHERE Timestamp >= ? ORDER BY Timestamp DESC, AlertId", [since]).df()
    if info.empty:
        return []
    ids = [str(a) for a in info["AlertId"].unique()]
    evidence = con.execute(
        "SELECT * FROM AlertEvidence WHERE list_contains(?, AlertId) ORDER BY AlertId, Timestamp", [ids]
    ).df()
    by_alert: dict[str, list[dict[str, Any]]] = {}
    for row in evidence.to_dict("records"):
        clean = {k: (None if _isna(v) else v) for k, v in row.items()}
        by_alert.setdefault(str(clean["AlertId"]), []).append(evidence_from_lake_row(clean))
    out = []
    for row in info.drop_duplicates("AlertId").to_dict("records"):
        clean = {k: (None if _isna(v) else v) for k, v in row.items()}
        alert_id = str(clean["AlertId"])
        severity = _s(clean, "Severity").lower()
        stamp = _iso7(clean.get("Timestamp"))
        out.append(
            {
                "@odata.type": ODATA_PREFIX + "alert",
                "id": alert_id,
                "providerAlertId": alert_id,
                "title": _s(clean, "Title"),
                "category": _s(clean, "Category"),
                "severity": severity if severity in _SEVERITIES else "unknown",
                "status": "new",
                "serviceSource": _s(clean, "ServiceSource"),
                "detectionSource": _s(clean, "DetectionSource"),
                "mitreTechniques": _techniques(clean.get("AttackTechniques")),
                "createdDateTime": stamp,
                "lastUpdateDateTime": stamp,
                "firstActivityDateTime": stamp,
                "evidence": by_alert.get(alert_id, []),
            }
        )
    return out


def _isna(value: Any) -> bool:
    try:
        return value is None or (not isinstance(value, (list, dict, str)) and bool(value != value))
    except (TypeError, ValueError):
        return False


class SampleAlertsSource:
    """The sample tenant's alert feed, the same shape as ``GraphAlertsClient`` (read-only lake)."""

    def __init__(self, lake_path: str | Path) -> None:
        self.lake_path = Path(lake_path)

    def alerts_since(self, since: datetime) -> list[Alert]:
        from hunt_assets.backends import lake_connection

        with lake_connection(self.lake_path) as con:
            return [parse_alert(a) for a in lake_alerts_as_graph(con, since)]

    def __repr__(self) -> str:
        return f"SampleAlertsSource({str(self.lake_path)!r})"
