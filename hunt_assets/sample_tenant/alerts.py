"""AlertInfo/AlertEvidence rows, for planted incidents, background noise and `add_alert`.

AlertInfo holds one row per alert; AlertEvidence one row per entity (EntityType Url/Ip/Machine/User/Process/
File/MailMessage) with the entity in its column (RemoteUrl, RemoteIP, DeviceId/DeviceName, Account*, ...).
Techniques are JSON-array text, as Defender returns them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .fleet import AD_DOMAIN, Device
from .ids import stable_int

MDE = "Microsoft Defender for Endpoint"
MDO = "Microsoft Defender for Office 365"


@dataclass
class Alert:
    alert_id: str
    ts: datetime
    title: str
    category: str
    severity: str
    service_source: str
    detection_source: str
    techniques: list[str] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)

    def info_row(self) -> dict[str, Any]:
        return {
            "Timestamp": self.ts,
            "AlertId": self.alert_id,
            "Title": self.title,
            "Category": self.category,
            "Severity": self.severity,
            "ServiceSource": self.service_source,
            "DetectionSource": self.detection_source,
            "AttackTechniques": json.dumps(self.techniques),
        }

    def evidence_rows(self) -> list[dict[str, Any]]:
        common = {
            "Timestamp": self.ts,
            "AlertId": self.alert_id,
            "Title": self.title,
            "Categories": json.dumps([self.category]),
            "AttackTechniques": json.dumps(self.techniques),
            "ServiceSource": self.service_source,
            "DetectionSource": self.detection_source,
            "Severity": self.severity,
        }
        return [{**common, **ev} for ev in self.evidence]


def mde_alert_id(*parts: object) -> str:
    """MDE-style id ("da" + 18 digits + "_" + signed 10 digits), derived from the alert's content."""
    a = stable_int("alert", *parts, modulo=10**18)
    b = stable_int("alert-b", *parts, modulo=2 * 10**9) - 10**9
    return f"da{a:018d}_{b}"


def mdo_alert_id(*parts: object) -> str:
    from .ids import stable_guid

    return f"fa{stable_guid('mdo', *parts)}"


def machine(device: Device, role: str = "Impacted") -> dict[str, Any]:
    return {
        "EntityType": "Machine",
        "EvidenceRole": role,
        "DeviceId": device.device_id,
        "DeviceName": device.name,
        "LocalIP": device.ip,
    }


def user(device: Device, role: str = "Impacted") -> dict[str, Any]:
    u = device.user
    return {
        "EntityType": "User",
        "EvidenceRole": role,
        "AccountName": u.sam,
        "AccountDomain": AD_DOMAIN,
        "AccountSid": u.sid,
        "AccountObjectId": u.object_id,
        "AccountUpn": u.upn,
    }


def url(value: str, role: str = "Related") -> dict[str, Any]:
    return {"EntityType": "Url", "EvidenceRole": role, "RemoteUrl": value}


def ip(value: str, role: str = "Related") -> dict[str, Any]:
    return {"EntityType": "Ip", "EvidenceRole": role, "RemoteIP": value, "EvidenceDirection": "Destination"}
