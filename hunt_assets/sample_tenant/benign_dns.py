"""Bulk benign DNS traffic, generated per day with numpy only (no per-look-up Python work).

Volume is ``LOOKUPS_PER_DEVICE_DAY * devices * dns_scale`` per weekday (workstation families drop to a
third at weekends), split across families by share. Each family draws names by popularity, devices from the
machines that would plausibly ask (only the mail server resolves DKIM keys, only McAfee-equipped
workstations ask avts.mcafee.com), the process that asks, and an hour from a day-shaped curve.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from . import dns_catalog as cat
from .dns_records import NamePool
from .dns_writer import DnsBatch
from .fleet import Device, Fleet
from .processes import DAY_US, US_PER_S, proc_index
from .tenant import Tenant

LOOKUPS_PER_DEVICE_DAY = 600
CHUNK_ROWS = 1_000_000

# Share of a workstation's look-ups per UTC hour (office hours ~07-17 UTC, quiet nights).
_WORKDAY = np.array([2, 1, 1, 1, 1, 2, 4, 8, 12, 13, 13, 12, 10, 12, 13, 12, 11, 8, 5, 4, 3, 3, 2, 2], float)
_FLAT = np.full(24, 1.0)


@dataclass(frozen=True)
class Family:
    name: str
    share: float
    devices: Callable[[Fleet], list[Device]]
    procs: tuple[tuple[str, float], ...]
    connect: float
    office_hours: bool


def _ws(f: Fleet) -> list[Device]:
    return f.workstations


def _all(f: Fleet) -> list[Device]:
    return list(f.devices)


def _servers(f: Fleet) -> list[Device]:
    return f.servers


def _mail(f: Fleet) -> list[Device]:
    return [d for d in f.devices if d.role == "mail"]


def _mcafee(f: Fleet) -> list[Device]:
    """Legacy McAfee agent still on every third workstation (a migration in progress)."""
    return [d for d in f.workstations if d.idx % 3 == 1]


def _sync(f: Fleet) -> list[Device]:
    return [d for d in f.devices if d.role == "sync"]


FAMILIES: tuple[Family, ...] = (
    Family("web", 0.20, _ws, (("chrome", 0.55), ("msedge", 0.45)), 0.65, True),
    Family(
        "m365",
        0.19,
        _ws,
        (("outlook", 0.3), ("teams", 0.3), ("msedge", 0.15), ("onedrive", 0.15), ("winword", 0.05), ("excel", 0.05)),
        0.6,
        True,
    ),
    Family("m365_srv", 0.01, _sync, (("miiserver", 1.0),), 0.8, False),
    Family(
        "windows",
        0.10,
        _all,
        (
            ("svchost_wu", 0.3),
            ("mssense", 0.25),
            ("msmpeng", 0.2),
            ("compattel", 0.1),
            ("edgeupdate", 0.1),
            ("c2r", 0.05),
        ),
        0.5,
        False,
    ),
    Family("pki", 0.04, _all, (("svchost_crypt", 0.6), ("chrome", 0.2), ("msedge", 0.2)), 0.7, False),
    Family("internal", 0.10, _all, (("svchost_netsvcs", 0.4), ("lsass", 0.3), ("explorer", 0.3)), 0.3, False),
    Family("akamai", 0.05, _ws, (("msedge", 0.5), ("teams", 0.2), ("chrome", 0.3)), 0.8, True),
    Family("googlevideo", 0.03, _ws, (("chrome", 0.8), ("msedge", 0.2)), 0.9, True),
    Family("cloudfront", 0.03, _ws, (("chrome", 0.6), ("msedge", 0.4)), 0.8, True),
    Family("ads", 0.06, _ws, (("chrome", 0.55), ("msedge", 0.45)), 0.6, True),
    Family("ptr_servers", 0.04, _servers, (("svchost_netsvcs", 0.5), ("mssense", 0.3), ("sqlservr", 0.2)), 0.0, False),
    Family("ptr_ws", 0.02, _ws, (("mssense", 0.6), ("svchost_netsvcs", 0.4)), 0.0, False),
    Family("mcafee", 0.04, _mcafee, (("mfetp", 1.0),), 0.0, True),
    Family("sophos", 0.02, _servers, (("sophos", 1.0),), 0.0, False),
    Family("mail", 0.05, _mail, (("edgetransport", 1.0),), 0.6, False),
    Family("nx", 0.02, _all, (("svchost_dns", 0.5), ("chrome", 0.25), ("explorer", 0.25)), 0.0, False),
)


def _pool_size(base: int, scale: float) -> int:
    """Distinct names grow sub-linearly with volume, as they do in real resolvers' logs."""
    return max(20, int(base * scale**0.75))


class BenignDns:
    """Holds the family pools (one NamePool for all) and generates look-ups day by day."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        rng = tenant.rng("benign-dns-pools")
        scale = tenant.dns_scale * len(tenant.fleet.devices) / 50 * tenant.days / 3
        internal = [(d.name, d.ip) for d in tenant.fleet.devices]
        builders: dict[str, Callable[[], tuple[NamePool, np.ndarray]]] = {
            "web": lambda: cat.static_family("web"),
            "m365": lambda: cat.static_family("m365"),
            "m365_srv": lambda: cat.static_family("m365"),
            "windows": lambda: cat.static_family("windows"),
            "pki": lambda: cat.static_family("pki"),
            "internal": lambda: cat.static_family("internal"),
            "ads": lambda: cat.static_family("ads"),
            "akamai": lambda: cat.akamai_family(rng, _pool_size(600, scale)),
            "googlevideo": lambda: cat.googlevideo_family(rng, _pool_size(400, scale)),
            "cloudfront": lambda: cat.cloudfront_family(rng, _pool_size(300, scale)),
            "ptr_servers": lambda: cat.ptr_family(rng, _pool_size(1500, scale), internal),
            "ptr_ws": lambda: cat.ptr_family(rng, _pool_size(500, scale), internal),
            "mcafee": lambda: cat.mcafee_family(rng, _pool_size(2500, scale)),
            "sophos": lambda: cat.sophos_family(rng, _pool_size(1200, scale)),
            "mail": lambda: cat.mail_family(rng, cat.mail_partners(rng, _pool_size(60, scale))),
            "nx": cat.nx_family,
        }
        self.pool = NamePool()
        self.offsets: dict[str, int] = {}
        self.weights: dict[str, np.ndarray] = {}
        self.sizes: dict[str, int] = {}
        for fam in FAMILIES:
            pool, weights = builders[fam.name]()
            self.offsets[fam.name] = self.pool.extend(pool)
            self.weights[fam.name] = weights
            self.sizes[fam.name] = len(pool)
        act_rng = tenant.rng("device-activity")
        self.activity = act_rng.lognormal(0.0, 0.4, len(tenant.fleet.devices))

    def day_batches(self, day: int) -> Iterator[DnsBatch]:
        """Look-ups of one day, time-ordered, in chunks small enough to keep memory flat at any scale."""
        t = self.tenant
        rng = t.rng(f"benign-dns-day-{day}")
        weekday = (t.start.weekday() + day) % 7 < 5
        total = LOOKUPS_PER_DEVICE_DAY * len(t.fleet.devices) * t.dns_scale
        shares = np.array([f.share for f in FAMILIES])
        if not weekday:
            shares = np.where([f.office_hours for f in FAMILIES], shares * 0.3, shares)
        counts = rng.poisson(total * shares)
        parts: list[tuple[np.ndarray, ...]] = []
        for fam, count in zip(FAMILIES, counts, strict=True):
            if count == 0:
                continue
            devs = fam.devices(t.fleet)
            dev_idx = np.array([d.idx for d in devs], dtype=np.int32)
            dev_w = self.activity[dev_idx] / self.activity[dev_idx].sum()
            device = dev_idx[rng.choice(len(devs), size=count, p=dev_w)]
            name = self.offsets[fam.name] + rng.choice(self.sizes[fam.name], size=count, p=self.weights[fam.name])
            keys = [proc_index(k) for k, _ in fam.procs]
            pw = np.array([w for _, w in fam.procs])
            proc = np.asarray(keys, dtype=np.int32)[rng.choice(len(keys), size=count, p=pw / pw.sum())]
            hours = _WORKDAY if fam.office_hours else _FLAT
            hour = rng.choice(24, size=count, p=hours / hours.sum())
            ts = t.day_us(day) + hour * 3600 * US_PER_S + rng.integers(0, 3600 * US_PER_S, count)
            connect = rng.random(count) < fam.connect
            parts.append((ts, device, name.astype(np.int32), proc, connect))
        if not parts:
            return
        ts, device, name, proc, connect = (np.concatenate(col) for col in zip(*parts, strict=True))
        order = np.argsort(ts, kind="stable")
        batch = DnsBatch(self.pool, ts[order], device[order], name[order], proc[order], connect[order])
        assert batch.ts.max() < t.day_us(day) + DAY_US
        for lo in range(0, len(batch), CHUNK_ROWS):
            yield batch.take(slice(lo, lo + CHUNK_ROWS))
