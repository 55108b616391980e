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
INTERNAL_ZONES = ("home.arpa",)
# anonymity networks: Tor onion services (RFC 7686) and exit notation, I2P
ANONYMITY_TLDS = ("onion", "exit", "i2p")

NOT_LOOKED_UP = "not looked up: {why}; registry, live DNS and TLS look-ups would only leak the name"


def never_delegated(host: str) -> str:
    """Why ``host`` (a normalized name) lies outside the public DNS, or "" when it does not."""
    labels = host.lower().rstrip(".").split(".")
    if len(labels) < 2:
        return ""
    if labels[-1] in ANONYMITY_TLDS:
        return f"an anonymity network's name (.{labels[-1]}), which never resolves in the DNS"
    if labels[-1] in INTERNAL_TLDS or ".".join(labels[-2:]) in INTERNAL_ZONES:
        return f"an internal-only zone (.{'.'.join(labels[-2:]) if labels[-1] == 'arpa' else labels[-1]})"
    return ""
