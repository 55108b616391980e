"""TLS ClientHellos split over TCP segments in a capture (``pcap.HeldHellos`` and the kernel's copy of its
rules): a post-quantum key share makes a browser's hello ~1.8 KB, and its name is often in the second
segment. Every capture test runs with the C walk and with the Python reader alone, and the random ones
compare the two on the same bytes."""

from __future__ import annotations

import random

import pytest

from hunt_assets.analytics.dns import accel, pcap
from hunt_assets_tests.test_dns_pcap import T0, _pcap
from hunt_assets_tests.test_dns_pcap_encrypted import PSH_ACK, SYN, _connections, _hello, _hello_segments, _tcp_to
from hunt_assets_tests.test_dns_pcap_kernel import _outcome

LATE = _hello(b"abc123.dns.nextdns.io", key_share=1216, name_last=True)  # the name in the second segment


def test_a_split_hello_is_named_however_tcp_cuts_it(capture_kernel: bool) -> None:
    """The name past the first segment is read from two segments and from four (a 536-byte MSS), with
    another flow's segments between them and after the first segment sent twice; DoT to an unlisted server
    and DoH to a listed address keep the name; a hello to the web is not counted. A segment out of order
    (the third before the second) and a name more than ``HeldHellos.BYTES`` into the hello give no name."""
    two = _hello_segments("10.0.0.80", 40000, "198.51.100.7", 443, LATE)
    four = _hello_segments("10.0.0.81", 40001, "198.51.100.8", 443, LATE, mss=536)
    other = _hello_segments("10.0.0.82", 40002, "198.51.100.9", 443, LATE)
    again = _hello_segments("10.0.0.83", 40003, "198.51.100.10", 443, LATE)
    dot = _hello_segments("10.0.0.84", 40004, "203.0.113.53", 853, _hello(b"dot.example.org", key_share=1216,
                                                                            name_last=True))
    listed = _hello_segments("10.0.0.85", 40005, "8.8.8.8", 443, _hello(b"dns.google", key_share=1216, name_last=True))
    web = _hello_segments("10.0.0.86", 40006, "93.184.216.34", 443, _hello(b"www.example.com", key_share=1216,
                                                                          name_last=True))
    shuffled = _hello_segments("10.0.0.87", 40007, "198.51.100.11", 443, LATE, mss=536)
    far = _hello(b"abc123.dns.nextdns.io", key_share=4200, name_last=True)
    too_far = _hello_segments("10.0.0.88", 40008, "198.51.100.12", 443, far)
    assert (len(two), len(four), len(too_far)) == (2, 4, 4)
    order = [two[0], two[1], four[0], other[0], four[1], other[1], four[2], four[3], again[0], again[0], again[1],
             *dot, *listed, *web, shuffled[0], shuffled[2], shuffled[1], shuffled[3], *too_far]
    got = _connections(_pcap([(T0 + k, f) for k, f in enumerate(order)]), names=True)
    assert got == {
        ("10.0.0.80", "198.51.100.7", 443, "tcp"): (1, T0 + 1, T0 + 1, "abc123.dns.nextdns.io"),
        ("10.0.0.81", "198.51.100.8", 443, "tcp"): (1, T0 + 7, T0 + 7, "abc123.dns.nextdns.io"),
        ("10.0.0.82", "198.51.100.9", 443, "tcp"): (1, T0 + 5, T0 + 5, "abc123.dns.nextdns.io"),
        ("10.0.0.83", "198.51.100.10", 443, "tcp"): (1, T0 + 10, T0 + 10, "abc123.dns.nextdns.io"),
        ("10.0.0.84", "203.0.113.53", 853, "tcp"): (1, T0 + 11, T0 + 12, "dot.example.org"),
        ("10.0.0.85", "8.8.8.8", 443, "tcp"): (1, T0 + 13, T0 + 14, "dns.google"),
    }


def test_held_hellos_are_bounded_alike_in_c_and_in_python(capture_kernel: bool) -> None:
    """600 first segments, then their second segments: the 512 (``HeldHellos.FLOWS``) held last are named,
    the 88 held longest were let go, in the kernel's table as in the Python reader's."""
    firsts, seconds = [], []
    for k in range(600):
        a, b = _hello_segments("10.0.0.66", 20000 + k, "198.51.100.7", 443, LATE)
        firsts.append(a)
        seconds.append(b)
    frames = [(T0 + k / 1000, f) for k, f in enumerate(firsts + seconds)]
    got = _connections(_pcap(frames), names=True)
    assert pcap.HeldHellos.FLOWS == 512
    assert got == {("10.0.0.66", "198.51.100.7", 443, "tcp"): (512, T0 + 0.688, T0 + 1.199, "abc123.dns.nextdns.io")}


def test_a_hold_ends_on_a_gap_and_a_new_hello_replaces_it() -> None:
    """``HeldHellos`` by itself: a segment with no data changes nothing, one out of sequence ends the hold,
    a new hello on the flow replaces the one held, the sequence numbers wrap at 2**32, and a flow is let go
    once its record is whole, named or not."""
    h = pcap.HeldHellos()
    a, b = LATE[:1000], LATE[1000:]
    seq = 0xFFFFFF00  # the next segment's number wraps
    assert h.segment(("c", 1, "s", 443), seq, a) is None
    assert h.segment(("c", 1, "s", 443), seq, b"") is None
    assert ("c", 1, "s", 443) in h.held
    assert h.segment(("c", 1, "s", 443), (seq + 1000) & 0xFFFFFFFF, b) == "abc123.dns.nextdns.io"
    assert not h.held
    h.segment(("c", 2, "s", 443), 1, a)
    assert h.segment(("c", 2, "s", 443), 5, b) is None  # a gap
    assert not h.held
    h.segment(("c", 3, "s", 443), 1, a)
    h.segment(("c", 3, "s", 443), 7, LATE[:900])  # a new hello: its own numbers from here
    assert h.segment(("c", 3, "s", 443), 907, LATE[900:]) == "abc123.dns.nextdns.io"
    nameless = _hello(b"", key_share=1216)
    h.segment(("c", 4, "s", 443), 1, nameless[:1000])
    assert h.segment(("c", 4, "s", 443), 1001, nameless[1000:]) is None
    assert not h.held


def test_random_split_hellos_read_the_same_in_c_and_in_python() -> None:
    """300 captures of hellos cut at random sizes, their segments dropped, sent twice, swapped, damaged,
    interleaved across flows and ports, and hellos begun again on a flow: the kernel's table holds what the
    Python reader's does, so both give the same connections and names; most captures name some."""
    rng = random.Random(11)
    named = 0
    names = [b"x1.dns.nextdns.io", b"dns.google", b"www.example.com", b"A.B.dns.nextdns.io.", b"", b"a" * 255]
    for seed in range(300):
        segs: list[list[bytes]] = []
        for k in range(rng.randint(1, 6)):
            port = rng.choice([443, 443, 853])
            hello = bytearray(_hello(rng.choice(names), key_share=rng.choice([0, 1216, 2400]),
                                     name_last=rng.random() < 0.7))
            if rng.random() < 0.15:
                hello[rng.randrange(len(hello))] = rng.randrange(256)
            dst = rng.choice(["198.51.100.7", "8.8.8.8", "203.0.113.53"])
            flow = _hello_segments("10.0.0.66", 41000 + k % 3, dst, port, bytes(hello), rng.choice([300, 536, 1448]))
            roll = rng.random()
            if roll < 0.1 and len(flow) > 1:
                del flow[rng.randrange(1, len(flow))]
            elif roll < 0.2:
                flow.insert(rng.randrange(len(flow) + 1), rng.choice(flow))
            elif roll < 0.3 and len(flow) > 2:
                i = rng.randrange(len(flow) - 1)
                flow[i], flow[i + 1] = flow[i + 1], flow[i]
            elif roll < 0.35:
                flow.insert(1, _tcp_to("10.0.0.66", 41000 + k % 3, dst, port, SYN, seq=rng.randrange(1 << 32)))
            elif roll < 0.4:
                flow.insert(1, _tcp_to("10.0.0.66", 41000 + k % 3, dst, port, PSH_ACK, bytes(40), rng.randrange(5000)))
            segs.append(flow)
        frames = []
        while any(segs):  # the flows' segments interleaved, each flow's in its own order
            flow = rng.choice([f for f in segs if f])
            frames.append((T0 + len(frames) / 100, flow.pop(0)))
        data = _pcap(frames)
        kernel = _outcome(data, True)
        assert kernel == _outcome(data, False), seed
        named += b"dns" in (kernel[1] or b"")
    assert named > 150


def test_long_names_get_more_room_rather_than_the_python_reader() -> None:
    """100 DoT hellos naming 255 bytes that each escape to four (1,020 bytes a name, ten times the room the
    kernel's names start with): the kernel reads every one itself (status 4), asking for more room as it
    goes, and gives the names the Python reader gives."""
    if not accel.available():
        pytest.skip("the C extension is not built")
    frames = [(T0 + k, _tcp_to("10.0.0.66", 40000 + k, "203.0.113.53", 853, PSH_ACK, _hello(bytes([0x80 + k]) * 255)))
              for k in range(100)]
    data = _pcap(frames)
    starts = [24 + 16 + sum(16 + len(f) for _, f in frames[:k]) for k in range(len(frames))]
    ends = [a + len(f) for a, (_, f) in zip(starts, frames, strict=True)]
    read = accel.dns_frames(memoryview(data), starts, ends, [1] * len(frames))
    assert read is not None
    status, _meta, _addrs, offsets, names = read
    assert status == [4] * 100
    assert offsets[100] == len(names) == 100 * 1020
    assert names[offsets[5] : offsets[6]] == b"\\x85" * 255
    assert _outcome(data, True) == _outcome(data, False)
