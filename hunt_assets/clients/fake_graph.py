"""An in-process fake of the Microsoft APIs we call, as an ``httpx`` transport, backed by the sample tenant.

Why: the live code path (msal, bearer auth, retries, throttling, splitting on the row cap, paging) must be
watchable offline and testable without a tenant. The fake answers like the documented services do --
Entra ID's token endpoint and OpenID metadata, Graph ``runHuntingQuery`` (executing the KQL against the
sample lake, so results are real), ``alerts_v2`` with ``@odata.nextLink`` paging, and the legacy
``/api/advancedhunting/run`` -- and it fails like them on demand (``HUNT_FAKE_FAULTS``):

    429:0.3          429 with Retry-After (seconds)         429noretry:0.2  429 without Retry-After
    500/502/503/504  server errors                          401:once        the presented token expires
    403:p            permission missing                     400cost:0.1     "exceeded the allowed limits"
    malformed:0.05   200 with truncated JSON                slow:0.1        answer after ``slow_seconds``
    timeout:p        read timeout                           reset:p         connection reset
    cap:5000         row cap (the service truncates at it)  seed:N          RNG seed (default 0)
    streak:N         at most N injected faults in a row (default 3; 0 = unbounded)
    retryafter:N     the Retry-After value sent (default 1)
    quota:N          calls per minute the fake service admits (default 45, with 1,500/hour; 0 = no quota)

A value is a probability per request (0..1) or ``once``. Randomness comes from a seeded ``random.Random``
so a run is reproducible. ``streak`` models the documented contract that a client which waits as told
gets through; set ``streak:0`` to watch retries run out.
"""

from __future__ import annotations

import base64
import contextlib
import json
import random
import re
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pandas as pd

from hunt_assets.clients.alerts import lake_alerts_as_graph, parse_graph_datetime
from hunt_assets.clients.http import Limit
from hunt_assets.kql.types import KustoResult

FAULT_KINDS = (
    "429",
    "429noretry",
    "500",
    "502",
    "503",
    "504",
    "401",
    "403",
    "400cost",
    "malformed",
    "slow",
    "timeout",
    "reset",
)
OPTIONS = ("cap", "seed", "streak", "retryafter", "quota")
DEFAULT_CAP = 100_000
DEFAULT_QUOTA = (Limit(45, 60), Limit(1500, 3600))

GRAPH_AUDIENCE_SUFFIX = "/.default"
ROLE_HUNTING = "ThreatHunting.Read.All"
ROLE_ALERTS = "SecurityAlert.Read.All"
ROLE_MDTI = "ThreatIntelligence.Read.All"
ROLE_LEGACY = "AdvancedHunting.Read.All"
DEFAULT_ROLES = frozenset({ROLE_HUNTING, ROLE_ALERTS, ROLE_LEGACY, ROLE_MDTI})
PASSIVE_DNS_TABLE = "SamplePassiveDns"  # the sample tenant's passive-DNS history (COF columns)


class FaultSpecError(ValueError):
    """A ``HUNT_FAKE_FAULTS`` string we cannot read; names the bad item and the known kinds."""


@dataclass
class FaultSpec:
    rates: dict[str, float] = field(default_factory=dict)
    once: set[str] = field(default_factory=set)
    cap: int | None = None
    seed: int = 0
    streak: int = 3
    retry_after: int = 1
    quota_per_minute: int | None = None  # None: the documented 45/min + 1,500/hour; 0: no quota

    def __str__(self) -> str:
        parts = [f"{k}:{v:g}" for k, v in self.rates.items()] + [f"{k}:once" for k in sorted(self.once)]
        if self.cap is not None:
            parts.append(f"cap:{self.cap}")
        return ",".join(parts) or "none"


def parse_faults(spec: str | None) -> FaultSpec:
    """'429:0.3,500:0.1,401:once,cap:5000' -> FaultSpec; a clear error for anything else."""
    out = FaultSpec()
    for item in (spec or "").replace(";", ",").split(","):
        item = item.strip().lower()
        if not item:
            continue
        kind, sep, value = item.partition(":")
        kind, value = kind.strip(), value.strip()
        if kind in OPTIONS:
            if not value.isdigit():
                raise FaultSpecError(f"HUNT_FAKE_FAULTS item {item!r}: {kind} needs a whole number")
            number = int(value)
            if kind == "cap":
                if number < 1:
                    raise FaultSpecError(f"HUNT_FAKE_FAULTS item {item!r}: cap must be at least 1")
                out.cap = number
            elif kind == "seed":
                out.seed = number
            elif kind == "streak":
                out.streak = number
            elif kind == "quota":
                out.quota_per_minute = number
            else:
                out.retry_after = number
            continue
        if kind not in FAULT_KINDS:
            raise FaultSpecError(
                f"HUNT_FAKE_FAULTS item {item!r}: unknown fault {kind!r} (known: {', '.join(FAULT_KINDS + OPTIONS)})"
            )
        if not sep or value in ("once", "1x"):
            out.once.add(kind)
            continue
        try:
            rate = float(value)
        except ValueError:
            raise FaultSpecError(f"HUNT_FAKE_FAULTS item {item!r}: value must be a probability or 'once'") from None
        if not 0.0 <= rate <= 1.0:
            raise FaultSpecError(f"HUNT_FAKE_FAULTS item {item!r}: probability must be within 0..1")
        out.rates[kind] = rate
    return out


# --------------------------------------------------------------------------------------------------
# Serialising a typed result the way the services do
# --------------------------------------------------------------------------------------------------


def _json_value(text: Any) -> Any:
    if text is None or text == "":
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def serialize_rows(result: KustoResult, limit: int | None = None) -> list[dict[str, Any]]:
    """Rows as JSON values: datetimes ISO with 7 fraction digits and Z, dynamics as JSON, nulls as null."""
    frame = result.frame if limit is None else result.frame.iloc[:limit]
    columns: dict[str, list[Any]] = {}
    for name, ktype in result.schema:
        col = frame[name]
        # Dispatch on the typed frame's dtype (the one normalizer already decided), not on type-name spelling
        # (Graph says Int64/Double, Kusto docs say long/real).
        if pd.api.types.is_datetime64_any_dtype(col.dtype):
            text = col.dt.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"
            values = [None if pd.isna(v) else v for v in text.astype(object)]
        elif pd.api.types.is_bool_dtype(col.dtype):
            values = [None if pd.isna(v) else bool(v) for v in col.astype(object)]
        elif pd.api.types.is_integer_dtype(col.dtype):
            values = [None if pd.isna(v) else int(v) for v in col.astype(object)]
        elif pd.api.types.is_float_dtype(col.dtype):
            values = [None if pd.isna(v) else float(v) for v in col.astype(object)]
        elif ktype.lower() in ("dynamic", "object"):
            values = [_json_value(v) for v in col]
        else:
            values = [None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v) for v in col]
        columns[name] = values
    names = [n for n, _ in result.schema]
    return (
        [dict(zip(names, row, strict=True)) for row in zip(*(columns[n] for n in names), strict=True)] if names else []
    )


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {"date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "request-id": secrets.token_hex(8)},
        }
    }
    return httpx.Response(status, json=body, headers=headers)


@dataclass
class _Token:
    audience: str
    roles: frozenset[str]
    expires: float


Handler = Callable[[httpx.Request, re.Match[str]], httpx.Response]


class FakeGraph(httpx.BaseTransport):
    """Entra ID + Graph security + legacy advanced hunting, in process, answering from the sample lake."""

    def __init__(
        self,
        lake_path: str | Path | None,
        *,
        faults: FaultSpec | str | None = None,
        client_secret: str | None = None,
        roles: frozenset[str] | set[str] = DEFAULT_ROLES,
        page_size: int = 50,
        quota: tuple[Limit, ...] | None = DEFAULT_QUOTA,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        slow_seconds: float = 0.2,
        token_lifetime: int = 3599,
    ) -> None:
        self.lake_path = Path(lake_path) if lake_path is not None else None
        self.faults = faults if isinstance(faults, FaultSpec) else parse_faults(faults)
        self.row_cap = self.faults.cap or DEFAULT_CAP
        self.client_secret = client_secret
        self.roles = frozenset(roles)
        self.page_size = page_size
        if self.faults.quota_per_minute is not None:
            quota = (Limit(self.faults.quota_per_minute, 60),) if self.faults.quota_per_minute else None
        self.quota = quota
        self.clock = clock
        self.sleep = sleep
        self.slow_seconds = slow_seconds
        self.token_lifetime = token_lifetime
        self.rng = random.Random(self.faults.seed)
        self.stats: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
        self.max_calls_per_minute = 0
        self._fired_once: set[str] = set()
        self._streak = 0
        self._tokens: dict[str, _Token] = {}
        self.issued_tokens: list[str] = []
        self._device_codes: dict[str, str] = {}
        self._refresh_tokens: dict[str, str] = {}
        self._calls: deque[float] = deque()
        self._lock = threading.RLock()
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._install_routes()

    # -- routing ------------------------------------------------------------------------------------

    def add_route(self, method: str, path_regex: str, handler: Handler) -> None:
        """Serve another endpoint (e.g. an MDTI fake) through the same auth/fault machinery; first wins."""
        self._routes.insert(0, (method.upper(), re.compile(path_regex), handler))

    def _install_routes(self) -> None:
        r = self._routes.append
        r(("GET", re.compile(r"^/common/discovery/instance$"), self._instance_discovery))
        r(("GET", re.compile(r"^/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration$"), self._openid))
        r(("POST", re.compile(r"^/(?P<tenant>[^/]+)/oauth2/v2\.0/token$"), self._token))
        r(("POST", re.compile(r"^/(?P<tenant>[^/]+)/oauth2/v2\.0/devicecode$"), self._devicecode))
        r(("POST", re.compile(r"^/(?P<ver>v1\.0|beta)/security/runHuntingQuery$"), self._run_hunting_graph))
        r(("GET", re.compile(r"^/(?P<ver>v1\.0|beta)/security/alerts_v2$"), self._alerts))
        r(("POST", re.compile(r"^/api/advancedhunting/run$"), self._run_hunting_legacy))
        r(("GET", re.compile(r"^/(?P<ver>v1\.0|beta)/security/threatIntelligence/hosts/(?P<host>[^/]+)"
                             r"(?:/(?P<rel>passiveDns|passiveDnsReverse|reputation))?$"), self._mdti))
        r(("GET", re.compile(r"^/(?P<ver>v1\.0|beta)/security/threatIntelligence/.*$"), self._mdti_other))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        for method, pattern, handler in self._routes:
            m = pattern.match(path)
            if m and method == request.method:
                with self._lock:
                    self.stats[f"{request.method} {pattern.pattern}"] += 1
                return handler(request, m)
        return _error(
            404,
            "ResourceNotFound" if path.startswith("/v1.0") else "NotFound",
            f"Resource not found for the segment '{path.rsplit('/', 1)[-1]}'.",
        )

    # -- identity -------------------------------------------------------------------------------------

    @staticmethod
    def _origin(request: httpx.Request) -> str:
        return f"{request.url.scheme}://{request.url.netloc.decode()}"

    def _instance_discovery(self, request: httpx.Request, m: re.Match[str]) -> httpx.Response:
        origin = self._origin(request)
        host = request.url.host
        return httpx.Response(
            200,
            json={
                "tenant_discovery_endpoint": f"{origin}/common/v2.0/.well-known/openid-configuration",
                "api-version": "1.1",
                "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
            },
        )

    def _openid(self, request: httpx.Request, m: re.Match[str]) -> httpx.Response:
        base = f"{self._origin(request)}/{m['tenant']}"
        return httpx.Response(
            200,
            json={
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "jwks_uri": f"{base}/discovery/v2.0/keys",
                "response_types_supported": ["code", "id_token", "token"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "private_key_jwt",
                    "client_secret_basic",
                ],
            },
        )

    def _issue(self, audience: str) -> str:
        token = "fake-at-" + secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = _Token(
                audience=audience, roles=self.roles, expires=self.clock() + self.token_lifetime
            )
            self.stats["tokens_issued"] += 1
            self.issued_tokens.append(token)  # lets a test scan every output for every token ever issued
        return token

    @staticmethod
    def _audience(scope: str) -> str | None:
        """The resource of the first fully qualified scope ('https://graph.microsoft.com/.default')."""
        for item in scope.split():
            if item.startswith("https://"):
                u = httpx.URL(item)
                return f"{u.scheme}://{u.netloc.decode()}"
        return None

    def _devicecode(self, request: httpx.Request, m: re.Match[str]) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode(), keep_blank_values=True).items()}
        code = secrets.token_urlsafe(16)
        with self._lock:
            self._device_codes[code] = form.get("scope", "")
        user_code = secrets.token_hex(4).upper()
        return httpx.Response(
            200,
            json={
                "device_code": code,
                "user_code": user_code,
                "verification_uri": "https://microsoft.com/devicelogin",
                "expires_in": 900,
                "interval": 1,
                "message": f"To sign in, use a web browser to open the page https://microsoft.com/devicelogin "
                f"and enter the code {user_code} to authenticate.",
            },
        )

    def _delegated(self, tenant: str, client_id: str, scope: str) -> httpx.Response:
        """Tokens for a signed-in user (the fake approves device codes at once), with a refresh token."""
        audience = self._audience(scope) or "https://graph.microsoft.com"
        now = int(time.time())
        claims = {
            "iss": f"https://login.microsoftonline.com/{tenant}/v2.0",
            "aud": client_id,
            "tid": tenant,
            "oid": "11111111-2222-3333-4444-555555555555",
            "sub": "fake-user",
            "preferred_username": "hunter@contoso.com",
            "name": "Fake Hunter",
            "iat": now,
            "nbf": now,
            "exp": now + self.token_lifetime,
        }

        def b64(data: dict[str, Any]) -> str:
            return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

        refresh = "fake-rt-" + secrets.token_urlsafe(24)
        with self._lock:
            self._refresh_tokens[refresh] = scope
        return httpx.Response(
            200,
            json={
                "token_type": "Bearer",
                "scope": scope,
                "expires_in": self.token_lifetime,
                "ext_expires_in": self.token_lifetime,
                "access_token": self._issue(audience),
                "refresh_token": refresh,
                "id_token": f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}.",
                "client_info": b64({"uid": claims["oid"], "utid": tenant}),
            },
        )

    def _token(self, request: httpx.Request, m: re.Match[str]) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode(), keep_blank_values=True).items()}
        grant = form.get("grant_type")
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            with self._lock:
                scope = self._device_codes.pop(form.get("device_code", ""), None)
            if scope is None:
                return httpx.Response(
                    400, json={"error": "expired_token", "error_description": "AADSTS70020: The device code expired."}
                )
            return self._delegated(m["tenant"], form.get("client_id", ""), scope)
        if grant == "refresh_token":
            with self._lock:
                scope = self._refresh_tokens.pop(form.get("refresh_token", ""), None)
            if scope is None:
                return httpx.Response(
                    400, json={"error": "invalid_grant", "error_description": "AADSTS70000: refresh token revoked."}
                )
            return self._delegated(m["tenant"], form.get("client_id", ""), form.get("scope") or scope)
        if grant != "client_credentials":
            return httpx.Response(
                400,
                json={"error": "unsupported_grant_type", "error_description": "AADSTS70003: grant type not supported"},
            )
        secret = form.get("client_secret")
        assertion = form.get("client_assertion")
        if not secret and not assertion:
            return httpx.Response(
                401,
                json={
                    "error": "invalid_client",
                    "error_description": "AADSTS7000216: 'client_assertion', 'client_secret' or 'request' is required",
                },
            )
        if self.client_secret is not None and secret is not None and secret != self.client_secret:
            return httpx.Response(
                401,
                json={"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."},
            )
        scope = form.get("scope", "")
        if not any(s.endswith(GRAPH_AUDIENCE_SUFFIX) for s in scope.split()):
            return httpx.Response(
                400,
                json={
                    "error": "invalid_scope",
                    "error_description": "AADSTS1002012: The provided value for scope is not valid. Client "
                    "credential flows must have a scope value with /.default suffixed.",
                },
            )
        with self._lock:
            self.stats["client_assertions" if assertion else "client_secrets"] += 1
        token = self._issue(self._audience(scope) or "")
        return httpx.Response(
            200,
            json={
                "token_type": "Bearer",
                "expires_in": self.token_lifetime,
                "ext_expires_in": self.token_lifetime,
                "access_token": token,
            },
        )

    def _authorize(self, request: httpx.Request, *, legacy: bool, role: str) -> httpx.Response | None:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else ""
        with self._lock:
            info = self._tokens.get(token)
        if info is None or info.expires <= self.clock():
            return _error(
                401,
                "InvalidAuthenticationToken" if not legacy else "Unauthorized",
                "Access token has expired or is not yet valid."
                if info
                else "Access token validation failure. Invalid audience.",
            )
        wants_legacy_audience = "api.security" in info.audience or "securitycenter" in info.audience
        if wants_legacy_audience != legacy:
            return _error(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
        if role not in info.roles:
            return _error(403, "Forbidden", f"Missing application roles. API required roles: {role}.")
        return None

    # -- faults ---------------------------------------------------------------------------------------

    def _quota(self) -> httpx.Response | None:
        if not self.quota:
            return None
        now = self.clock()
        with self._lock:
            horizon = max(limit.per_seconds for limit in self.quota)
            while self._calls and self._calls[0] <= now - horizon:
                self._calls.popleft()
            for limit in self.quota:
                in_window = [t for t in self._calls if t > now - limit.per_seconds]
                if len(in_window) >= limit.calls:
                    wait = in_window[-limit.calls] + limit.per_seconds - now
                    self.injected["quota"] += 1
                    period = time.strftime("%H:%M:%S", time.gmtime(limit.per_seconds))
                    return _error(
                        429,
                        "429",
                        f"API calls quota exceeded! maximum allowed {limit.calls} per {period}",
                        headers={"Retry-After": str(max(1, round(wait)))},
                    )
            self._calls.append(now)
            self.max_calls_per_minute = max(self.max_calls_per_minute, sum(1 for t in self._calls if t > now - 60))
        return None

    def _pick_fault(self) -> str | None:
        with self._lock:
            if self.faults.streak and self._streak >= self.faults.streak:
                self._streak = 0
                return None
            chosen = None
            for kind in sorted(self.faults.once - self._fired_once):
                chosen = kind
                self._fired_once.add(kind)
                break
            if chosen is None:
                for kind, rate in self.faults.rates.items():
                    if self.rng.random() < rate:
                        chosen = kind
                        break
            if chosen is not None and chosen != "slow":
                self._streak += 1
            elif chosen is None:
                self._streak = 0
            if chosen is not None:
                self.injected[chosen] += 1
            return chosen

    def _fault_response(self, kind: str, request: httpx.Request, role: str) -> httpx.Response | None:
        """The injected failure, or None when the request should proceed (slow, malformed: later)."""
        if kind == "429":
            return _error(
                429,
                "TooManyRequests",
                "Too many requests, retry later.",
                headers={"Retry-After": str(self.faults.retry_after)},
            )
        if kind == "429noretry":
            return _error(429, "429", "API calls quota exceeded! maximum allowed 45 per 00:01:00")
        if kind in ("500", "502", "503", "504"):
            return _error(
                int(kind),
                "InternalServerError" if kind == "500" else "ServiceUnavailable",
                "The service is temporarily unavailable.",
            )
        if kind == "401":
            header = request.headers.get("Authorization", "")
            with self._lock:
                self._tokens.pop(header[7:], None)  # the token expired between issue and use
            return _error(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
        if kind == "403":
            return _error(403, "Forbidden", f"Missing application roles. API required roles: {role}.")
        if kind == "400cost":
            return _error(
                400,
                "BadRequest",
                "Query execution has exceeded the allowed limits. The query execution was "
                "preempted. This could possibly be due to high CPU and/or memory resource "
                "consumption. Optimize your query and try again.",
            )
        if kind == "timeout":
            raise httpx.ReadTimeout("fake: the read operation timed out", request=request)
        if kind == "reset":
            raise httpx.ReadError("fake: [Errno 104] Connection reset by peer", request=request)
        if kind == "slow":
            self.sleep(self.slow_seconds)
        return None

    def _guarded(
        self, request: httpx.Request, *, legacy: bool, role: str, answer: Callable[[], httpx.Response]
    ) -> httpx.Response:
        denied = self._authorize(request, legacy=legacy, role=role)
        if denied is not None:
            return denied
        throttled = self._quota() if role in (ROLE_HUNTING, ROLE_LEGACY) else None
        if throttled is not None:
            return throttled
        kind = self._pick_fault()
        if kind is not None:
            failed = self._fault_response(kind, request, role)
            if failed is not None:
                return failed
        response = answer()
        if kind == "malformed" and response.status_code == 200:
            return httpx.Response(
                200,
                content=response.content[: max(1, len(response.content) // 2)],
                headers={"Content-Type": "application/json"},
            )
        return response

    # -- data -----------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _reading_lake(self) -> Iterator[Any]:
        """The sample lake for one request, in the lake's turn (``duckdb_files.turn``), closed after it.

        Why not one connection for the fake's life: under ``dagster dev`` the alert sensor's fake lives
        as long as the code server, and ``hunt-assets new-alert`` (or a rebuild) must get the lake between
        requests; taking the turn also lets a waiting writer's gate hold this reader back.
        """
        if self.lake_path is None:
            raise RuntimeError("FakeGraph has no sample lake to answer from")
        from hunt_assets.backends import lake_connection

        with lake_connection(self.lake_path) as con:
            yield con

    def _run(self, request: httpx.Request) -> KustoResult | httpx.Response:
        try:
            body = json.loads(request.content or b"{}")
        except ValueError:
            return _error(400, "BadRequest", "Request body is not valid JSON.")
        query = body.get("Query") if isinstance(body, dict) else None
        if not isinstance(query, str) or not query.strip():
            return _error(400, "MissingRequiredParameter", "Required parameter 'Query' is missing.")
        window = None
        if body.get("Timespan") is not None:
            window = parse_timespan(body["Timespan"], now=datetime.now(UTC))
            if window is None:
                return _error(400, "BadRequest", f"Invalid Timespan '{str(body['Timespan'])[:80]}'.")
        from hunt_assets.kql.adapter import HuntKqlError, run_local

        try:
            with self._lock, self._reading_lake() as con:  # one query at a time, like a busy tenant
                if window:
                    self._scope_to(con, window)  # temp views, gone with the connection
                return run_local(con, query)
        except HuntKqlError as exc:
            return _error(400, "BadRequest", f"Query could not be executed: {exc}"[:500])

    @staticmethod
    def _scope_to(con: Any, window: tuple[datetime, datetime]) -> list[str]:
        """Limit every table with a Timestamp column to the Timespan, as the service limits its scan.

        Temp views shadow the lake's tables for this one query (the lake itself stays read-only).
        """
        db = con.execute("SELECT current_database()").fetchone()[0]
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_catalog = ? AND table_schema = 'main' "
            "AND column_name = 'Timestamp'", [db]).fetchall()]
        # Views cannot take parameters; these literals come from datetime objects, never from the request text.
        start, end = (f"TIMESTAMP '{w.astimezone(UTC).replace(tzinfo=None).isoformat(sep=' ')}'" for w in window)
        for name in tables:
            quoted = name.replace('"', '""')
            con.execute(f'CREATE OR REPLACE TEMP VIEW "{quoted}" AS SELECT * FROM "{db}".main."{quoted}" '
                        f"WHERE Timestamp >= {start} AND Timestamp < {end}")
        return tables

    def _run_hunting_graph(self, request: httpx.Request, m: re.Match[str]) -> httpx.Response:
        def answer() -> httpx.Response:
            result = self._run(request)
            if isinstance(result, httpx.Response):
                return result
            return httpx.Response(
                200,
                json={
                    "@odata.context": f"{self._origin(request)}/{m['ver']}/$metadata#microsoft.graph.security."
                    f"huntingQueryResults",
                    "schema": [{"name": n, "type": t} for n, t in result.schema],
                    "results": serialize_rows(result, self.row_cap),
                },
            )

        return self._guarded(request, legacy=False, role=ROLE_HUNTING, answer=answer)

    def _run_hunting_legacy(self, request: httpx.Request, m: re.Match[str]) -> httpx.Response:
        def answer() -> httpx.Response:
            started = time.perf_counter()
            result = self._run(request)
            if isinstance(result, httpx.Response):
                return result
            return httpx.Response(
                200,
                json={
                    "Stats": {
                        "ExecutionTime": round(time.perf_counter() - started, 6),
                        "dataset_statistics": [{"table_row_count": min(len(result), self.row_cap)}],
                    },
                    "Schema": [{"Name": n, "Type": t} for n, t in result.schema],
                    "Results": serialize_rows(result, self.row_cap),
                },
            )

        return self._guarded(request, legacy=True, role=ROLE_LEGACY, answer=answer)

    _FILTER = re.compile(r"^\s*lastUpdateDateTime\s+ge\s+(\S+)\s*$", re.IGNORECASE)

    def _alerts(self, request: httpx.Request, m: re.Match[str]) -> httpx.Response:
        def answer() -> httpx.Response:
            params = request.url.params
            token = params.get("$skiptoken")
            if token:
                try:
                    state = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
                    since_text, skip, top = state["since"], int(state["skip"]), int(state["top"])
                except (ValueError, KeyError, TypeError):
                    return _error(400, "BadRequest", "Invalid $skiptoken.")
            else:
                flt = params.get("$filter")
                since_text = "1970-01-01T00:00:00Z"
                if flt:
                    fm = self._FILTER.match(flt)
                    if not fm:
                        return _error(400, "BadRequest", f"Invalid filter clause: {flt[:100]}")
                    since_text = fm.group(1)
                skip = 0
                top_text = params.get("$top")
                if top_text is not None and not top_text.isdigit():
                    return _error(400, "BadRequest", "Invalid value for $top.")
                top = min(int(top_text), 2000) if top_text else self.page_size
            since = parse_graph_datetime(since_text)
            if since is None:
                return _error(400, "BadRequest", f"Invalid datetime literal '{since_text}'.")
            with self._lock, self._reading_lake() as con:
                alerts = lake_alerts_as_graph(con, since)
            page = alerts[skip : skip + top]
            context = f"{self._origin(request)}/{m['ver']}/$metadata#security/alerts_v2"
            body: dict[str, Any] = {"@odata.context": context, "value": page}
            if skip + top < len(alerts):
                next_state = json.dumps({"since": since_text, "skip": skip + top, "top": top})
                next_token = base64.urlsafe_b64encode(next_state.encode()).decode()
                body["@odata.nextLink"] = (
                    f"{self._origin(request)}/{m['ver']}/security/alerts_v2?$skiptoken={next_token}"
                )
            return httpx.Response(200, json=body)

        return self._guarded(request, legacy=False, role=ROLE_ALERTS, answer=answer)

    def _page(self, request: httpx.Request, items: list[dict[str, Any]], context: str) -> httpx.Response:
        """One page of ``items`` and an opaque ``$skiptoken`` nextLink on the same path, Graph-style."""
        params = request.url.params
        try:
            skip = int(base64.urlsafe_b64decode(params["$skiptoken"].encode()).decode()) \
                if "$skiptoken" in params else 0
            top = min(int(params.get("$top") or self.page_size), 2000)
        except ValueError:
            return _error(400, "BadRequest", "Invalid $skiptoken or $top.")
        body: dict[str, Any] = {"@odata.context": f"{self._origin(request)}/v1.0/$metadata#{context}",
                                "value": items[skip: skip + top]}
        if skip + top < len(items):
            token = base64.urlsafe_b64encode(str(skip + top).encode()).decode()
            body["@odata.nextLink"] = (f"{self._origin(request)}{request.url.path}?$top={top}"
                                       f"&$skiptoken={token}")
        return httpx.Response(200, json=body)

    @staticmethod
    def _passive_dns(con: Any, host: str, *, reverse: bool) -> list[dict[str, Any]]:
        """The sample tenant's passive DNS as MDTI ``passiveDnsRecord`` objects (one per answer)."""
        exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                             [PASSIVE_DNS_TABLE]).fetchone()[0]
        if not exists:
            return []
        where = "list_contains(list_transform(rdata, lambda x: lower(x)), ?)" if reverse else "lower(rrname) = ?"
        rows = con.execute(f'SELECT rrname, rrtype, rdata, time_first, time_last FROM "{PASSIVE_DNS_TABLE}" '
                           f"WHERE {where} ORDER BY time_last DESC, rrname, rrtype", [host]).fetchall()
        out = []
        for rrname, rrtype, rdata, first, last in rows:
            answers = [host] if reverse else list(rdata or [])
            for answer in answers:
                other = rrname if reverse else answer
                is_ip = rrtype in ("A", "AAAA") and not reverse
                record_id = base64.b64encode(f"{rrname}$${answer}$${rrtype}".encode()).decode()
                out.append({
                    "@odata.type": "#microsoft.graph.security.passiveDnsRecord",
                    "id": record_id,
                    "firstSeenDateTime": _iso_seconds(first),
                    "lastSeenDateTime": _iso_seconds(last),
                    "collectedDateTime": _iso_seconds(last),
                    "recordType": rrtype,
                    "parentHost": {"id": host},
                    "artifact": {"@odata.type": "#microsoft.graph.security." + ("ipAddress" if is_ip else "hostname"),
                                 "id": other},
                })
        return out

    def _mdti(self, request: httpx.Request, m: re.Match[str]) -> httpx.Response:
        host = m["host"].lower()
        relation = m["rel"]

        def answer() -> httpx.Response:
            with self._lock, self._reading_lake() as con:
                if relation in ("passiveDns", "passiveDnsReverse"):
                    records = self._passive_dns(con, host, reverse=relation == "passiveDnsReverse")
                    return self._page(request, records, "security/threatIntelligence/passiveDnsRecords")
                known = self._passive_dns(con, host, reverse=False) or self._passive_dns(con, host, reverse=True)
            if relation == "reputation" or not known:
                # the sample tenant carries no reputation data; unknown hosts are 404, as documented for ids
                return _error(404, "NotFound", f"No threat intelligence found for host '{host}'.")
            seen = [r["firstSeenDateTime"] for r in known] + [r["lastSeenDateTime"] for r in known]
            return httpx.Response(200, json={"@odata.type": "#microsoft.graph.security.hostname", "id": host,
                                             "firstSeenDateTime": min(seen), "lastSeenDateTime": max(seen)})

        return self._guarded(request, legacy=False, role=ROLE_MDTI, answer=answer)

    def _mdti_other(self, request: httpx.Request, m: re.Match[str]) -> httpx.Response:
        def answer() -> httpx.Response:
            return _error(404, "NotFound", "The fake serves only hosts/{id}, passiveDns, passiveDnsReverse, "
                                           "reputation.")

        return self._guarded(request, legacy=False, role=ROLE_MDTI, answer=answer)

    def __repr__(self) -> str:
        return f"FakeGraph(lake={str(self.lake_path)!r}, faults={self.faults}, cap={self.row_cap})"


_ISO_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def _duration(text: str) -> timedelta | None:
    m = _ISO_DURATION.match(text)
    if not m or text in ("P", "PT"):
        return None
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in m.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def parse_timespan(value: Any, *, now: datetime) -> tuple[datetime, datetime] | None:
    """Graph's Timespan forms: 'start/end', 'P30D/end', 'start/P30D', 'P30D' (to now), 'start' (to now)."""
    if not isinstance(value, str) or not value or value.count("/") > 1:
        return None
    first, _, second = value.partition("/")
    if not second:
        span = _duration(first)
        if span is not None:
            return now - span, now
        start = parse_graph_datetime(first)
        return (start, now) if start else None
    start, end = parse_graph_datetime(first), parse_graph_datetime(second)
    if start and end:
        return (start, end) if start <= end else None
    if end and (span := _duration(first)) is not None:
        return end - span, end
    if start and (span := _duration(second)) is not None:
        return start, start + span
    return None


def _iso_seconds(value: Any) -> str | None:
    """MDTI's timestamp style: UTC, whole seconds, Z."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
