"""``accel.CaptureScan``, the C walk over a capture's records that skips the packets the reader
would pass over: compared with the Python walk on captures of busy networks, whole and damaged.
The captures are written here as in ``test_dns_pcap``."""

from __future__ import annotations

import random
import struct

import pytest

from hunt_assets.analytics.dns import accel, pcap
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
        return pcap.read_capture(data, warnings.append).to_pydict(), warnings
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
            rows, warnings = _outcome(data, True)
            assert (rows, warnings) == _outcome(data, False)
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
    seen = sum(s for _, s in _traffic(0))
    assert len(kept) == 2 * (1 + 3 + 30 * seen + 1)  # a section header, its interfaces, the packets to read


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
