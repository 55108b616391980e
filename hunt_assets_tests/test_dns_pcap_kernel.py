"""``accel.CaptureScan``, the C walk over a capture's records that skips the packets the reader
would pass over: compared with the Python walk on captures of busy networks, whole and damaged.
The captures are written here as in ``test_dns_pcap``."""

from __future__ import annotations

import random
import struct

import pytest

from hunt_assets.analytics.dns import accel, connections, pcap
from hunt_assets_tests.test_dns_logs import DICTIONARY
from hunt_assets_tests.test_dns_pcap import (
    RESOLVER,
    T0,
    _block,
    _dns_udp,
    _ether,
    _framed,
    _ipv4,
    _ipv6,
    _pcap,
    _pcapng,
    _query,
    _seg,
    _sll2,
    _tcp,
    _udp,
)

pytestmark = pytest.mark.skipif(not accel.available(),
                                reason="C extension hunt_assets.analytics.dns._native is not built")



def _sll(ip: bytes) -> bytes:
    etype = 0x86DD if ip[0] >> 4 == 6 else 0x0800
    return struct.pack(">HHH8sH", 0, 1, 6, b"\x02" * 8, etype) + ip


def _null(ip: bytes, order: str = "<") -> bytes:
    return struct.pack(order + "I", 24 if ip[0] >> 4 == 6 else 2) + ip


def _client_hello(name: bytes) -> bytes:
    sni = struct.pack(">HBH", len(name) + 3, 0, len(name)) + name
    body = b"\x03\x03" + bytes(32) + b"\x00" + struct.pack(">HH", 2, 0x1301) + b"\x01\x00"
    body += struct.pack(">HHH", len(sni) + 4, 0, len(sni)) + sni
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack(">H", len(handshake)) + handshake


_HELLOS = (_client_hello(b"abc.dns.nextdns.io"), _client_hello(b"www.example.com"))  # DoH, the web


def _traffic(i: int) -> list[tuple[bytes, bool]]:
    """IP packets of a busy network, each with whether the reader must see it (DNS, or a packet it
    counts: a later fragment, a header cut short) or passes over it without a word."""
    v4, v6 = "10.0.0.66", "2001:db8::66"
    q = _query(DICTIONARY[i % len(DICTIONARY)], xid=i)
    https = _tcp(443, 50000 + i, b"\x17\x03\x03" + bytes(300))
    ext = struct.pack(">BBHI", 17, 0, 0, 0) + _udp(v6, 4000 + i, RESOLVER, 53, q)  # hop-by-hop, then UDP
    return [
        (_dns_udp(v4, RESOLVER, q, 40000 + i), True),
        (_dns_udp(v6, "2001:db8::1", q, 40000 + i), True),
        (_ipv4(RESOLVER, v4, 17, _udp(RESOLVER, 53, v4, 40000 + i, q)), True),
        (_seg(v4, 40000 + i, RESOLVER, 53, 100, _framed(q)), True),
        (_ipv4("93.184.216.34", v4, 6, https), False),
        (_ipv6("2001:db8::2", v6, 6, https), False),
        (_ipv4(v4, "142.250.1.1", 17, _udp(v4, 50000, "142.250.1.1", 443, bytes(1200))), False),  # QUIC
        (_ipv4(v4, "8.8.8.8", 6, _tcp(50000 + i, 443, b"")), True),  # DoH to a listed resolver: counted
        (_ipv6(v6, "2606:4700:4700::1111", 17, _udp(v6, 50000 + i, "", 443, bytes(100))), True),  # DoH over HTTP/3
        (_ipv4(v4, "203.0.113.53", 6, _tcp(50000 + i, 853, b"\x16\x03\x01")), True),  # DoT to anyone
        (_ipv4(v4, "198.51.100.7", 6, _tcp(50000 + i, 443, _HELLOS[i % 2])), i % 2 == 0),  # a hello naming NextDNS
        (_ipv4(v4, "198.51.100.7", 6, _tcp(50000 + i, 443, _HELLOS[i % 2][:3] + bytes(300))), False),
        (_ipv4(v4, "10.0.0.9", 1, b"\x08\x00" + bytes(30)), False),  # ICMP
        (_ipv4(v4, "10.0.0.9", 17, b"\x00\x35"), False),  # a UDP header cut short
        (_ipv4(v4, "10.0.0.9", 6, _tcp(53, 1, b"")[:12]), False),  # a TCP header cut short
        (_ipv4(v4, RESOLVER, 17, _udp(v4, 4000, RESOLVER, 53, q), frag=0x2003), True),  # a later fragment: counted
        (_ipv6(v6, "2001:db8::1", 17, _udp(v6, 4000, RESOLVER, 53, q), fragment=True), True),
        (_ipv6(v6, "2001:db8::1", 0, ext), True),  # extension headers: the Python reader walks them
        (_ipv4(v4, RESOLVER, 17, _udp(v4, 4000, RESOLVER, 53, q))[:19], True),  # an IP header cut short: counted
    ]


def _links(ip: bytes, i: int) -> dict[int, bytes]:
    return {1: _ether(ip, vlan=i % 3 == 0), 113: _sll(ip), 276: _sll2(ip), 0: _null(ip, "<>"[i % 2]), 101: ip}


def _outcome(data: bytes, native: bool) -> object:
    old = accel.ENABLED
    accel.ENABLED = native
    try:
        warnings: list[str] = []
        tbl = pcap.read_capture(data, warnings.append)
        return tbl.to_pydict(), (tbl.schema.metadata or {}).get(connections.KEY), warnings
    except pcap.CaptureError as exc:
        return repr(exc)
    finally:
        accel.ENABLED = old


def test_the_kernel_passes_over_only_what_the_reader_would() -> None:
    """A capture of a busy network, where DNS is a few packets among HTTPS, QUIC and ICMP, on every
    link type the reader knows, in pcap (both byte orders) and pcapng (two sections in opposite
    byte orders, several interfaces, simple packets, blocks the reader ignores): the C walk hands on
    exactly the records the reader must see, and the rows and the counts on stderr are those of
    the Python walk. Why: the kernel is a shortcut (7 µs a packet in Python to find it was not
    DNS), so it may skip only packets the reader drops without a word."""
    for link in (1, 113, 276, 0, 101):
        frames, must = [], 0
        for i in range(20):
            for ip, seen in _traffic(i):
                frames.append((T0 + i + 0.001 * len(frames), _links(ip, i)[link]))
                must += seen
        frames.append((T0 + 30, b"\x02" * 6 + b"\x04" * 6 + b"\x08\x06" + bytes(28) if link == 1 else b"\x00"))
        must += 1  # ARP on Ethernet, a stray byte elsewhere: not IP, counted
        for order in "<>":
            data = _pcap(frames, link=link, order=order)
            kept = list(accel.CaptureScan("<>".index(order), link).records(memoryview(data), 24))
            assert len(kept) == must < len(frames)
            rows, conns, warnings = _outcome(data, True)
            assert (rows, conns, warnings) == _outcome(data, False)
            assert b'"8.8.8.8", 443, "tcp", 20' in conns
            assert b'"198.51.100.7", 443, "tcp", 10, ' in conns  # the hellos naming NextDNS
            assert set(rows["name"]) == set(DICTIONARY[:20])
            assert "frames that are not IPv4 / IPv6" in warnings[0]
    # pcapng: two sections in opposite byte orders, interfaces of three link types, simple packets
    sections = []
    for order in "<>":
        packets = [(i % 3, (T0 + i) * 10**6, _links(ip, i)[(1, 276, 101)[i % 3]])
                   for i in range(30) for ip, _ in _traffic(i)]
        body = _pcapng([(1, None), (276, 6), (101, 9)], packets, order)
        body += _block(order, 3, struct.pack(order + "I", 60) + _links(_traffic(0)[0][0], 1)[1])  # simple, DNS
        body += _block(order, 3, struct.pack(order + "I", 400) + _links(_traffic(0)[4][0], 1)[1])  # simple, HTTPS
        body += _block(order, 5, bytes(24)) + _block(order, 2989, b"custom")  # statistics, a custom block
        sections.append(body)
    data = b"".join(sections)
    assert _outcome(data, True) == _outcome(data, False)
    kept = list(accel.CaptureScan(2, 0).records(memoryview(data), 0))
    seen = sum(s for i in range(30) for _, s in _traffic(i))
    assert len(kept) == 2 * (1 + 3 + seen + 1)  # a section header, its interfaces, the packets to read


def test_damaged_captures_read_the_same_with_the_kernel_and_without() -> None:
    """Captures with bytes overwritten and cut anywhere (lengths that run past the end, section
    headers without their magic, interface numbers out of range): the same rows, counts and
    errors with the C walk as with the Python walk, and never a crash."""
    frames = [(T0 + i, _ether(ip)) for i in range(6) for ip, _ in _traffic(i)]
    packets = [(i % 2, (T0 + i) * 10**6, _links(ip, i)[(1, 113)[i % 2]]) for i in range(6) for ip, _ in _traffic(i)]
    bases = [_pcap(frames), _pcap(frames, order=">", nano=True), _pcapng([(1, None), (113, 9)], packets),
             _pcapng([(1, None), (113, 9)], packets, ">")]
    rng = random.Random(41)
    for seed in range(300):
        data = bytearray(bases[seed % len(bases)])
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(4, len(data))
            data[at : at + rng.randint(1, 4)] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.4:
            del data[rng.randrange(4, len(data)) :]
        assert _outcome(bytes(data), True) == _outcome(bytes(data), False), seed


def _hostile_message(rng: random.Random, xid: int) -> bytes:
    """A DNS message as an attacker or a broken stack writes it: labels of any bytes (NUL, dots,
    backslashes, high bytes), long names, compression pointers (back, forward, looping), label
    lengths over 63, no question, a question cut short."""
    flags = rng.choice([0x0100, 0x8180, 0x8183, 0x8182, 0x8185, 0x0000])
    header = struct.pack(">HHHHHH", xid, flags, rng.choice([1, 1, 1, 0, 2]), 0, 0, 0)
    name = b""
    for _ in range(rng.randint(0, 6)):
        size = rng.choice([1, 3, 8, 20, 63, rng.randint(0, 70)])
        label = bytes(rng.choice([rng.randrange(256), rng.choice(b"a.\\-_ \x00\xff")]) for _ in range(size))
        name += bytes([min(size, 255)]) + label
    end = rng.random()
    if end < 0.15:
        name += struct.pack(">H", 0xC000 | rng.choice([12, 0, len(header) + len(name), 0x3FFF]))  # a pointer
    elif end < 0.2:
        name += bytes([rng.randrange(64, 192)])  # a reserved label type
    else:
        name += b"\x00"
    msg = header + name + struct.pack(">HH", rng.choice([1, 28, 16, 10, 65535]), 1)
    if rng.random() < 0.15:
        msg = msg[: rng.randrange(0, len(msg))]
    return msg


def test_hostile_dns_messages_read_the_same_in_c_and_in_python() -> None:
    """Queries and responses over UDP (IPv4 and IPv6, both directions) whose messages are hostile
    (see ``_hostile_message``): every field the C reader gives (name escapes, type, id, pairing with
    the response, the unreadable ones counted) equals the Python reader's, 400 captures of 30."""
    rng = random.Random(4141)
    for _ in range(400):
        frames = []
        for i in range(30):
            msg = _hostile_message(rng, rng.randrange(4))  # few ids: responses pair with queries
            client = rng.choice(["10.0.0.66", "10.0.0.67", "2001:db8::66"])
            server = "2001:db8::1" if ":" in client else RESOLVER
            port = 40000 + rng.randrange(3)
            udp = (_udp(client, port, server, 53, msg) if rng.random() < 0.5
                   else _udp(server, 53, client, port, msg))
            src, dst = (client, server) if udp[2:4] == b"\x00\x35" else (server, client)
            ip = _ipv6(src, dst, 17, udp) if ":" in client else _ipv4(src, dst, 17, udp)
            frames.append((T0 + i, _ether(ip)))
        data = _pcap(frames)
        assert _outcome(data, True) == _outcome(data, False)


def test_hello_server_names_read_the_same_in_c_and_in_python() -> None:
    """ClientHellos to port 853 (always counted, so every name read is in the result) with names of any
    bytes and lengths (escapes, upper case, 300 bytes, empty), then cut or overwritten anywhere: the
    server names and counts the C reader gives equal ``pcap.tls_server_name``'s, 300 captures of 20."""
    rng = random.Random(42)
    escaped = 0
    for seed in range(300):
        frames = []
        for k in range(20):
            size = rng.choice([0, 1, 10, 63, 255, 300, rng.randint(0, 80)])
            name = bytes(rng.choice([rng.randrange(256), rng.choice(b"aZ.-\\\x00=")]) for _ in range(size))
            hello = bytearray(_client_hello(name))
            for _ in range(rng.choice([0, 0, 1, 3])):
                hello[rng.randrange(len(hello))] = rng.randrange(256)
            if rng.random() < 0.2:
                del hello[rng.randrange(len(hello)) :]
            frames.append((T0 + k, _ether(_ipv4("10.0.0.66", f"203.0.113.{k + 1}", 6,
                                                _tcp(40000 + k, 853, bytes(hello))))))
        data = _pcap(frames)
        kernel, python = _outcome(data, True), _outcome(data, False)
        assert kernel == python, seed
        escaped += kernel[1].count(b"\\\\x")
        if seed == 0:  # the C reader read the hellos itself (status 4), not handed them to Python
            starts = [24 + 16 + sum(16 + len(f) for _, f in frames[:k]) for k in range(len(frames))]
            ends = [a + len(f) for a, (_, f) in zip(starts, frames, strict=True)]
            read = accel.dns_frames(memoryview(data), starts, ends, [1] * len(frames))
            assert read is not None
            assert read[0].count(4) >= 15
    assert escaped > 1000


def test_hellos_to_the_web_are_passed_over_as_the_reader_would() -> None:
    """The C walk passes over HTTPS hellos whose names cannot be a resolver's (by their last two labels,
    ``resolvers.endpoint_tails``): on names made from endpoints and look-alikes (upper case, trailing
    dots, a label changed, an escape, a parent zone), to addresses nobody listed, it counts the same
    connections with the same names as the Python reader, and keeps only those the tails allow."""
    from hunt_assets.analytics.dns.resolvers import _tables

    exact, zones = _tables()
    seeds = [*exact, *(f"id9.{z}" for z in zones)]
    rng = random.Random(7)
    frames, allowed = [], 0
    for k in range(600):
        name = bytearray(rng.choice(seeds).encode())
        roll = rng.random()
        if roll < 0.15:
            name = bytearray(name.upper())
        elif roll < 0.3:
            name += b"." * rng.randint(1, 3)
        elif roll < 0.5:
            name[rng.randrange(len(name))] = rng.choice(b"x.\x00-\\")
        elif roll < 0.6:
            name = bytearray(name.split(b".", 1)[-1])
        elif roll < 0.7:
            name = b"www.example" + bytes([48 + k % 10]) + b".com"
        hello = _client_hello(bytes(name))
        allowed += accel.ext is not None and _outcome(_pcap([(T0, _ether(_ipv4(
            "10.0.0.66", "198.51.100.9", 6, _tcp(40000, 443, hello))))]), True)[1] is not None
        frames.append((T0 + k, _ether(_ipv4("10.0.0.66", f"198.51.{100 + k // 250}.{k % 250 + 1}", 6,
                                             _tcp(40000 + k, 443, hello)))))
    data = _pcap(frames)
    kernel = _outcome(data, True)
    assert kernel == _outcome(data, False)
    assert 200 < allowed < 600
    kept = list(accel.CaptureScan(0, 1).records(memoryview(data), 24))
    assert allowed <= len(kept) < len(frames), (allowed, len(kept))
