"""Incident 7: an implant runs its command channel over DNS-over-HTTPS, past the DNS log.

On the first day at 10:05 UTC an unsigned ``OneDriveSync.exe`` in the user's profile on ws-legal-003 starts
polling its operator the way godoh and DoHC2 do: DNS questions for the operator's domain sent as HTTPS to
Google's resolver, by address (8.8.8.8, 8.8.4.4), so the host never asks its own DNS server anything and
the DNS log holds no trace. What shows is a non-browser process connecting to a public resolver on port 443
about once a minute (jittered) until 16:40. No alert fires and no DNS verdict changes; the host summary
lists the host and names the process as neither a browser nor DNS software, which ranks it with a host
that looked up a DGA domain.
"""

from __future__ import annotations

from ..events import DevEvent
from ..plan import DOH_C2_HOST, DOH_C2_IPS, DOH_C2_PROCESS, GroundTruth
from ..processes import US_PER_S
from ..tenant import Tenant, from_us
from .common import Planted

BEACON_S = 60.0  # the implant's sleep
JITTER = 0.2  # +- 20 %, as C2 frameworks randomise it


def plant(t: Tenant) -> Planted:
    rng = t.rng("incident-doh-c2")
    dev = t.device(DOH_C2_HOST)
    start = t.at(0, 10, 5, 41.0)
    end = t.at(0, 16, 40)
    events = []
    ts = start
    while ts < end:
        events.append(
            DevEvent(
                ts,
                dev.idx,
                "doh_implant",
                {
                    "ActionType": "ConnectionSuccess",
                    "RemoteIP": DOH_C2_IPS[int(rng.integers(0, len(DOH_C2_IPS)))],
                    "RemotePort": 443,
                    "RemoteUrl": "",  # Defender names the remote host for browsers only
                    "LocalIP": dev.ip,
                    "LocalPort": int(rng.integers(49152, 65535)),
                    "Protocol": "Tcp",
                    "LocalIPType": "Private",
                    "RemoteIPType": "Public",
                },
            )
        )
        ts += int(BEACON_S * rng.uniform(1 - JITTER, 1 + JITTER) * US_PER_S)
    out = Planted()
    out.add_events("DeviceNetworkEvents", events)
    out.truth.append(
        GroundTruth(
            incident="doh_c2",
            kind="doh_c2_connections",
            device_name=dev.name,
            device_id=dev.device_id,
            entity=str(len(events)),
            detail=f"{DOH_C2_PROCESS} to {', '.join(DOH_C2_IPS)} port 443, no DNS look-up",
            first_seen=from_us(start),
            last_seen=from_us(events[-1].ts),
        )
    )
    return out
