"""The server name in a QUIC client's Initial packets (RFC 9000, RFC 9001), for a capture's DoH over HTTP/3.

Why: a browser sends DNS over HTTP/3 to its resolver as readily as over TCP, and a capture shows a QUIC
connection to an address as nothing but UDP to port 443. Its first flight, the Initial packets, is
encrypted with keys anyone derives from the connection id the client chose (RFC 9001, 5.2), so the
ClientHello inside, and the name of the resolver it asks for, can be read as a TLS hello over TCP is.

What is read: Initial packets from the client of QUIC version 1 (RFC 9000: a long header of type 0) and
version 2 (RFC 9369: type 1, its own salt and key labels), in a datagram of 1,200 bytes or more, as RFC
9000, 14.1 requires of a client's; the first packet of a coalesced datagram. Header protection is
removed and the payload opened (AES-128-GCM, ``cryptography``); the CRYPTO frames are joined by offset,
in any order, overlapping (a retransmission may cut the data elsewhere) and across packets of the same
connection id (a post-quantum hello spans two, and Chrome scatters its CRYPTO frames). A packet that does
not open is passed over. Draft versions are not read.
"""

from __future__ import annotations

import functools
import hashlib

from hunt_assets.analytics.dns.tls import handshake_server_name

V1 = b"\x00\x00\x00\x01"
V2 = b"\x6b\x33\x43\xcf"  # RFC 9369, 3.1
# version -> (the first byte's high nibble of an Initial: long header, fixed bit, type; salt; key labels' prefix)
VERSIONS = {
    V1: (0xC0, bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"), b"quic "),  # RFC 9000 17.2.2, RFC 9001 5.2
    V2: (0xD0, bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9"), b"quicv2 "),  # RFC 9369 3.2, 3.3
}
MIN_DATAGRAM = 1200  # a client's datagram with an Initial is at least this (RFC 9000, 14.1)
_CRYPTO_MAX = 1 << 14  # bytes of a connection's CRYPTO data kept: a ClientHello is far less


def is_client_initial(datagram: bytes | memoryview) -> bool:
    """A UDP payload that is a client's QUIC v1 or v2 Initial: long header, fixed bit, the version's Initial
    type, padded to ``MIN_DATAGRAM`` (the test ``_native``'s ``quic_initial`` makes in C)."""
    if len(datagram) < MIN_DATAGRAM:
        return False
    known = VERSIONS.get(bytes(datagram[1:5]))
    return known is not None and datagram[0] & 0xF0 == known[0]


_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))


def _hmac_sha256(key: bytes, msg: bytes) -> bytes:
    """HMAC-SHA256 (RFC 2104) of a key of at most 64 bytes, as two ``hashlib`` passes. Why not ``hmac``: each
    Initial derives its keys with five of these, and ``hmac.new`` costs twice as much (2.3 µs against 1.1);
    the tests check the keys against RFC 9001's and RFC 9369's and the function against ``hmac``."""
    key = key.ljust(64, b"\x00")
    return hashlib.sha256(key.translate(_OPAD) + hashlib.sha256(key.translate(_IPAD) + msg).digest()).digest()


def _hkdf_label(secret: bytes, label: bytes, length: int) -> bytes:
    """HKDF-Expand-Label (RFC 8446, 7.1) with SHA-256 and an empty context, for a ``length`` of at most 32
    bytes (one block: every key here)."""
    full = b"tls13 " + label
    return _hmac_sha256(secret, length.to_bytes(2, "big") + bytes([len(full)]) + full + b"\x00\x01")[:length]


def initial_keys(dcid: bytes, version: bytes = V1) -> tuple[bytes, bytes, bytes]:
    """(key, iv, header-protection key) of the client's Initial packets for the connection id ``dcid``
    (derived once a connection id: ``_openers`` keeps them, ready to use)."""
    _, salt, prefix = VERSIONS[version]
    initial = _hmac_sha256(salt, dcid)  # HKDF-Extract
    client = _hkdf_label(initial, b"client in", 32)
    return (_hkdf_label(client, prefix + b"key", 16), _hkdf_label(client, prefix + b"iv", 12),
            _hkdf_label(client, prefix + b"hp", 16))


def _varint(b: bytes, i: int) -> tuple[int, int]:
    """A QUIC variable-length integer at ``i`` (RFC 9000, 16): (value, next index); IndexError past the end."""
    first = b[i]
    size = 1 << (first >> 6)
    if i + size > len(b):
        raise IndexError
    return int.from_bytes(bytes([first & 0x3F]) + b[i + 1 : i + size], "big"), i + size


@functools.lru_cache(maxsize=1)
def _aes() -> tuple:
    """cryptography's AES pieces, loaded on the first Initial (the module is not needed before)."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return InvalidTag, Cipher, algorithms.AES, modes.ECB, AESGCM


def open_initial(datagram: bytes | memoryview) -> tuple[bytes, bytes] | None:
    """(destination connection id, plaintext payload) of the client Initial that begins ``datagram``, or
    None when it is not one or does not open (a damaged packet, a server's, a draft version)."""
    invalid_tag = _aes()[0]
    d = bytes(datagram)
    if not is_client_initial(d):
        return None
    try:
        n = d[5]
        if n > 20:
            return None
        dcid, i = d[6 : 6 + n], 6 + n
        i += 1 + d[i]  # the source connection id
        token, i = _varint(d, i)
        length, i = _varint(d, i + token)
        if length < 20 or i + length > len(d):
            return None
    except IndexError:
        return None
    aead, iv, protect = _openers(dcid, d[1:5])
    mask = protect.update(d[i + 4 : i + 20])  # RFC 9001, 5.4.3: AES-ECB of a sample
    first = d[0] ^ (mask[0] & 0x0F)
    pn_len = (first & 0x03) + 1
    pn = int.from_bytes(d[i : i + pn_len], "big") ^ int.from_bytes(mask[1 : 1 + pn_len], "big")
    header = bytes([first]) + d[1:i] + pn.to_bytes(pn_len, "big")
    nonce = (iv ^ pn).to_bytes(12, "big")
    try:
        return dcid, aead.decrypt(nonce, d[i + pn_len : i + length], header)
    except invalid_tag:
        return None


@functools.lru_cache(maxsize=1024)
def _openers(dcid: bytes, version: bytes) -> tuple:
    """(AES-GCM with the packet key, the IV as a number, an AES-ECB encryptor with the header-protection key)
    for ``dcid``: made once a connection id, as a hello over two Initials uses them twice (ECB keeps no
    state between blocks, so one encryptor serves every sample)."""
    _, cipher, aes, ecb, aesgcm = _aes()
    key, iv, hp = initial_keys(dcid, version)
    return aesgcm(key), int.from_bytes(iv, "big"), cipher(aes(hp), ecb()).encryptor()


def crypto_frames(payload: bytes) -> list[tuple[int, bytes]]:
    """The CRYPTO frames (offset, data) of an Initial packet's payload, reading past the frames an Initial
    may hold (PADDING, PING, ACK, CONNECTION_CLOSE); the walk stops at anything else or a cut frame."""
    out: list[tuple[int, bytes]] = []
    i = 0
    try:
        while i < len(payload):
            if payload[i] == 0x00:  # PADDING, byte by byte to the datagram's 1,200: skipped as one run
                i = len(payload) - len(payload[i:].lstrip(b"\x00"))
                continue
            kind, i = _varint(payload, i)
            if kind == 0x01:  # PING
                continue
            if kind in (0x02, 0x03):  # ACK: largest, delay, range count, first range, ranges, ECN counts
                _, i = _varint(payload, i)
                _, i = _varint(payload, i)
                count, i = _varint(payload, i)
                for _ in range(1 + 2 * count + (3 if kind == 0x03 else 0)):
                    _, i = _varint(payload, i)
            elif kind == 0x06:  # CRYPTO
                offset, i = _varint(payload, i)
                size, i = _varint(payload, i)
                if i + size > len(payload):
                    break
                out.append((offset, payload[i : i + size]))
                i += size
            elif kind == 0x1C:  # CONNECTION_CLOSE: error code, frame type, reason
                _, i = _varint(payload, i)
                _, i = _varint(payload, i)
                size, i = _varint(payload, i)
                i += size
            else:
                break
    except IndexError:
        pass
    return out


class Hellos:
    """The CRYPTO data of the client Initials seen, per connection (client, port, server, connection id),
    until its ClientHello gives a name or is whole without one; at most ``HELD`` connections, the oldest
    given up first (a scan of Initials that never complete stays bounded).

    A flow (client, port, server) whose hello was read is done for ``DONE_IDLE`` seconds from its last
    Initial: the client's later Initials (its acknowledgements, under the server's connection id, padded
    to 1,200 bytes as every client Initial is) are not opened. Why: opening one costs ~40 µs in Python,
    and a browser sends about three a connection, one or two of them with its hello. At most ``DONE_MAX``
    flows are remembered, the least recent let go first."""

    HELD = 4096
    DONE_MAX = 1 << 16
    DONE_IDLE = 180.0  # seconds, as pcap.Connections.IDLE: a port used again after this is a new connection

    def __init__(self) -> None:
        self.held: dict[tuple, tuple[bytearray, list[list[int]]]] = {}  # the bytes, the spans of them received
        self.done: dict[tuple, float | None] = {}  # flow -> its last Initial's time

    def add(self, src: str | None, sport: int, dst: str | None, datagram: bytes | memoryview,
            ts: float | None = None) -> str | None:
        """The server name, once this client Initial completes enough of its connection's ClientHello."""
        flow = (src, sport, dst)
        if flow in self.done:
            last = self.done.pop(flow)
            if ts is None or last is None or ts - last <= self.DONE_IDLE:
                self.done[flow] = ts if ts is not None else last  # back at the end: the most recent
                return None
        opened = open_initial(datagram)
        if opened is None:
            return None
        dcid, payload = opened
        frames = crypto_frames(payload)
        if not frames:
            return None
        key = (src, sport, dst, dcid)
        data, spans = self.held.pop(key, None) or (bytearray(), [])
        for offset, piece in frames:
            end = min(offset + len(piece), _CRYPTO_MAX)
            if offset < end:
                if len(data) < end:
                    data.extend(bytes(end - len(data)))
                data[offset:end] = piece[: end - offset]
                spans = _merged([*spans, [offset, end]])
        joined = bytes(data[: spans[0][1]]) if spans and spans[0][0] == 0 else b""  # from 0, up to a gap
        name, whole = handshake_server_name(joined)
        if name is None and not whole:
            self.held[key] = (data, spans)  # back at the end: the dict's order is the oldest first
            while len(self.held) > self.HELD:
                del self.held[next(iter(self.held))]
        else:
            self.done[flow] = ts
            if len(self.done) > self.DONE_MAX:
                del self.done[next(iter(self.done))]
        return name


def _merged(spans: list[list[int]]) -> list[list[int]]:
    """Byte ranges [start, end) joined where they overlap or touch, in order: a retransmitted CRYPTO frame may
    cover parts of two earlier ones."""
    out: list[list[int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return out
