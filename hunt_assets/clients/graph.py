"""Microsoft Graph over httpx: bearer auth, retries, throttling and paging in one place.

Every Graph consumer (hunting, alerts, MDTI passive DNS and reputation) stands on this client, so each one
gets the same behaviour for free: the request is rebuilt per attempt (a re-acquired token is picked up
after a 401), 429/5xx/timeouts go through ``send_with_retries``, and ``@odata.nextLink`` is followed
verbatim -- but only on the Graph host we were configured with, so a bearer token is never sent elsewhere.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol
from urllib.parse import quote, urlencode

import httpx

from hunt_assets.clients.auth import DEFAULT_GRAPH_URL, TokenProvider
from hunt_assets.clients.http import (
    MalformedResponseError,
    RetryPolicy,
    json_body,
    safe_url,
    send_with_retries,
)

log = logging.getLogger("hunt_assets.graph")


class Limiter(Protocol):
    """What a client needs from a limiter: ``http.RateLimiter`` or the cross-process ``FileRateLimiter``."""

    def acquire(self) -> float: ...

    def state(self) -> str: ...


DEFAULT_TIMEOUT = httpx.Timeout(connect=15.0, read=210.0, write=30.0, pool=15.0)  # AH runs up to 3 min
SERVICE = "graph"


class GraphClient:
    """A Graph API client for one tenant and app (one token provider).

    With ``version=""`` it is a plain bearer-JSON client, which is how the legacy Defender API reuses it.
    """

    def __init__(
        self,
        token_provider: TokenProvider,
        *,
        base_url: str = DEFAULT_GRAPH_URL,
        version: str = "v1.0",
        limiter: Limiter | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        policy: RetryPolicy | None = None,
        service: str = SERVICE,
        http_client: httpx.Client | None = None,
        malformed_retries: int = 3,
    ) -> None:
        self.token_provider = token_provider
        self.base_url = base_url.rstrip("/")
        self.version = version.strip("/")
        self.limiter = limiter
        self.sleep = sleep
        self.policy = policy or RetryPolicy()
        self.service = service
        self._origin = httpx.URL(self.base_url)
        self._http = http_client or httpx.Client(transport=transport, timeout=timeout)
        self.malformed_retries = malformed_retries
        self.requests_sent = 0

    # -- plumbing ------------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        """Absolute URL for a Graph path ('/security/alerts_v2') or a nextLink (already absolute)."""
        if path.startswith(("https://", "http://")):
            return path
        prefix = f"{self.base_url}/{self.version}" if self.version else self.base_url
        return f"{prefix}/{path.lstrip('/')}"

    def _check_origin(self, url: str) -> None:
        u = httpx.URL(url)
        if (u.scheme, u.host, u.port) != (self._origin.scheme, self._origin.host, self._origin.port):
            raise MalformedResponseError(
                self.service,
                f"refusing to send the Graph token to {safe_url(u)} (configured Graph host is "
                f"{safe_url(self._origin)})",
            )

    def with_limiter(self, limiter: Limiter | None) -> GraphClient:
        """The same connection and token, counted against another limiter (alerts: 150/min, AH: 45/min)."""
        clone = object.__new__(GraphClient)
        clone.__dict__.update(self.__dict__)
        clone.limiter = limiter
        return clone

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        forbidden_hint: str = "",
        timeout: httpx.Timeout | float | None = None,
    ) -> httpx.Response:
        url = self.url(path)
        self._check_origin(url)
        if params:
            # OData wants %20, not '+', for spaces ('+' is data in datetime offsets) and a literal '$'.
            query = urlencode({k: str(v) for k, v in params.items()}, quote_via=quote, safe="$'(),:")
            url = f"{url}{'&' if '?' in url else '?'}{query}"

        def build() -> httpx.Request:
            h = {"Authorization": f"Bearer {self.token_provider.token()}", "Accept": "application/json"}
            if json is not None:
                h["Content-Type"] = "application/json; charset=utf-8"
            if headers:
                h.update(headers)
            extensions = {"timeout": httpx.Timeout(timeout).as_dict()} if timeout is not None else None
            self.requests_sent += 1
            return self._http.build_request(method, url, json=json, headers=h, extensions=extensions)

        return send_with_retries(
            self._http,
            build,
            service=self.service,
            policy=self.policy,
            limiter=self.limiter,
            on_unauthorized=self.token_provider.invalidate,
            forbidden_hint=forbidden_hint,
            sleep=self.sleep,
        )

    def _json_call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """A request whose 2xx body must be a JSON object; a garbled body is re-requested (bounded).

        Why: a truncated or non-JSON 200 (a proxy's HTML page, a cut connection) is transient, and every
        call made through here is a read -- runHuntingQuery included -- so asking again is safe.
        """
        attempt = 0
        while True:
            attempt += 1
            response = self.request(method, path, **kwargs)
            try:
                return self._json_object(response)
            except MalformedResponseError as exc:
                if attempt > self.malformed_retries:
                    raise
                delay = self.policy.backoff(attempt)
                log.warning("%s; asking again in %.1fs", exc, delay)
                self.sleep(delay)

    def _json_object(self, response: httpx.Response) -> dict[str, Any]:
        body = json_body(self.service, response)
        if not isinstance(body, dict):
            raise MalformedResponseError(
                self.service,
                f"expected a JSON object from {safe_url(response.request.url)}, got {type(body).__name__}",
                status=response.status_code,
            )
        return body

    # -- public surface -------------------------------------------------------------------------------

    def get_json(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        forbidden_hint: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        return self._json_call("GET", path, params=params, headers=headers, forbidden_hint=forbidden_hint)

    def post_json(
        self,
        path: str,
        body: Any,
        *,
        forbidden_hint: str = "",
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | float | None = None,
    ) -> dict[str, Any]:
        return self._json_call("POST", path, json=body, headers=headers, forbidden_hint=forbidden_hint, timeout=timeout)

    def get_paged(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        forbidden_hint: str = "",
        headers: Mapping[str, str] | None = None,
        max_pages: int | None = None,
    ) -> Iterator[dict]:
        """Yield every item of ``value`` across all pages; the nextLink is followed exactly as given.

        The query parameters go on the first request only: the nextLink already encodes them (and a
        skiptoken), and editing it is what the Graph docs tell clients not to do.
        """
        url: str | None = path
        page_params: Mapping[str, Any] | None = params
        pages = 0
        seen_links: set[str] = set()
        while url:
            body = self.get_json(url, page_params, forbidden_hint=forbidden_hint, headers=headers)
            value = body.get("value")
            if not isinstance(value, list):
                raise MalformedResponseError(
                    self.service, f"page {pages + 1} of {safe_url(self.url(path))} has no 'value' list"
                )
            yield from value
            pages += 1
            next_link = body.get("@odata.nextLink")
            if next_link is not None and not isinstance(next_link, str):
                raise MalformedResponseError(self.service, "@odata.nextLink is not a string")
            if next_link in seen_links:
                raise MalformedResponseError(self.service, f"@odata.nextLink loops after {pages} pages")
            if next_link:
                seen_links.add(next_link)
            if max_pages is not None and pages >= max_pages:
                return
            url, page_params = next_link, None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GraphClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"GraphClient(base_url={self.base_url!r}, version={self.version!r}, tokens={self.token_provider!r})"
