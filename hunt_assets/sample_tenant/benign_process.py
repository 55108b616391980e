"""Background process creations: logons, Office, browsers opening links, updaters and admin scripts.

Includes look-alikes of the planted behaviour on purpose: Intune-run PowerShell with -EncodedCommand
(decoding to an inventory one-liner) and browsers started with URLs on the command line.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import duckdb
import numpy as np

from .events import write_process_batch
from .processes import US_PER_S, proc_index
from .tenant import Tenant

_INVENTORY = "Get-CimInstance -ClassName Win32_OperatingSystem | Select-Object Caption,LastBootUpTime | ConvertTo-Json"
_INVENTORY_B64 = base64.b64encode(_INVENTORY.encode("utf-16-le")).decode()
_IME = r"C:\Program Files (x86)\Microsoft Intune Management Extension"
_EDGE = r'"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe"'
_CHROME = r'"C:\Program Files\Google\Chrome\Application\chrome.exe"'
_OFFICE = r"C:\Program Files\Microsoft Office\root\Office16"


@dataclass(frozen=True)
class Template:
    created: str
    parent: str
    cmdline: str  # {user} is replaced per device
    per_day: float
    where: str  # ws | servers | all | sql
    office_hours: bool = True


TEMPLATES: tuple[Template, ...] = (
    Template("userinit", "winlogon", r"C:\Windows\system32\userinit.exe", 1.0, "ws"),
    Template("explorer", "userinit", r"C:\Windows\Explorer.EXE", 1.0, "ws"),
    Template("outlook", "explorer", rf'"{_OFFICE}\OUTLOOK.EXE" ', 1.2, "ws"),
    Template(
        "teams",
        "explorer",
        r'"C:\Program Files\WindowsApps\MSTeams_24295.605.3225.8804_x64__8wekyb3d8bbwe'
        r'\ms-teams.exe" msteams:system-initiated',
        1.0,
        "ws",
    ),
    Template("chrome", "explorer", f"{_CHROME} ", 2.5, "ws"),
    Template("chrome", "explorer", f"{_CHROME} --single-argument https://www.bbc.co.uk/news", 0.3, "ws"),
    Template(
        "msedge",
        "outlook",
        f"{_EDGE} --single-argument "
        "https://contoso.sharepoint.com/sites/Finance/Shared%20Documents/Forecast-Q4.xlsx?web=1",
        0.6,
        "ws",
    ),
    Template("msedge", "outlook", f"{_EDGE} --single-argument https://contoso.zoom.us/j/93412257781", 0.4, "ws"),
    Template("msedge", "explorer", f"{_EDGE} --profile-directory=Default", 1.5, "ws"),
    Template(
        "winword", "explorer", rf'"{_OFFICE}\WINWORD.EXE" /n "C:\Users\{{user}}\Documents\Report.docx"', 0.8, "ws"
    ),
    Template(
        "excel", "explorer", rf'"{_OFFICE}\EXCEL.EXE" "C:\Users\{{user}}\OneDrive - Contoso\Budget.xlsx"', 0.8, "ws"
    ),
    Template("onedrive", "explorer", r'"C:\Program Files\Microsoft OneDrive\OneDrive.exe" /background', 1.0, "ws"),
    Template(
        "edgeupdate",
        "svchost_schedule",
        r'"C:\Program Files (x86)\Microsoft\EdgeUpdate\MicrosoftEdgeUpdate.exe"'
        " /ua /installsource scheduler",
        2.0,
        "all",
        False,
    ),
    Template(
        "mpcmdrun",
        "svchost_schedule",
        r'"C:\ProgramData\Microsoft\Windows Defender\platform\4.18.25100.9-0'
        r'\MpCmdRun.exe" SignatureUpdate -ScheduleJob -RestrictPrivileges -DefinitionUpdateOnly',
        1.0,
        "all",
        False,
    ),
    Template(
        "compattel",
        "svchost_schedule",
        r"C:\Windows\system32\compattelrunner.exe -m:appraiser.dll "
        "-f:DoScheduledTelemetryRun",
        1.0,
        "all",
        False,
    ),
    Template(
        "c2r",
        "svchost_schedule",
        r'"C:\Program Files\Common Files\microsoft shared\ClickToRun'
        r'\OfficeClickToRun.exe" /frequentupdate SCHEDULEDTASK displaylevel=False',
        0.5,
        "ws",
        False,
    ),
    Template(
        "powershell",
        "intune",
        r'"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -NoProfile '
        rf'-executionPolicy bypass -file "{_IME}\Policies\Scripts\6f1b2a9e-3c41-4d2a-9a7e-0c5b8d2f4e11_1.ps1"',
        1.0,
        "all",
        False,
    ),
    Template(
        "powershell",
        "intune",
        f"powershell.exe -NoLogo -NonInteractive -NoProfile -EncodedCommand {_INVENTORY_B64}",
        0.5,
        "all",
        False,
    ),
    Template("cmd", "explorer", r'"C:\Windows\system32\cmd.exe" /c "ipconfig /all"', 0.05, "ws"),
    Template(
        "powershell",
        "svchost_schedule",
        r"powershell.exe -NoProfile -File C:\Scripts\Backup-Databases.ps1",
        1.0,
        "sql",
        False,
    ),
)
_HOURS = np.array([1, 1, 1, 1, 1, 2, 4, 10, 14, 12, 11, 10, 9, 10, 11, 10, 9, 6, 4, 3, 2, 2, 1, 1], float)


def write_benign_processes(con: duckdb.DuckDBPyConnection, t: Tenant) -> int:
    rng = t.rng("benign-processes")
    devices = t.fleet.devices
    n_dev = len(devices)
    cmd_values = [tpl.cmdline.replace("{user}", d.user.sam) for tpl in TEMPLATES for d in devices]
    parts = []
    for k, tpl in enumerate(TEMPLATES):
        pool = [
            d.idx
            for d in devices
            if {"ws": not d.is_server, "servers": d.is_server, "all": True, "sql": d.role == "sql"}[tpl.where]
        ]
        for day in range(t.days):
            count = int(rng.poisson(tpl.per_day * len(pool)))
            if count == 0:
                continue
            dev = np.asarray(pool)[rng.integers(0, len(pool), count)]
            hours = _HOURS if tpl.office_hours else np.ones(24)
            hour = rng.choice(24, size=count, p=hours / hours.sum())
            ts = t.day_us(day) + hour * 3600 * US_PER_S + rng.integers(0, 3600 * US_PER_S, count)
            parts.append(
                (
                    ts,
                    dev,
                    np.full(count, proc_index(tpl.created)),
                    np.full(count, proc_index(tpl.parent)),
                    k * n_dev + dev,
                )
            )
    ts, dev, created, parent, cmd = (np.concatenate(c) for c in zip(*parts, strict=True))
    order = np.argsort(ts, kind="stable")
    return write_process_batch(
        con, t, ts[order], dev[order], created[order], parent[order], cmd[order], cmd_values, rng
    )
