"""Live DNS (A/AAAA/NS/MX/TXT/SOA) with dnspython; resolver, nameservers and timeout are configuration.

Why it is an *active* look-up: a recursive query for a name nobody else asks about ends at the
suspect's authoritative servers, which can tell that someone is looking. Callers only run it when
``HUNT_ACTIVE_LOOKUPS=1``. The resolver is injectable so tests and sample mode never touch the network.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import dns.exception
import dns.resolver

RECORD_TYPES: tuple[str, ...] = ("A", "AAAA", "NS", "MX", "TXT", "SOA")


class Resolver(Protocol):
    def resolve(self, qname: str, rdtype: str, *, lifetime: float | None = None) -> Iterable[Any]: ...


@dataclass
class DnsContext:
    name: str
    records: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        return "NXDOMAIN" not in self.errors.values()


def make_resolver(nameservers: Sequence[str] | None = None, timeout: float = 3.0) -> dns.resolver.Resolver:
    """A dnspython resolver on the system configuration, or on the given nameservers."""
    resolver = dns.resolver.Resolver(configure=not nameservers)
    if nameservers:
        resolver.nameservers = list(nameservers)
    resolver.timeout = timeout
    resolver.lifetime = timeout
    return resolver


def resolve_all(
    name: str, *, resolver: Resolver | None = None, types: Sequence[str] = RECORD_TYPES, timeout: float = 3.0
) -> DnsContext:
    """Every record type asked once; failures per type are recorded, never raised."""
    resolver = resolver or make_resolver(timeout=timeout)
    ctx = DnsContext(name)
    for rdtype in types:
        try:
            answer = resolver.resolve(name, rdtype, lifetime=timeout)
            ctx.records[rdtype] = sorted(
                r.to_text().strip('"') if rdtype == "TXT" else r.to_text().rstrip(".") for r in answer
            )
        except dns.resolver.NXDOMAIN:
            ctx.errors[rdtype] = "NXDOMAIN"
            break  # the name does not exist: no point asking for other types
        except dns.resolver.NoAnswer:
            ctx.records[rdtype] = []
        except dns.resolver.NoNameservers:
            ctx.errors[rdtype] = "SERVFAIL (no nameserver answered)"
        except dns.exception.Timeout:
            ctx.errors[rdtype] = f"timeout after {timeout:g}s"
        except dns.exception.DNSException as exc:
            ctx.errors[rdtype] = f"{type(exc).__name__}: {exc}"[:200]
    return ctx


class _Rdata:
    def __init__(self, text: str) -> None:
        self._text = text

    def to_text(self) -> str:
        return self._text


class FakeResolver:
    """An in-memory resolver: ``{(name, type): [answers]}``; unknown names are NXDOMAIN.

    Used by tests and by sample mode (fed from the sample tenant's passive DNS), so the code above runs
    unchanged without the network.
    """

    def __init__(self, zone: Mapping[tuple[str, str], Sequence[str]], *, timeouts: Iterable[str] = ()) -> None:
        self.zone = {(n.lower().rstrip("."), t.upper()): list(v) for (n, t), v in zone.items()}
        self.names = {n for n, _ in self.zone}
        self.timeouts = {t.lower() for t in timeouts}
        self.queries: list[tuple[str, str]] = []

    def resolve(self, qname: str, rdtype: str, *, lifetime: float | None = None) -> list[_Rdata]:
        name = qname.lower().rstrip(".")
        self.queries.append((name, rdtype))
        if name in self.timeouts:
            raise dns.exception.Timeout
        if name not in self.names:
            raise dns.resolver.NXDOMAIN
        answers = self.zone.get((name, rdtype.upper()))
        if not answers:
            raise dns.resolver.NoAnswer
        return [_Rdata(a) for a in answers]
