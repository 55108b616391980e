"""The interface every passive-DNS provider implements, and the fan-out over the configured ones.

Why an interface: the asset must not care whether history comes from MDTI, a COF server or the sample
tenant, and one provider failing (an MDTI licence missing, a COF quota spent) must not throw away what
the others returned -- the failure is reported, the rest is still merged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from hunt_assets.clients.http import ApiError, redact
from hunt_assets.entities import PRIVATE_ADDRESS, Entity, is_ip
from hunt_assets.intel.pdns.model import PassiveDnsRecord, RecordError
from hunt_assets.special_names import never_delegated

log = logging.getLogger("hunt_assets.pdns")


class ProviderUnavailable(RuntimeError):
    """A provider cannot answer at all (its data source is missing); the message says how to fix it."""


@dataclass
class LookupResult:
    """What one provider returned for one entity, with the caveats a hunter must see."""

    source: str
    records: list[PassiveDnsRecord] = field(default_factory=list)
    truncated: bool = False  # the provider stopped early (limit, stream cut off): history is partial
    warnings: list[str] = field(default_factory=list)
    skipped: int = 0  # records dropped as malformed (each named in warnings, up to a few)
    error: str | None = None  # the provider failed outright; records may still hold earlier pages
    retryable: bool = False  # the failure may pass (throttling, 5xx, network), so a later retry can help
    not_asked: str = ""  # why this provider was deliberately not asked (the entity must not leave the network)


@runtime_checkable
class PassiveDnsProvider(Protocol):
    """A source of passive-DNS history. Domains get forward look-ups, IPs reverse look-ups.

    A provider that keeps ``external = False`` reads only our own data (the sample lake); any other
    is a third party and is never sent internal names or private addresses (see ``not_asked``).
    """

    name: str

    def lookup(self, entity: Entity) -> LookupResult: ...


def not_asked(entity: Entity) -> str:
    """Why no third-party provider may see ``entity``, or "".

    An internal-only name or a private address is unknown outside the network, and asking about it
    leaks it; an anonymity network's name never resolves in the DNS, so no sensor ever saw it.
    Documentation ranges (RFC 5737/3849) are asked, as the threat-intel model does.
    """
    if is_ip(entity.host):  # an IP investigation, or a URL on an address
        return PRIVATE_ADDRESS if entity.is_private_ip else ""
    return never_delegated(entity.host)


def collect(providers: Sequence[PassiveDnsProvider], entity: Entity) -> list[LookupResult]:
    """Ask every provider; an ApiError, RecordError or ProviderUnavailable becomes that provider's ``error``.

    The caller decides whether "all providers failed" fails the asset (it should: nothing was learned).
    A third-party provider is not asked about an entity that ``not_asked`` names; its result says so
    and is not an error.
    """
    results = []
    outside = not_asked(entity)
    for provider in providers:
        if outside and getattr(provider, "external", True):
            why = f"not asked: {outside}"
            log.info("passive DNS provider %s not asked about %s: %s", provider.name, entity.host, outside)
            results.append(LookupResult(source=provider.name, not_asked=why))
            continue
        try:
            result = provider.lookup(entity)
        except (ApiError, RecordError, ProviderUnavailable) as exc:
            message = redact(str(exc))
            log.warning("passive DNS provider %s failed for %s: %s", provider.name, entity.host, message)
            result = LookupResult(source=provider.name, error=message,
                                  retryable=bool(getattr(exc, "retryable", False)))
        results.append(result)
    return results


class WarningCollector:
    """Keeps the first few malformed-record messages and counts the rest: 50k bad rows must not flood logs."""

    def __init__(self, limit: int = 5) -> None:
        self.limit = limit
        self.messages: list[str] = []
        self.skipped = 0

    def add(self, message: str) -> None:
        self.skipped += 1
        if len(self.messages) < self.limit:
            self.messages.append(redact(message))

    def summary(self) -> list[str]:
        out = list(self.messages)
        if self.skipped > len(self.messages):
            out.append(f"... and {self.skipped - len(self.messages)} more malformed records skipped")
        return out
