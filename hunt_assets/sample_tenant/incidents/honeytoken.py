"""Incident 8: the intruder opens a folder the security team baited with a canary token.

On the last day at 10:31 UTC, seventeen minutes after the AdFind reconnaissance on ws-it-002 (incident 3), the
same session browses the file server's IT share and opens ``\\\\fs01\\it$\\Passwords``. The folder holds a
Canarytokens "Windows folder" token: its ``desktop.ini`` sets the folder's icon to
``\\\\%USERNAME%.%COMPUTERNAME%.%USERDOMAIN%.INI.<token>.canarytokens.com\\resource.dll``, so Explorer expands
the variables and resolves that name (A and AAAA) to fetch the icon. The look-up is the tripwire: nothing but a
person opening the bait resolves it, and the user, computer and domain ride in front of the token. No Defender
alert fires (the service alerts by e-mail); in the DNS log it is one name, which ``dns_flags`` calls a tunnel
with a honeytoken reason, and ``host_summary`` ranks the host for it.
"""

from __future__ import annotations

from ..dns_records import Record
from ..fleet import NETBIOS_DOMAIN
from ..plan import (
    HONEYTOKEN_FOLDER,
    HONEYTOKEN_HOST,
    HONEYTOKEN_ID,
    HONEYTOKEN_IP,
    HONEYTOKEN_ZONE,
    GroundTruth,
)
from ..tenant import Tenant, from_us
from .common import LookupLog, Planted


def token_name(user: str, computer: str) -> str:
    """The name Explorer resolves for the folder's icon, variables expanded as Windows expands them."""
    return f"{user}.{computer.upper()}.{NETBIOS_DOMAIN}.INI.{HONEYTOKEN_ID}.{HONEYTOKEN_ZONE}"


def plant(t: Tenant) -> Planted:
    dev = t.device(HONEYTOKEN_HOST)
    day = min(2, t.days - 1)
    ts = t.at(day, 10, 31, 40.0)
    name = token_name(dev.user.sam, dev.short)
    log = LookupLog()
    log.lookup(ts, dev.idx, "explorer", name, "A", [Record("A", name, HONEYTOKEN_IP)], port=0)
    log.lookup(ts + 1_500, dev.idx, "explorer", name, "AAAA", [], port=0)
    out = Planted(dns=[log.batch()])
    out.truth.append(
        GroundTruth(
            incident="honeytoken",
            kind="honeytoken_lookup",
            device_name=dev.name,
            device_id=dev.device_id,
            entity=name,
            detail=f"explorer.exe opened {HONEYTOKEN_FOLDER}; its desktop.ini icon path names the token",
            first_seen=from_us(ts),
            last_seen=from_us(ts + 1_500),
        )
    )
    return out
