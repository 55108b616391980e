"""Incident 1: DNS tunnel from one workstation to an attacker-run zone.

Phase 1 (day 0, 13:05-15:50 UTC) is dnscat2-like: hex-encoded packets as subdomains of the zone, idle polls
of 18-34 hex characters every ~5 s and longer data-bearing queries split into labels, rotating TXT/CNAME/MX.
Phase 2 (the next night, 02:10-03:25) is iodine-like: NULL queries under t1.<zone> whose labels carry base32
data. Every name is unique, the answers carry data rather than addresses, and no host ever connects to the
zone's IPs: the signals RITA-style per-domain cardinality and qtype hunts look for.
"""

from __future__ import annotations

import numpy as np

from ..dns_records import Record
from ..plan import TUNNEL_DOMAIN, TUNNEL_HOST, TUNNEL_NS_IP, GroundTruth
from ..processes import CATALOG, US_PER_S, proc_index
from ..tenant import Tenant, from_us
from .common import LookupLog, Planted

_B32 = "abcdefghijklmnopqrstuvwxyz012345"


def _hex(rng: np.random.Generator, nbytes: int) -> str:
    return rng.bytes(nbytes).hex()


def _labels(data: str, size: int = 63) -> str:
    return ".".join(data[i : i + size] for i in range(0, len(data), size))


def plant(t: Tenant) -> Planted:
    rng = t.rng("incident-tunnel")
    dev = t.device(TUNNEL_HOST)
    log = LookupLog()
    proc = "igfxtray"
    session = int(rng.integers(0, 0xFFFF))
    seq, ack = int(rng.integers(0, 0xFFFF)), int(rng.integers(0, 0xFFFF))
    ts = t.at(0, 13, 5, 12.0)
    end1 = t.at(0, 15, 50)
    qtypes = ("TXT", "CNAME", "MX")
    n1 = 0
    while ts < end1:
        packet_id = int(rng.integers(0, 0xFFFF))
        header = f"{packet_id:04x}01{session:04x}{seq:04x}{ack:04x}"
        data_bytes = int(rng.integers(20, 110)) if rng.random() < 0.2 else int(rng.integers(0, 8))
        body = header + _hex(rng, data_bytes)
        seq = (seq + data_bytes) & 0xFFFF
        name = f"{_labels(body)}.{TUNNEL_DOMAIN}"
        qt = qtypes[int(rng.integers(0, 3))]
        reply = f"{packet_id:04x}01{session:04x}{ack:04x}{seq:04x}" + _hex(rng, int(rng.integers(0, 24)))
        ack = (ack + (len(reply) - 18) // 2) & 0xFFFF
        if qt == "TXT":
            recs = [Record("TXT", name, reply)]
        else:
            recs = [Record(qt, name, f"{_labels(reply)}.{TUNNEL_DOMAIN}")]
        log.lookup(ts, dev.idx, proc, name, qt, recs, port=0)
        n1 += 1
        ts += int((5.0 + rng.normal(0, 0.25)) * US_PER_S)
    first, last1 = t.at(0, 13, 5, 12.0), ts

    day2 = min(1, t.days - 1)
    ts = t.at(day2, 2, 10, 3.0) if day2 > 0 else t.at(0, 18, 10, 3.0)
    start2 = ts
    end2 = ts + 75 * 60 * US_PER_S
    n2 = 0
    user_id = "0"
    while ts < end2:
        if rng.random() < 0.15:  # ping
            data = "p" + "".join(_B32[i] for i in rng.integers(0, 32, 8))
        else:
            data = user_id + "".join(_B32[i] for i in rng.integers(0, 32, int(rng.integers(90, 180))))
        name = f"{_labels(data, 57)}.t1.{TUNNEL_DOMAIN}"
        log.lookup(ts, dev.idx, proc, name, "NULL", [Record("NULL", name, "x" * int(rng.integers(40, 200)))], port=0)
        n2 += 1
        ts += int((1.2 + rng.normal(0, 0.15)) * US_PER_S)

    out = Planted(dns=[log.batch()])
    path = CATALOG[proc_index(proc)].path
    out.start_process(first - 40 * US_PER_S, dev, "svchost_schedule", proc)
    gt = dict(incident="dns_tunnel", device_name=dev.name, device_id=dev.device_id)
    out.truth += [
        GroundTruth(
            kind="tunnel_domain",
            entity=TUNNEL_DOMAIN,
            detail=f"dnscat2-style hex subdomains, TXT/CNAME/MX, ~5 s polls: {n1} queries",
            **gt,
            first_seen=from_us(first),
            last_seen=from_us(last1),
        ),
        GroundTruth(
            kind="tunnel_domain",
            entity=f"t1.{TUNNEL_DOMAIN}",
            detail=f"iodine-style base32 NULL queries, ~1.2 s: {n2} queries",
            **gt,
            first_seen=from_us(start2),
            last_seen=from_us(ts),
        ),
        GroundTruth(
            kind="process",
            entity=path,
            detail="unsigned tunnel client started by a scheduled task",
            **gt,
            first_seen=from_us(first - 40 * US_PER_S),
            last_seen=from_us(ts),
        ),
        GroundTruth(
            kind="nameserver_ip",
            entity=TUNNEL_NS_IP,
            detail=f"authoritative NS of {TUNNEL_DOMAIN}; never contacted directly by the host",
            **gt,
            first_seen=from_us(first),
            last_seen=from_us(ts),
        ),
    ]
    return out
