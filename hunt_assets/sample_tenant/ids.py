"""Stable identifiers derived from hashes, never from Python's salted hash() or the wall clock.

Everything that looks like an id in Defender (DeviceId, AAD object ids, SIDs, file hashes) is derived from
its meaning (for example the device name), so the same tenant gets the same ids on every build and machine.
"""

from __future__ import annotations

import hashlib
import uuid
import zlib

# Example domain SID used throughout Microsoft's documentation; keeps SIDs recognisably fake.
DOMAIN_SID = "S-1-5-21-1004336348-1177238915-682003330"


def _digest(parts: tuple[object, ...]) -> bytes:
    return hashlib.sha512("|".join(str(p) for p in parts).encode()).digest()


def stable_hex(*parts: object, length: int = 40) -> str:
    """Hex string of the given length; used where Defender shows SHA1/SHA256/MD5 or 40-hex DeviceIds."""
    text = _digest(parts).hex()
    while len(text) < length:
        text += _digest((*parts, len(text))).hex()
    return text[:length]


def stable_guid(*parts: object) -> str:
    """Lower-case GUID text, the form AAD object ids and tenant ids take in advanced hunting."""
    return str(uuid.UUID(bytes=_digest(parts)[:16]))


def stable_int(*parts: object, modulo: int) -> int:
    """Small deterministic integer in [0, modulo), e.g. a file size or a process id."""
    return int.from_bytes(_digest(parts)[:8], "big") % modulo


def component_key(name: str) -> int:
    """Stable numeric key of a generator component, so each component draws from its own RNG stream."""
    return zlib.crc32(name.encode())
