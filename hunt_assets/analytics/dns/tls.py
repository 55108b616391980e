"""The server name (SNI, RFC 6066) of a TLS ClientHello: over TCP as a record begins it (``tls_server_name``,
which ``_native.tls_sni`` mirrors in C), in QUIC's CRYPTO frames as a bare handshake message
(``handshake_server_name``).

Why here: the name is the client's to choose, as an attacker's would be, and it reaches the hosts file; one
reading of it, with one escaping, for every transport.
"""

from __future__ import annotations

import re
import struct

HELLO_READ = 1 << 14  # bytes of a ClientHello looked at: a TLS record's most (RFC 8446, 5.1)
NAME_MAX = 255  # the longest server name kept (a DNS name is 253 at most); a longer one is cut
_ESCAPES = [chr(b) if 0x21 <= b <= 0x7E and b != 0x5C else f"\\x{b:02x}" for b in range(256)]
_ESCAPES[0x5C] = "\\\\"
PLAIN = re.compile(rb"[\x21-\x5b\x5d-\x7e]*")  # printable ASCII but the backslash: written as it is


def escaped(raw: bytes) -> str:
    """Bytes of a name from the wire as Zeek writes them: printable ASCII as it is, the backslash doubled,
    any other byte as ``\\xNN``. One spelling for a DNS question's labels (``pcap.question``) and a TLS or
    QUIC server name, as ``_native``'s ``put_escaped`` writes both in C."""
    return raw.decode("ascii") if PLAIN.fullmatch(raw) else "".join(_ESCAPES[c] for c in raw)


def tls_server_name(seg: bytes | memoryview) -> str | None:
    """The server name of the TLS ClientHello that ``seg`` (a TCP payload) begins, in lower case and with
    bytes outside printable ASCII as ``\\xNN``; None when ``seg`` begins no ClientHello, the hello has no
    host name, or the name lies past the segment's end (``pcap.HeldHellos`` joins a split hello's segments
    and asks again)."""
    b = bytes(seg[:HELLO_READ])
    if len(b) < 6 or b[0] != 0x16 or b[1] != 0x03:
        return None
    return _hello_name(b, 5, min(len(b), 5 + int.from_bytes(b[3:5], "big")))


def handshake_server_name(b: bytes) -> tuple[str | None, bool]:
    """(server name or None, whether ``b`` holds the whole message) for the handshake message that ``b``
    begins, as QUIC carries it (no record header). A message that is not a ClientHello is whole: there is
    nothing to wait for."""
    if len(b) < 4 or b[0] != 0x01:
        return None, len(b) >= 4
    size = 4 + int.from_bytes(b[1:4], "big")
    return _hello_name(b[:HELLO_READ], 0, min(len(b), size, HELLO_READ)), len(b) >= size


def _hello_name(b: bytes, at: int, end: int) -> str | None:
    """The host name in the ClientHello at ``b[at:]`` (its type byte), reading no further than ``end``."""
    if at >= len(b) or b[at] != 0x01:
        return None
    i = at + 4 + 2 + 32  # the handshake's type and length, the client version, the random
    for size in (1, 2, 1):  # the session id, the cipher suites, the compression methods: skipped
        if i + size > end:
            return None
        i += size + int.from_bytes(b[i : i + size], "big")
    if i + 2 > end:
        return None
    ext_end = min(end, i + 2 + int.from_bytes(b[i : i + 2], "big"))
    i += 2
    while i + 4 <= ext_end:
        etype, elen = struct.unpack_from(">HH", b, i)
        i += 4
        if etype == 0:  # server_name: a list of (type, length, name); type 0 is a host name
            j, stop = i + 2, min(ext_end, i + elen)
            while j + 3 <= stop:
                ntype, nlen = b[j], int.from_bytes(b[j + 1 : j + 3], "big")
                j += 3
                if ntype == 0 and nlen > 0 and j + nlen <= stop:
                    return escaped(b[j : j + min(nlen, NAME_MAX)].lower())
                j += nlen
            return None
        i += elen
    return None
