"""Entra ID tokens for the Microsoft clients, through msal.

Why msal and one long-lived application object per (authority, tenant, client, scope): msal's token cache
lives on the application object, so a fresh object per call means a token request per call (what the
notebooks do, and what gets apps throttled by Entra). A provider here owns exactly one application and
reuses its cache; ``invalidate()`` exists because after a 401 msal keeps handing back the cached token
until it is removed from the cache (api-contracts.md §8).

Secrets never leave this module in clear text: the client secret is registered with
``http.register_secret`` so every redacted message scrubs it, reprs show only ids, and msal's error
payloads are redacted before they become exceptions.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import httpx
import msal

from hunt_assets.clients.http import AuthenticationError, TransportError, redact, register_secret

log = logging.getLogger("hunt_assets.auth")

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
DEFAULT_GRAPH_URL = "https://graph.microsoft.com"
DEFENDER_SCOPE = "https://api.security.microsoft.com/.default"
SERVICE = "entra-id"


def graph_scope(graph_url: str = DEFAULT_GRAPH_URL) -> str:
    """App-only scope for a Graph host: national clouds use their own host (graph.microsoft.us/.default)."""
    url = httpx.URL(graph_url)
    return f"{url.scheme}://{url.netloc.decode()}/.default"


def defender_scope(defender_url: str | None = None) -> str:
    """The legacy API's token audience is the global one even for regional hosts (eu.api.security...)."""
    if not defender_url:
        return DEFENDER_SCOPE
    host = httpx.URL(defender_url).host
    if host.endswith("api.security.microsoft.com"):
        return DEFENDER_SCOPE
    url = httpx.URL(defender_url)
    return f"{url.scheme}://{url.netloc.decode()}/.default"


@runtime_checkable
class TokenProvider(Protocol):
    """A bearer token source for one (authority, tenant, client, resource scope)."""

    def token(self) -> str:
        """A valid access token, from cache when possible."""
        ...

    def invalidate(self) -> None:
        """Forget the cached token (the service rejected it): the next ``token()`` re-acquires."""
        ...


class StaticTokenProvider:
    """A fixed token, for tests and for tokens obtained elsewhere (e.g. ``az account get-access-token``)."""

    def __init__(self, token: str) -> None:
        register_secret(token)
        self._token = token
        self.invalidations = 0

    def token(self) -> str:
        return self._token

    def invalidate(self) -> None:
        self.invalidations += 1

    def __repr__(self) -> str:
        return f"StaticTokenProvider(token=***, invalidations={self.invalidations})"


# --------------------------------------------------------------------------------------------------
# msal's HTTP goes through httpx, so a transport (the in-process fake) can answer for Entra ID too
# --------------------------------------------------------------------------------------------------


class MsalHttpClient:
    """The small ``requests``-like surface msal calls (``post``/``get``/``close``), backed by httpx.

    Why: msal defaults to ``requests``; routing it through httpx lets the offline fake answer the token
    endpoint in-process and keeps one HTTP stack (proxies, CA bundle via SSL_CERT_FILE) for everything.
    """

    def __init__(self, client: httpx.Client | None = None, *, transport: httpx.BaseTransport | None = None,
                 timeout: float = 30.0, attempts: int = 3, sleep: Callable[[float], None] = time.sleep) -> None:
        self._client = client or httpx.Client(transport=transport, timeout=timeout)
        self._attempts = max(1, attempts)
        self._sleep = sleep

    def _send(self, method: str, url: str, *, params: Any = None, data: Any = None,
              headers: Mapping[str, str] | None = None, timeout: Any = None) -> httpx.Response:
        """msal's own client retries a dropped connection once; we do the same, a little more patiently."""
        for attempt in range(1, self._attempts + 1):
            try:
                return self._client.request(
                    method, url, params=params, data=data, headers=headers,
                    timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                if attempt == self._attempts:
                    raise TransportError(SERVICE, f"{type(exc).__name__} calling the identity provider "
                                                  f"{httpx.URL(url).host} ({attempt} attempts)") from None
                self._sleep(float(attempt))
        raise AssertionError("unreachable")

    def post(
        self, url: str, params: Any = None, data: Any = None, headers: Mapping[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        return self._send("POST", url, params=params, data=data, headers=headers, timeout=kwargs.get("timeout"))

    def get(
        self, url: str, params: Any = None, headers: Mapping[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        return self._send("GET", url, params=params, headers=headers, timeout=kwargs.get("timeout"))

    def close(self) -> None:
        self._client.close()


def _result_error(result: Mapping[str, Any] | None, what: str) -> AuthenticationError:
    """An exception from an msal error result, with only the fields that cannot carry secrets."""
    result = result or {}
    code = str(result.get("error") or "unknown_error")
    description = str(result.get("error_description") or "").split("\r\n")[0].split("\n")[0]
    return AuthenticationError(SERVICE, redact(f"{what} failed: {code}: {description}"), code=code)


def load_certificate_credential(path: str | os.PathLike[str]) -> dict[str, str]:
    """msal's client_credential for a certificate file, as the Azure SDK's AZURE_CLIENT_CERTIFICATE_PATH.

    PEM holding both the private key and the certificate (the Azure SDK's format), or PFX/PKCS#12
    (passed to msal's own loader). Unencrypted only, like the Azure SDK without a password variable.
    """
    p = Path(path)
    if not p.is_file():
        raise AuthenticationError(SERVICE, f"client certificate file not found: {p}")
    if p.suffix.lower() in {".pfx", ".p12"}:
        return {"private_key_pfx_path": str(p)}
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    data = p.read_bytes()
    try:
        cert = x509.load_pem_x509_certificate(data)
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise AuthenticationError(
            SERVICE,
            f"{p.name} must be a PEM file holding an unencrypted private key and its certificate "
            f"({type(exc).__name__})",
        ) from None
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    der = cert.public_bytes(serialization.Encoding.DER)
    return {
        "private_key": key_pem,
        "thumbprint": hashlib.sha1(der).hexdigest(),  # noqa: S324 -- x5t is SHA-1 by definition
        "public_certificate": cert.public_bytes(serialization.Encoding.PEM).decode(),
    }


class ClientCredentialsProvider:
    """App-only tokens (client secret or certificate) from one long-lived ConfidentialClientApplication."""

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        *,
        client_secret: str | None = None,
        certificate_path: str | None = None,
        scope: str,
        authority_host: str = DEFAULT_AUTHORITY_HOST,
        http_client: MsalHttpClient | None = None,
        instance_discovery: bool | None = None,
    ) -> None:
        if not tenant_id or not client_id:
            raise AuthenticationError(SERVICE, "AZURE_TENANT_ID and AZURE_CLIENT_ID are required for app-only auth")
        if tenant_id.lower() in {"common", "organizations", "consumers"}:
            raise AuthenticationError(SERVICE, f"app-only auth needs a tenant id or domain, not '{tenant_id}'")
        if not client_secret and not certificate_path:
            raise AuthenticationError(
                SERVICE, "set AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH for app-only auth"
            )
        register_secret(client_secret)
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.scope = scope
        self.authority = f"{authority_host.rstrip('/')}/{tenant_id}"
        self._client_secret = client_secret
        self._certificate_path = certificate_path
        self._http_client = http_client
        self._instance_discovery = instance_discovery
        self._app: msal.ConfidentialClientApplication | None = None
        self._lock = threading.Lock()
        self.acquisitions = 0  # tokens fetched from the identity provider (not the cache)

    @property
    def credential_kind(self) -> str:
        return "certificate" if self._certificate_path and not self._client_secret else "secret"

    def _application(self) -> msal.ConfidentialClientApplication:
        # Built lazily: constructing a provider (a Dagster resource, a CLI parse) must not touch the network.
        if self._app is None:
            credential: Any = (
                self._client_secret
                if self._client_secret
                else load_certificate_credential(self._certificate_path or "")
            )
            kwargs: dict[str, Any] = {}
            if self._http_client is not None:
                kwargs["http_client"] = self._http_client
            if self._instance_discovery is not None:
                kwargs["instance_discovery"] = self._instance_discovery
            try:
                self._app = msal.ConfidentialClientApplication(
                    self.client_id, client_credential=credential, authority=self.authority, **kwargs
                )
            except ValueError as exc:  # msal validates the authority (https only, known host unless told)
                raise AuthenticationError(SERVICE, redact(f"invalid authority {self.authority}: {exc}")) from None
        return self._app

    def token(self) -> str:
        with self._lock:
            app = self._application()
            result = app.acquire_token_for_client(scopes=[self.scope])
            if not result or "access_token" not in result:
                raise _result_error(
                    result,
                    f"client-credentials token for {self.scope} (tenant {self.tenant_id}, client {self.client_id})",
                )
            if result.get("token_source") != "cache":
                self.acquisitions += 1
                log.info("acquired an app-only token for %s (%s credential)", self.scope, self.credential_kind)
            token = str(result["access_token"])
            register_secret(token)
            return token

    def invalidate(self) -> None:
        with self._lock:
            if self._app is not None:
                self._app.remove_tokens_for_client()
                log.info("dropped the cached app-only token for %s", self.scope)

    def __repr__(self) -> str:
        return (
            f"ClientCredentialsProvider(tenant_id={self.tenant_id!r}, client_id={self.client_id!r}, "
            f"scope={self.scope!r}, credential={self.credential_kind}, authority={self.authority!r})"
        )


def _write_private(path: Path, text: str) -> None:
    """Write a file readable by its owner only (a token cache holds refresh tokens)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fd = -1
            fh.write(text)
    finally:
        if fd >= 0:
            os.close(fd)
    os.replace(tmp, path)


class DeviceCodeProvider:
    """Delegated tokens via device-code login, the token cache persisted to a 0600 file between runs."""

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        scope: str,
        cache_path: str | os.PathLike[str],
        authority_host: str = DEFAULT_AUTHORITY_HOST,
        prompt: Callable[[str], Any] = print,
        *,
        http_client: MsalHttpClient | None = None,
        instance_discovery: bool | None = None,
        interactive: bool = True,
    ) -> None:
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.scope = scope
        self.cache_path = Path(cache_path)
        # scheduled runs and sensors cannot answer a device-code prompt: they only use the cache
        self.interactive = interactive
        self.authority = f"{authority_host.rstrip('/')}/{tenant_id}"
        self._prompt = prompt
        self._http_client = http_client
        self._instance_discovery = instance_discovery
        self._cache = msal.SerializableTokenCache()
        if self.cache_path.is_file():
            with contextlib.suppress(OSError):
                os.chmod(self.cache_path, 0o600)
            self._cache.deserialize(self.cache_path.read_text(encoding="utf-8"))
        self._app: msal.PublicClientApplication | None = None
        self._lock = threading.Lock()

    def _application(self) -> msal.PublicClientApplication:
        if self._app is None:
            kwargs: dict[str, Any] = {"token_cache": self._cache}
            if self._http_client is not None:
                kwargs["http_client"] = self._http_client
            if self._instance_discovery is not None:
                kwargs["instance_discovery"] = self._instance_discovery
            self._app = msal.PublicClientApplication(self.client_id, authority=self.authority, **kwargs)
        return self._app

    def _persist(self) -> None:
        if self._cache.has_state_changed:
            _write_private(self.cache_path, self._cache.serialize())
            self._cache.has_state_changed = False

    def token(self) -> str:
        with self._lock:
            app = self._application()
            scopes = [self.scope]
            result = None
            accounts = app.get_accounts()
            if accounts:
                result = app.acquire_token_silent(scopes, account=accounts[0])
            if (not result or "access_token" not in result) and not self.interactive:
                raise AuthenticationError(
                    "entra-id", f"no cached delegated sign-in for {self.scope} in {self.cache_path}; "
                                "run `hunt-assets login` once (device-code sign-in), then retry")
            if not result or "access_token" not in result:
                flow = app.initiate_device_flow(scopes=scopes)
                if "user_code" not in flow:
                    raise _result_error(flow, "device-code login")
                self._prompt(flow["message"])
                result = app.acquire_token_by_device_flow(flow)
            if not result or "access_token" not in result:
                raise _result_error(result, f"delegated token for {self.scope}")
            self._persist()
            token = str(result["access_token"])
            register_secret(token)
            return token

    def invalidate(self) -> None:
        """Drop the access tokens only: the refresh token stays, so no new device-code prompt is needed."""
        with self._lock:
            for at in list(
                self._cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN, query={"client_id": self.client_id})
            ):
                self._cache.remove_at(at)
            self._persist()

    def __repr__(self) -> str:
        return (
            f"DeviceCodeProvider(tenant_id={self.tenant_id!r}, client_id={self.client_id!r}, "
            f"scope={self.scope!r}, cache_path={str(self.cache_path)!r})"
        )
