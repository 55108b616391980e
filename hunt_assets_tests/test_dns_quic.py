"""DoH over HTTP/3 in a capture: the server name in a QUIC client's Initial packets (RFC 9000, RFC 9001, RFC 9369).
The Initial packets are protected here by this file's own code, written from RFC 9001's text (section 5)
and checked against its Appendix A values; the ClientHellos are this machine's OpenSSL's and
hand-written ones. Every capture test runs with the C walk and with the Python reader alone."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import random
import struct
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hunt_assets.analytics.dns import connections, quic
from hunt_assets.analytics.dns.cli import read_input
from hunt_assets_tests.test_dns_pcap import T0, _ether, _ipv4, _pcap, _udp
from hunt_assets_tests.test_dns_pcap_encrypted import _hello, _hosts, _openssl_hello

# version -> (its Initial's first byte before protection: long header, fixed bit, type, 4-byte packet number;
# salt; key labels' prefix): RFC 9001 5.2 for version 1, RFC 9369 3.2-3.3 for version 2 (written here from
# the RFCs' text, not taken from the reader)
V1, V2 = b"\x00\x00\x00\x01", b"\x6b\x33\x43\xcf"
SPEC = {V1: (0xC3, bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"), b"quic "),
        V2: (0xD3, bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9"), b"quicv2 ")}


def _expand(secret: bytes, label: bytes, size: int) -> bytes:
    label = b"tls13 " + label
    info = struct.pack(">HB", size, len(label)) + label + b"\x00"
    return hmac.new(secret, info + b"\x01", hashlib.sha256).digest()[:size]  # one block: every size here is <= 32


def _keys(dcid: bytes, version: bytes = V1) -> tuple[bytes, bytes, bytes]:
    _, salt, prefix = SPEC[version]
    secret = _expand(hmac.new(salt, dcid, hashlib.sha256).digest(), b"client in", 32)
    return tuple(_expand(secret, prefix + label, size) for label, size in ((b"key", 16), (b"iv", 12), (b"hp", 16)))


def _varint(v: int) -> bytes:
    return bytes([v]) if v < 64 else struct.pack(">H", 0x4000 | v)


def _crypto(offset: int, data: bytes) -> bytes:
    return b"\x06" + _varint(offset) + _varint(len(data)) + data


def _initial(dcid: bytes, frames: bytes, pn: int = 0, size: int = 1200, version: bytes = V1, first: int = 0) -> bytes:
    """A client Initial (RFC 9000, 17.2.2) carrying ``frames``, PADDING to ``size``, protected (RFC 9001, 5);
    ``first``: another first byte (another packet type) in place of the version's Initial's."""
    key, iv, hp = _keys(dcid, version)
    head = bytes([first or SPEC[version][0]]) + version + bytes([len(dcid)]) + dcid
    head += b"\x08" + b"\x5c" * 8 + b"\x00"  # the source connection id; no token
    room = size - len(head) - 2 - 4 - 16
    plain = frames + b"\x00" * (room - len(frames))
    head += struct.pack(">H", 0x4000 | (4 + len(plain) + 16))
    pn_bytes = struct.pack(">I", pn)
    nonce = bytes(a ^ b for a, b in zip(iv, pn.to_bytes(12, "big"), strict=True))
    sealed = AESGCM(key).encrypt(nonce, plain, head + pn_bytes)
    sample = sealed[:16]  # the payload starts 4 bytes after the packet number's first byte
    enc = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()  # noqa: S305 - RFC 9001 5.4.3 is AES-ECB
    mask = enc.update(sample) + enc.finalize()
    first = bytes([head[0] ^ (mask[0] & 0x0F)])
    pn_masked = bytes(a ^ b for a, b in zip(pn_bytes, mask[1:5], strict=True))
    return first + head[1:] + pn_masked + sealed


def _quic_frame(src: str, sport: int, dst: str, datagram: bytes) -> bytes:
    return _ether(_ipv4(src, dst, 17, _udp(src, sport, dst, 443, datagram)))


def test_keys_and_header_protection_follow_rfc_9001_appendix_a() -> None:
    """RFC 9001, A.1: the client's Initial key, IV and header-protection key for the connection id
    8394c8f03e515708; A.2: the mask for its sample. Both this file's code and the reader's give them."""
    dcid = bytes.fromhex("8394c8f03e515708")
    want = ("1f369613dd76d5467730efcbe3b1a22d", "fa044b2f42a3fd3b46fb255c", "9f50449e04a0e810283a1e9933adedd2")
    assert tuple(k.hex() for k in quic.initial_keys(dcid)) == want
    assert tuple(k.hex() for k in _keys(dcid)) == want
    enc = Cipher(algorithms.AES(bytes.fromhex(want[2])), modes.ECB()).encryptor()  # noqa: S305 - RFC 9001 5.4.3
    assert (enc.update(bytes.fromhex("d1b1c98dd7689fb8ec11d242b123dc9b")) + enc.finalize())[:5].hex() == "437b9aec36"


def test_the_name_in_one_initial_and_in_two() -> None:
    """OpenSSL's hello in one Initial; a post-quantum-sized hello over two Initials of one connection id,
    its CRYPTO frames out of order and in pieces (as Chrome scatters them); a damaged packet gives
    nothing, and a web name is read but names no resolver."""
    hs = _openssl_hello("abc123.dns.nextdns.io")[5:]  # QUIC carries the handshake message, no record header
    h = quic.Hellos()
    assert h.add("10.0.0.80", 50000, "198.51.100.7", _initial(b"\x11" * 8, _crypto(0, hs))) == "abc123.dns.nextdns.io"
    big = _hello(b"dns.google", key_share=1216, name_last=True)[5:]
    assert len(big) > 1200
    cut = 1000
    first = _crypto(600, big[600:cut]) + _crypto(0, big[:600])
    second = _crypto(cut, big[cut:])
    assert h.add("10.0.0.81", 50001, "198.51.100.8", _initial(b"\x22" * 8, first, 0)) is None
    assert h.add("10.0.0.81", 50001, "198.51.100.8", _initial(b"\x22" * 8, second, 1, 1400)) == "dns.google"
    assert not h.held  # a connection named is let go
    damaged = bytearray(_initial(b"\x33" * 8, _crypto(0, hs)))
    damaged[100] ^= 1
    assert quic.open_initial(bytes(damaged)) is None
    assert h.add("10.0.0.82", 50002, "198.51.100.9", bytes(damaged)) is None
    web = _initial(b"\x44" * 8, _crypto(0, _openssl_hello("www.google.com")[5:]))
    assert h.add("10.0.0.83", 50003, "142.250.1.1", web) == "www.google.com"


def test_doh_over_http3_in_a_capture_is_listed(capture_kernel: bool, tmp_path: Path, capsysbinary) -> None:
    """A capture: Chrome-like DoH over HTTP/3 to an address nobody listed (two Initials), QUIC to the web,
    a server's reply (not a client's Initial), a datagram too short to be one: only the first host is
    listed, ``over HTTPS``, as UDP; the C walk and the Python reader count the same."""
    big = _hello(b"c0ffee.dns.nextdns.io", key_share=1216, name_last=True)[5:]
    frames = [(T0, _quic_frame("10.0.0.80", 50000, "198.51.100.7", _initial(b"\x55" * 8, _crypto(0, big[:900])))),
              (T0 + 0.001, _quic_frame("10.0.0.80", 50000, "198.51.100.7",
                                       _initial(b"\x55" * 8, _crypto(900, big[900:]), 1))),
              (T0 + 1, _quic_frame("10.0.0.81", 50001, "142.250.1.1",
                                   _initial(b"\x66" * 8, _crypto(0, _openssl_hello("www.youtube.com")[5:])))),
              (T0 + 2, _ether(_ipv4("198.51.100.7", "10.0.0.80", 17, _udp("", 443, "", 50000, b"\xc0" + bytes(1300))))),
              (T0 + 3, _quic_frame("10.0.0.82", 50002, "198.51.100.7", b"\xc3\x00\x00\x00\x01" + bytes(100)))]
    p = tmp_path / "h3.pcap"
    p.write_bytes(_pcap(frames))
    rows = _hosts(tmp_path, capsysbinary, p)
    assert [(r["client"], r["encrypted_dns_connected_to"]) for r in rows] == [("10.0.0.80", "NextDNS over HTTPS (1)")]
    tbl = read_input(io.BytesIO(p.read_bytes()))
    assert json.loads(tbl.schema.metadata[connections.KEY])[0][:4] == ["10.0.0.80", "198.51.100.7", 443, "udp"]


def test_random_initials_read_the_same_in_c_and_in_python() -> None:
    """400 captures of client Initials with random names, cut, damaged or padded short, and UDP to 443
    that only looks like QUIC: the kernel hands the reader what it must see, so both count the same."""
    from hunt_assets_tests.test_dns_pcap_kernel import _outcome

    rng = random.Random(9)
    for seed in range(400):
        frames = []
        for k in range(6):
            name = rng.choice([b"x.dns.nextdns.io", b"dns.google", b"www.example.com", b"A.B.dns.nextdns.io."])
            hs = _hello(name, key_share=rng.choice([0, 1216]))[5:]
            dgram = bytearray(_initial(bytes([seed % 256, k]) * 4, _crypto(0, hs[:1100]), 0, rng.choice([1200, 1350])))
            roll = rng.random()
            if roll < 0.2:
                dgram[rng.randrange(len(dgram))] ^= 1 << rng.randrange(8)
            elif roll < 0.3:
                del dgram[rng.randrange(1190, len(dgram)) :]
            elif roll < 0.4:
                dgram[0] = rng.randrange(256)
            frames.append((T0 + k, _quic_frame("10.0.0.66", 40000 + k, f"198.51.100.{k + 1}", bytes(dgram))))
        data = _pcap(frames)
        assert _outcome(data, True) == _outcome(data, False), seed


def test_hostile_initials_give_a_name_or_nothing() -> None:
    """An Initial's header written over (its lengths, connection ids and varints are the sender's), any
    byte changed, random datagrams that start like an Initial, random frames: ``Hellos.add`` gives a name
    or None and ``crypto_frames`` a list, never an error. 3,000 of each."""
    rng = random.Random(3)
    base = _initial(b"\x77" * 8, _crypto(0, _openssl_hello("x.dns.nextdns.io")[5:]))
    h = quic.Hellos()
    named = 0
    for k in range(3000):
        d = bytearray(base)
        roll = rng.random()
        if roll < 0.5:
            for _ in range(rng.randint(1, 4)):
                d[rng.randrange(40)] = rng.randrange(256)
        elif roll < 0.8:
            d[rng.randrange(len(d))] = rng.randrange(256)
        else:
            d = bytearray(b"\xc3\x00\x00\x00\x01" + rng.randbytes(rng.randint(1195, 1400)))
        name = h.add("10.0.0.66", k, "198.51.100.7", bytes(d))
        assert name in (None, "x.dns.nextdns.io")
        named += name is not None
        assert isinstance(quic.crypto_frames(rng.randbytes(rng.randint(0, 300))), list)
    assert named < 3000
    assert h.add("10.0.0.66", 1, "198.51.100.7", base) == "x.dns.nextdns.io"


def test_version_2_keys_follow_rfc_9369_appendix_a() -> None:
    """RFC 9369, A.1: QUIC version 2's client Initial key, IV and header-protection key for the connection
    id 8394c8f03e515708 (its own salt and ``quicv2`` labels); this file's code and the reader's give them."""
    dcid = bytes.fromhex("8394c8f03e515708")
    want = ("8b1a0bc121284290a29e0971b5cd045d", "91f73e2351d8fa91660e909f", "45b95e15235d6f45a6b19cbcb0294ba9")
    assert tuple(k.hex() for k in quic.initial_keys(dcid, V2)) == want
    assert tuple(k.hex() for k in _keys(dcid, V2)) == want


def test_version_2_initials_are_named_and_other_packet_types_are_not(capture_kernel: bool, tmp_path: Path,
                                                                     capsysbinary) -> None:
    """DoH over HTTP/3 in QUIC version 2: its Initial (type 1) is opened with v2's keys and named. Not read: a
    v2 packet of type 0 (a Retry in v2), a v1 packet of type 1 (0-RTT), a v2 Initial sealed with v1's
    keys, a draft version's; the C walk and the Python reader list the same one host."""
    hs = _openssl_hello("abc123.dns.nextdns.io")[5:]
    h = quic.Hellos()
    assert h.add("10.0.0.80", 50000, "198.51.100.7", _initial(b"\x11" * 8, _crypto(0, hs), version=V2)) == (
        "abc123.dns.nextdns.io")
    retry_type = _initial(b"\x12" * 8, _crypto(0, hs), version=V2, first=0xC3)
    zero_rtt = _initial(b"\x13" * 8, _crypto(0, hs), first=0xD3)
    crossed = bytearray(_initial(b"\x14" * 8, _crypto(0, hs)))
    crossed[0], crossed[1:5] = crossed[0] ^ 0x10, V2  # v1's keys under v2's header: does not open
    draft = bytearray(_initial(b"\x15" * 8, _crypto(0, hs)))
    draft[1:5] = b"\xff\x00\x00\x1d"
    for bad in (retry_type, zero_rtt, bytes(crossed), bytes(draft)):
        assert quic.open_initial(bad) is None
    frames = [(T0 + k, _quic_frame(f"10.0.0.{81 + k}", 50001 + k, "198.51.100.7", d))
              for k, d in enumerate([retry_type, zero_rtt, bytes(crossed), bytes(draft)])]
    frames.append((T0 + 9, _quic_frame("10.0.0.80", 50000, "198.51.100.7",
                                       _initial(b"\x16" * 8, _crypto(0, hs), version=V2))))
    p = tmp_path / "v2.pcap"
    p.write_bytes(_pcap(frames))
    rows = _hosts(tmp_path, capsysbinary, p)
    assert [(r["client"], r["encrypted_dns_connected_to"]) for r in rows] == [("10.0.0.80", "NextDNS over HTTPS (1)")]


def test_crypto_frames_sent_again_at_other_offsets_are_joined() -> None:
    """A client that loses its second Initial sends its CRYPTO data again cut elsewhere: bytes 0-599, then
    400-999 and 1,000 on, overlapping the first; and a frame repeated whole. The hello is joined and named
    (before, the piece at 400 matched no gap and the connection stayed unnamed); a gap left open names
    nothing and the connection is held."""
    big = _hello(b"dns.google", key_share=1216, name_last=True)[5:]
    h = quic.Hellos()
    assert h.add("10.0.0.81", 50001, "198.51.100.8", _initial(b"\x22" * 8, _crypto(0, big[:600]))) is None
    assert h.add("10.0.0.81", 50001, "198.51.100.8", _initial(b"\x22" * 8, _crypto(0, big[:600]), 1)) is None
    again = _crypto(400, big[400:1000]) + _crypto(1000, big[1000:])
    assert h.add("10.0.0.81", 50001, "198.51.100.8", _initial(b"\x22" * 8, again, 2, 1500)) == "dns.google"
    assert not h.held
    assert h.add("10.0.0.82", 50002, "198.51.100.8", _initial(b"\x33" * 8, _crypto(0, big[:600]))) is None
    assert h.add("10.0.0.82", 50002, "198.51.100.8", _initial(b"\x33" * 8, _crypto(700, big[700:]), 1, 1500)) is None
    assert len(h.held) == 1
    assert quic._merged([[5, 9], [0, 3], [3, 4], [8, 12], [20, 21]]) == [[0, 4], [5, 12], [20, 21]]


def test_a_flows_later_initials_are_not_opened_once_its_hello_is_read(monkeypatch) -> None:
    """After a flow's hello is read (named, or whole without a resolver's name), the client's later Initials
    on it (its acknowledgement under the server's connection id, a retransmission) are not opened, for
    ``DONE_IDLE`` seconds from the last; after that the port is a new connection, read again. The flows
    remembered are bounded by ``DONE_MAX``."""
    opened: list[int] = []
    real = quic.open_initial
    monkeypatch.setattr(quic, "open_initial", lambda d: opened.append(1) or real(d))
    hs = _openssl_hello("abc123.dns.nextdns.io")[5:]
    h = quic.Hellos()
    first = _initial(b"\x11" * 8, _crypto(0, hs))
    ack = _initial(b"\x12" * 8, b"\x02\x00\x00\x00\x00", 1)  # the client's ACK, the server's connection id
    assert h.add("10.0.0.80", 50000, "198.51.100.7", first, T0) == "abc123.dns.nextdns.io"
    assert h.add("10.0.0.80", 50000, "198.51.100.7", ack, T0 + 0.05) is None
    assert h.add("10.0.0.80", 50000, "198.51.100.7", first, T0 + 1) is None  # sent again
    assert len(opened) == 1
    later = T0 + 1 + quic.Hellos.DONE_IDLE + 1
    assert h.add("10.0.0.80", 50000, "198.51.100.7", first, later) == "abc123.dns.nextdns.io"  # the port used again
    assert len(opened) == 2
    monkeypatch.setattr(quic.Hellos, "DONE_MAX", 8)
    web = _initial(b"\x13" * 8, _crypto(0, _openssl_hello("www.example.com")[5:]))
    for port in range(20):
        h.add("10.0.0.81", 40000 + port, "142.250.1.1", web, T0)
    assert len(h.done) == 8


def test_the_keys_own_hmac_is_the_standard_librarys() -> None:
    """``quic._hmac_sha256`` (two ``hashlib`` passes, for speed) against ``hmac``: keys of 0 to 64 bytes
    and messages of 0 to 300, random; the RFC vectors above check the keys it derives."""
    rng = random.Random(5)
    for size in range(65):
        key, msg = rng.randbytes(size), rng.randbytes(rng.randint(0, 300))
        assert quic._hmac_sha256(key, msg) == hmac.new(key, msg, hashlib.sha256).digest()
