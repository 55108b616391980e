"""The TLS certificate a host presents, fetched with a short timeout and checked against SSLBL.

Active: connecting to the suspect's server tells it someone is looking (and may be logged by it), so
callers run this only when ``HUNT_ACTIVE_LOOKUPS=1``. We do not validate the chain -- malicious hosts
are exactly the ones with self-signed or mismatched certificates, and that *is* the signal -- so the
connection verifies nothing and sends nothing but the handshake.
"""

from __future__ import annotations

import hashlib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import NameOID

ConnectFn = Callable[[str, int, float], bytes]


@dataclass
class CertInfo:
    host: str
    port: int = 443
    sha1: str = ""
    sha256: str = ""
    subject: str = ""
    issuer: str = ""
    not_before: datetime | None = None
    not_after: datetime | None = None
    self_signed: bool = False
    san: tuple[str, ...] = ()
    error: str = ""


def fetch_der(host: str, port: int, timeout: float) -> bytes:
    """The leaf certificate (DER) of host:port; SNI set, nothing verified."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection((host, port), timeout=timeout) as sock,
        ctx.wrap_socket(sock, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    if not der:
        raise ssl.SSLError("no certificate presented")
    return der


def parse_der(host: str, port: int, der: bytes) -> CertInfo:
    cert = x509.load_der_x509_certificate(der)
    try:
        san = tuple(
            cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
        )
    except x509.ExtensionNotFound:
        san = ()
    return CertInfo(
        host,
        port,
        sha1=hashlib.sha1(der).hexdigest(),  # noqa: S324 - SSLBL keys on SHA1
        sha256=hashlib.sha256(der).hexdigest(),
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        self_signed=cert.subject == cert.issuer,
        san=san,
    )


def fetch_certificate(
    host: str, port: int = 443, *, timeout: float = 3.0, connect: ConnectFn | None = None
) -> CertInfo:
    """Certificate facts, or a CertInfo with ``error`` (unreachable, not TLS, garbage) -- never raises."""
    try:
        der = (connect or fetch_der)(host, port, timeout)
    except (OSError, ssl.SSLError, TimeoutError) as exc:
        return CertInfo(host, port, error=f"{type(exc).__name__}: {exc}"[:200])
    try:
        return parse_der(host, port, der)
    except ValueError as exc:
        return CertInfo(host, port, error=f"not an X.509 certificate: {exc}"[:200])


CN_MAX = 64


def sample_certificate(host: str, *, issuer: str | None = None) -> bytes:
    """A deterministic self-signed certificate for ``host`` (Ed25519 signatures are deterministic), so
    sample mode and tests get a stable SHA1 that the SSLBL snapshot can list."""
    seed = hashlib.sha256(f"hunt-assets-sample:{host}".encode()).digest()
    key = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    # X.509 caps a common name at 64 characters (RFC 5280 ub-common-name); a longer host name lives in the
    # subject alternative name only, as CAs issue it
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)] if len(host) <= CN_MAX else [])
    issuer_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]) if issuer else name
    start = datetime(2026, 11, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(seed[:8], "big"))
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=90))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, None)
    )
    return cert.public_bytes(serialization.Encoding.DER)
