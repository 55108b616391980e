"""The one HTTP layer every remote client stands on: retries, Retry-After, rate limits, typed errors.

Why one layer: each provider (Graph, the legacy Defender API, TI services, RDAP, passive DNS) fails in the
same handful of ways -- 429 with or without ``Retry-After``, 5xx, timeouts, connection resets, expired
tokens, garbage bodies. Handling them once, here, means every client gets the same bounded, observable
behaviour, and tests can drive every fault class through ``httpx.MockTransport`` without real sleeps
(``sleep`` and ``clock`` are injectable).
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import re
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

log = logging.getLogger("hunt_assets.http")

# --------------------------------------------------------------------------------------------------
# Errors. Messages are built from redacted text only: they end up in Dagster logs and run metadata.
# --------------------------------------------------------------------------------------------------


class ApiError(Exception):
    """A remote service answered, or failed to answer, in a way the caller must handle."""

    retryable = False

    def __init__(self, service: str, message: str, *, status: int | None = None, code: str | None = None,
                 retry_after: float | None = None) -> None:
        self.service = service
        self.status = status
        self.code = code
        self.retry_after = retry_after
        super().__init__(redact(f"{service}: {message}"))


class TransportError(ApiError):
    """Timeouts, resets, DNS failures: the request may never have reached the service."""

    retryable = True


class RateLimitedError(ApiError):
    """429 (or a 503 used the same way) that outlived our retries."""

    retryable = True


class ServerError(ApiError):
    """5xx that outlived our retries."""

    retryable = True


class AuthenticationError(ApiError):
    """401 even after a fresh token: credentials are wrong, expired or revoked."""


class PermissionDeniedError(ApiError):
    """403: the token is valid but lacks a permission (the message names it where we know it)."""


class QueryCostError(ApiError):
    """The service refused the query for its cost (CPU quota, 'exceeded the allowed limits').

    Retryable, but later -- never in a hot loop: the quota resets on a 15-minute cycle.
    """

    retryable = True


class NotFoundError(ApiError):
    """404: the entity is unknown to the service (often a normal answer for TI look-ups)."""


class BadRequestError(ApiError):
    """Any other 4xx: our request is wrong; retrying cannot help."""


class MalformedResponseError(ApiError):
    """The service answered 2xx with a body we cannot parse (HTML, truncated JSON, empty)."""


# --------------------------------------------------------------------------------------------------
# Redaction
# --------------------------------------------------------------------------------------------------

_SECRET_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9\-._~+/]+=*"),
    re.compile(r"(?i)((?:client_secret|access_token|refresh_token|id_token|client_assertion|password|apikey|"
               r"api_key|key|token|x-apikey|x-key)[\"']?\s*[:=]\s*[\"']?)[^\"'&\s,}]+"),
    re.compile(r"eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),  # JWTs wherever they appear
]
_extra_secrets: set[str] = set()
_extra_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Make ``redact`` scrub this exact value everywhere, whatever its shape (client secrets have none)."""
    if value and len(value) >= 4:
        with _extra_lock:
            _extra_secrets.add(value)


def redact(text: str) -> str:
    """Scrub tokens, secrets and API keys from text bound for logs, metadata or exceptions."""
    for secret in list(_extra_secrets):
        text = text.replace(secret, "***")
    for pattern in _SECRET_PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + "***", text)
        else:
            text = pattern.sub("***", text)
    return text


def safe_url(url: httpx.URL | str) -> str:
    """A URL fit for messages: no query string (it may carry keys) and no userinfo."""
    u = httpx.URL(str(url))
    return str(u.copy_with(query=None, fragment=None, username=None, password=None))


# --------------------------------------------------------------------------------------------------
# Rate limiting: sliding windows, shared per key within a process
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    """At most ``calls`` calls in any ``per_seconds`` window."""

    calls: int
    per_seconds: float

    def __post_init__(self) -> None:
        if self.calls < 1 or self.per_seconds <= 0:
            raise ValueError(f"invalid rate limit {self.calls}/{self.per_seconds}s")


def window_wait(calls: Iterable[float], limits: Iterable[Limit], now: float) -> float:
    """Seconds until one more call fits every window (0.0 when it fits now), given past call times."""
    calls = list(calls)
    wait = 0.0
    for limit in limits:
        in_window = [t for t in calls if t > now - limit.per_seconds]
        if len(in_window) >= limit.calls:
            # never 0 while the window is full: float rounding at the window's edge must not let a call
            # through that the service (counting the same way) would refuse
            wait = max(wait, in_window[-limit.calls] + limit.per_seconds - now, 1e-3)
    return wait


class WindowLimiter:
    """Blocking and async acquisition over ``_reserve``; subclasses keep the call log (memory or file)."""

    name: str
    sleep: Callable[[float], None]
    waited_seconds: float

    def _reserve(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def state(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def acquire(self) -> float:
        """Block until a call is allowed; return the seconds waited."""
        waited = 0.0
        while (wait := self._reserve()) > 0:
            if waited == 0.0:
                log.info("rate limiter %s: waiting %.1fs (%s)", self.name, wait, self.state())
            self.sleep(wait)
            waited += wait
        self.waited_seconds += waited
        return waited

    async def acquire_async(self, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> float:
        waited = 0.0
        while (wait := self._reserve()) > 0:
            await sleep(wait)
            waited += wait
        self.waited_seconds += waited
        return waited


@dataclass
class RateLimiter(WindowLimiter):
    """Sliding-window limiter over several windows at once (e.g. 45/min *and* 1,500/hour).

    A sliding log rather than a token bucket because the services count calls per window, and a
    bucket refilled continuously can exceed a per-hour quota at its edges. Thread-safe; the async
    path shares the same bookkeeping.
    """

    name: str
    limits: tuple[Limit, ...]
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _calls: deque[float] = field(default_factory=deque, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    waited_seconds: float = 0.0
    total_calls: int = 0
    peak_per_second: int = 0

    def _reserve(self) -> float:
        """Record a call now if allowed and return 0, else return how long to wait."""
        with self._lock:
            now = self.clock()
            horizon = max(limit.per_seconds for limit in self.limits)
            while self._calls and self._calls[0] <= now - horizon:
                self._calls.popleft()
            wait = window_wait(self._calls, self.limits, now)
            if wait > 0:
                return wait
            self._calls.append(now)
            self.total_calls += 1
            last_second = sum(1 for t in self._calls if t > now - 1.0)
            self.peak_per_second = max(self.peak_per_second, last_second)
            return 0.0

    def state(self) -> str:
        """Human-readable usage per window, for logs."""
        now = self.clock()
        parts = []
        for limit in self.limits:
            used = sum(1 for t in self._calls if t > now - limit.per_seconds)
            parts.append(f"{used}/{limit.calls} per {limit.per_seconds:g}s")
        return ", ".join(parts) + f"; {self.total_calls} calls, waited {self.waited_seconds:.1f}s"


_limiters: dict[str, RateLimiter] = {}
_limiters_lock = threading.Lock()


def shared_limiter(key: str, limits: Iterable[Limit]) -> RateLimiter:
    """One limiter per key (e.g. tenant id + service) per process, so every hunt of a run shares it."""
    limits = tuple(limits)
    with _limiters_lock:
        limiter = _limiters.get(key)
        if limiter is None or limiter.limits != limits:
            limiter = RateLimiter(name=key, limits=limits)
            _limiters[key] = limiter
        return limiter


# --------------------------------------------------------------------------------------------------
# Retries
# --------------------------------------------------------------------------------------------------


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: the service's own Retry-After wins, else exponential backoff with full jitter."""

    max_attempts: int = 5
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    max_retry_after: float = 900.0  # a 15-minute quota cycle is the longest wait we accept in-process
    retry_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        cap = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        return (rng or random).uniform(cap / 2, cap)


def error_message(response: httpx.Response) -> tuple[str | None, str]:
    """(code, message) from the usual JSON error bodies, or a short text excerpt."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        text = response.text.strip().replace("\n", " ")
        return None, text[:300] or response.reason_phrase
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            code = err.get("code")
            message = err.get("message") or err.get("error_description") or json.dumps(err)[:300]
            return (str(code) if code is not None else None), str(message)[:500]
        if isinstance(err, str):
            return err, str(body.get("error_description") or body.get("message") or err)[:500]
    return None, json.dumps(body)[:300]


def classify(service: str, response: httpx.Response, *, forbidden_hint: str = "") -> ApiError:
    """Map a non-2xx answer to the error the caller should see."""
    code, message = error_message(response)
    status = response.status_code
    where = f"{response.request.method} {safe_url(response.request.url)}"
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    lowered = message.lower()
    if status == 429:
        return RateLimitedError(service, f"throttled (429) on {where}: {message}", status=status, code=code,
                                retry_after=retry_after)
    if status == 401:
        return AuthenticationError(service, f"unauthorized (401) on {where}: {message}", status=status, code=code)
    if status == 403:
        hint = f" -- grant {forbidden_hint}" if forbidden_hint else ""
        return PermissionDeniedError(service, f"forbidden (403) on {where}: {message}{hint}", status=status,
                                     code=code)
    if status == 404:
        return NotFoundError(service, f"not found (404) on {where}: {message}", status=status, code=code)
    if status == 400 and ("exceeded the allowed" in lowered or "processing resources" in lowered
                          or ("cpu" in lowered and "quota" in lowered)):
        return QueryCostError(service, f"query cost limit on {where}: {message}", status=status, code=code,
                              retry_after=retry_after or 900.0)
    if status >= 500:
        return ServerError(service, f"server error {status} on {where}: {message}", status=status, code=code,
                           retry_after=retry_after)
    return BadRequestError(service, f"HTTP {status} on {where}: {message}", status=status, code=code)


Sleep = Callable[[float], None]


def send_with_retries(
    client: httpx.Client,
    build: Callable[[], httpx.Request],
    *,
    service: str,
    policy: RetryPolicy = RetryPolicy(),
    limiter: RateLimiter | None = None,
    on_unauthorized: Callable[[], None] | None = None,
    forbidden_hint: str = "",
    sleep: Sleep = time.sleep,
    rng: random.Random | None = None,
) -> httpx.Response:
    """Send a request built fresh per attempt (so a refreshed token is picked up) and return a 2xx answer.

    401 calls ``on_unauthorized`` (drop the cached token) and retries once; a second 401 fails.
    429/5xx/transport faults retry up to ``policy.max_attempts`` honouring Retry-After.
    Everything else raises the matching ``ApiError`` at once.
    """
    reauthed = False
    attempt = 0
    while True:
        attempt += 1
        if limiter is not None:
            limiter.acquire()
        request = build()
        try:
            response = client.send(request)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            err: ApiError = TransportError(service, f"{type(exc).__name__} on {request.method} "
                                                    f"{safe_url(request.url)}")
            if attempt >= policy.max_attempts:
                raise err from None
            delay = policy.backoff(attempt, rng)
            log.warning("%s; retry %d/%d in %.1fs", err, attempt, policy.max_attempts - 1, delay)
            sleep(delay)
            continue
        if response.is_success:
            return response
        response.read()
        err = classify(service, response, forbidden_hint=forbidden_hint)
        if isinstance(err, AuthenticationError) and on_unauthorized is not None and not reauthed:
            reauthed = True
            log.info("%s: 401, dropping the cached token and re-acquiring once", service)
            on_unauthorized()
            attempt -= 1  # a token refresh is not a failed attempt
            continue
        retryable = response.status_code in policy.retry_statuses and not isinstance(err, QueryCostError)
        if not retryable or attempt >= policy.max_attempts:
            raise err
        delay = err.retry_after if err.retry_after is not None else policy.backoff(attempt, rng)
        if delay > policy.max_retry_after:
            raise err
        log.warning("%s: HTTP %d, retry %d/%d in %.1fs%s", service, response.status_code, attempt,
                    policy.max_attempts - 1, delay,
                    " (Retry-After)" if err.retry_after is not None else " (backoff)")
        sleep(delay)


async def send_with_retries_async(
    client: httpx.AsyncClient,
    build: Callable[[], httpx.Request],
    *,
    service: str,
    policy: RetryPolicy = RetryPolicy(),
    limiter: RateLimiter | None = None,
    forbidden_hint: str = "",
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    rng: random.Random | None = None,
) -> httpx.Response:
    """The async twin of :func:`send_with_retries` for fan-out clients (TI providers)."""
    attempt = 0
    while True:
        attempt += 1
        if limiter is not None:
            await limiter.acquire_async(sleep)
        request = build()
        try:
            response = await client.send(request)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            err: ApiError = TransportError(service, f"{type(exc).__name__} on {request.method} "
                                                    f"{safe_url(request.url)}")
            if attempt >= policy.max_attempts:
                raise err from None
            await sleep(policy.backoff(attempt, rng))
            continue
        if response.is_success:
            return response
        await response.aread()
        err = classify(service, response, forbidden_hint=forbidden_hint)
        retryable = response.status_code in policy.retry_statuses and not isinstance(err, QueryCostError)
        if not retryable or attempt >= policy.max_attempts:
            raise err
        delay = err.retry_after if err.retry_after is not None else policy.backoff(attempt, rng)
        if delay > policy.max_retry_after:
            raise err
        await sleep(delay)


def json_body(service: str, response: httpx.Response) -> Any:
    """Parse a 2xx body as JSON or raise MalformedResponseError naming what came instead."""
    ctype = response.headers.get("content-type", "")
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        excerpt = response.text[:80].replace("\n", " ")
        raise MalformedResponseError(
            service, f"expected JSON from {safe_url(response.request.url)}, got {ctype or 'no content-type'} "
                     f"({len(response.content)} bytes): {excerpt!r}", status=response.status_code) from None
