"""Incident 2: a DGA implant on one workstation.

The generator is a small reimplementation in the style of date-seeded families: an LCG seeded by the day
picks 9-16 letters and a .com/.net/.biz suffix, 128 names a day. Every 4 hours the implant walks the day's
list until a name resolves. The operator registers list entry 77 on the second day at 09:00; the implant
resolves it in its 09:17 round, then beacons over HTTPS to the answer every ~10 minutes and re-resolves the
name hourly. The registrar suspends the domain at the next midnight, so on later days the re-resolutions
fail, the beacons stop and the DGA rounds start again.
"""

from __future__ import annotations

from datetime import date, timedelta

from ..dns_records import NXDOMAIN, Record
from ..events import DevEvent
from ..plan import DGA_C2_IP, DGA_HOST, DGA_NAMES_PER_DAY, DGA_RESOLVING_INDEX, GroundTruth
from ..processes import US_PER_S
from ..tenant import Tenant, from_us
from .common import LookupLog, Planted

_TLDS = ("com", "net", "biz")
ROUND_HOURS = (1, 5, 9, 13, 17, 21)


def dga_names(day: date, count: int = DGA_NAMES_PER_DAY) -> list[str]:
    """The implant's candidate domains for one UTC day (public so tests can regenerate any day's list)."""
    state = ((day.year * 10_000 + day.month * 100 + day.day) * 0x9E3779B1 ^ 0x5A17C0DE) & 0xFFFFFFFF
    names: list[str] = []
    for _ in range(count):
        state = (state * 1_664_525 + 1_013_904_223) & 0xFFFFFFFF
        length = 9 + (state >> 24) % 8
        chars = []
        for _ in range(length):
            state = (state * 1_664_525 + 1_013_904_223) & 0xFFFFFFFF
            chars.append(chr(ord("a") + (state >> 16) % 26))
        names.append("".join(chars) + "." + _TLDS[(state >> 8) % 3])
    return names


def resolving_domain(start: date, days: int) -> tuple[str, int]:
    """(domain, day index) of the one DGA name that resolves in a lake starting at `start`."""
    reg_day = min(1, days - 1)
    return dga_names(start + timedelta(days=reg_day))[DGA_RESOLVING_INDEX], reg_day


def plant(t: Tenant) -> Planted:
    rng = t.rng("incident-dga")
    dev = t.device(DGA_HOST)
    log = LookupLog()
    proc = "rundll32"
    c2, reg_day = resolving_domain(t.start, t.days)
    registered = t.at(reg_day, 9, 0)
    suspended = t.day_us(reg_day + 1)
    connected_at: int | None = None
    nx_names: set[str] = set()
    first_query = None
    last_query = 0
    for day in range(t.days):
        names = dga_names(t.start + timedelta(days=day))
        for hour in ROUND_HOURS:
            ts = t.at(day, hour, 17, float(rng.uniform(0, 30)))
            if connected_at is not None and ts < suspended:
                continue
            for name in names:
                resolves = name == c2 and registered <= ts < suspended
                if resolves:
                    log.lookup(ts, dev.idx, proc, name, "A", [Record("A", name, DGA_C2_IP)], port=443)
                    connected_at = ts
                else:
                    log.lookup(ts, dev.idx, proc, name, "A", rcode=NXDOMAIN)
                    nx_names.add(name)
                first_query = first_query or ts
                last_query = max(last_query, ts)
                ts += int(rng.uniform(0.15, 0.6) * US_PER_S)
                if resolves:
                    break
    if connected_at is None:
        raise AssertionError("DGA schedule never reached the registered domain")

    beacons: list[DevEvent] = []
    ts = connected_at + 2 * US_PER_S
    while ts < min(suspended, t.end_us):
        beacons.append(
            DevEvent(
                ts,
                dev.idx,
                proc,
                {
                    "ActionType": "ConnectionSuccess",
                    "RemoteIP": DGA_C2_IP,
                    "RemotePort": 443,
                    "RemoteUrl": c2,
                    "LocalIP": dev.ip,
                    "LocalPort": int(rng.integers(49152, 65535)),
                    "Protocol": "Tcp",
                    "LocalIPType": "Private",
                    "RemoteIPType": "Public",
                },
            )
        )
        ts += int((600 + rng.normal(0, 20)) * US_PER_S)
    last_beacon = beacons[-1].ts
    ts = connected_at + 3600 * US_PER_S
    while ts < t.end_us:
        if ts < suspended:
            log.lookup(ts, dev.idx, proc, c2, "A", [Record("A", c2, DGA_C2_IP)], port=443)
        else:
            log.lookup(ts, dev.idx, proc, c2, "A", rcode=NXDOMAIN)
        last_query = max(last_query, ts)
        ts += int((3600 + rng.normal(0, 30)) * US_PER_S)

    out = Planted(dns=[log.batch()])
    out.add_events("DeviceNetworkEvents", beacons)
    loader_ts = t.day_us(0) + 7 * 3600 * US_PER_S + int(rng.integers(0, 1800)) * US_PER_S
    cmd = out.start_process(loader_ts, dev, "explorer", proc)
    gt = dict(incident="dga", device_name=dev.name, device_id=dev.device_id)
    out.truth += [
        GroundTruth(
            kind="dga_resolved_domain",
            entity=c2,
            detail=f"list entry {DGA_RESOLVING_INDEX} of day {reg_day}; resolves to {DGA_C2_IP} from "
            f"{from_us(registered).isoformat()} until {from_us(suspended).isoformat()}",
            **gt,
            first_seen=from_us(connected_at),
            last_seen=from_us(min(suspended, t.end_us) - 1),
        ),
        GroundTruth(
            kind="c2_ip",
            entity=DGA_C2_IP,
            detail=f"HTTPS beacons every ~10 min: {len(beacons)}",
            **gt,
            first_seen=from_us(beacons[0].ts),
            last_seen=from_us(last_beacon),
        ),
        GroundTruth(
            kind="dga_nxdomain",
            entity=f"{len(nx_names)} names",
            detail=f"{DGA_NAMES_PER_DAY} names/day (.com/.net/.biz), rounds at "
            f"{','.join(f'{h:02d}:17' for h in ROUND_HOURS)} UTC; see incidents.dga.dga_names",
            **gt,
            first_seen=from_us(first_query),
            last_seen=from_us(last_query),
        ),
        GroundTruth(
            kind="process",
            entity=cmd,
            detail="implant loaded by rundll32",
            **gt,
            first_seen=from_us(loader_ts),
            last_seen=from_us(last_query),
        ),
    ]
    return out
