"""Normalize and validate the entities hunters investigate: domains, hosts, URLs, IPs.

Why a module of its own: entities arrive from attackers (alert evidence, command lines, hunt results)
and leave towards KQL strings, URLs of TI services and partition keys. One strict gate -- lower case,
IDNA/punycode, no trailing dot, URLs reduced to their host, IPs recognised, the public suffix list
bundled with tldextract (never fetched at run time) -- keeps every consumer honest, and every
rejection carries a reason a person can act on.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import idna
import tldextract

MAX_NAME = 253
MAX_LABEL = 63
MAX_URL = 4096
MAX_INPUT = 8192

EntityKind = Literal["domain", "ip", "url"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_LABEL_OK = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]{1,15}://")
_DEFANG = [
    (re.compile(r"(?i)\bhxxp(s?)://"), r"http\1://"),
    (re.compile(r"(?i)\bhxxp(s?)\[:\]//"), r"http\1://"),
    (re.compile(r"(?i)\bfxp://"), "ftp://"),
    (re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)", re.IGNORECASE), "."),
    (re.compile(r"\[:\]"), ":"),
    (re.compile(r"\[/\]"), "/"),
    (re.compile(r"\[@\]|\[at\]", re.IGNORECASE), "@"),
]


class InvalidEntity(ValueError):
    """The input is not an entity we will investigate; ``reason`` says why in plain words."""

    def __init__(self, value: str, reason: str) -> None:
        self.value = value
        self.reason = reason
        shown = value if len(value) <= 80 else value[:77] + "..."
        super().__init__(f"{shown!r}: {reason}")


# RFC 5737 / RFC 3849 documentation ranges: never internal, never leak anything, and the sample tenant's
# planted infrastructure lives there -- so they are sent to providers like public addresses
DOCUMENTATION_NETS = tuple(
    ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)
PRIVATE_ADDRESS = "a private, loopback, link-local or reserved address"


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether a third party may be asked about ``address``: globally routable, or a documentation range.

    One rule for threat intel, passive DNS, RIR look-ups and the alert sensor (``Entity.is_private_ip``),
    so no path sends a private address out and none drops an address the others would ask about.
    """
    return address.is_global or any(address in net for net in DOCUMENTATION_NETS)


@dataclass(frozen=True)
class Entity:
    """A validated entity. ``host`` is what investigations key on: the domain, or the IP."""

    kind: EntityKind
    value: str  # normalized full value (the URL for urls)
    host: str  # normalized host name or IP
    registered_domain: str = ""  # e.g. example.co.uk for www.example.co.uk; "" for IPs

    @property
    def is_private_ip(self) -> bool:
        """The host is an address no third party may be asked about (``is_public_address``).

        Derived from ``host``, not stored: every caller (threat intel, passive DNS, the alert
        sensor) reads the same answer, however the entity was built.
        """
        return is_ip(self.host) and not is_public_address(ipaddress.ip_address(self.host.strip("[]")))


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    # suffix_list_urls=() -> the snapshot bundled with tldextract; cache_dir=None -> nothing written to disk
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def refang(text: str) -> str:
    """Undo the usual defanging (hxxp://, [.], (.), [:]) so indicators can be validated."""
    for pattern, repl in _DEFANG:
        text = pattern.sub(repl, text)
    return text


def split_registered(host: str) -> tuple[str, str, str]:
    """(subdomain, registered domain, public suffix) by the bundled public suffix list."""
    ext = _extractor()(host)
    registered = f"{ext.domain}.{ext.suffix}" if ext.domain and ext.suffix else ""
    return ext.subdomain, registered, ext.suffix


def _check_raw(value: str) -> str:
    if not isinstance(value, str):
        raise InvalidEntity(repr(value), "not a string")
    if len(value) > MAX_INPUT:
        raise InvalidEntity(value, f"{len(value)} characters is longer than any entity we accept ({MAX_INPUT})")
    if _CONTROL.search(value):
        raise InvalidEntity(value, "contains control characters")
    stripped = value.strip()
    if not stripped:
        raise InvalidEntity(value, "empty")
    return stripped


def normalize_ip(value: str) -> str:
    """Canonical text of one IPv4/IPv6 address; ranges and garbage are rejected."""
    raw = _check_raw(value)
    if "/" in raw:
        raise InvalidEntity(value, "an IP range, not a single address; investigate addresses one by one")
    try:
        address = ipaddress.ip_address(raw.strip("[]"))
    except ValueError:
        raise InvalidEntity(value, "not a valid IPv4 or IPv6 address") from None
    return str(address)


def is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return False
    return True


def normalize_domain(value: str, *, require_registered: bool = True) -> str:
    """Lower-case ASCII (punycode) host name without a trailing dot, validated label by label."""
    raw = _check_raw(value)
    if any(ch in raw for ch in "/\\:@?#\"'`|;,()[]{}<>*=+!$%^&~"):
        raise InvalidEntity(value, "contains characters that cannot appear in a host name")
    if any(ch.isspace() for ch in raw):
        raise InvalidEntity(value, "contains white space")
    name = raw[:-1] if raw.endswith(".") else raw
    if not name:
        raise InvalidEntity(value, "empty name")
    if ".." in name or name.startswith("."):
        raise InvalidEntity(value, "has an empty label ('..' or a leading dot)")
    try:
        ascii_name = idna.encode(name, uts46=True, transitional=False).decode("ascii")
    except idna.IDNAError as exc:
        # underscores (SRV, DKIM) are legal in DNS but not in IDNA; accept them in pure-ASCII names
        if name.isascii():
            ascii_name = name.lower()
        else:
            raise InvalidEntity(value, f"not a valid internationalized domain name ({exc})") from None
    except UnicodeError as exc:
        raise InvalidEntity(value, f"not a valid domain name ({exc})") from None
    ascii_name = ascii_name.lower()
    if len(ascii_name) > MAX_NAME:
        raise InvalidEntity(value, f"{len(ascii_name)} characters; a DNS name has at most {MAX_NAME}")
    labels = ascii_name.split(".")
    for label in labels:
        if not label:
            raise InvalidEntity(value, "has an empty label")
        if len(label) > MAX_LABEL:
            raise InvalidEntity(value, f"label of {len(label)} characters; a label has at most {MAX_LABEL}")
        if not _LABEL_OK.match(label):
            raise InvalidEntity(value, f"label {label!r} is not letters, digits, '-' or '_' "
                                       "(or starts/ends with '-')")
    if is_ip(ascii_name):
        raise InvalidEntity(value, "an IP address, not a domain")
    if len(labels) < 2:
        raise InvalidEntity(value, "a bare label or top-level domain, not a domain")
    if require_registered:
        _, registered, suffix = split_registered(ascii_name)
        if not suffix:
            raise InvalidEntity(value, "its top-level domain is not in the public suffix list")
        if not registered:
            raise InvalidEntity(value, f"{ascii_name!r} is a public suffix, not a registrable domain")
    return ascii_name


def host_of_url(value: str) -> tuple[str, str]:
    """(normalized URL, host) of an http(s)/ftp URL, or of 'host/path' written without a scheme."""
    raw = _check_raw(refang(value))
    if len(raw) > MAX_URL:
        raise InvalidEntity(value, f"URL of {len(raw)} characters; we accept at most {MAX_URL}")
    text = raw if _SCHEME.match(raw) else "http://" + raw
    try:
        parts = urllib.parse.urlsplit(text)
        host = parts.hostname or ""
        _ = parts.port  # raises on a malformed port
    except ValueError as exc:
        raise InvalidEntity(value, f"not a parseable URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https", "ftp", "ftps", "ws", "wss"}:
        raise InvalidEntity(value, f"unsupported URL scheme {scheme!r}")
    if not host:
        raise InvalidEntity(value, "URL without a host")
    host = normalize_ip(host) if is_ip(host) else normalize_domain(host)
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    url = urllib.parse.urlunsplit((scheme, netloc, parts.path, parts.query, ""))
    return url, host


def parse_entity(value: str, kind: EntityKind | None = None) -> Entity:
    """Classify and normalize one entity; ``kind`` forces the interpretation when the source knows it.

    'HTTP://WWW.Example.COM/path' becomes a url entity whose host is 'www.example.com'.
    """
    raw = _check_raw(value)
    raw = refang(raw)
    if kind is None:
        if _SCHEME.match(raw) or "/" in raw:
            kind = "url"
        elif is_ip(raw) or ("/" in raw and is_ip(raw.split("/")[0])):
            kind = "ip"
        else:
            kind = "domain"
    if kind == "ip":
        ip = normalize_ip(raw)
        return Entity("ip", ip, ip)
    if kind == "url":
        if "/" in raw and not _SCHEME.match(raw) and is_ip(raw.split("/")[0]):
            normalize_ip(raw)  # raises: a CIDR range, not a URL
        url, host = host_of_url(raw)
        return Entity("url", url, host, "" if is_ip(host) else split_registered(host)[1])
    host = normalize_domain(raw)
    return Entity("domain", host, host, split_registered(host)[1])


def investigation_key(value: str) -> str:
    """The dynamic-partition key for an investigation: the normalized host (URLs reduce to their host)."""
    return parse_entity(value).host
