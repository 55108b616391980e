"""Low-severity alerts every tenant has, so alert-driven sensors see more than the planted incidents.

None of them points at a planted indicator; the ZAP alert names a phishing URL nobody clicked, which a
hunt triggered from it should find no hosts for.
"""

from __future__ import annotations

from .alerts import MDE, MDO, Alert, machine, mde_alert_id, mdo_alert_id, url, user
from .fleet import workstation_short
from .ids import stable_hex
from .plan import ZAP_URL
from .processes import US_PER_S
from .tenant import Tenant, from_us


def background_alerts(t: Tenant) -> list[Alert]:
    last = t.days - 1
    pua_dev = t.device(workstation_short(5))
    np_dev = t.device(workstation_short(14))
    zap_dev = t.device(workstation_short(7))
    setup = "FreePDFConverterSetup.exe"
    return [
        Alert(
            mde_alert_id("pua", t.seed),
            from_us(t.at(0, 14, 2, 31.0)),
            "'Presenoker' unwanted software was prevented",
            "UnwantedSoftware",
            "Low",
            MDE,
            "Antivirus",
            [],
            [
                {
                    "EntityType": "File",
                    "EvidenceRole": "Impacted",
                    "FileName": setup,
                    "FolderPath": rf"C:\Users\{pua_dev.user.sam}\Downloads\{setup}",
                    "SHA1": stable_hex("sha1", setup),
                    "SHA256": stable_hex("sha256", setup, length=64),
                    "FileSize": 2_318_448,
                    "ThreatFamily": "Presenoker",
                    "DeviceId": pua_dev.device_id,
                    "DeviceName": pua_dev.name,
                },
                machine(pua_dev),
                user(pua_dev),
            ],
        ),
        Alert(
            mde_alert_id("np", t.seed),
            from_us(t.at(min(1, last), 15, 40, 2.0)),
            "Network protection blocked a connection to a low-reputation site",
            "SuspiciousActivity",
            "Informational",
            MDE,
            "SmartScreen",
            [],
            [url("http://free-pdf-tools.download/setup/latest"), machine(np_dev), user(np_dev)],
        ),
        Alert(
            mdo_alert_id("zap", t.seed),
            from_us(t.at(last, 8, 5, 0.0) + 17 * US_PER_S),
            "Email messages containing malicious URL removed after delivery",
            "InitialAccess",
            "Informational",
            MDO,
            "Microsoft Defender for Office 365",
            ["Spearphishing Link (T1566.002)"],
            [
                url(ZAP_URL),
                {
                    "EntityType": "MailMessage",
                    "EvidenceRole": "Related",
                    "NetworkMessageId": "2c7d9e41-0b6f-4a8e-b3d5-9f1c6a2e8d07",
                    "EmailSubject": "Q4 bonus review - please confirm",
                    "AccountUpn": zap_dev.user.upn,
                },
                {
                    "EntityType": "Mailbox",
                    "EvidenceRole": "Impacted",
                    "AccountUpn": zap_dev.user.upn,
                    "AccountName": zap_dev.user.sam,
                },
            ],
        ),
    ]
