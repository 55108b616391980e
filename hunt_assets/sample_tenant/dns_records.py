"""Distinct DNS answers ("names") and how each renders in DeviceEvents, DnsEvents and DeviceNetworkEvents.

A lake holds millions of look-ups but far fewer distinct (name, type, answer) triples, so every look-up row
refers to an entry of a NamePool by index and the text is rendered once per entry.

DeviceEvents ActionType "DnsQueryResponse" carries AdditionalFields like
``{"DnsQueryString":"x.example.com","DnsQueryResult":[{"DnsQueryType":1,"DnsQueryTypeName":"A",
"DnsRecordName":"x.example.com","IPAddress":"1.2.3.4"}],"DnsQueryStatus":0}``. Records other than A/AAAA
name their data after the Windows DNS_RECORD fields (NameHost for CNAME/PTR/NS, NameExchange + Preference for
MX, Text for TXT, NameTarget/Port/Priority/Weight for SRV, DataLength for NULL). DnsQueryStatus is the Windows
status code: 0 success, 9003 NXDOMAIN, 9002 SERVFAIL, 9501 no records of that type. These shapes are the
sample tenant's convention; hunts should only rely on DnsQueryString/DnsQueryResult[].IPAddress/DnsQueryType.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

QTYPE_CODES: dict[str, int] = {
    "A": 1,
    "NS": 2,
    "CNAME": 5,
    "SOA": 6,
    "NULL": 10,
    "PTR": 12,
    "MX": 15,
    "TXT": 16,
    "AAAA": 28,
    "SRV": 33,
    "HTTPS": 65,
}
NOERROR, SERVFAIL, NXDOMAIN = 0, 2, 3
_STATUS = {NOERROR: 0, SERVFAIL: 9002, NXDOMAIN: 9003}


@dataclass(frozen=True)
class Record:
    """One answer record: rtype, owner name, value (IP, target name or text); pref for MX/SRV."""

    rtype: str
    owner: str
    value: str
    pref: int = 10


@dataclass(frozen=True)
class ThreatIntel:
    """What Sentinel's DNS solution adds to DnsEvents when an answer IP matches a TI indicator."""

    threat_type: str
    confidence: str
    severity: int
    description: str
    country: str
    latitude: float
    longitude: float


def _record_json(rec: Record) -> dict:
    code = QTYPE_CODES[rec.rtype]
    out: dict = {"DnsQueryType": code, "DnsQueryTypeName": rec.rtype, "DnsRecordName": rec.owner}
    if rec.rtype in ("A", "AAAA"):
        out["IPAddress"] = rec.value
    elif rec.rtype in ("CNAME", "PTR", "NS"):
        out["NameHost"] = rec.value
    elif rec.rtype == "MX":
        out["NameExchange"], out["Preference"] = rec.value, rec.pref
    elif rec.rtype == "TXT":
        out["Text"] = rec.value
    elif rec.rtype == "SRV":
        out["NameTarget"], out["Port"], out["Priority"], out["Weight"] = rec.value, 389, 0, 100
    elif rec.rtype == "NULL":
        out["DataLength"] = len(rec.value)
    return out


def is_private_ip(ip: str) -> bool:
    if ip.startswith(("10.", "192.168.", "127.")) or ip.startswith("fd"):
        return True
    if ip.startswith("172."):
        second = int(ip.split(".")[1])
        return 16 <= second <= 31
    return False


@dataclass
class NamePool:
    """Columnar list of distinct DNS answers; events reference entries by position."""

    qname: list[str] = field(default_factory=list)
    qtype: list[str] = field(default_factory=list)
    rcode: list[int] = field(default_factory=list)
    status: list[int] = field(default_factory=list)
    af_json: list[str] = field(default_factory=list)
    ip_csv: list[str] = field(default_factory=list)
    first_ip: list[str] = field(default_factory=list)
    port: list[int] = field(default_factory=list)
    remote_type: list[str] = field(default_factory=list)
    ti: list[ThreatIntel | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.qname)

    def add(
        self,
        qname: str,
        qtype: str,
        records: list[Record] | tuple[Record, ...] = (),
        *,
        rcode: int = NOERROR,
        port: int = 443,
        ti: ThreatIntel | None = None,
    ) -> int:
        """Register one distinct answer and return its index; port 0 means nobody connects to it."""
        ips = [r.value for r in records if r.rtype in ("A", "AAAA")]
        v4 = [r.value for r in records if r.rtype == "A"]
        status = _STATUS[rcode] if rcode != NOERROR or records else 9501
        doc = {
            "DnsQueryString": qname,
            "DnsQueryResult": [_record_json(r) for r in records],
            "DnsQueryStatus": status,
        }
        first = (v4 or ips or [""])[0]
        self.qname.append(qname)
        self.qtype.append(qtype)
        self.rcode.append(rcode)
        self.status.append(status)
        self.af_json.append(json.dumps(doc, separators=(",", ":")))
        self.ip_csv.append(",".join(ips))
        self.first_ip.append(first)
        self.port.append(port if first else 0)
        self.remote_type.append("Private" if first and is_private_ip(first) else "Public")
        self.ti.append(ti)
        return len(self.qname) - 1

    def extend(self, other: NamePool) -> int:
        """Append another pool; returns the offset to add to `other`'s indices."""
        offset = len(self)
        for name in (
            "qname",
            "qtype",
            "rcode",
            "status",
            "af_json",
            "ip_csv",
            "first_ip",
            "port",
            "remote_type",
            "ti",
        ):
            getattr(self, name).extend(getattr(other, name))
        return offset

    def ports(self) -> np.ndarray:
        return np.asarray(self.port, dtype=np.int32)


def address_records(qname: str, chain: tuple[str, ...], ips: tuple[str, ...], rtype: str = "A") -> list[Record]:
    """CNAME chain followed by address records on the last name, the order resolvers return them in."""
    recs: list[Record] = []
    owner = qname
    for target in chain:
        recs.append(Record("CNAME", owner, target))
        owner = target
    recs.extend(Record(rtype, owner, ip) for ip in ips)
    return recs
