"""SamplePassiveDns: passive-DNS history (Common Output Format columns) behind the lake's domains.

Planted domains are young (registered days or weeks before the incident) and some changed hands or
addresses; benign ones have years of stable history. The latest records agree with what the events
resolve to, and their time_last reaches the end of the lake.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .dns_catalog import STATIC_TABLE
from .incidents.dga import resolving_domain
from .plan import CRADLE_DOMAIN, CRADLE_IP, DGA_C2_IP, PHISH_DOMAIN, PHISH_IP, TUNNEL_DOMAIN, TUNNEL_NS_IP
from .tenant import Tenant, from_us

_BENIGN = (
    "www.google.com",
    "login.microsoftonline.com",
    "outlook.office365.com",
    "github.com",
    "www.linkedin.com",
    "contoso.sharepoint.com",
    "aadcdn.msftauth.net",
    "ocsp.digicert.com",
)


def _row(
    rrname: str, rrtype: str, rdata: list[str], first: datetime, last: datetime, count: int, bailiwick: str
) -> dict:
    return {
        "rrname": rrname,
        "rrtype": rrtype,
        "rdata": rdata,
        "time_first": first,
        "time_last": last,
        "count": count,
        "bailiwick": bailiwick,
    }


def passive_dns_rows(t: Tenant) -> list[dict]:
    rng = t.rng("passive-dns")
    start, end = from_us(t.start_us), from_us(t.end_us)

    def cnt(lo: int, hi: int) -> int:
        return int(rng.integers(lo, hi))

    d = timedelta
    rows = []
    # tunnel zone: registered 23 days before, parked first, then pointed at the attacker's name server
    reg = start - d(days=23, hours=5)
    rows += [
        _row(
            TUNNEL_DOMAIN,
            "NS",
            [f"ns1.{TUNNEL_DOMAIN}", f"ns2.{TUNNEL_DOMAIN}"],
            reg + d(days=3),
            end,
            cnt(40, 90),
            TUNNEL_DOMAIN,
        ),
        _row(
            TUNNEL_DOMAIN,
            "NS",
            ["ns1.parkingcrew.net", "ns2.parkingcrew.net"],
            reg,
            reg + d(days=3),
            cnt(5, 20),
            TUNNEL_DOMAIN,
        ),
        _row(TUNNEL_DOMAIN, "A", ["192.0.2.10"], reg, reg + d(days=3), cnt(5, 15), TUNNEL_DOMAIN),
        _row(TUNNEL_DOMAIN, "A", [TUNNEL_NS_IP], reg + d(days=3), end, cnt(20, 60), TUNNEL_DOMAIN),
        _row(f"ns1.{TUNNEL_DOMAIN}", "A", [TUNNEL_NS_IP], reg + d(days=3), end, cnt(30, 80), TUNNEL_DOMAIN),
        _row(f"ns2.{TUNNEL_DOMAIN}", "A", [TUNNEL_NS_IP], reg + d(days=3), end, cnt(30, 80), TUNNEL_DOMAIN),
        _row(f"t1.{TUNNEL_DOMAIN}", "NS", [f"ns1.{TUNNEL_DOMAIN}"], reg + d(days=4), end, cnt(5, 30), TUNNEL_DOMAIN),
    ]
    # DGA: resolves only for the hours the operator kept it up
    c2, reg_day = resolving_domain(t.start, t.days)
    up, down = from_us(t.at(reg_day, 9, 0)), from_us(min(t.day_us(reg_day + 1), t.end_us))
    rows += [
        _row(c2, "A", [DGA_C2_IP], up, down, cnt(3, 12), c2),
        _row(c2, "NS", ["ns1.dnsowl.com", "ns2.dnsowl.com", "ns3.dnsowl.com"], up, down, cnt(3, 12), c2),
    ]
    # phishing: fresh registration, moved to a new host two days before the click
    reg = start - d(days=9, hours=3)
    rows += [
        _row(PHISH_DOMAIN, "A", ["192.0.2.66"], reg, start - d(days=2), cnt(5, 25), PHISH_DOMAIN),
        _row(PHISH_DOMAIN, "A", [PHISH_IP], start - d(days=2), end, cnt(10, 40), PHISH_DOMAIN),
        _row(
            PHISH_DOMAIN,
            "NS",
            ["alexis.ns.cloudflare.com", "kai.ns.cloudflare.com"],
            reg,
            end,
            cnt(20, 60),
            PHISH_DOMAIN,
        ),
        _row(f"www.{PHISH_DOMAIN}", "CNAME", [PHISH_DOMAIN], reg, end, cnt(2, 10), PHISH_DOMAIN),
    ]
    # cradle: an expired domain, parked for months, re-registered two weeks before use
    old_first, old_last = datetime(2026, 3, 2, 7, 12), datetime(2026, 6, 20, 23, 40)
    rereg = start - d(days=14, hours=7)
    rows += [
        _row(CRADLE_DOMAIN, "A", ["203.0.113.45"], old_first, old_last, cnt(200, 900), CRADLE_DOMAIN),
        _row(
            CRADLE_DOMAIN,
            "NS",
            ["ns1.parkingcrew.net", "ns2.parkingcrew.net"],
            old_first,
            old_last,
            cnt(100, 400),
            CRADLE_DOMAIN,
        ),
        _row(CRADLE_DOMAIN, "A", [CRADLE_IP], rereg, end, cnt(10, 50), CRADLE_DOMAIN),
        _row(
            CRADLE_DOMAIN,
            "NS",
            ["ns1.cheapdns-host.net", "ns2.cheapdns-host.net"],
            rereg,
            end,
            cnt(10, 50),
            CRADLE_DOMAIN,
        ),
        _row(CRADLE_DOMAIN, "MX", [f"mail.{CRADLE_DOMAIN}"], rereg, end, cnt(1, 5), CRADLE_DOMAIN),
    ]
    # benign: years of history, consistent with the catalog the events resolve from
    for line in STATIC_TABLE.strip().splitlines():
        _, name, chain, v4, v6, _port = line.split("|")
        if name not in _BENIGN:
            continue
        labels = name.split(".")
        apex = ".".join(labels[-2:])
        first = start - d(days=int(rng.integers(900, 3000)))
        owner = name
        for target in chain.split():
            rows.append(_row(owner, "CNAME", [target], first, end, cnt(10_000, 5_000_000), apex))
            owner = target
        ips = v4.split()
        changed = start - d(days=int(rng.integers(60, 700)))
        old = [f"{ip.rsplit('.', 1)[0]}.{(int(ip.rsplit('.', 1)[1]) + 7) % 250 + 1}" for ip in ips]
        rows.append(_row(owner, "A", old, first, changed, cnt(10_000, 5_000_000), apex))
        rows.append(_row(owner, "A", ips, changed, end, cnt(10_000, 5_000_000), apex))
        if v6:
            rows.append(_row(owner, "AAAA", v6.split(), first, end, cnt(10_000, 2_000_000), apex))
    for apex, ns, mx in (
        (
            "microsoft.com",
            ["ns1-39.azure-dns.com", "ns2-39.azure-dns.net", "ns3-39.azure-dns.org", "ns4-39.azure-dns.info"],
            "microsoft-com.mail.protection.outlook.com",
        ),
        ("contoso.com", ["ns1.contoso.com", "ns2.contoso.com"], "contoso-com.mail.protection.outlook.com"),
    ):
        first = start - d(days=int(rng.integers(2000, 4000)))
        rows.append(_row(apex, "NS", ns, first, end, cnt(50_000, 900_000), apex))
        rows.append(_row(apex, "MX", [mx], first, end, cnt(50_000, 900_000), apex))
    return rows
