"""Settings -> live clients: one place that decides endpoints, token audiences, limiters and the fake.

Why one factory: the resource, the CLI (``check-connection``) and the alerts sensor must build the same
objects from the same settings, and every client must honour the configured endpoints (national clouds,
a loopback server). ``fake-graph`` goes through exactly the live path -- msal, the Graph client, the
limiter -- with only the transport swapped for the in-process fake.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from hunt_assets.clients.alerts import GraphAlertsClient, SampleAlertsSource
from hunt_assets.clients.auth import (
    DEFAULT_AUTHORITY_HOST,
    DEFAULT_GRAPH_URL,
    ClientCredentialsProvider,
    DeviceCodeProvider,
    MsalHttpClient,
    TokenProvider,
    defender_scope,
    graph_scope,
)
from hunt_assets.clients.file_limiter import FileRateLimiter, limiter_file
from hunt_assets.clients.graph import GraphClient
from hunt_assets.clients.http import Limit, RateLimiter, RetryPolicy, shared_limiter
from hunt_assets.clients.hunting import AH_ROW_CAP, DefenderHuntingBackend, GraphHuntingBackend

log = logging.getLogger("hunt_assets.clients")

DEFAULT_DEFENDER_URL = "https://api.security.microsoft.com"
LIVE_KINDS = ("graph", "defender", "fake-graph")
ALERT_KINDS = ("sample", "graph", "defender", "fake-graph")
FAKE_TENANT = "00000000-0000-0000-0000-0000000fa4e0"
FAKE_CLIENT = "00000000-0000-0000-0000-00000000c11e"
FAKE_SECRET = "fake-graph-client-secret"  # noqa: S105 -- the offline fake's own, not a credential
# Advanced hunting under a quota: patient but bounded (the fake's streak and the real service both let a
# client that waits as told through well within this).
HUNTING_RETRY = RetryPolicy(max_attempts=6)


class ConnectorConfigError(ValueError):
    """Settings that cannot make a working client; names the missing variable, never its value."""


@dataclass
class Connection:
    """The live objects for one tenant and app: token providers, Graph client, the transport in use."""

    graph: GraphClient
    graph_tokens: TokenProvider
    tenant_id: str
    transport: httpx.BaseTransport | None
    msal_http: MsalHttpClient | None
    authority_host: str
    defender_url: str
    sleep: Callable[[float], None]
    credentials: dict[str, Any] = field(default_factory=dict, repr=False)  # never shown: holds the secret
    providers: dict[str, TokenProvider] = field(default_factory=dict, repr=False)

    def token_provider(self, scope: str) -> TokenProvider:
        """The provider for an audience: one long-lived msal app per scope, as msal's cache is per app."""
        if scope in self.providers:
            return self.providers[scope]
        c = self.credentials
        if c.get("token_cache_path"):
            provider = self.providers[scope] = DeviceCodeProvider(
                c["tenant_id"], c["client_id"], scope, c["token_cache_path"], self.authority_host,
                http_client=self.msal_http, interactive=False)
            return provider
        provider = self.providers[scope] = ClientCredentialsProvider(
            c["tenant_id"],
            c["client_id"],
            client_secret=c["client_secret"],
            certificate_path=c["certificate_path"],
            scope=scope,
            authority_host=self.authority_host,
            http_client=self.msal_http,
        )
        return provider

    def defender_client(self, limiter: RateLimiter | None = None) -> GraphClient:
        """A bearer client for the legacy API with its own token audience."""
        tokens = self.token_provider(defender_scope(self.defender_url))
        return GraphClient(
            tokens,
            base_url=self.defender_url,
            version="",
            limiter=limiter,
            transport=self.transport,
            sleep=self.sleep,
            policy=HUNTING_RETRY,
            service="defender",
        )


def connect(
    kind: str,
    *,
    lake_path: str | Path | None = None,
    tenant_id: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    client_certificate_path: str | None = None,
    graph_url: str | None = DEFAULT_GRAPH_URL,
    defender_url: str | None = DEFAULT_DEFENDER_URL,
    authority_host: str | None = DEFAULT_AUTHORITY_HOST,
    fake_faults: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    transport: httpx.BaseTransport | None = None,
    policy: RetryPolicy | None = None,
    token_cache_path: str | Path | None = None,
) -> Connection:
    """Token provider + Graph client for ``kind`` (graph, defender, fake-graph) from plain settings.

    Connections are kept per settings for the life of the process (unless a transport is passed): the
    sensor daemon and every resource built from the same environment then reuse one msal application
    and its token cache instead of asking Entra ID for a token on every tick.
    """
    if transport is not None:
        return _build_connection(kind, lake_path=lake_path, tenant_id=tenant_id, client_id=client_id,
                                 client_secret=client_secret, client_certificate_path=client_certificate_path,
                                 graph_url=graph_url, defender_url=defender_url, authority_host=authority_host,
                                 fake_faults=fake_faults, sleep=sleep, transport=transport, policy=policy,
                                 token_cache_path=token_cache_path)
    secret_digest = hashlib.sha256(client_secret.encode()).hexdigest() if client_secret else None
    key = (kind, str(lake_path), tenant_id, client_id, secret_digest, client_certificate_path, graph_url,
           defender_url, authority_host, fake_faults, sleep, policy, str(token_cache_path or ""))
    with _connections_lock:
        conn = _connections.get(key)
        if conn is None:
            conn = _connections[key] = _build_connection(
                kind, lake_path=lake_path, tenant_id=tenant_id, client_id=client_id, client_secret=client_secret,
                client_certificate_path=client_certificate_path, graph_url=graph_url, defender_url=defender_url,
                authority_host=authority_host, fake_faults=fake_faults, sleep=sleep, transport=None, policy=policy,
                token_cache_path=token_cache_path)
        return conn


_connections: dict[tuple[Any, ...], Connection] = {}
_connections_lock = threading.Lock()


def _build_connection(
    kind: str,
    *,
    lake_path: str | Path | None,
    tenant_id: str | None,
    client_id: str | None,
    client_secret: str | None,
    client_certificate_path: str | None,
    graph_url: str | None,
    defender_url: str | None,
    authority_host: str | None,
    fake_faults: str | None,
    sleep: Callable[[float], None],
    transport: httpx.BaseTransport | None,
    policy: RetryPolicy | None,
    token_cache_path: str | Path | None = None,
) -> Connection:
    kind = (kind or "").strip().lower()
    graph_url = (graph_url or DEFAULT_GRAPH_URL).rstrip("/")
    defender_url = (defender_url or DEFAULT_DEFENDER_URL).rstrip("/")
    authority_host = (authority_host or DEFAULT_AUTHORITY_HOST).rstrip("/")
    if kind == "fake-graph":
        if transport is None:
            from hunt_assets.clients.fake_graph import FakeGraph

            if lake_path is None:
                raise ConnectorConfigError("fake-graph needs the sample lake (HUNT_SAMPLE_LAKE)")
            transport = FakeGraph(lake_path, faults=fake_faults, client_secret=None)
        tenant_id = tenant_id or FAKE_TENANT
        client_id = client_id or FAKE_CLIENT
        if not client_secret and not client_certificate_path:
            client_secret = FAKE_SECRET
    elif kind in ("graph", "defender"):
        missing = [
            name for name, value in (("AZURE_TENANT_ID", tenant_id), ("AZURE_CLIENT_ID", client_id)) if not value
        ]
        if not client_secret and not client_certificate_path and not token_cache_path:
            missing.append("AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH (or HUNT_AUTH=device-code)")
        if missing:
            raise ConnectorConfigError(
                f"HUNT_BACKEND={kind} needs {', '.join(missing)} (see docs/connect-your-tenant.md)"
            )
    else:
        raise ConnectorConfigError(f"unknown live backend {kind!r}; expected one of {', '.join(LIVE_KINDS)}")
    msal_http = MsalHttpClient(transport=transport, sleep=sleep)  # msal over httpx: the fake or the network
    credentials = {
        "tenant_id": tenant_id,
        "client_id": client_id,
        "client_secret": client_secret,
        "certificate_path": client_certificate_path,
        # delegated (device-code) sign-in when no app credential is configured and a token cache is given
        "token_cache_path": str(token_cache_path) if token_cache_path and not (client_secret or
                                                                                client_certificate_path) else "",
    }
    tokens: TokenProvider
    if credentials["token_cache_path"]:
        tokens = DeviceCodeProvider(str(tenant_id), str(client_id), graph_scope(graph_url),
                                    credentials["token_cache_path"], authority_host, http_client=msal_http,
                                    interactive=False)
    else:
        tokens = ClientCredentialsProvider(
            str(tenant_id),
            str(client_id),
            client_secret=client_secret,
            certificate_path=client_certificate_path,
            scope=graph_scope(graph_url),
            authority_host=authority_host,
            http_client=msal_http,
        )
    graph = GraphClient(tokens, base_url=graph_url, transport=transport, sleep=sleep, policy=policy or HUNTING_RETRY)
    conn = Connection(
        graph=graph,
        graph_tokens=tokens,
        tenant_id=str(tenant_id),
        transport=transport,
        msal_http=msal_http,
        authority_host=authority_host,
        defender_url=defender_url,
        sleep=sleep,
        credentials=credentials,
    )
    conn.providers[tokens.scope] = tokens
    return conn


def hunting_limiter(tenant_id: str, calls_per_minute: int = 45, calls_per_hour: int = 1500, *,
                    limiter_dir: str | Path | None = None) -> RateLimiter | FileRateLimiter:
    """The per-tenant advanced-hunting limiter shared by every hunt of a run.

    With ``limiter_dir`` the window lives in a locked file there, shared by every step process of a run
    (Dagster's default executor runs steps in separate processes); without it, by this process only.
    """
    limits = [Limit(calls_per_minute, 60), Limit(calls_per_hour, 3600)]
    limiter: RateLimiter | FileRateLimiter
    if limiter_dir is not None:
        limiter = FileRateLimiter(limiter_file(limiter_dir, f"{tenant_id}:hunting"), limits,
                                  name=f"{tenant_id}:hunting")
    else:
        limiter = shared_limiter(f"{tenant_id}:hunting", limits)
    log.info("advanced-hunting limiter for tenant %s: %s", tenant_id, limiter.state())
    return limiter


def make_hunt_backend(
    kind: str,
    *,
    lake_path: str | Path | None = None,
    tenant_id: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    client_certificate_path: str | None = None,
    graph_url: str | None = DEFAULT_GRAPH_URL,
    defender_url: str | None = DEFAULT_DEFENDER_URL,
    authority_host: str | None = DEFAULT_AUTHORITY_HOST,
    fake_faults: str | None = None,
    calls_per_minute: int = 45,
    calls_per_hour: int = 1500,
    sleep: Callable[[float], None] = time.sleep,
    transport: httpx.BaseTransport | None = None,
    row_cap: int | None = AH_ROW_CAP,
    limiter_dir: str | Path | None = None,
    token_cache_path: str | Path | None = None,
) -> GraphHuntingBackend | DefenderHuntingBackend:
    """A live hunting backend: ``graph``/``fake-graph`` -> Graph runHuntingQuery, ``defender`` -> legacy."""
    conn = connect(
        kind,
        lake_path=lake_path,
        tenant_id=tenant_id,
        client_id=client_id,
        client_secret=client_secret,
        client_certificate_path=client_certificate_path,
        graph_url=graph_url,
        defender_url=defender_url,
        authority_host=authority_host,
        fake_faults=fake_faults,
        sleep=sleep,
        transport=transport,
        token_cache_path=token_cache_path,
    )
    limiter = hunting_limiter(conn.tenant_id, calls_per_minute, calls_per_hour, limiter_dir=limiter_dir)
    service_cap = getattr(conn.transport, "row_cap", None)
    if service_cap is not None and row_cap is not None and service_cap < row_cap:
        # The fake truncates at a lowered cap (HUNT_FAKE_FAULTS cap:N) exactly as the service does at
        # 100,000 -- silently. The backend must know the cap, or run_hunt would keep a truncated result.
        row_cap = service_cap
    if kind.strip().lower() == "defender":
        return DefenderHuntingBackend(conn.defender_client(limiter), row_cap=row_cap)
    backend = GraphHuntingBackend(conn.graph.with_limiter(limiter), row_cap=row_cap)
    if kind.strip().lower() == "fake-graph":
        backend.name = "fake-graph"
    return backend


def make_alerts_source(
    kind: str,
    *,
    lake_path: str | Path | None = None,
    tenant_id: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    client_certificate_path: str | None = None,
    graph_url: str | None = DEFAULT_GRAPH_URL,
    authority_host: str | None = DEFAULT_AUTHORITY_HOST,
    fake_faults: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    transport: httpx.BaseTransport | None = None,
    token_cache_path: str | Path | None = None,
    **_ignored: Any,
) -> GraphAlertsClient | SampleAlertsSource:
    """Where alerts come from: the sample lake, or Graph alerts_v2 (``defender`` also uses Graph alerts)."""
    kind = (kind or "sample").strip().lower()
    if kind not in ALERT_KINDS:
        raise ConnectorConfigError(f"unknown alerts source {kind!r}; expected one of {', '.join(ALERT_KINDS)}")
    if kind == "sample":
        if lake_path is None:
            raise ConnectorConfigError("the sample alerts source needs the sample lake (HUNT_SAMPLE_LAKE)")
        return SampleAlertsSource(lake_path)
    conn = connect(
        "graph" if kind == "defender" else kind,
        lake_path=lake_path,
        tenant_id=tenant_id,
        client_id=client_id,
        client_secret=client_secret,
        client_certificate_path=client_certificate_path,
        graph_url=graph_url,
        authority_host=authority_host,
        fake_faults=fake_faults,
        sleep=sleep,
        transport=transport,
        policy=RetryPolicy(),
        token_cache_path=token_cache_path,
    )
    return GraphAlertsClient(conn.graph, tenant=conn.tenant_id)
