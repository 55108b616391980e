"""Incident 4: a user clicks a credential-phishing link delivered by mail.

Day 0, 09:47 UTC: Outlook opens Edge on the phishing URL; Edge resolves the look-alike domain and the
Microsoft sign-in CDN the kit borrows its look from, connects to the phishing host, and posts the form a
minute later. Defender for Office 365 raises "A potentially malicious URL click was detected" with the URL,
the mail message, the user and the device as evidence.
"""

from __future__ import annotations

from ..alerts import MDO, Alert, machine, mdo_alert_id, url, user
from ..dns_records import Record, address_records
from ..events import DevEvent
from ..plan import PHISH_DOMAIN, PHISH_HOST, PHISH_IP, PHISH_URL, GroundTruth
from ..processes import US_PER_S
from ..tenant import Tenant, from_us
from .common import LookupLog, Planted


def plant(t: Tenant) -> Planted:
    rng = t.rng("incident-phishing")
    dev = t.device(PHISH_HOST)
    click = t.at(0, 9, 47, 12.0)
    log = LookupLog()
    log.lookup(click + 150_000, dev.idx, "msedge", PHISH_DOMAIN, "A", [Record("A", PHISH_DOMAIN, PHISH_IP)], port=443)
    log.lookup(click + 180_000, dev.idx, "msedge", PHISH_DOMAIN, "AAAA", [], port=0)
    cdn = ("aadcdn.msftauth.net.edgekey.net", "e13678.dscb.akamaiedge.net")
    log.lookup(
        click + 900_000,
        dev.idx,
        "msedge",
        "aadcdn.msftauth.net",
        "A",
        address_records("aadcdn.msftauth.net", cdn, ("23.216.157.203",)),
        port=443,
        connect=True,
    )
    conns = []
    for k, delay in enumerate((0.4, 1.1, 64.0)):
        conns.append(
            DevEvent(
                click + int(delay * US_PER_S),
                dev.idx,
                "msedge",
                {
                    "ActionType": "ConnectionSuccess",
                    "RemoteIP": PHISH_IP,
                    "RemotePort": 443,
                    "RemoteUrl": PHISH_DOMAIN,
                    "LocalIP": dev.ip,
                    "LocalPort": int(rng.integers(49152, 65535)) + k,
                    "Protocol": "Tcp",
                    "LocalIPType": "Private",
                    "RemoteIPType": "Public",
                },
            )
        )
    browser_cmd = r'"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" --single-argument ' + PHISH_URL
    out = Planted(dns=[log.batch()])
    out.add_events("DeviceNetworkEvents", conns)
    out.add_events(
        "DeviceProcessEvents",
        [DevEvent(click, dev.idx, "outlook", {"ProcessCommandLine": browser_cmd}, created="msedge")],
    )
    alert_ts = from_us(click + 95 * US_PER_S)
    msg_id = "8f3b2c1e-5d4a-4f7b-9c2e-1a6d0e9b7c44"
    alert = Alert(
        alert_id=mdo_alert_id("phish", t.seed),
        ts=alert_ts,
        title="A potentially malicious URL click was detected",
        category="InitialAccess",
        severity="High",
        service_source=MDO,
        detection_source="Microsoft Defender for Office 365",
        techniques=["Spearphishing Link (T1566.002)"],
        evidence=[
            url(PHISH_URL, "Impacted"),
            {
                "EntityType": "MailMessage",
                "EvidenceRole": "Related",
                "NetworkMessageId": msg_id,
                "EmailSubject": "Action required: your mailbox storage is full",
                "AccountUpn": dev.user.upn,
            },
            user(dev),
            machine(dev),
        ],
    )
    out.alerts.append(alert)
    gt = dict(
        incident="phishing_click",
        device_name=dev.name,
        device_id=dev.device_id,
        first_seen=from_us(click),
        last_seen=from_us(click + 64 * US_PER_S),
    )
    out.truth += [
        GroundTruth(kind="url", entity=PHISH_URL, detail="clicked from Outlook, opened in Edge", **gt),
        GroundTruth(kind="domain", entity=PHISH_DOMAIN, detail="look-alike of microsoft (zero for o)", **gt),
        GroundTruth(kind="ip", entity=PHISH_IP, detail="phishing host; 3 HTTPS connections from msedge.exe", **gt),
        GroundTruth(kind="alert", entity=alert.alert_id, detail=alert.title, **gt),
    ]
    return out
