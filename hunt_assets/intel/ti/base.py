"""The provider contract: how one TI service is asked, and how its answer becomes a ``Finding``.

Why requests are *built* by providers but *sent* by the engine: the engine owns everything that must be
uniform -- the rate limiter, retries with Retry-After, the cache, turning failures into status rows --
so a provider module is only its documented HTTP contract (URL, auth header, body) and a parser.
Parsers raise ``ParseError`` on shapes they do not understand; the engine turns that into a
'malformed' status row, never a failed asset.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar

import httpx

from hunt_assets.clients.http import ApiError, Limit, NotFoundError, json_body, register_secret
from hunt_assets.intel.ti.model import Finding, Indicator, Severity

Send = Callable[[httpx.Request], Awaitable[httpx.Response]]


class ParseError(ValueError):
    """The provider answered 2xx with JSON we cannot interpret (a shape its docs do not describe)."""


@dataclass(frozen=True)
class ProviderConfig:
    """Per-provider settings; everything has a documented default except the credentials."""

    api_key: str | None = field(default=None, repr=False)
    api_secret: str | None = field(default=None, repr=False)
    base_url: str | None = None
    limits: tuple[Limit, ...] | None = None
    concurrency: int | None = None
    ttl: timedelta | None = None
    timeout: float = 15.0

    def __post_init__(self) -> None:
        register_secret(self.api_key)
        register_secret(self.api_secret)


class Provider:
    """One TI service. Subclasses set the class attributes and implement ``request`` + ``parse``."""

    name: ClassVar[str]
    supports: ClassVar[frozenset[str]]
    default_base_url: ClassVar[str]
    default_limits: ClassVar[tuple[Limit, ...]]
    default_concurrency: ClassVar[int] = 4
    default_ttl: ClassVar[timedelta] = timedelta(days=1)
    requires_key: ClassVar[bool] = True
    batch_size: ClassVar[int] = 1
    forbidden_hint: ClassVar[str] = ""
    is_bulk_list: ClassVar[bool] = False

    def __init__(self, config: ProviderConfig | None = None) -> None:
        self.config = config or ProviderConfig()

    def __repr__(self) -> str:  # never the key
        key = "set" if self.config.api_key else "unset"
        return f"{type(self).__name__}(base_url={self.base_url!r}, key={key})"

    # -- configuration -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return (self.config.base_url or self.default_base_url).rstrip("/")

    @property
    def limits(self) -> tuple[Limit, ...]:
        return self.config.limits or self.default_limits

    @property
    def concurrency(self) -> int:
        return max(1, self.config.concurrency or self.default_concurrency)

    @property
    def ttl(self) -> timedelta:
        return self.config.ttl or self.default_ttl

    def requests_sent(self) -> int:
        """HTTP requests this provider sent outside the engine's own path (MDTI goes through GraphClient)."""
        return 0

    def missing_credentials(self) -> str | None:
        """Why this provider cannot run (None when it can): reported, never raised."""
        if self.requires_key and not self.config.api_key:
            return "no API key configured"
        return None

    def accepts(self, indicator: Indicator) -> bool:
        return indicator.type in self.supports

    # -- the HTTP contract ---------------------------------------------------------------------
    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def request(self, indicators: Sequence[Indicator]) -> httpx.Request:
        raise NotImplementedError

    def parse(self, indicators: Sequence[Indicator], response: httpx.Response) -> dict[Indicator, Finding]:
        raise NotImplementedError

    def on_error(self, indicator: Indicator, error: ApiError) -> Finding | None:
        """Providers whose 404 means 'never seen' (a normal TI answer) say so here."""
        if isinstance(error, NotFoundError):
            return Finding("not_found", Severity.INFORMATION, "not known to the provider")
        return None

    async def fetch(self, indicators: Sequence[Indicator], send: Send) -> dict[Indicator, Finding]:
        """Ask about a batch (one indicator unless ``batch_size`` > 1); overridden by non-HTTP providers."""
        response = await send(self.request(indicators))
        return self.parse(indicators, response)

    def json(self, response: httpx.Response) -> Any:
        return json_body(self.name, response)


class BulkListProvider(Provider):
    """A provider that publishes a whole list (Tor exits, SSLBL): download once per TTL, answer locally.

    One call per list refresh instead of one per indicator; the list itself is kept in the cache
    table under indicator_type '_list' so it survives restarts and is refreshed daily.
    """

    is_bulk_list: ClassVar[bool] = True
    requires_key: ClassVar[bool] = False
    list_ttl: ClassVar[timedelta] = timedelta(days=1)

    def list_request(self) -> httpx.Request:
        raise NotImplementedError

    def parse_list(self, response: httpx.Response) -> dict[str, str]:
        """member -> detail (e.g. SHA1 -> listing reason)."""
        raise NotImplementedError

    def finding_for(self, indicator: Indicator, table: dict[str, str]) -> Finding:
        raise NotImplementedError


def need(obj: Any, *path: str | int) -> Any:
    """Walk a JSON document; a missing step is a ParseError naming the path (not a KeyError deep down)."""
    cur = obj
    for step in path:
        try:
            cur = cur[step]
        except (KeyError, IndexError, TypeError):
            shown = "/".join(str(p) for p in path)
            raise ParseError(f"response lacks {shown!r}") from None
    return cur


def as_dict(obj: Any, what: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise ParseError(f"{what}: expected a JSON object, got {type(obj).__name__}")
    return obj
