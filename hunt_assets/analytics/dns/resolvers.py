"""Encrypted-DNS resolvers (DoH / DoT / DoQ) and the canaries that decide whether they are used.

Why: every verdict here is computed from the DNS log the tenant keeps (Defender's DnsQueryResponse
events, the DNS server's log). A host that looks up a public encrypted-DNS resolver and then resolves
over HTTPS or TLS sends its later look-ups past that log: a tunnel or a DGA on that host is invisible
to ``dns_flags``, and a DoH tunnel (godoh, DoHC2) needs no other trace. The look-up of the resolver's
own name is the one thing the log still shows, so it is reported per host (``host_summary``) as a
blind spot to hunt in the host's network and process events, not as a verdict: the names are benign,
and browsers do it by default.

Canaries are names a client asks before switching: Firefox disables its default DoH when
``use-application-dns.net`` does not resolve, Apple's iCloud Private Relay is turned off for a network
that blocks ``mask.icloud.com``. A look-up says the host has the feature and is deciding whether to
use it.

Matching is on exact names (``dns.quad9.net``) and on zones whose every name is an endpoint of one
service (``*.dns.nextdns.io`` carries a customer's configuration id, ``*.cloudflare-gateway.com`` a
Zero Trust account's). Candidates are picked by registered domain first, so only the few names under
these providers' domains are looked at one by one.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence

import numpy as np

RESOLVER = "resolver"
CANARY = "canary"

# provider -> (exact endpoint names, zones of which every name is an endpoint of that provider)
_RESOLVERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Google Public DNS": (("dns.google", "dns64.dns.google", "8888.google"), ()),
    "Cloudflare 1.1.1.1": (("one.one.one.one",), ("cloudflare-dns.com",)),
    "Cloudflare Zero Trust": ((), ("cloudflare-gateway.com",)),
    "Quad9": (("dns.quad9.net", "dns9.quad9.net", "dns10.quad9.net", "dns11.quad9.net", "dns12.quad9.net"), ()),
    "Cisco OpenDNS / Umbrella": (
        ("doh.opendns.com", "doh.familyshield.opendns.com", "doh.sandbox.opendns.com", "doh.umbrella.com",
         "dns.umbrella.com"),
        (),
    ),
    "NextDNS": ((), ("dns.nextdns.io",)),
    "AdGuard DNS": (
        ("dns.adguard-dns.com", "unfiltered.adguard-dns.com", "family.adguard-dns.com", "dns.adguard.com",
         "dns-unfiltered.adguard.com", "dns-family.adguard.com"),
        ("d.adguard-dns.com",),
    ),
    "Control D": (("freedns.controld.com",), ("dns.controld.com",)),
    "CleanBrowsing": (
        ("doh.cleanbrowsing.org", "family-filter-dns.cleanbrowsing.org", "adult-filter-dns.cleanbrowsing.org",
         "security-filter-dns.cleanbrowsing.org"),
        (),
    ),
    "Mullvad DNS": (("doh.mullvad.net",), ("dns.mullvad.net",)),
    "dns0.eu": (("dns0.eu", "open.dns0.eu", "kids.dns0.eu", "zero.dns0.eu"), ()),
    "DNS.SB": (("doh.dns.sb", "dot.sb", "doh.sb"), ()),
    "AliDNS": (("dns.alidns.com",), ()),
    "DNSPod": (("doh.pub", "dot.pub", "sm2.doh.pub"), ()),
    "360 Secure DNS": (("doh.360.cn", "dot.360.cn"), ()),
    "Comcast Xfinity": (("doh.xfinity.com",), ()),
    "Quad101 (TWNIC)": (("dns.twnic.tw",), ()),
    "SWITCH": (("dns.switch.ch",), ()),
    "Digitale Gesellschaft": (("dns.digitale-gesellschaft.ch",), ()),
    "LibreDNS": (("doh.libredns.gr",), ()),
    "Applied Privacy": (("doh.applied-privacy.net",), ()),
    "Hurricane Electric": (("ordns.he.net",), ()),
}

_CANARIES: dict[str, str] = {
    "use-application-dns.net": "Firefox DoH canary",
    "mask.icloud.com": "iCloud Private Relay canary",
    "mask-h2.icloud.com": "iCloud Private Relay canary",
}


# provider -> the public addresses its DoH/DoT service answers on, as queries/encrypted_dns_connections.kql
# lists them (a test keeps the two in step). The hunt finds connections by address, which names no
# resolver: this says whose it was.
_ADDRESSES: dict[str, tuple[str, ...]] = {
    "Cloudflare 1.1.1.1": (
        "1.1.1.1", "1.0.0.1", "1.1.1.2", "1.0.0.2", "1.1.1.3", "1.0.0.3", "162.159.61.3", "172.64.41.3",
        "162.159.61.4", "172.64.41.4", "104.16.248.249", "104.16.249.249", "2606:4700:4700::1111",
        "2606:4700:4700::1001",
    ),
    "Google Public DNS": ("8.8.8.8", "8.8.4.4", "2001:4860:4860::8888", "2001:4860:4860::8844"),
    "Quad9": ("9.9.9.9", "149.112.112.112", "9.9.9.10", "149.112.112.10", "9.9.9.11", "149.112.112.11",
              "2620:fe::fe", "2620:fe::9"),
    "Cisco OpenDNS / Umbrella": ("208.67.222.222", "208.67.220.220", "208.67.222.123", "208.67.220.123"),
    "AdGuard DNS": ("94.140.14.14", "94.140.15.15", "94.140.14.15", "94.140.15.16", "94.140.14.140",
                    "94.140.14.141"),
    "CleanBrowsing": ("185.228.168.9", "185.228.169.9", "185.228.168.168", "185.228.169.168"),
    "Mullvad DNS": ("194.242.2.2", "194.242.2.3", "194.242.2.4", "194.242.2.5", "194.242.2.6", "194.242.2.9"),
    "NextDNS": ("45.90.28.0", "45.90.30.0"),
    "Control D": ("76.76.2.0", "76.76.10.0"),
    "dns0.eu": ("193.110.81.0", "185.253.5.0"),
}


@functools.lru_cache(maxsize=1)
def _address_table() -> dict[str, str]:
    return {ipaddress.ip_address(a).compressed: p for p, addrs in _ADDRESSES.items() for a in addrs}


def resolver_addresses() -> tuple[str, ...]:
    """Every listed resolver address, compressed (``inet_ntop``'s spelling): what a capture reader
    watches on port 443 -- HTTPS to these is DoH, where HTTPS to anything else is the web."""
    return tuple(_address_table())


def provider_of_address(address: object) -> str | None:
    """The provider whose public resolver answers on ``address`` (any IPv4/IPv6 spelling), else None."""
    try:
        ip = ipaddress.ip_address(str(address).strip().strip("[]"))
    except ValueError:
        return None
    return _address_table().get(ip.compressed)


def connection_label(address: object, url: object = None, port: object = None, protocol: object = None,
                     server_name: object = None) -> str:
    """How the host summary names where an encrypted-DNS connection went: the provider (by the remote URL's
    endpoint, else by address) or the bare address, and the protocol by port -- ``Google Public DNS over
    HTTPS``, ``Cloudflare 1.1.1.1 over TLS``, ``203.0.113.9 over TLS``, ``dot.example.org (203.0.113.9) over
    TLS`` when the URL names a server nobody listed. Empty when nothing is known.
    ``protocol`` (``udp``, any case, as Defender's ``Protocol`` or a capture gives it) makes port 853
    ``over QUIC``: DNS over QUIC (RFC 9250) shares DoT's port, and a hunter asks the network for UDP.
    ``server_name``: the host name itself (a TLS hello's, a reverse name), taken as it is where a URL would be
    parsed: a hostile name (``x://y``) must show as it came, not cut at its punctuation."""
    host = _clean(server_name) if not _missing(server_name) else "" if _missing(url) else _url_host(url)
    hit = endpoint_of(host) if host else None
    provider = hit[0] if hit is not None and hit[1] == RESOLVER else None
    if provider is None and not _missing(address):
        provider = provider_of_address(address)
        if provider is None:  # nobody's list: the server's own name (a TLS hello's) says more than its address
            bare = str(address).strip()
            provider = f"{host} ({bare})" if host and host != bare and provider_of_address(host) is None else bare
    if provider is None and hit is None and host:
        provider = provider_of_address(host) or host  # a URL may name the resolver by its address
    if not provider:
        return ""
    try:
        p = int(float(str(port)))
    except ValueError:
        p = None
    quic = not _missing(protocol) and str(protocol).strip().lower() == "udp"
    proto = {443: " over HTTPS", 853: " over QUIC" if quic else " over TLS"}.get(
        p, "" if p is None else f" on port {p}")
    return provider + proto


def _url_host(url: object) -> str:
    """The host name of a remote URL as Defender may log it: a bare name, or with scheme, port and path
    (``https://dns.google:443/dns-query``)."""
    u = str(url).strip()
    u = u.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
    if u.startswith("["):  # [IPv6]:port
        return u[1:].split("]", 1)[0]
    return _clean(u.split(":", 1)[0] if u.count(":") == 1 else u)


def _clean(name: object) -> str:
    return str(name).strip().rstrip(".").lower()


@functools.lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    exact: dict[str, tuple[str, str]] = {n: (p, RESOLVER) for p, (names, _) in _RESOLVERS.items() for n in names}
    exact.update({n: (what, CANARY) for n, what in _CANARIES.items()})
    zones = {z: (p, RESOLVER) for p, (_, zs) in _RESOLVERS.items() for z in zs}
    return exact, zones


@functools.lru_cache(maxsize=1)
def registered_domains_of_endpoints() -> frozenset[str]:
    """The registered domains (public suffix list, as the scorer parses names) of every endpoint and zone:
    a name outside these cannot be an endpoint, which keeps the per-name check to a handful of names."""
    import pyarrow as pa

    from hunt_assets.analytics.dns.names import binary_to_str, parse, registered_domains, to_binary_array

    exact, zones = _tables()
    listed = sorted(set(exact) | set(zones))
    p = parse(to_binary_array(pa.array(listed, pa.large_string())))
    return frozenset(str(d) for d in binary_to_str(registered_domains(p)).to_pylist() if d)


@functools.lru_cache(maxsize=1)
def endpoint_tails() -> frozenset[str]:
    """The last two labels of every endpoint and zone: a name whose last two differ is no endpoint, which
    a capture's reader checks for each TLS hello (one per connection) before ``endpoint_of``."""
    exact, zones = _tables()
    return frozenset(".".join(n.split(".")[-2:]) for n in (*exact, *zones))


def endpoint_of(name: object) -> tuple[str, str] | None:
    """(provider or canary, ``resolver`` / ``canary``) for an encrypted-DNS endpoint's name, else None."""
    n = _clean(name)
    exact, zones = _tables()
    if n in exact:
        return exact[n]
    labels = n.split(".")
    for i in range(len(labels) - 1):
        hit = zones.get(".".join(labels[i:]))
        if hit is not None:
            return hit
    return None


def endpoint_labels(names: Sequence[object], registered: Sequence[object]) -> np.ndarray:
    """Per name: ``"<name> (<provider>)"`` if it is an encrypted-DNS endpoint or canary, else ``""``.

    ``registered``: each name's registered domain as the scorer parsed it (pre-filter; see module text).
    """
    import pandas as pd  # here, not at the top: a capture's reader uses this module before score-dns loads pandas

    out = np.full(len(names), "", dtype=object)
    known = registered_domains_of_endpoints()
    cand = np.flatnonzero(pd.Series(registered, dtype=object).isin(known).to_numpy())  # hashed in C
    for i in cand:
        hit = endpoint_of(names[i])
        if hit is not None:
            out[i] = f"{_clean(names[i])} ({hit[0]})"
    return out


# Processes that send DNS over HTTPS/TLS by design. A browser with secure DNS switched on is the common,
# benign case; the OS resolver (Windows' DNS client in svchost, macOS mDNSResponder, systemd-resolved)
# does it when the OS is configured to; DNS proxies and VPN clients are installed to. Anything else talking
# to a public resolver is resolving for itself, which is what a DoH tunnel or C2 (godoh, DoHC2, Sliver's
# DoH) looks like, so the host summary ranks it higher. Names as Defender reports them on Windows, macOS
# and Linux, compared case-folded without ``.exe`` and without a macOS ``Helper (...)`` suffix. A name is
# only a name: without the image's path and company (``process_kind``) a tunnel saved as ``chrome.exe``
# passes as a browser, so the list ranks hosts, it clears nothing.
BROWSER = "browser"
DNS_SOFTWARE = "dns software"
OTHER_PROCESS = "other"

_BROWSERS = frozenset(
    {
        "chrome", "google chrome", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
        "msedge", "microsoft edge", "msedgewebview2", "firefox", "firefox-esr", "firefox-bin", "librewolf",
        "waterfox", "floorp", "zen", "brave", "brave browser", "brave-browser", "opera", "opera gx",
        "vivaldi", "vivaldi-bin", "arc", "browser", "whale", "thorium", "yandex", "safari", "tor browser",
        "com.apple.webkit.networking", "duckduckgo", "seamonkey", "palemoon", "iexplore",
    }
)
_DNS_SOFTWARE = frozenset(
    {
        "svchost", "dns", "mdnsresponder", "systemd-resolved", "dnsmasq", "unbound", "named", "kresd",
        "cloudflared", "warp-svc", "cloudflare warp", "dnscrypt-proxy", "stubby", "nextdns", "adguardhome",
        "adguard", "adguardsvc", "ctrld", "blocky", "coredns", "dnsdist", "pihole-ftl", "simplednscrypt",
        "yogadns", "technitium.dns.server", "dnsproxy", "openvpn", "wireguard", "tailscaled", "nordvpn",
        "expressvpn", "protonvpn", "mullvad-daemon", "zscaler", "zsatunnel", "netskope", "stagent",
        "umbrella", "acumbrellaagent", "dnscryptproxy",
    }
)


def _process_key(name: object) -> str:
    n = str(name).strip().lower()
    n = n.rsplit("\\", 1)[-1].rsplit("/", 1)[-1]  # a path, if a table gives one
    if n.endswith(".exe"):
        n = n[:-4]
    if " helper" in n:  # macOS: "Google Chrome Helper (Renderer)" is Chrome
        n = n.split(" helper", 1)[0]
    return n.strip()


# Windows binaries carry version info; the vendor a well-known name must show there (case-folded substring).
# Defender reports it as InitiatingProcessVersionInfoCompanyName; on macOS and Linux it is empty.
_VENDOR = {
    "chrome": "google", "msedge": "microsoft", "msedgewebview2": "microsoft", "iexplore": "microsoft",
    "firefox": "mozilla", "brave": "brave", "opera": "opera", "vivaldi": "vivaldi", "svchost": "microsoft",
    "dns": "microsoft",
}
# where a Windows system binary lives: an svchost.exe anywhere else is a classic masquerade
_SYSTEM_DIRS = ("c:\\windows\\system32\\", "c:\\windows\\syswow64\\")
_SYSTEM_BINARIES = frozenset({"svchost", "dns"})
# Folders anyone can write to and nothing installs into: a browser or DNS program started from one is a
# copy (a renamed implant, or a signed binary carried along to side-load a DLL next to it). Checked on the
# path case-folded, Windows separators for Windows paths. Hidden folders count on macOS and Linux too,
# except ~/.local, where per-user Flatpak and desktop installs live.
_SCRATCH_WINDOWS = ("\\appdata\\local\\temp\\", "c:\\windows\\temp\\", "c:\\windows\\systemtemp\\",
                    "c:\\users\\public\\", "\\$recycle.bin\\", "c:\\perflogs\\")
# paths compared against, never opened (S108 is about writing to them)
_SCRATCH_UNIX = ("/tmp/", "/var/tmp/", "/dev/shm/", "/private/tmp/", "/private/var/tmp/", "/users/shared/")  # noqa: S108
_MACOS_TEMP = "/private/var/folders/"  # per-user $TMPDIR; quarantined apps run translocated from it
_MACOS_ROOTS = ("/applications/", "/users/", "/system/", "/library/", "/private/", "/volumes/")
# a macOS browser is an app bundle (helpers and WebKit's networking process are nested bundles)
_MACOS_BUNDLES = (".app/", ".xpc/")


def _unix_misplaced(where: str, kind: str) -> bool:
    """A listed program's Unix path that no installer writes: scratch, hidden, or (macOS) a browser outside
    an app bundle."""
    if where.startswith(_SCRATCH_UNIX):
        return True
    if where.startswith(_MACOS_TEMP) and "/apptranslocation/" not in where:
        return True
    if any(part.startswith(".") and part not in (".", "..", ".local") for part in where.split("/")[:-1]):
        return True
    return kind == BROWSER and where.startswith(_MACOS_ROOTS) and not any(b in where for b in _MACOS_BUNDLES)


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and x != x) or str(x).strip() == ""


def process_kind(name: object, path: object = None, company: object = None, company_known: bool = True) -> str:
    """``browser``, ``dns software`` (OS resolver, DNS proxy, VPN) or ``other`` for a process that talked
    to an encrypted-DNS resolver; an empty or missing name is ``other`` (nothing vouches for it).

    ``path`` (Defender's ``InitiatingProcessFolderPath``, the image's full path) and ``company`` (its
    version info's company) catch the cheap masquerades when the table has them: a Windows image under a
    well-known name must show its vendor (``chrome.exe`` from Google, ``svchost.exe`` from Microsoft), any
    Windows image of a listed name must have version info at all, and ``svchost.exe`` must run from
    System32 / SysWOW64. On every OS a listed program started from a scratch folder (Temp, Public,
    ``/tmp``, ``/dev/shm``, a hidden folder) is ``other``, and on macOS a browser must run from inside an
    app bundle. Without a path (older rows) the name decides. ``company_known=False``: the source names no
    company at all (Sysmon's network event gives the image only), so its absence says nothing.
    """
    if _missing(name):
        return OTHER_PROCESS
    key = _process_key(name)
    kind = BROWSER if key in _BROWSERS else DNS_SOFTWARE if key in _DNS_SOFTWARE else OTHER_PROCESS
    if kind == OTHER_PROCESS or _missing(path):
        return kind
    raw = str(path).strip().lower()
    where = raw.replace("/", "\\")
    windows = (len(where) > 2 and where[1] == ":") or where.startswith("\\\\")  # C:\... or \\server\...
    if not windows:
        return OTHER_PROCESS if _unix_misplaced(raw, kind) else kind
    if any(d in where for d in _SCRATCH_WINDOWS):
        return OTHER_PROCESS
    if company_known and _missing(company):
        return OTHER_PROCESS  # a Windows browser or DNS program without version info
    vendor = _VENDOR.get(key)
    if company_known and vendor is not None and vendor not in str(company).lower():
        return OTHER_PROCESS
    if key in _SYSTEM_BINARIES and not where.startswith(_SYSTEM_DIRS):
        return OTHER_PROCESS
    return kind
