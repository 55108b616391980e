"""Names of anonymity networks (Tor's ``.onion`` and ``.exit``, I2P's ``.i2p``) seen in DNS.

Why a rule of its own: these namespaces are never delegated in the public DNS (RFC 7686 reserves
``.onion``), so a look-up there cannot reach an attacker's name server. It is neither a tunnel nor
a DGA, however random its label looks (a v3 onion address is 56 base32 characters of an ed25519
public key). Scored by shape it used to read as a DGA with a wrong explanation. The look-up is
still worth a hunter's look: it leaked from a Tor-aware program, from a proxy set to resolve names
locally, or from malware that carries a hard-coded onion address (ransom notes, Tor-based C2). So
the name is ``suspicious`` with its own reason, and batch or event context never lifts it.
"""

from __future__ import annotations

import base64
import functools
import hashlib

import numpy as np

from hunt_assets import special_names
from hunt_assets.analytics.dns.names import ParsedNames, hash_name

ANONYMITY_TLDS = special_names.ANONYMITY_TLDS  # in this order: .onion, .exit, .i2p

# what each kind code of ``anonymity_kinds`` means, as the reason quotes it
KIND_TEXTS = (
    "Tor onion service, v3 address with a valid checksum",
    "Tor onion service, v2 address (a format Tor retired in 2021)",
    ".onion name that is not a valid v2 or v3 onion address",
    "Tor exit-node notation (.exit)",
    "I2P name (.i2p)",
)
_V3, _V2, _BAD_ONION, _EXIT, _I2P = range(len(KIND_TEXTS))
REASON = (
    "{kind}: anonymity networks' names never resolve in the DNS (.onion: RFC 7686), so this look-up "
    "leaked from software that uses the network, a proxy resolving locally, or malware with a "
    "hard-coded address (not judged as a DGA or tunnel)"
)

_ONION_V3_LEN, _ONION_V2_LEN = 56, 16
_B32 = np.zeros(256, dtype=bool)
_B32[np.frombuffer(b"abcdefghijklmnopqrstuvwxyz234567", dtype=np.uint8)] = True


@functools.lru_cache(maxsize=1)
def _tld_hashes() -> tuple[int, int, int]:
    onion, exit_, i2p = (int(hash_name(t)) for t in ANONYMITY_TLDS)
    return onion, exit_, i2p


def onion_v3_valid(label: str) -> bool:
    """Whether ``label`` is a v3 onion address: base32 of public key (32 bytes), checksum (2) and
    version 3, the checksum being the first two bytes of SHA3-256(".onion checksum" | key | 3)."""
    if len(label) != _ONION_V3_LEN:
        return False
    try:
        raw = base64.b32decode(label.upper())
    except (ValueError, TypeError):
        return False
    key, checksum, version = raw[:32], raw[32:34], raw[34:]
    if version != b"\x03":
        return False
    return hashlib.sha3_256(b".onion checksum" + key + version).digest()[:2] == checksum


def anonymity_kinds(p: ParsedNames, tld_hash: np.ndarray) -> np.ndarray:
    """Per row: an index into ``KIND_TEXTS``, or -1 for names outside the anonymity networks.

    ``tld_hash``: each row's last-label hash (``p.suffix_hash`` at its last label), which the
    scorer computes once for this and the alternative-root rule. Only names with at least one label
    in front of the TLD count (a bare ``onion`` is a single label, judged as such). The checksum
    test runs once per name whose address label has v3 length and alphabet (a batch holds each name
    once; two subdomains of one address are two tests); every other step is whole-batch NumPy.
    """
    kinds = np.full(p.n, -1, dtype=np.int8)
    if p.n == 0:
        return kinds
    nl = p.n_labels.astype(np.int64)
    onion, exit_, i2p = (np.uint64(h) for h in _tld_hashes())
    two = nl >= 2
    kinds[two & (tld_hash == exit_)] = _EXIT
    kinds[two & (tld_hash == i2p)] = _I2P
    rows = np.flatnonzero(two & (tld_hash == onion))
    if rows.size == 0:
        return kinds
    # the address is the label in front of .onion (services may put subdomains before it)
    lab = p.row_first_label[rows] + nl[rows] - 2
    start, length = p.label_start[lab], p.label_end[lab] - p.label_start[lab]
    kind = np.full(rows.size, _BAD_ONION, dtype=np.int8)
    for want, code in ((_ONION_V2_LEN, _V2), (_ONION_V3_LEN, _V3)):
        cand = np.flatnonzero(length == want)
        if cand.size == 0:
            continue
        chars = p.lower[start[cand, None] + np.arange(want)[None, :]]
        in_alphabet = _B32[chars].all(axis=1)
        if code == _V2:
            kind[cand[in_alphabet]] = _V2
            continue
        for i in cand[in_alphabet]:
            label = p.lower[start[i] : start[i] + want].tobytes().decode("ascii")
            if onion_v3_valid(label):
                kind[i] = _V3
    kinds[rows] = kind
    return kinds

