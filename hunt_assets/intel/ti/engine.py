"""Async fan-out of indicators over providers: cache first, then each provider within its own limits.

Why this shape: providers differ by orders of magnitude in what they allow (VirusTotal public: 4/min;
Shodan: about 1/s; abuse.ch: generous), so each gets its own sliding-window limiter *and* its own
concurrency cap, and all providers run side by side. Everything that can go wrong for one
(provider, indicator) -- missing key, 429 after retries, 401, HTML instead of JSON -- becomes a status
row; the asset calling this never fails because a provider did.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pandas as pd

from hunt_assets.clients.http import (
    ApiError,
    AuthenticationError,
    MalformedResponseError,
    PermissionDeniedError,
    RateLimitedError,
    RateLimiter,
    RetryPolicy,
    redact,
    send_with_retries_async,
    shared_limiter,
)
from hunt_assets.intel.ti.base import BulkListProvider, ParseError, Provider
from hunt_assets.intel.ti.cache import TICache
from hunt_assets.intel.ti.model import Finding, Indicator, Severity, Verdict

log = logging.getLogger("hunt_assets.ti")

ERROR_TTL = timedelta(minutes=30)  # failures are retried on a later run, not hammered within one
DEFAULT_POLICY = RetryPolicy(max_attempts=4, backoff_base=1.0, backoff_max=30.0, max_retry_after=300.0)
MAX_RAW = 200_000  # characters of provider JSON kept per row


@dataclass
class ProviderStats:
    """What one provider cost and returned in one run (for metadata and the benchmark)."""

    calls: int = 0
    cache_hits: int = 0
    fetched: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    call_times: list[float] = field(default_factory=list, repr=False)
    skipped_reason: str = ""
    wall_seconds: float = 0.0

    def peak_in_window(self, seconds: float) -> int:
        """Most calls seen in any window of ``seconds`` (to compare with the configured limit)."""
        times = sorted(self.call_times)
        best, lo = 0, 0
        for hi, t in enumerate(times):
            while times[lo] <= t - seconds:
                lo += 1
            best = max(best, hi - lo + 1)
        return best


@dataclass
class EnrichmentReport:
    verdicts: list[Verdict]
    stats: dict[str, ProviderStats]
    skipped: dict[str, str]

    @property
    def calls(self) -> int:
        return sum(s.calls for s in self.stats.values())

    def frame(self) -> pd.DataFrame:
        cols = [
            "indicator_type",
            "indicator",
            "provider",
            "status",
            "severity",
            "detail",
            "fetched_at",
            "expires_at",
            "from_cache",
        ]
        rows = [
            {
                "indicator_type": v.indicator_type,
                "indicator": v.indicator,
                "provider": v.provider,
                "status": v.status,
                "severity": v.severity.label,
                "detail": v.detail,
                "fetched_at": v.fetched_at,
                "expires_at": v.expires_at,
                "from_cache": v.from_cache,
            }
            for v in self.verdicts
        ]
        df = pd.DataFrame(rows, columns=cols)
        for col in ("fetched_at", "expires_at"):
            df[col] = pd.to_datetime(df[col], utc=True)
        return df

    def summary_markdown(self) -> str:
        lines = ["| provider | calls | cache hits | statuses | note |", "|---|---|---|---|---|"]
        for name, s in sorted(self.stats.items()):
            statuses = ", ".join(f"{k}: {v}" for k, v in sorted(s.statuses.items())) or "-"
            lines.append(f"| {name} | {s.calls} | {s.cache_hits} | {statuses} | {s.skipped_reason or ''} |")
        return "\n".join(lines)


def _dump(raw: object) -> str:
    if raw is None:
        return ""
    text = raw if isinstance(raw, str) else json.dumps(raw, sort_keys=True, default=str)
    return redact(text[:MAX_RAW])


def _status_for(error: Exception) -> str:
    if isinstance(error, RateLimitedError):
        return "rate_limited"
    if isinstance(error, AuthenticationError | PermissionDeniedError):
        return "auth_error"
    if isinstance(error, MalformedResponseError | ParseError):
        return "malformed"
    return "error"


class TIEngine:
    """Enrich indicators with every configured provider; see module docstring for the guarantees."""

    def __init__(
        self,
        providers: Sequence[Provider],
        cache: TICache | None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        policy: RetryPolicy = DEFAULT_POLICY,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        limiters: dict[str, RateLimiter] | None = None,
        error_ttl: timedelta = ERROR_TTL,
    ) -> None:
        names = [p.name for p in providers]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate providers: {names}")
        self.providers = list(providers)
        self.cache = cache
        self.transport = transport
        self.policy = policy
        self.sleep = sleep
        self.clock = clock
        self.error_ttl = error_ttl
        self.limiters = dict(limiters or {})

    def limiter_for(self, provider: Provider) -> RateLimiter:
        if provider.name not in self.limiters:
            self.limiters[provider.name] = shared_limiter(f"ti:{provider.name}:{provider.base_url}", provider.limits)
        return self.limiters[provider.name]

    # -- public API ------------------------------------------------------------------------------
    def enrich(self, indicators: Iterable[Indicator]) -> EnrichmentReport:
        """Synchronous entry point for assets (no event loop is running in a Dagster step)."""
        return asyncio.run(self.enrich_async(indicators))

    async def enrich_async(self, indicators: Iterable[Indicator]) -> EnrichmentReport:
        unique = sorted(set(indicators))
        now = self.clock()
        stats = {p.name: ProviderStats() for p in self.providers}
        skipped: dict[str, str] = {}
        runnable: list[Provider] = []
        for provider in self.providers:
            reason = provider.missing_credentials()
            if reason:
                skipped[provider.name] = reason
                stats[provider.name].skipped_reason = f"skipped: {reason}"
                log.info("TI provider %s skipped: %s", provider.name, reason)
            else:
                runnable.append(provider)
        async with httpx.AsyncClient(
            transport=self.transport, timeout=httpx.Timeout(15.0), follow_redirects=False
        ) as client:
            results = await asyncio.gather(
                *(self._run_provider(client, p, unique, now, stats[p.name]) for p in runnable)
            )
        verdicts = [v for chunk in results for v in chunk]
        return EnrichmentReport(verdicts, stats, skipped)

    # -- one provider ---------------------------------------------------------------------------
    async def _run_provider(
        self,
        client: httpx.AsyncClient,
        provider: Provider,
        indicators: list[Indicator],
        now: datetime,
        stats: ProviderStats,
    ) -> list[Verdict]:
        started = time.monotonic()
        wanted = [i for i in indicators if provider.accepts(i)]
        cached = self.cache.fresh(provider.name, [(i.type, i.value) for i in wanted], now) if self.cache else {}
        stats.cache_hits = len(cached)
        todo = [i for i in wanted if (i.type, i.value) not in cached]
        limiter = self.limiter_for(provider)
        outside_before = provider.requests_sent()
        fresh: list[Verdict] = []

        async def send(request: httpx.Request) -> httpx.Response:
            def build() -> httpx.Request:
                stats.calls += 1
                stats.call_times.append(time.monotonic())
                return request

            # requests are immutable here, so rebuilding = resending the same object
            request.extensions.setdefault("timeout", httpx.Timeout(provider.config.timeout).as_dict())
            return await send_with_retries_async(
                client,
                build,
                service=f"ti:{provider.name}",
                policy=self.policy,
                limiter=limiter,
                forbidden_hint=provider.forbidden_hint,
                sleep=self.sleep,
            )

        if todo and isinstance(provider, BulkListProvider):
            fresh.extend(await self._run_bulk(provider, todo, send, now, stats))
        elif todo:
            fresh.extend(await self._run_lookups(provider, todo, send, now, stats))
        if self.cache and fresh:
            self.cache.store(fresh)
        for v in fresh:
            stats.statuses[v.status] += 1
        for v in cached.values():
            stats.statuses[v.status] += 1
        stats.calls += provider.requests_sent() - outside_before
        stats.fetched = len(fresh)
        stats.wall_seconds = time.monotonic() - started
        return [v for v in fresh if v.indicator_type != "_list"] + list(cached.values())

    def _verdict(self, provider: Provider, indicator: Indicator, finding: Finding, now: datetime) -> Verdict:
        ok = finding.status in {"ok", "not_found"}
        ttl = provider.ttl if ok else self.error_ttl
        return Verdict(
            provider=provider.name,
            indicator_type=indicator.type,
            indicator=indicator.value,
            status=finding.status,
            severity=finding.severity if ok else Severity.INFORMATION,
            detail=redact(finding.detail)[:1000],
            raw_json=_dump(finding.raw),
            fetched_at=now,
            expires_at=now + ttl,
        )

    async def _run_lookups(
        self, provider: Provider, todo: list[Indicator], send: Callable, now: datetime, stats: ProviderStats
    ) -> list[Verdict]:
        semaphore = asyncio.Semaphore(provider.concurrency)
        dead: list[str] = []  # set once credentials are refused: asking again cannot help
        batches = [todo[i : i + provider.batch_size] for i in range(0, len(todo), provider.batch_size)]

        async def one(batch: list[Indicator]) -> list[Verdict]:
            async with semaphore:
                if dead:
                    return [self._verdict(provider, i, Finding("auth_error", detail=dead[0]), now) for i in batch]
                try:
                    findings = await provider.fetch(batch, send)
                except (ApiError, ParseError) as exc:
                    if isinstance(exc, AuthenticationError | PermissionDeniedError) and not dead:
                        dead.append(f"not attempted after: {exc}")
                    out = []
                    for ind in batch:
                        finding = provider.on_error(ind, exc) if isinstance(exc, ApiError) else None
                        out.append(
                            self._verdict(provider, ind, finding or Finding(_status_for(exc), detail=str(exc)), now)
                        )
                    return out
                except (httpx.HTTPError, UnicodeError, TypeError, ValueError, KeyError) as exc:
                    log.warning("TI %s: unexpected %s", provider.name, type(exc).__name__)
                    return [
                        self._verdict(provider, i, Finding("error", detail=f"{type(exc).__name__}: {exc}"), now)
                        for i in batch
                    ]
                return [
                    self._verdict(
                        provider,
                        i,
                        findings.get(i) or Finding("malformed", detail="the answer did not mention this indicator"),
                        now,
                    )
                    for i in batch
                ]

        chunks = await asyncio.gather(*(one(b) for b in batches))
        return [v for chunk in chunks for v in chunk]

    async def _run_bulk(
        self,
        provider: BulkListProvider,
        todo: list[Indicator],
        send: Callable,
        now: datetime,
        stats: ProviderStats,
    ) -> list[Verdict]:
        out: list[Verdict] = []
        list_name = provider.base_url
        table = self.cache.load_list(provider.name, list_name, now) if self.cache else None
        if table is None:
            try:
                table = provider.parse_list(await send(provider.list_request()))
            except (ApiError, ParseError) as exc:
                status = _status_for(exc)
                return [
                    self._verdict(provider, i, Finding(status, detail=f"list unavailable: {exc}"), now) for i in todo
                ]
            out.append(
                Verdict(
                    provider=provider.name,
                    indicator_type="_list",
                    indicator=list_name,
                    status="ok",
                    severity=Severity.INFORMATION,
                    detail=f"{len(table)} entries",
                    raw_json=json.dumps(table, sort_keys=True),
                    fetched_at=now,
                    expires_at=now + provider.list_ttl,
                )
            )
        out.extend(self._verdict(provider, i, provider.finding_for(i, table), now) for i in todo)
        return out


def combine(verdicts: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator: the worst severity any provider reported, and who reported it.

    Only real answers ('ok', 'not_found') count; errors are listed so 'information' is never mistaken
    for 'clean' when every provider failed.
    """
    cols = [
        "indicator_type",
        "indicator",
        "combined_severity",
        "severity_rank",
        "providers_flagging",
        "providers_answered",
        "providers_failed",
    ]
    if verdicts.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for (itype, ind), grp in verdicts.groupby(["indicator_type", "indicator"], sort=True):
        answered = grp[grp["status"].isin(["ok", "not_found"])]
        ranks = answered["severity"].map(lambda s: int(Severity.parse(s)))
        top = int(ranks.max()) if len(ranks) else 0
        flagging = sorted(answered.loc[ranks[ranks == top].index, "provider"]) if top > 0 else []
        rows.append(
            {
                "indicator_type": itype,
                "indicator": ind,
                "combined_severity": Severity(top).label,
                "severity_rank": top,
                "providers_flagging": ", ".join(flagging),
                "providers_answered": ", ".join(sorted(answered["provider"])),
                "providers_failed": ", ".join(
                    sorted(
                        f"{p} ({s})"
                        for p, s in grp.loc[~grp.index.isin(answered.index), ["provider", "status"]].itertuples(
                            index=False
                        )
                    )
                ),
            }
        )
    return pd.DataFrame(rows, columns=cols)


def summarize_by_provider(report: EnrichmentReport) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = defaultdict(dict)
    for name, s in report.stats.items():
        out[name] = {
            "calls": s.calls,
            "cache_hits": s.cache_hits,
            "statuses": dict(s.statuses),
            "skipped": s.skipped_reason,
        }
    return dict(out)
