"""Entra ID auth through msal against the in-process fake token endpoint (no network)."""

from __future__ import annotations

import datetime as dt
import os
import stat

import httpx
import pytest

from hunt_assets.clients.auth import (
    ClientCredentialsProvider,
    DeviceCodeProvider,
    MsalHttpClient,
    StaticTokenProvider,
    defender_scope,
    graph_scope,
    load_certificate_credential,
)
from hunt_assets.clients.fake_graph import FakeGraph
from hunt_assets.clients.http import AuthenticationError, TransportError

TENANT = "11111111-aaaa-bbbb-cccc-222222222222"
SECRET = "s3cr3t~Value.With-Shape_42"


def provider(fake: FakeGraph, **kwargs) -> ClientCredentialsProvider:
    kwargs.setdefault("client_secret", SECRET)
    return ClientCredentialsProvider(TENANT, "client-1", scope="https://graph.microsoft.com/.default",
                                     http_client=MsalHttpClient(transport=fake), **kwargs)


def test_one_msal_app_caches_its_token_and_invalidate_forces_a_new_one():
    fake = FakeGraph(None, client_secret=SECRET)
    tokens = provider(fake)
    first = tokens.token()
    assert tokens.token() == first  # from msal's cache, not the identity provider
    assert fake.stats["tokens_issued"] == 1
    assert tokens.acquisitions == 1
    tokens.invalidate()
    second = tokens.token()
    assert second != first
    assert fake.stats["tokens_issued"] == 2
    assert tokens.acquisitions == 2


def test_wrong_secret_fails_clearly_without_echoing_it():
    fake = FakeGraph(None, client_secret="the-right-one")
    with pytest.raises(AuthenticationError, match="invalid_client") as info:
        provider(fake).token()
    assert SECRET not in str(info.value)
    assert SECRET not in repr(provider(fake))


def test_missing_credentials_name_the_variables():
    with pytest.raises(AuthenticationError, match="AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH"):
        ClientCredentialsProvider(TENANT, "client-1", scope="x/.default")
    with pytest.raises(AuthenticationError, match="AZURE_TENANT_ID"):
        ClientCredentialsProvider("", "client-1", client_secret=SECRET, scope="x/.default")
    with pytest.raises(AuthenticationError, match="tenant id"):
        ClientCredentialsProvider("common", "client-1", client_secret=SECRET, scope="x/.default")


def test_msal_refuses_plain_http_authority_with_a_clear_error():
    fake = FakeGraph(None)
    tokens = ClientCredentialsProvider(TENANT, "c", client_secret=SECRET, scope="https://graph.microsoft.com/.default",
                                       authority_host="http://127.0.0.1:9", http_client=MsalHttpClient(transport=fake))
    with pytest.raises(AuthenticationError, match="invalid authority"):
        tokens.token()


def test_national_cloud_hosts_give_their_own_scopes():
    assert graph_scope("https://graph.microsoft.us") == "https://graph.microsoft.us/.default"
    assert graph_scope("https://microsoftgraph.chinacloudapi.cn/") == "https://microsoftgraph.chinacloudapi.cn/.default"
    assert defender_scope("https://eu.api.security.microsoft.com") == "https://api.security.microsoft.com/.default"


def test_certificate_credential_signs_a_client_assertion(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hunt-assets-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    pem = tmp_path / "app.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                      serialization.NoEncryption()) + cert.public_bytes(serialization.Encoding.PEM))
    credential = load_certificate_credential(pem)
    der = cert.public_bytes(serialization.Encoding.DER)
    import hashlib

    assert credential["thumbprint"] == hashlib.sha1(der).hexdigest()  # noqa: S324
    fake = FakeGraph(None)
    tokens = provider(fake, client_secret=None, certificate_path=str(pem))
    assert tokens.token().startswith("fake-at-")
    assert fake.stats["client_assertions"] == 1
    assert fake.stats["client_secrets"] == 0
    assert "certificate" in repr(tokens)
    bad = tmp_path / "bad.pem"
    bad.write_text("not a pem")
    with pytest.raises(AuthenticationError, match="PEM"):
        load_certificate_credential(bad)
    with pytest.raises(AuthenticationError, match="not found"):
        load_certificate_credential(tmp_path / "missing.pem")


def test_device_code_login_persists_a_private_cache_and_refreshes_silently(tmp_path):
    fake = FakeGraph(None)
    prompts: list[str] = []
    cache = tmp_path / "auth" / "token_cache.json"

    def make() -> DeviceCodeProvider:
        return DeviceCodeProvider(TENANT, "public-client", "https://graph.microsoft.com/.default", cache,
                                  prompt=prompts.append, http_client=MsalHttpClient(transport=fake))

    first = make().token()
    assert len(prompts) == 1
    assert "devicelogin" in prompts[0]
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o600
    assert "RefreshToken" in cache.read_text()  # why the file must be private
    again = make()  # a new process: the persisted cache signs in without a prompt
    assert again.token() == first
    again.invalidate()
    refreshed = again.token()  # the refresh token, not a new device code
    assert refreshed != first
    assert len(prompts) == 1
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o600


def test_static_provider_repr_hides_the_token():
    tokens = StaticTokenProvider("eyJhbGciOi.secret-token-value")
    assert "secret-token-value" not in repr(tokens)


class _Flaky(httpx.BaseTransport):
    """Drops the first ``failures`` connections to the token endpoint, then lets the fake answer."""

    def __init__(self, inner: httpx.BaseTransport, failures: int) -> None:
        self.inner, self.failures = inner, failures

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token") and self.failures > 0:
            self.failures -= 1
            raise httpx.ReadError("connection reset by peer", request=request)
        return self.inner.handle_request(request)


def test_identity_provider_connection_resets_are_retried_then_fail_clearly():
    slept: list[float] = []
    fake = FakeGraph(None)
    flaky = MsalHttpClient(transport=_Flaky(fake, failures=1), sleep=slept.append)
    tokens = ClientCredentialsProvider(TENANT, "c", client_secret=SECRET, scope="https://graph.microsoft.com/.default",
                                       http_client=flaky)
    assert tokens.token().startswith("fake-at-")
    assert slept == [1.0]
    dead = MsalHttpClient(transport=_Flaky(fake, failures=99), sleep=slept.append)
    tokens = ClientCredentialsProvider(TENANT, "c", client_secret=SECRET, scope="https://graph.microsoft.com/.default",
                                       http_client=dead)
    with pytest.raises(TransportError, match=r"identity provider login\.microsoftonline\.com"):
        tokens.token()
