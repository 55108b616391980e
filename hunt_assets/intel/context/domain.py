"""Assemble the context of one investigated host from the look-ups, marking what was passive.

Why it records ``passive`` per row: the report must say which facts were gathered without touching the
suspect's infrastructure (registry RDAP, RIR RDAP, passive DNS, SSLBL) and which came from active
look-ups (live DNS, the TLS handshake), which only run when ``HUNT_ACTIVE_LOOKUPS=1``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from hunt_assets.intel.context.asn import AsnInfo
from hunt_assets.intel.context.dns_live import DnsContext
from hunt_assets.intel.context.rdap import Registration
from hunt_assets.intel.context.tls import CertInfo
from hunt_assets.special_names import NOT_LOOKED_UP, never_delegated

CONTEXT_COLUMNS = ["facet", "attribute", "value", "source", "passive"]
ACTIVE_OFF = "skipped: active look-ups are off (set HUNT_ACTIVE_LOOKUPS=1)"


@dataclass
class ContextLookups:
    """The look-up functions, injectable (live, sample and test implementations share one shape)."""

    registration: Callable[[str], Registration]
    asn: Callable[[str], AsnInfo]
    dns: Callable[[str], DnsContext]
    tls: Callable[[str], CertInfo]
    active: bool = False


@dataclass
class DomainContext:
    host: str
    rows: list[dict[str, object]] = field(default_factory=list)
    ips: list[str] = field(default_factory=list)
    cert_sha1: str = ""

    def add(self, facet: str, attribute: str, value: object, source: str, passive: bool) -> None:
        self.rows.append(
            {
                "facet": facet,
                "attribute": attribute,
                "value": "" if value is None else str(value),
                "source": source,
                "passive": passive,
            }
        )

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=CONTEXT_COLUMNS)


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _add_registration(ctx: DomainContext, reg: Registration, now: datetime) -> None:
    if reg.error:
        ctx.add("registration", "error", reg.error, "rdap", True)
        return
    ctx.add("registration", "registered_domain", reg.domain, "rdap", True)
    ctx.add("registration", "registrar", reg.registrar, "rdap", True)
    ctx.add("registration", "created", reg.created.isoformat() if reg.created else "", "rdap", True)
    ctx.add("registration", "age_days", reg.age_days(now), "rdap", True)
    ctx.add("registration", "expires", reg.expires.isoformat() if reg.expires else "", "rdap", True)
    ctx.add("registration", "nameservers", ", ".join(reg.nameservers), "rdap", True)
    ctx.add("registration", "status", ", ".join(reg.status), "rdap", True)


def build_context(
    host: str, lookups: ContextLookups, *, passive_ips: Sequence[str] = (), now: datetime | None = None
) -> DomainContext:
    now = now or datetime.now(UTC)
    ctx = DomainContext(host)
    outside = "" if _is_ip(host) else never_delegated(host)
    if _is_ip(host):
        ctx.ips = [host]
    else:
        if outside:
            # an onion address from an alert, or an internal name: what our own passive DNS saw is
            # kept, nothing is asked of a registry, a resolver or the host itself
            ctx.add("scope", "outside the public DNS", NOT_LOOKED_UP.format(why=outside), "policy", True)
        else:
            _add_registration(ctx, lookups.registration(host), now)
        for ip in passive_ips:
            ctx.add("dns", "A/AAAA (passive DNS)", ip, "pdns", True)
        ctx.ips = sorted(set(passive_ips))
        if not outside and lookups.active:
            dns = lookups.dns(host)
            for rdtype, values in sorted(dns.records.items()):
                ctx.add("dns", rdtype, ", ".join(values) if values else "(no records)", "dns-live", False)
            for rdtype, err in sorted(dns.errors.items()):
                ctx.add("dns", f"{rdtype} error", err, "dns-live", False)
            ctx.ips = sorted(set(ctx.ips) | set(dns.records.get("A", [])) | set(dns.records.get("AAAA", [])))
        elif not outside:
            ctx.add("dns", "live DNS", ACTIVE_OFF, "dns-live", False)
    for ip in ctx.ips[:10]:
        info = lookups.asn(ip)
        if info.error:
            ctx.add("asn", f"{ip} error", info.error, "rdap-ip", True)
        else:
            ctx.add(
                "asn", ip, f"AS{info.asn} {info.asn_description} ({info.country}) {info.cidr}".strip(), "rdap-ip", True
            )
    if _is_ip(host) or outside:
        return ctx
    if lookups.active:
        cert = lookups.tls(host)
        if cert.error:
            ctx.add("tls", "error", cert.error, "tls-live", False)
        else:
            ctx.cert_sha1 = cert.sha1
            ctx.add("tls", "sha1", cert.sha1, "tls-live", False)
            ctx.add("tls", "subject", cert.subject, "tls-live", False)
            ctx.add("tls", "issuer", cert.issuer, "tls-live", False)
            ctx.add("tls", "self_signed", cert.self_signed, "tls-live", False)
            ctx.add(
                "tls",
                "valid",
                f"{cert.not_before:%Y-%m-%d} .. {cert.not_after:%Y-%m-%d}"
                if cert.not_before and cert.not_after
                else "",
                "tls-live",
                False,
            )
    else:
        ctx.add("tls", "certificate", ACTIVE_OFF, "tls-live", False)
    return ctx
