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
from hunt_assets.entities import Entity
from hunt_assets.intel.pdns.model import PassiveDnsRecord, RecordError

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


@runtime_checkable
class PassiveDnsProvider(Protocol):
    """A source of passive-DNS history. Domains get forward look-ups, IPs reverse look-ups."""

    name: str

    def lookup(self, entity: Entity) -> LookupResult: ...


def collect(providers: Sequence[PassiveDnsProvider], entity: Entity) -> list[LookupResult]:
    """Ask every provider; an ApiError, RecordError or ProviderUnavailable becomes that provider's ``error``.

    The caller decides whether "all providers failed" fails the asset (it should: nothing was learned).
    """
    results = []
    for provider in providers:
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
