"""Process catalog and the InitiatingProcess*/Process* columns Defender attaches to every device event.

Hunts pivot on these columns (which binary resolved a name, who its parent was, was it signed), so each
catalog entry carries consistent file metadata, hashes, account and parent, and the same process keeps the
same process id for a whole day on a device, as a long-running process would.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrowio import dict_column, ts_column
from .fleet import NETBIOS_DOMAIN, Device, Fleet
from .ids import stable_hex, stable_int

US_PER_S = 1_000_000
DAY_US = 86_400 * US_PER_S

_SYS32 = r"C:\Windows\System32"
_OFFICE = r"C:\Program Files\Microsoft Office\root\Office16"


@dataclass(frozen=True)
class Proc:
    key: str
    file: str
    folder: str
    company: str
    product: str
    version: str
    description: str
    parent: str  # key of the usual parent process
    cmdline: str  # may contain {user}
    account: str = "user"  # user | system | network service | local service
    signer: str = "OsVendor"  # Defender's InitiatingProcessSignerType
    browser: bool = False

    @property
    def path(self) -> str:
        return f"{self.folder}\\{self.file}"


def _p(
    key: str,
    file: str,
    folder: str,
    company: str,
    product: str,
    version: str,
    description: str,
    parent: str,
    cmdline: str,
    account: str = "user",
    signer: str = "OsVendor",
    browser: bool = False,
) -> Proc:
    return Proc(key, file, folder, company, product, version, description, parent, cmdline, account, signer, browser)


MS = "Microsoft Corporation"
WIN = "Microsoft® Windows® Operating System"
_WINVER = "10.0.26100.1882"

CATALOG: tuple[Proc, ...] = (
    _p(
        "wininit",
        "wininit.exe",
        _SYS32,
        MS,
        WIN,
        _WINVER,
        "Windows Start-Up Application",
        "wininit",
        "wininit.exe",
        "system",
    ),
    _p(
        "services",
        "services.exe",
        _SYS32,
        MS,
        WIN,
        _WINVER,
        "Services and Controller app",
        "wininit",
        r"C:\Windows\system32\services.exe",
        "system",
    ),
    _p(
        "lsass",
        "lsass.exe",
        _SYS32,
        MS,
        WIN,
        _WINVER,
        "Local Security Authority Process",
        "wininit",
        r"C:\Windows\system32\lsass.exe",
        "system",
    ),
    _p(
        "winlogon",
        "winlogon.exe",
        _SYS32,
        MS,
        WIN,
        _WINVER,
        "Windows Logon Application",
        "wininit",
        "winlogon.exe",
        "system",
    ),
    _p(
        "userinit",
        "userinit.exe",
        _SYS32,
        MS,
        WIN,
        _WINVER,
        "Userinit Logon Application",
        "winlogon",
        r"C:\Windows\system32\userinit.exe",
    ),
    _p(
        "explorer",
        "explorer.exe",
        r"C:\Windows",
        MS,
        WIN,
        _WINVER,
        "Windows Explorer",
        "userinit",
        r"C:\Windows\Explorer.EXE",
    ),
    _p(
        "svchost_dns",
        "svchost.exe",
        _SYS32,
        MS,
        WIN,
        _WINVER,
        "Host Process for Windows Services",
        "services",
        r"C:\Windows\system32\svchost.exe -k NetworkService -p -s Dnscache",
        "network service",
    ),
    _p(
        "svchost_netsvcs",
        "svchost.exe",
        _SYS32,
        MS,
        WIN,
        _WINVER,
        "Host Process for Windows Services",
        "services",
        r"C:\Windows\system32\svchost.exe -k netsvcs -p -s gpsvc",
        "system",
    ),
    _p(
        "svchost_wu",
        "svchost.exe",
        _SYS32,
        MS,
        WIN,
        _WINVER,
        "Host Process for Windows Services",
        "services",
        r"C:\Windows\system32\svchost.exe -k netsvcs -p -s wuauserv",
        "system",
    ),
    _p(
        "svchost_schedule",
        "svchost.exe",
        _SYS32,
        MS,
        WIN,
        _WINVER,
        "Host Process for Windows Services",
        "services",
        r"C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule",
        "system",
    ),
    _p(
        "svchost_crypt",
        "svchost.exe",
        _SYS32,
        MS,
        WIN,
        _WINVER,
        "Host Process for Windows Services",
        "services",
        r"C:\Windows\system32\svchost.exe -k NetworkService -p -s CryptSvc",
        "network service",
    ),
    _p(
        "compattel",
        "CompatTelRunner.exe",
        _SYS32,
        MS,
        WIN,
        _WINVER,
        "Microsoft Compatibility Telemetry",
        "svchost_schedule",
        r"C:\Windows\system32\compattelrunner.exe -m:appraiser.dll -f:DoScheduledTelemetryRun",
        "system",
    ),
    _p(
        "mssense",
        "MsSense.exe",
        r"C:\Program Files\Windows Defender Advanced Threat Protection",
        MS,
        "Microsoft Defender for Endpoint",
        "10.8760.26100.1882",
        "Windows Defender Advanced Threat Protection Service Executable",
        "services",
        r'"MsSense.exe"',
        "system",
    ),
    _p(
        "msmpeng",
        "MsMpEng.exe",
        r"C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.25100.9-0",
        MS,
        "Microsoft Malware Protection",
        "4.18.25100.9",
        "Antimalware Service Executable",
        "services",
        r'"C:\ProgramData\Microsoft\Windows Defender\platform\4.18.25100.9-0\MsMpEng.exe"',
        "system",
    ),
    _p(
        "mpcmdrun",
        "MpCmdRun.exe",
        r"C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.25100.9-0",
        MS,
        "Microsoft Malware Protection",
        "4.18.25100.9",
        "Microsoft Malware Protection Command Line Utility",
        "svchost_schedule",
        r'"C:\ProgramData\Microsoft\Windows Defender\platform\4.18.25100.9-0\MpCmdRun.exe" '
        "SignatureUpdate -ScheduleJob -RestrictPrivileges -DefinitionUpdateOnly",
        "system",
    ),
    _p(
        "chrome",
        "chrome.exe",
        r"C:\Program Files\Google\Chrome\Application",
        "Google LLC",
        "Google Chrome",
        "131.0.6778.86",
        "Google Chrome",
        "explorer",
        r'"C:\Program Files\Google\Chrome\Application\chrome.exe" ',
        signer="ThirdParty",
        browser=True,
    ),
    _p(
        "msedge",
        "msedge.exe",
        r"C:\Program Files (x86)\Microsoft\Edge\Application",
        MS,
        "Microsoft Edge",
        "131.0.2903.70",
        "Microsoft Edge",
        "explorer",
        r'"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" --single-argument',
        browser=True,
    ),
    _p(
        "outlook",
        "OUTLOOK.EXE",
        _OFFICE,
        MS,
        "Microsoft Outlook",
        "16.0.18129.20158",
        "Microsoft Outlook",
        "explorer",
        rf'"{_OFFICE}\OUTLOOK.EXE" ',
        signer="OsVendor",
    ),
    _p(
        "winword",
        "WINWORD.EXE",
        _OFFICE,
        MS,
        "Microsoft Office",
        "16.0.18129.20158",
        "Microsoft Word",
        "explorer",
        rf'"{_OFFICE}\WINWORD.EXE" /n',
    ),
    _p(
        "excel",
        "EXCEL.EXE",
        _OFFICE,
        MS,
        "Microsoft Office",
        "16.0.18129.20158",
        "Microsoft Excel",
        "explorer",
        rf'"{_OFFICE}\EXCEL.EXE"',
    ),
    _p(
        "teams",
        "ms-teams.exe",
        r"C:\Program Files\WindowsApps\MSTeams_24295.605.3225.8804_x64__8wekyb3d8bbwe",
        MS,
        "Microsoft Teams",
        "24295.605.3225.8804",
        "Microsoft Teams",
        "explorer",
        r'"C:\Program Files\WindowsApps\MSTeams_24295.605.3225.8804_x64__8wekyb3d8bbwe\ms-teams.exe" '
        "msteams:system-initiated",
    ),
    _p(
        "onedrive",
        "OneDrive.exe",
        r"C:\Program Files\Microsoft OneDrive",
        MS,
        "Microsoft OneDrive",
        "24.211.1020.0002",
        "Microsoft OneDrive",
        "explorer",
        r'"C:\Program Files\Microsoft OneDrive\OneDrive.exe" /background',
    ),
    _p(
        "edgeupdate",
        "MicrosoftEdgeUpdate.exe",
        r"C:\Program Files (x86)\Microsoft\EdgeUpdate",
        MS,
        "Microsoft Edge Update",
        "1.3.195.39",
        "Microsoft Edge Update",
        "svchost_schedule",
        r'"C:\Program Files (x86)\Microsoft\EdgeUpdate\MicrosoftEdgeUpdate.exe" /ua /installsource scheduler',
        "system",
    ),
    _p(
        "c2r",
        "OfficeClickToRun.exe",
        r"C:\Program Files\Common Files\microsoft shared\ClickToRun",
        MS,
        "Microsoft Office",
        "16.0.18129.20158",
        "Microsoft Office Click-to-Run",
        "services",
        r'"C:\Program Files\Common Files\microsoft shared\ClickToRun\OfficeClickToRun.exe" /service',
        "system",
    ),
    _p(
        "intune",
        "Microsoft.Management.Services.IntuneWindowsAgent.exe",
        r"C:\Program Files (x86)\Microsoft Intune Management Extension",
        MS,
        "Microsoft Intune",
        "1.85.102.0",
        "Microsoft Intune Management Extension",
        "services",
        r'"C:\Program Files (x86)\Microsoft Intune Management Extension'
        r'\Microsoft.Management.Services.IntuneWindowsAgent.exe"',
        "system",
    ),
    _p(
        "powershell",
        "powershell.exe",
        _SYS32 + r"\WindowsPowerShell\v1.0",
        MS,
        WIN,
        _WINVER,
        "Windows PowerShell",
        "explorer",
        "powershell.exe",
    ),
    _p(
        "cmd",
        "cmd.exe",
        _SYS32,
        MS,
        WIN,
        _WINVER,
        "Windows Command Processor",
        "explorer",
        r'"C:\Windows\system32\cmd.exe"',
    ),
    _p(
        "mfetp",
        "mfetp.exe",
        r"C:\Program Files\McAfee\Endpoint Security\Threat Prevention",
        "McAfee, LLC",
        "McAfee Endpoint Security",
        "10.7.0.6364",
        "McAfee Threat Prevention",
        "services",
        r'"C:\Program Files\McAfee\Endpoint Security\Threat Prevention\mfetp.exe"',
        "system",
        "ThirdParty",
    ),
    _p(
        "sophos",
        "SophosFileScanner.exe",
        r"C:\Program Files\Sophos\Sophos File Scanner",
        "Sophos Limited",
        "Sophos File Scanner",
        "1.13.2.45",
        "Sophos File Scanner",
        "services",
        r'"C:\Program Files\Sophos\Sophos File Scanner\SophosFileScanner.exe"',
        "system",
        "ThirdParty",
    ),
    _p(
        "edgetransport",
        "EdgeTransport.exe",
        r"C:\Program Files\Microsoft\Exchange Server\V15\Bin",
        MS,
        "Microsoft® Exchange",
        "15.2.1544.11",
        "Microsoft Exchange EdgeTransport",
        "services",
        r'"C:\Program Files\Microsoft\Exchange Server\V15\Bin\EdgeTransport.exe"',
        "network service",
    ),
    _p(
        "sqlservr",
        "sqlservr.exe",
        r"C:\Program Files\Microsoft SQL Server\MSSQL16.MSSQLSERVER\MSSQL\Binn",
        MS,
        "Microsoft SQL Server",
        "2022.160.4150.1",
        "SQL Server Windows NT - 64 Bit",
        "services",
        r'"C:\Program Files\Microsoft SQL Server\MSSQL16.MSSQLSERVER\MSSQL\Binn\sqlservr.exe" -sMSSQLSERVER',
    ),
    _p(
        "miiserver",
        "miiserver.exe",
        r"C:\Program Files\Microsoft Azure AD Sync\Bin",
        MS,
        "Microsoft Azure AD Connect",
        "2.4.27.0",
        "Microsoft Azure AD Connect synchronization service",
        "services",
        r'"C:\Program Files\Microsoft Azure AD Sync\Bin\miiserver.exe"',
    ),
    _p(
        "dns",
        "dns.exe",
        _SYS32,
        MS,
        WIN,
        "10.0.20348.2849",
        "Domain Name System (DNS) Server",
        "services",
        r"C:\Windows\system32\dns.exe",
        "system",
    ),
    # incident processes
    _p(
        "igfxtray",
        "igfxtray64.exe",
        r"C:\ProgramData\Intel\Graphics",
        "",
        "",
        "",
        "",
        "explorer",
        r'"C:\ProgramData\Intel\Graphics\igfxtray64.exe" --secret 7c1e2f9a --max-retransmits 20',
        signer="Unknown",
    ),
    _p(
        "rundll32",
        "rundll32.exe",
        _SYS32,
        MS,
        WIN,
        _WINVER,
        "Windows host process (Rundll32)",
        "explorer",
        r'"C:\Windows\system32\rundll32.exe" "C:\Users\{user}\AppData\Roaming\Microsoft\Crypto\msvcsync.dll",'
        "DllRegisterServer",
    ),
    _p(
        "adfind",
        "AdFind.exe",
        r"C:\Users\{user}\AppData\Local\Temp\tools",
        "joeware.net",
        "AdFind",
        "1.57.0.0",
        "Joeware ADFind",
        "cmd",
        r"C:\Users\{user}\AppData\Local\Temp\tools\AdFind.exe",
        signer="Unknown",
    ),
    _p(
        "doh_implant",
        "OneDriveSync.exe",
        r"C:\Users\{user}\AppData\Local\Microsoft\OneDriveSync",
        "",
        "",
        "",
        "",
        "explorer",
        r'"C:\Users\{user}\AppData\Local\Microsoft\OneDriveSync\OneDriveSync.exe" /background',
        signer="Unknown",
    ),
)
INDEX: dict[str, int] = {p.key: i for i, p in enumerate(CATALOG)}
_PARENT = np.array([INDEX[p.parent] for p in CATALOG], dtype=np.int32)

_WELL_KNOWN = {
    "system": ("nt authority", "system", "S-1-5-18"),
    "network service": ("nt authority", "network service", "S-1-5-20"),
    "local service": ("nt authority", "local service", "S-1-5-19"),
}


def proc_index(key: str) -> int:
    return INDEX[key]


def is_browser(indices: np.ndarray) -> np.ndarray:
    """Mask of rows whose process is a browser (Defender fills RemoteUrl for browser connections)."""
    flags = np.array([p.browser for p in CATALOG])
    return flags[indices]


@dataclass
class _Tables:
    """Per-(device, process) string tables, built once per lake; n_dev * n_proc entries stay small."""

    cmdline: list[str]
    folder: list[str]
    acct_domain: list[str]
    acct_name: list[str]
    acct_sid: list[str]
    acct_upn: list[str]
    acct_oid: list[str]


def _account(proc: Proc, device: Device) -> tuple[str, str, str, str, str]:
    if proc.account in _WELL_KNOWN:
        dom, name, sid = _WELL_KNOWN[proc.account]
        return dom, name, sid, "", ""
    u = device.user
    return NETBIOS_DOMAIN.lower(), u.sam, u.sid, u.upn, u.object_id


class ProcessColumns:
    """Builds process columns for many rows at once from (device, process, timestamp) arrays."""

    def __init__(self, fleet: Fleet, start_us: int) -> None:
        self.fleet = fleet
        self.start_us = start_us
        self.n_proc = len(CATALOG)
        t = _Tables([], [], [], [], [], [], [])
        for device in fleet.devices:
            for proc in CATALOG:
                t.cmdline.append(proc.cmdline.replace("{user}", device.user.sam))
                t.folder.append(proc.path.replace("{user}", device.user.sam))
                dom, name, sid, upn, oid = _account(proc, device)
                t.acct_domain.append(dom)
                t.acct_name.append(name)
                t.acct_sid.append(sid)
                t.acct_upn.append(upn)
                t.acct_oid.append(oid)
        self.t = t
        self.sha1 = [stable_hex("sha1", p.file, p.version) for p in CATALOG]
        self.sha256 = [stable_hex("sha256", p.file, p.version, length=64) for p in CATALOG]
        self.md5 = [stable_hex("md5", p.file, p.version, length=32) for p in CATALOG]
        self.size = np.array([40_000 + stable_int("size", p.file, p.version, modulo=4_000_000) for p in CATALOG])

    def long_running_pid(self, device: np.ndarray, proc: np.ndarray, ts: np.ndarray) -> np.ndarray:
        """Same pid for a process on a device for a whole day, multiple of 4 like Windows pids."""
        day = (ts - self.start_us) // DAY_US
        mix = (device.astype(np.int64) * 7919 + proc.astype(np.int64) * 104_729 + day * 1_299_709) % 9000
        return 4 * (300 + mix)

    def long_running_start(self, device: np.ndarray, proc: np.ndarray, ts: np.ndarray) -> np.ndarray:
        """Process start before the day's first event, so creation time never follows activity."""
        day_start = self.start_us + ((ts - self.start_us) // DAY_US) * DAY_US
        offset = (device.astype(np.int64) * 131 + proc.astype(np.int64) * 977) % 36_000
        return day_start - offset * US_PER_S - 3_600 * US_PER_S

    def columns(
        self,
        role: str,
        device: np.ndarray,
        proc: np.ndarray,
        ts: np.ndarray,
        *,
        pid: np.ndarray | None = None,
        created: np.ndarray | None = None,
    ) -> dict:
        """Columns describing `proc` on `device`.

        role "initiating" gives the InitiatingProcess* family (including the parent), role "created" gives the
        FileName/Process*/Account* family of DeviceProcessEvents.
        """
        device = np.asarray(device, dtype=np.int64)
        proc = np.asarray(proc, dtype=np.int64)
        ts = np.asarray(ts, dtype=np.int64)
        combo = device * self.n_proc + proc
        if pid is None:
            pid = self.long_running_pid(device, proc, ts)
        if created is None:
            created = self.long_running_start(device, proc, ts)
        names = [p.file for p in CATALOG]
        companies = [p.company for p in CATALOG]
        products = [p.product for p in CATALOG]
        versions = [p.version for p in CATALOG]
        descs = [p.description for p in CATALOG]
        signer = [p.signer for p in CATALOG]
        status = ["Valid" if p.signer != "Unknown" else "Unsigned" for p in CATALOG]
        integrity = ["System" if p.account != "user" else "Medium" for p in CATALOG]
        elevation = ["TokenElevationTypeDefault" for _ in CATALOG]
        session = np.array([0 if p.account != "user" else 1 for p in CATALOG], dtype=np.int64)[proc]
        logon = np.where(session == 0, 999, 0x3E7 + 1_000_000 + (device * 977) % 900_000)
        if role == "initiating":
            pre, vi = "InitiatingProcess", "InitiatingProcessVersionInfo"
            out = {
                f"{pre}FileName": dict_column(proc, names),
                f"{pre}FolderPath": dict_column(combo, self.t.folder),
                f"{pre}SHA1": dict_column(proc, self.sha1),
                f"{pre}SHA256": dict_column(proc, self.sha256),
                f"{pre}MD5": dict_column(proc, self.md5),
                f"{pre}FileSize": self.size[proc],
                f"{pre}CommandLine": dict_column(combo, self.t.cmdline),
                f"{pre}Id": pid,
                f"{pre}CreationTime": ts_column(created),
                f"{pre}IntegrityLevel": dict_column(proc, integrity),
                f"{pre}TokenElevation": dict_column(proc, elevation),
                f"{pre}SignerType": dict_column(proc, signer),
                f"{pre}SignatureStatus": dict_column(proc, status),
                f"{pre}AccountDomain": dict_column(combo, self.t.acct_domain),
                f"{pre}AccountName": dict_column(combo, self.t.acct_name),
                f"{pre}AccountSid": dict_column(combo, self.t.acct_sid),
                f"{pre}AccountUpn": dict_column(combo, self.t.acct_upn),
                f"{pre}AccountObjectId": dict_column(combo, self.t.acct_oid),
                f"{pre}LogonId": logon,
                f"{pre}SessionId": session,
                "IsInitiatingProcessRemoteSession": np.zeros(len(proc), dtype=bool),
            }
            parent = _PARENT[proc]
            out[f"{pre}ParentFileName"] = dict_column(parent, names)
            out[f"{pre}ParentId"] = self.long_running_pid(device, parent, ts)
            out[f"{pre}ParentCreationTime"] = ts_column(self.long_running_start(device, parent, ts) - 60 * US_PER_S)
        elif role == "created":
            vi = "ProcessVersionInfo"
            out = {
                "FileName": dict_column(proc, names),
                "FolderPath": dict_column(combo, self.t.folder),
                "SHA1": dict_column(proc, self.sha1),
                "SHA256": dict_column(proc, self.sha256),
                "MD5": dict_column(proc, self.md5),
                "FileSize": self.size[proc],
                "ProcessCommandLine": dict_column(combo, self.t.cmdline),
                "ProcessId": pid,
                "ProcessCreationTime": ts_column(created),
                "ProcessIntegrityLevel": dict_column(proc, integrity),
                "ProcessTokenElevation": dict_column(proc, elevation),
                "AccountDomain": dict_column(combo, self.t.acct_domain),
                "AccountName": dict_column(combo, self.t.acct_name),
                "AccountSid": dict_column(combo, self.t.acct_sid),
                "AccountUpn": dict_column(combo, self.t.acct_upn),
                "AccountObjectId": dict_column(combo, self.t.acct_oid),
                "LogonId": logon,
                "CreatedProcessSessionId": session,
                "IsProcessRemoteSession": np.zeros(len(proc), dtype=bool),
            }
        else:
            raise ValueError(role)
        out[f"{vi}CompanyName"] = dict_column(proc, companies)
        out[f"{vi}ProductName"] = dict_column(proc, products)
        out[f"{vi}ProductVersion"] = dict_column(proc, versions)
        out[f"{vi}InternalFileName"] = dict_column(
            proc, [n.rsplit(".", 1)[0] if c else "" for n, c in zip(names, companies, strict=True)]
        )
        out[f"{vi}OriginalFileName"] = dict_column(
            proc, [n if c else "" for n, c in zip(names, companies, strict=True)]
        )
        out[f"{vi}FileDescription"] = dict_column(proc, descs)
        return out


def parent_of(key: str) -> str:
    return CATALOG[INDEX[key]].parent


__all__ = ["CATALOG", "DAY_US", "US_PER_S", "ProcessColumns", "is_browser", "parent_of", "proc_index"]
