"""Incident 6: a workstation's browser resolves over HTTPS, past the DNS log.

On the first day at 09:12 UTC a user on ws-ops-009 sets Chrome's "Use secure DNS" to Cloudflare. Chrome
looks up ``chrome.cloudflare-dns.com`` once in the clear (the only trace in the DNS log), then sends its
look-ups as HTTPS to that endpoint for the rest of the day: connections to Cloudflare's two addresses on
port 443, a few a minute while the user browses. No alert fires and no DNS verdict changes; the host
summary lists the host as one whose later look-ups the log does not see, and the
``encrypted_dns_connections`` hunt shows the process and the connections.
"""

from __future__ import annotations

from ..dns_records import Record
from ..events import DevEvent
from ..plan import DOH_ENDPOINT, DOH_HOST, DOH_IPS, GroundTruth
from ..processes import US_PER_S
from ..tenant import Tenant, from_us
from .common import LookupLog, Planted


def plant(t: Tenant) -> Planted:
    rng = t.rng("incident-doh")
    dev = t.device(DOH_HOST)
    start = t.at(0, 9, 12, 5.0)
    end = t.at(0, 17, 30)
    log = LookupLog()
    log.lookup(start, dev.idx, "chrome", DOH_ENDPOINT, "A", [Record("A", DOH_ENDPOINT, ip) for ip in DOH_IPS])
    log.lookup(start + 2_000, dev.idx, "chrome", DOH_ENDPOINT, "AAAA", [])
    events = []
    ts = start + int(0.3 * US_PER_S)
    while ts < end:
        events.append(
            DevEvent(
                ts,
                dev.idx,
                "chrome",
                {
                    "ActionType": "ConnectionSuccess",
                    "RemoteIP": DOH_IPS[int(rng.integers(0, len(DOH_IPS)))],
                    "RemotePort": 443,
                    "RemoteUrl": DOH_ENDPOINT,
                    "LocalIP": dev.ip,
                    "LocalPort": int(rng.integers(49152, 65535)),
                    "Protocol": "Tcp",
                    "LocalIPType": "Private",
                    "RemoteIPType": "Public",
                },
            )
        )
        ts += int(rng.exponential(240.0) * US_PER_S) + US_PER_S  # a new connection every few minutes
    out = Planted(dns=[log.batch()])
    out.add_events("DeviceNetworkEvents", events)
    gt = dict(
        incident="encrypted_dns",
        device_name=dev.name,
        device_id=dev.device_id,
        first_seen=from_us(start),
        last_seen=from_us(events[-1].ts),
    )
    out.truth += [
        GroundTruth(kind="doh_endpoint", entity=DOH_ENDPOINT, detail="looked up once in the clear by chrome.exe", **gt),
        GroundTruth(kind="doh_connections", entity=str(len(events)),
                    detail=f"chrome.exe to {', '.join(DOH_IPS)} port 443", **gt),
    ]
    return out
