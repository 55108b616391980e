"""Namespaces that the public DNS never delegates, shared by the DNS scorer and the investigations.

Why one module: the scorer clears look-ups of internal-only zones and flags anonymity networks'
names, and an investigation must not ask a registry, a resolver or the host itself about either
kind (RFC 7686: software that does not speak Tor should not resolve ``.onion``; no RDAP registry
holds these names; an internal host name sent out is a leak). Both read the same lists from here;
this module imports nothing.
"""

from __future__ import annotations

# internal-only zones: RFC 6762 .local, RFC 8375 home.arpa, ICANN's reserved .internal, RFC 6761's
# .invalid and .localhost, and the unofficial .lan/.corp/.home/.localdomain/.intranet
INTERNAL_TLDS = ("local", "lan", "internal", "intranet", "corp", "home", "localdomain", "localhost", "invalid")
# RFC 9476: .alt roots namespaces that are not the DNS (GNS keys its zones under .gns.alt). No
# provider knows such a name, so investigations keep it inside like an internal one; the DNS scorer
# does not clear it, because encoded labels under a TLD the root does not know are still the shape of
# a tunnel client that talks to its server directly
NON_DNS_TLDS = ("alt",)
INTERNAL_ZONES = ("home.arpa",)
# anonymity networks: Tor onion services (RFC 7686) and exit notation, I2P
ANONYMITY_TLDS = ("onion", "exit", "i2p")

NOT_LOOKED_UP = "not looked up: {why}; registry, live DNS and TLS look-ups would only leak the name"


def _labels(host: str) -> list[str]:
    labels = host.lower().rstrip(".").split(".")
    return labels if len(labels) >= 2 else []


def internal_only(host: str) -> str:
    """Why ``host`` is a name only its own network knows, or "".

    Such a name must not leave the network at all: no provider (passive DNS, threat intel) can know
    it, and sending it out tells them an internal host name.
    """
    labels = _labels(host)
    if not labels:
        return ""
    if labels[-1] in NON_DNS_TLDS:
        return f"a non-DNS namespace (.{labels[-1]}, RFC 9476)"
    if labels[-1] in INTERNAL_TLDS or ".".join(labels[-2:]) in INTERNAL_ZONES:
        return f"an internal-only zone (.{'.'.join(labels[-2:]) if labels[-1] == 'arpa' else labels[-1]})"
    return ""


def anonymity_network(host: str) -> str:
    """Why ``host`` is an anonymity network's name, or "". Threat-intel providers do index these."""
    labels = _labels(host)
    if labels and labels[-1] in ANONYMITY_TLDS:
        return f"an anonymity network's name (.{labels[-1]}), which never resolves in the DNS"
    return ""


def never_delegated(host: str) -> str:
    """Why ``host`` (a normalized name) lies outside the public DNS, or "" when it does not."""
    return anonymity_network(host) or internal_only(host)
