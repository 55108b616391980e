"""The emulated organisation: Contoso's domain, servers, workstations and their users.

Names, IPs and users depend only on the device index, not on the seed, so planted hosts keep the same names
across seeds and hunts/tests can refer to them (e.g. ``ws-eng-021.contoso.local``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .ids import DOMAIN_SID, stable_guid, stable_hex

AD_DOMAIN = "contoso.local"
NETBIOS_DOMAIN = "CONTOSO"
UPN_SUFFIX = "contoso.com"
BASE_DN = "DC=contoso,DC=local"
EGRESS_IP = "203.0.113.10"  # RFC 5737 documentation range: the company's NAT address
MIN_DEVICES = 21  # six servers and workstations k = 0..14 (background_alerts uses k = 14)

# (short name, role, local IP) — role drives traffic, processes and DeviceInfo fields.
SERVERS: tuple[tuple[str, str, str], ...] = (
    ("dc01", "dc", "10.10.0.10"),
    ("dc02", "dc", "10.10.0.11"),
    ("fs01", "file", "10.10.0.20"),
    ("exch01", "mail", "10.10.0.25"),
    ("sql01", "sql", "10.10.0.30"),
    ("aadc01", "sync", "10.10.0.40"),
)
DEPARTMENTS: tuple[str, ...] = ("fin", "hr", "eng", "sales", "it", "mkt", "ops", "legal")
_DEPT_BASE = {"fin": 10, "hr": 3, "eng": 20, "sales": 30, "it": 1, "mkt": 5, "ops": 8, "legal": 2}
_DEPT_TITLE = {
    "fin": "Finance",
    "hr": "Human Resources",
    "eng": "Engineering",
    "sales": "Sales",
    "it": "IT",
    "mkt": "Marketing",
    "ops": "Operations",
    "legal": "Legal",
}
_FIRST = (
    "Maria",
    "James",
    "Aiko",
    "Lukas",
    "Priya",
    "Omar",
    "Sofia",
    "Daniel",
    "Chen",
    "Fatima",
    "Noah",
    "Elena",
    "Kwame",
    "Ingrid",
    "Mateo",
    "Hannah",
    "Ravi",
    "Chloe",
    "Pavel",
    "Amara",
    "Jonas",
    "Leila",
    "Marcus",
    "Yuki",
    "Tomas",
    "Grace",
    "Ahmed",
    "Nina",
    "Oscar",
    "Zara",
    "Felix",
    "Ines",
    "Victor",
    "Maya",
    "Erik",
    "Lina",
    "Samuel",
    "Alma",
)
_LAST = (
    "Garcia",
    "Smith",
    "Tanaka",
    "Weber",
    "Patel",
    "Haddad",
    "Rossi",
    "Kim",
    "Wang",
    "Khan",
    "Muller",
    "Novak",
    "Mensah",
    "Larsen",
    "Silva",
    "Becker",
    "Iyer",
    "Martin",
    "Kowalski",
    "Okafor",
    "Berg",
    "Farah",
    "Brown",
    "Sato",
    "Dvorak",
    "Wilson",
    "Hassan",
    "Petrov",
    "Nilsson",
    "Ali",
    "Schmidt",
    "Costa",
    "Dubois",
    "Cohen",
    "Lund",
    "Moreau",
    "Osei",
)
_MODELS = (
    ("Dell Inc.", "Latitude 7440"),
    ("HP", "HP EliteBook 840 G10"),
    ("Lenovo", "ThinkPad T14 Gen 4"),
    ("Dell Inc.", "OptiPlex 7010"),
    ("Microsoft Corporation", "Surface Laptop 5"),
)


@dataclass(frozen=True)
class User:
    sam: str
    display_name: str
    sid: str
    object_id: str

    @property
    def upn(self) -> str:
        return f"{self.sam}@{UPN_SUFFIX}"


@dataclass(frozen=True)
class Device:
    idx: int
    short: str
    role: str  # dc | file | mail | sql | sync | workstation
    dept: str
    ip: str
    user: User
    device_id: str
    aad_device_id: str
    os_platform: str
    os_build: int
    os_version_info: str
    vendor: str
    model: str

    @property
    def name(self) -> str:
        return f"{self.short}.{AD_DOMAIN}"

    @property
    def is_server(self) -> bool:
        return self.role != "workstation"


@dataclass(frozen=True)
class Fleet:
    devices: tuple[Device, ...]

    def by_short(self, short: str) -> Device:
        for device in self.devices:
            if device.short == short:
                return device
        raise KeyError(short)

    def dns_server(self, device: Device) -> Device:
        """Clients alternate between the two DCs, as DHCP option 6 lists them in different orders."""
        return self.devices[device.idx % 2]

    @property
    def workstations(self) -> list[Device]:
        return [d for d in self.devices if not d.is_server]

    @property
    def servers(self) -> list[Device]:
        return [d for d in self.devices if d.is_server]


def workstation_short(k: int) -> str:
    """Name of the k-th workstation, e.g. k=2 -> ws-eng-021; incidents pick hosts by k."""
    dept = DEPARTMENTS[k % len(DEPARTMENTS)]
    return f"ws-{dept}-{_DEPT_BASE[dept] + k // len(DEPARTMENTS) + 1:03d}"


def _user(sam: str, display: str, rid: int) -> User:
    return User(sam=sam, display_name=display, sid=f"{DOMAIN_SID}-{rid}", object_id=stable_guid("user", sam))


SERVICE_USERS = {
    "dc": _user("adm-tberg", "Admin Tomas Berg", 1104),
    "file": _user("svc-backup", "Backup Service", 1201),
    "mail": _user("svc-exchange", "Exchange Service", 1202),
    "sql": _user("svc-sql", "SQL Service", 1203),
    "sync": _user("svc-aadsync", "Azure AD Connect Sync", 1204),
}


def build_fleet(devices: int) -> Fleet:
    """Create `devices` machines: six fixed servers, then workstations named by department."""
    if devices < MIN_DEVICES:
        raise ValueError(f"devices must be >= {MIN_DEVICES} (planted incidents need hosts), got {devices}")
    out: list[Device] = []
    for i, (short, role, ip) in enumerate(SERVERS):
        build, platform, info = (
            (20348, "WindowsServer2022", "21H2") if i % 2 == 0 else (17763, "WindowsServer2019", "1809")
        )
        out.append(
            Device(
                idx=i,
                short=short,
                role=role,
                dept="it",
                ip=ip,
                user=SERVICE_USERS[role],
                device_id=stable_hex("device", short),
                aad_device_id=stable_guid("aad-device", short),
                os_platform=platform,
                os_build=build,
                os_version_info=info,
                vendor="Microsoft Corporation",
                model="Virtual Machine",
            )
        )
    used: set[str] = set()
    for k in range(devices - len(SERVERS)):
        short = workstation_short(k)
        first, last = _FIRST[(k * 7) % len(_FIRST)], _LAST[(k * 11 + k // len(_LAST)) % len(_LAST)]
        sam = f"{first[0]}.{last}".lower()
        if sam in used:
            sam = f"{sam}{k}"
        used.add(sam)
        idx = len(SERVERS) + k
        build, platform, info = (
            (26100, "Windows11", "24H2"),
            (22631, "Windows11", "23H2"),
            (19045, "Windows10", "22H2"),
        )[k % 3]
        vendor, model = _MODELS[k % len(_MODELS)]
        out.append(
            Device(
                idx=idx,
                short=short,
                role="workstation",
                dept=DEPARTMENTS[k % len(DEPARTMENTS)],
                ip=f"10.20.{k // 200}.{20 + k % 200}",
                user=_user(sam, f"{first} {last}", 1300 + k),
                device_id=stable_hex("device", short),
                aad_device_id=stable_guid("aad-device", short),
                os_platform=platform,
                os_build=build,
                os_version_info=info,
                vendor=vendor,
                model=model,
            )
        )
    return Fleet(devices=tuple(out))


def machine_group(device: Device) -> str:
    """Defender device group the way admins usually name them."""
    if device.is_server:
        return "Servers - Tier 0" if device.role == "dc" else "Servers"
    return f"Workstations - {_DEPT_TITLE[device.dept]}"
