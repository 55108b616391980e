"""``score-dns`` on packet captures (pcap, pcapng). The captures are written here field by field
from the formats' specifications (pcap-savefile(5), the pcapng draft, Ethernet / 802.1Q, Linux
SLL2, IPv4, IPv6, UDP, TCP), the DNS messages by dnspython's encoder: neither is the reader's code."""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import socket
import struct
from pathlib import Path

import dns.message
import dns.rcode
import dns.rrset
import pytest

from hunt_assets.analytics.dns import accel, pcap
from hunt_assets.analytics.dns.cli import read_input, score_dns_main
from hunt_assets_tests.test_dns_logs import DICTIONARY

T0 = 1796619600  # 2026-12-07T05:00:00Z
RESOLVER = "10.0.0.1"


@pytest.fixture(autouse=True, params=[True, False], ids=["kernel", "python"])
def capture_walk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Every test here runs with the C walk over the records (``accel.CaptureScan``) and with
    the Python walk alone; the kernel run is skipped where the extension is not built."""
    if request.param and not accel.available():
        pytest.skip(f"C extension hunt_assets.analytics.dns._native is not built ({accel.IMPORT_ERROR})")
    monkeypatch.setattr(accel, "ENABLED", request.param)
    return request.param


def _query(name: str, qtype: str = "A", xid: int = 1) -> bytes:
    q = dns.message.make_query(name, qtype)
    q.id = xid
    return q.to_wire()


def _response(name: str, qtype: str = "A", xid: int = 1, rcode: str = "NOERROR", answer: str | None = None) -> bytes:
    q = dns.message.make_query(name, qtype)
    q.id = xid
    r = dns.message.make_response(q)
    r.set_rcode(dns.rcode.from_text(rcode))
    if answer is not None:
        r.answer.append(dns.rrset.from_text(name.rstrip(".") + ".", 60, "IN", qtype, answer))
    return r.to_wire()


def _udp(src: str, sport: int, dst: str, dport: int, payload: bytes) -> bytes:
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


def _tcp(sport: int, dport: int, payload: bytes) -> bytes:
    return struct.pack(">HHIIBBHHH", sport, dport, 1, 1, 5 << 4, 0x18, 65535, 0, 0) + payload


def _ipv4(src: str, dst: str, proto: int, payload: bytes, frag: int = 0) -> bytes:
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 7, frag, 64, proto, 0,
                       socket.inet_pton(socket.AF_INET, src), socket.inet_pton(socket.AF_INET, dst)) + payload


def _ipv6(src: str, dst: str, proto: int, payload: bytes, fragment: bool = False) -> bytes:
    nxt = proto
    if fragment:  # a first fragment: offset 0, more fragments
        payload = struct.pack(">BBHI", proto, 0, 1, 99) + payload
        nxt = 44
    return struct.pack(">IHBB16s16s", 6 << 28, len(payload), nxt, 64, socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + payload


def _ether(ip: bytes, vlan: bool = False) -> bytes:
    etype = 0x86DD if ip[0] >> 4 == 6 else 0x0800
    tag = struct.pack(">HH", 0x8100, 42) if vlan else b""
    return b"\x02" * 6 + b"\x04" * 6 + tag + struct.pack(">H", etype) + ip


def _sll2(ip: bytes) -> bytes:
    etype = 0x86DD if ip[0] >> 4 == 6 else 0x0800
    return struct.pack(">HHIHBB8s", etype, 0, 2, 1, 0, 6, b"\x02" * 8) + ip


def _dns_udp(src: str, dst: str, msg: bytes, sport: int, dport: int = 53) -> bytes:
    if ":" in src:
        return _ipv6(src, dst, 17, _udp(src, sport, dst, dport, msg))
    return _ipv4(src, dst, 17, _udp(src, sport, dst, dport, msg))


def _pcap(frames: list[tuple[float, bytes]], link: int = 1, nano: bool = False, order: str = "<") -> bytes:
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = [struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, 262144, link)]
    for ts, frame in frames:
        sec = int(ts)
        frac = round((ts - sec) * (1e9 if nano else 1e6))
        out += (struct.pack(order + "IIII", sec, frac, len(frame), len(frame)), frame)
    return b"".join(out)  # joined once: adding to bytes frame by frame took seconds for a few thousand


def _block(order: str, btype: int, body: bytes) -> bytes:
    body += b"\x00" * (-len(body) % 4)
    return struct.pack(order + "II", btype, 12 + len(body)) + body + struct.pack(order + "I", 12 + len(body))


def _pcapng(interfaces: list[tuple[int, int | None]], packets: list[tuple[int, int, bytes]], order: str = "<") -> bytes:
    """A section with ``interfaces`` (link type, if_tsresol or None) and enhanced packet blocks
    (interface, time in that interface's ticks, frame)."""
    shb = struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1)
    out = struct.pack(order + "I", 0x0A0D0D0A)
    body = shb + b"\x00" * (-len(shb) % 4)
    out += struct.pack(order + "I", 12 + len(body)) + body + struct.pack(order + "I", 12 + len(body))
    for link, tsresol in interfaces:
        opts = b""
        if tsresol is not None:
            opts = struct.pack(order + "HH", 9, 1) + bytes([tsresol]) + b"\x00" * 3 + struct.pack(order + "HH", 0, 0)
        out += _block(order, 1, struct.pack(order + "HHI", link, 0, 262144) + opts)
    for iface, ticks, frame in packets:
        out += _block(order, 6, struct.pack(order + "IIIII", iface, ticks >> 32, ticks & 0xFFFFFFFF, len(frame),
                                            len(frame)) + frame)
    return out


def _exchange(names: list[str], client: str = "10.0.0.66", outcome: str = "NXDOMAIN") -> list[tuple[float, bytes]]:
    frames = []
    for i, n in enumerate(names):
        frames.append((T0 + i + 0.25, _ether(_dns_udp(client, RESOLVER, _query(n, xid=100 + i), 40000 + i))))
        answer = "192.0.2.7" if outcome == "NOERROR" else None
        frames.append((T0 + i + 0.5, _ether(_dns_udp(RESOLVER, client, _response(n, xid=100 + i, rcode=outcome,
                                                                                  answer=answer), 53, 40000 + i))))
    return frames


def _read(data: bytes) -> dict:
    warnings: list[str] = []
    tbl = read_input(io.BytesIO(data), warnings.append).to_pydict()
    tbl["warnings"] = warnings
    return tbl


def test_a_pcap_of_queries_and_their_responses() -> None:
    """Ethernet, IPv4, UDP: each query an event with its client, time and type; its response (same
    client port, id and name) says answered or not; a query without one has no outcome; other UDP
    traffic is not DNS."""
    frames = _exchange(DICTIONARY[:3], outcome="NXDOMAIN") + _exchange(["www.example.com"], outcome="NOERROR")
    for xid, (n, rcode) in enumerate([("nodata.example.com", "NOERROR"), ("broken.example.net", "SERVFAIL")], 50):
        frames.append((T0 + 8, _ether(_dns_udp("10.0.0.66", RESOLVER, _query(n, "AAAA", xid), 41000 + xid))))
        frames.append((T0 + 8.5, _ether(_dns_udp(RESOLVER, "10.0.0.66", _response(n, "AAAA", xid, rcode), 53,
                                                 41000 + xid))))
    frames.append((T0 + 9, _ether(_dns_udp("10.0.0.67", RESOLVER, _query("lonely.example.org", "TXT", 7), 5353 + 1))))
    frames.append((T0 + 10, _ether(_dns_udp("10.0.0.67", "10.0.0.2", b"not dns at all", 999, 123))))  # NTP-ish
    tbl = _read(_pcap(frames))
    assert tbl["name"] == [*DICTIONARY[:3], "www.example.com", "nodata.example.com", "broken.example.net",
                           "lonely.example.org"]
    assert tbl["client"] == ["10.0.0.66"] * 6 + ["10.0.0.67"]
    assert tbl["qtype"] == ["A"] * 4 + ["AAAA", "AAAA", "TXT"]
    # dead look-ups are NXDOMAIN / SERVFAIL / REFUSED, as a log's response codes are read; no data is a live name
    assert tbl["answers"] == ["", "", "", "(answered)", "(answered)", "", None]
    assert tbl["timestamp"][0] == pytest.approx(T0 + 0.25, abs=1e-6)
    assert tbl["warnings"] == []


@pytest.mark.parametrize("order", ["<", ">"])
def test_pcapng_interfaces_link_types_and_time_resolutions(order: str) -> None:
    """Two interfaces in one section, either byte order: Ethernet with an 802.1Q tag at nanosecond
    resolution, and a Linux cooked capture (SLL2) of IPv6 (with a fragment header) at the default
    microseconds."""
    v4 = _ether(_dns_udp("10.0.0.66", RESOLVER, _query(DICTIONARY[0], xid=5), 40001), vlan=True)
    v6 = _sll2(_ipv6("fd00::66", "fd00::1", 17, _udp("", 40002, "", 53, _query(DICTIONARY[1], "AAAA", 6)),
                     fragment=True))
    data = _pcapng([(1, 9), (276, None)], [(0, (T0 + 1) * 10**9 + 123, v4), (1, (T0 + 2) * 10**6 + 5, v6)], order)
    tbl = _read(data)
    assert tbl["name"] == DICTIONARY[:2]
    assert tbl["client"] == ["10.0.0.66", "fd00::66"]
    assert tbl["qtype"] == ["A", "AAAA"]
    assert tbl["timestamp"] == [pytest.approx(T0 + 1 + 123e-9, abs=1e-6), pytest.approx(T0 + 2 + 5e-6, abs=1e-6)]


def test_tcp_dns_in_one_segment_is_read_longer_streams_are_counted() -> None:
    """A segment holding one length-prefixed message, or two pipelined (RFC 7766), is read; one whose
    message goes on in the next segment is counted, as is a segment whose second message is cut."""
    msg = _query(DICTIONARY[2], "TXT", 9)
    queries = (_query(DICTIONARY[3], "A", 10), _query(DICTIONARY[4], "A", 11))
    two = b"".join(struct.pack(">H", len(m)) + m for m in queries)
    whole = _ipv4("10.0.0.66", RESOLVER, 6, _tcp(40003, 53, struct.pack(">H", len(msg)) + msg))
    pipelined = _ipv4("10.0.0.66", RESOLVER, 6, _tcp(40005, 53, two))
    split = _ipv4("10.0.0.66", RESOLVER, 6, _tcp(40004, 53, struct.pack(">H", len(msg) + 100) + msg))
    handshake = _ipv4("10.0.0.66", RESOLVER, 6, _tcp(40004, 53, b""))
    frames = [(T0, whole), (T0 + 1, split), (T0 + 2, handshake), (T0 + 3, pipelined)]
    tbl = _read(_pcap(frames, link=101))  # raw IP
    assert tbl["name"] == [DICTIONARY[2], DICTIONARY[3], DICTIONARY[4]]
    assert tbl["warnings"] == ["skipped: 1 TCP DNS messages cut off (the connection closed or the capture ended "
                               "mid-message)"]


def _seg(src: str, sport: int, dst: str, dport: int, seq: int, payload: bytes, flags: int = 0x18) -> bytes:
    return _ipv4(src, dst, 6, struct.pack(">HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, 1, 5 << 4, flags, 65535, 0,
                                          0) + payload)


def _framed(*msgs: bytes) -> bytes:
    return b"".join(struct.pack(">H", len(m)) + m for m in msgs)


def test_tcp_dns_streams_are_reassembled() -> None:
    """RFC 7766 streams as a real connection carries them: the handshake, pipelined queries cut at
    arbitrary byte boundaries, a large response over several segments that arrive out of order and
    once twice (a retransmission), the sequence number wrapping past 2^32. Every query is read once
    and each response gives its query's outcome. Before: every message over several segments was
    counted and dropped, so the dead look-ups were lost."""
    client, sport = "10.0.0.66", 40100
    names = DICTIONARY[5:9]
    stream = _framed(*(_query(n, "A", 20 + i) for i, n in enumerate(names)))
    cseq = 0xFFFFFFFF - 30  # wraps inside the stream
    cuts = [0, 7, 8, 45, 46, 100, len(stream)]
    frames = [(T0, _seg(client, sport, RESOLVER, 53, cseq, b"", 0x02))]  # SYN
    for i, (a, b) in enumerate(itertools.pairwise(cuts)):
        frames.append((T0 + 0.01 * (i + 1), _seg(client, sport, RESOLVER, 53, cseq + 1 + a, stream[a:b])))
    big = _response(names[0], "TXT", 20, answer=" ".join(f'"{"x" * 200}{i}"' for i in range(30)))
    replies = _framed(big, *(_response(n, "A", 20 + i, rcode="NXDOMAIN") for i, n in enumerate(names) if i))
    assert len(big) > 3000
    sseq = 5000
    parts = [(0, 1400), (1400, 2800), (2800, len(replies))]
    order = [parts[0], parts[2], parts[1], parts[1]]  # out of order, the middle one retransmitted
    frames.append((T0 + 0.5, _seg(RESOLVER, 53, client, sport, sseq, b"", 0x12)))  # SYN-ACK
    for i, (a, b) in enumerate(order):
        frames.append((T0 + 0.6 + 0.01 * i, _seg(RESOLVER, 53, client, sport, sseq + 1 + a, replies[a:b])))
    tbl = _read(_pcap(frames, link=101))
    assert tbl["name"] == names
    assert tbl["client"] == [client] * 4
    assert tbl["answers"] == ["(answered)", "", "", ""]
    assert "warnings" not in tbl or not tbl["warnings"]


def test_tcp_streams_begun_before_the_capture_or_with_a_gap_are_read_where_a_message_starts() -> None:
    """A connection already open when the capture began: its first segment is the middle of a
    message (counted, skipped), the next one that begins a message is read. A segment missing
    from the capture: the stream is read again from the next message; a message the connection's
    close or the capture's end cut off is counted."""
    client, sport = "10.0.0.67", 40200
    a, b, c, d = (_framed(_query(n, "A", 30 + i)) for i, n in enumerate(DICTIONARY[10:14]))
    frames = [
        (T0, _seg(client, sport, RESOLVER, 53, 1000, a[5:])),  # the rest of a message begun before the capture
        (T0 + 1, _seg(client, sport, RESOLVER, 53, 1000 + len(a) - 5, b)),
        (T0 + 2, _seg(client, sport, RESOLVER, 53, 1000 + len(a) - 5 + len(b) + 50, c[:9])),  # after a gap
        (T0 + 3, _seg(client, sport, RESOLVER, 53, 1000 + len(a) - 5 + len(b) + 50 + 9, c[9:] + d[:4], 0x19)),  # FIN
    ]
    tbl = _read(_pcap(frames, link=101))
    assert tbl["name"] == [DICTIONARY[11], DICTIONARY[12]]
    assert tbl["warnings"] == ["skipped: 1 TCP DNS segments after a gap in the capture; 1 TCP DNS segments that "
                               "begin mid-message (the connection's start not captured); 1 TCP DNS messages cut "
                               "off (the connection closed or the capture ended mid-message)"]


def test_responses_without_their_queries_are_events_of_their_own() -> None:
    """A capture of one direction (the resolver's replies): each response an event for the client
    it went to, with its outcome."""
    frames = _exchange(DICTIONARY[:2], outcome="NXDOMAIN")[1::2]
    tbl = _read(_pcap(frames, nano=True, order=">"))
    assert tbl["name"] == DICTIONARY[:2]
    assert tbl["client"] == ["10.0.0.66", "10.0.0.66"]
    assert tbl["answers"] == ["", ""]


def test_hostile_label_bytes_are_written_as_escapes_and_scored() -> None:
    """Labels with NUL, high bytes (iodine's base128), a backslash, a space: one name each, in the
    ``\\xNN`` form Zeek writes; compression pointers followed, a pointer loop and a label running
    past the message's end rejected and counted."""
    labels = [b"a\x00b", bytes(range(0xBC, 0xC4)), b"back\\slash", b"sp ace"]

    def wire(label: bytes, xid: int) -> bytes:
        header = struct.pack(">HHHHHH", xid, 0x0100, 1, 0, 0, 0)
        return header + bytes([len(label)]) + label + b"\x07example\x03com\x00" + struct.pack(">HH", 10, 1)

    pointer = struct.pack(">HHHHHH", 3, 0x0100, 1, 0, 0, 0) + b"\xc0\x0c" + struct.pack(">HH", 1, 1)  # loops on itself
    past_end = struct.pack(">HHHHHH", 4, 0x0100, 1, 0, 0, 0) + b"\x3fabc"
    frames = [(T0 + i, _ether(_dns_udp("10.0.0.66", RESOLVER, wire(lab, i), 4000 + i))) for i, lab in enumerate(labels)]
    frames += [(T0 + 9, _ether(_dns_udp("10.0.0.66", RESOLVER, m, 4009))) for m in (pointer, past_end)]
    tbl = _read(_pcap(frames))
    assert tbl["name"] == ["a\\x00b.example.com", "".join(f"\\x{b:02x}" for b in range(0xBC, 0xC4)) + ".example.com",
                           "back\\\\slash.example.com", "sp\\x20ace.example.com"]
    assert tbl["qtype"] == ["NULL"] * 4
    assert tbl["warnings"] == ["skipped: 2 DNS messages that do not parse"]


def test_a_cut_capture_keeps_its_whole_packets_and_says_so() -> None:
    data = _pcap(_exchange(DICTIONARY[:3]))
    tbl = _read(data[:-10])
    assert tbl["name"] == DICTIONARY[:3]
    assert tbl["answers"] == ["", "", None]  # the last response was cut off
    assert tbl["warnings"] == ["skipped: 1 a capture cut off mid-record"]
    tbl = _read(gzip.compress(data))  # tcpdump -w - | gzip
    assert tbl["name"] == DICTIONARY[:3]
    with pytest.raises(pcap.CaptureError):
        pcap.read_capture(data[:20])


def test_a_dga_burst_in_a_capture_flags_its_host(tmp_path: Path, capsysbinary) -> None:
    """The end to end use: a sandbox's capture where one host looks up dictionary-word names (each
    alone reads as a real domain), all dead, next to ordinary look-ups; ``--hosts`` ranks that host
    first."""
    burst = DICTIONARY
    frames = _exchange(burst, client="10.0.0.66", outcome="NXDOMAIN")
    frames += _exchange(["www.example.com", "login.microsoftonline.com"], client="10.0.0.70", outcome="NOERROR")
    p = tmp_path / "sandbox.pcap"
    p.write_bytes(_pcap(sorted(frames)))
    hosts = tmp_path / "hosts.csv"
    assert score_dns_main(["--no-progress", "--hosts", str(hosts), str(p)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsysbinary.readouterr().out.decode())))
    assert {r["name"] for r in rows} == {*burst, "www.example.com", "login.microsoftonline.com"}
    flagged = {r["name"] for r in rows if r["verdict"] == "dga"}
    assert flagged == set(burst)
    assert next(csv.DictReader(hosts.open()))["client"] == "10.0.0.66"


def test_a_capture_scores_its_names_as_the_same_events_in_csv(tmp_path: Path, capsysbinary) -> None:
    """The development set's slice (DGA families, tunnel tools with mixed case and iodine's raw
    high bytes, benign look-alikes) sent on the wire, three hosts, every fifth look-up dead: the
    verdicts and scores match the same events given as CSV, name for name (by their bytes)."""
    import pandas as pd

    from hunt_assets.analytics.dns.names import _unescape

    names = pd.read_csv(Path(__file__).parent / "fixtures" / "dns" / "devset_slice.csv",
                        keep_default_na=False)["name"].tolist()
    wire = {n: _unescape(n).rstrip(b".") for n in names}
    names = [n for n in names if len(wire[n]) <= 253 and all(0 < len(lab) <= 63 for lab in wire[n].split(b"."))]
    frames, rows = [], []
    for i, n in enumerate(names):
        client, dead, ts = f"10.0.0.{60 + i % 3}", i % 5 == 0, T0 + i * 0.5
        labels = b"".join(bytes([len(lab)]) + lab for lab in wire[n].split(b".")) + b"\x00"
        question = labels + struct.pack(">HH", 1, 1)
        q = struct.pack(">HHHHHH", i & 0xFFFF, 0x0100, 1, 0, 0, 0) + question
        r = struct.pack(">HHHHHH", i & 0xFFFF, 0x8183 if dead else 0x8180, 1, 0, 0, 0) + question
        frames += [(ts, _ether(_dns_udp(client, RESOLVER, q, 20000 + i))),
                   (ts + 0.01, _ether(_dns_udp(RESOLVER, client, r, 53, 20000 + i)))]
        rows.append((ts, client, n, "" if dead else "(answered)"))
    cap, events = tmp_path / "devset.pcap", tmp_path / "devset.csv"
    cap.write_bytes(_pcap(frames))
    pd.DataFrame(rows, columns=["timestamp", "client", "name", "answers"]).assign(qtype="A").to_csv(events, index=False)
    out = {}
    for path in (cap, events):
        assert score_dns_main(["--no-progress", str(path)]) == 0
        got = list(csv.DictReader(io.StringIO(capsysbinary.readouterr().out.decode("utf-8", "surrogateescape"))))
        out[path.suffix] = {_unescape(r["name"]).rstrip(b"."): (r["verdict"], r["score"]) for r in got}
    assert len(out[".pcap"]) == len({wire[n] for n in names}) > 1400
    assert out[".pcap"] == out[".csv"]
    assert {v for v, _ in out[".pcap"].values()} >= {"dga", "tunnel", "benign"}


def test_a_link_type_with_fcs_bits_and_frames_with_their_fcs() -> None:
    """A pcap header whose link-type field also says frames end in a 4-byte FCS (the F bit and
    the FCS length above the type's 16 bits): still Ethernet, the FCS after the IP packet ignored."""
    frames = [(ts, frame + b"\xde\xad\xbe\xef") for ts, frame in _exchange(DICTIONARY[:2])]
    tbl = _read(_pcap(frames, link=1 | (1 << 28) | (2 << 26)))
    assert tbl["name"] == DICTIONARY[:2]
    assert tbl["answers"] == ["", ""]


def test_pcapng_odd_blocks_and_non_captures() -> None:
    """An interface whose ``if_tsresol`` option is cut (its value missing at the block's end) keeps
    the default microseconds; a buffer without a capture's magic is refused, not misread."""
    frame = _ether(_dns_udp("10.0.0.66", RESOLVER, _query(DICTIONARY[0], xid=1), 4000))
    order = "<"
    shb = struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1)
    data = struct.pack(order + "I", 0x0A0D0D0A) + struct.pack(order + "I", 12 + len(shb)) + shb \
        + struct.pack(order + "I", 12 + len(shb))
    idb = struct.pack(order + "HHI", 1, 0, 262144) + struct.pack(order + "HH", 9, 1)  # value cut off
    data += _block(order, 1, idb)
    ticks = (T0 + 1) * 10**6
    data += _block(order, 6, struct.pack(order + "IIIII", 0, ticks >> 32, ticks & 0xFFFFFFFF, len(frame), len(frame))
                   + frame)
    tbl = _read(data)
    assert tbl["name"] == [DICTIONARY[0]]
    assert tbl["timestamp"] == [pytest.approx(T0 + 1, abs=1e-6)]
    with pytest.raises(pcap.CaptureError, match="no magic number"):
        pcap.read_capture(b"\x0a\x0d\xdd\x0a" + data[4:])


def test_tcp_segments_held_past_the_limit_give_up_the_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Segments after a gap are held for the missing bytes up to ``PENDING_MAX``; past it the gap is
    given up and the stream read on from the first held segment that begins a message, without
    waiting for the connection's end."""
    monkeypatch.setattr(pcap.TcpStreams, "PENDING_MAX", 40)  # a query here is 30-40 bytes
    client, sport = "10.0.0.68", 40300
    msgs = [_framed(_query(n, "A", 40 + i)) for i, n in enumerate(DICTIONARY[14:18])]
    seq = 7000
    frames = [(T0, _seg(client, sport, RESOLVER, 53, seq - 1, b"", 0x02)), (T0 + 1, _seg(client, sport, RESOLVER, 53,
                                                                                     seq, msgs[0]))]
    seq += len(msgs[0]) + len(msgs[1])  # the second query is not in the capture
    for i, m in enumerate(msgs[2:]):
        frames.append((T0 + 2 + i, _seg(client, sport, RESOLVER, 53, seq, m)))
        seq += len(m)
    streams = pcap.TcpStreams()
    got = []
    for _, frame in frames:
        tcp = frame[20:]
        s_seq, flags = struct.unpack_from(">I", tcp, 4)[0], tcp[13]
        got += [pcap.question(m)[3] for m in streams.add((client, sport, RESOLVER, 53), None, s_seq, flags, tcp[20:])]
    assert got == [DICTIONARY[14], DICTIONARY[16], DICTIONARY[17]]  # before the capture's end
    assert streams.counts["tcp gap"] == 1



class _Pipe(io.RawIOBase):
    """A pipe as ``tcpdump -w -`` fills it: reads return short, at random points."""

    def __init__(self, data: bytes, seed: int) -> None:
        import random

        self.data, self.pos, self.rng = data, 0, random.Random(seed)

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:
        n = min(len(b), self.rng.randint(1, 300), len(self.data) - self.pos)
        b[:n] = self.data[self.pos : self.pos + n]
        self.pos += n
        return n


def test_a_capture_is_read_a_piece_at_a_time_as_it_is_read_whole(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    """A capture from a file or a pipe is read ``_Pieces.SIZE`` bytes at a time (64 MiB), so a
    sensor's day of capture is not held in memory whole. With pieces of a few bytes to a few
    hundred, records and blocks cut by every piece's end, from a pipe that reads short: the same
    rows and counts as the capture read whole, for pcap and pcapng, whole, cut short and with a
    section header broken. ``score-dns`` on a capture file takes this path (its reader peeks)."""
    frames = _exchange(DICTIONARY[:6]) + _exchange(DICTIONARY[6:9], "10.0.0.77", "NOERROR")
    frames.insert(3, (T0 + 0.3, _ether(_ipv4("93.184.216.34", "10.0.0.66", 6, _tcp(443, 50000, bytes(700))))))
    packets = [(i % 2, (T0 + i) * 10**6, frame) for i, (_, frame) in enumerate(frames)]
    pcapng = _pcapng([(1, None), (1, 9)], packets) + _pcapng([(1, 6)], packets[:3], ">")
    broken = bytearray(pcapng)
    second = len(_pcapng([(1, None), (1, 9)], packets))
    broken[second + 8 : second + 12] = b"\x00" * 4  # the second section's byte-order magic
    captures = [_pcap(frames), _pcap(frames)[:-5], _pcap(frames, order=">"), pcapng, pcapng[:-7], bytes(broken)]

    def whole(data: bytes) -> object:
        warnings: list[str] = []
        try:
            return pcap.read_capture(data, warnings.append).to_pydict(), warnings
        except pcap.CaptureError as exc:
            return repr(exc)

    def streamed(data: bytes, seed: int) -> object:
        warnings: list[str] = []
        try:
            return pcap.read_capture_stream(io.BufferedReader(_Pipe(data, seed)), warnings.append).to_pydict(), warnings
        except pcap.CaptureError as exc:
            return repr(exc)

    for size in (24, 50, 97, 256, 1000, 1 << 26):
        monkeypatch.setattr(pcap._Pieces, "SIZE", size)
        for k, data in enumerate(captures):
            assert streamed(data, size + k) == whole(data), (size, k)
    assert whole(captures[0])[0]["name"] == DICTIONARY[:9]
    assert whole(captures[1])[1] == ["skipped: 1 a capture cut off mid-record"]
    assert "byte-order magic" in whole(captures[5])

    monkeypatch.setattr(pcap._Pieces, "SIZE", 100)
    monkeypatch.setattr(pcap, "read_capture", None)  # a file must not be read whole
    path = tmp_path / "dns.pcap"
    path.write_bytes(captures[0])
    with open(path, "rb") as f:
        assert read_input(f).column("name").to_pylist() == DICTIONARY[:9]


def test_a_compressed_capture_is_unpacked_as_it_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A rotated capture (``tcpdump -G 3600 -z gzip``; xz, zstd, lz4; ``cat a.gz b.gz``) is
    unpacked piece by piece into the capture reader, not whole into memory: the same rows as the
    capture itself. One cut short keeps the packets unpacked before the cut, and stderr says so
    twice (the packed stream, the capture's last record). Where the first bytes the reader can
    look at without reading them (a MiB of a file, a pipe's buffer) unpack to nothing yet (a
    bzip2 block or a zstd frame larger than that), the input is unpacked whole, as before."""
    import bz2
    import lzma

    import pyarrow as pa

    frames = _exchange(DICTIONARY[:8]) + _exchange(DICTIONARY[8:12], "10.0.0.77", "NOERROR")
    data = _pcap(frames)
    expected = pcap.read_capture(data).to_pydict()

    def packed(kind: str, raw: bytes) -> bytes:
        if kind in ("zstd", "lz4"):
            sink = pa.BufferOutputStream()
            with pa.CompressedOutputStream(sink, kind) as out:
                out.write(raw)
            return sink.getvalue().to_pybytes()
        return {"gzip": gzip.compress, "xz": lzma.compress, "bzip2": bz2.compress}[kind](raw)

    streamed = []
    real = pcap.read_capture_stream
    monkeypatch.setattr(pcap, "read_capture_stream", lambda s, w=None: streamed.append(1) or real(s, w))
    monkeypatch.setattr(pcap._Pieces, "SIZE", 128)
    cases = {kind: packed(kind, data) for kind in ("gzip", "xz", "zstd", "lz4", "bzip2")}
    cases["gzip members"] = gzip.compress(data[:500]) + gzip.compress(data[500:])
    for case, blob in cases.items():
        path = tmp_path / f"dns.pcap.{case}"
        path.write_bytes(blob)
        streamed.clear()
        warnings: list[str] = []
        with open(path, "rb", buffering=1 << 20) as f:
            assert read_input(f, warnings.append).to_pydict() == expected, case
        assert warnings == []
        assert streamed == [1], case
    for case in ("bzip2", "xz", "zstd"):  # a pipe whose first bytes hold too little to unpack: read whole
        blob = cases[case]
        streamed.clear()
        assert read_input(io.BufferedReader(io.BytesIO(blob), 16)).to_pydict() == expected, case
        assert streamed == [], case

    cut = gzip.compress(data)[:-300]
    warnings = []
    tbl = read_input(io.BufferedReader(io.BytesIO(cut)), warnings.append).to_pydict()
    assert streamed[-1] == 1
    assert 0 < len(tbl["name"]) < len(expected["name"])
    assert tbl["name"] == expected["name"][: len(tbl["name"])]
    assert len(warnings) == 2
    assert warnings[0].startswith("the gzip data is damaged or cut off")
    assert warnings[1] == "skipped: 1 a capture cut off mid-record"


def test_a_syn_scan_and_a_flood_of_connections_keep_memory_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A SYN scan of port 53 (a probe and its SYN-ACK per port, no data) keeps at most
    ``OPENED_MAX`` handshakes; the connections that carry queries among the probes are all read.
    A flood of connections that each hold part of a message keeps at most ``FLOWS_MAX``
    directions: those that hold nothing go first, then the oldest others are closed and counted
    as cut, as at the capture's end. Before: ~300 bytes a direction until the end (800,000
    packets of a scan: 432 MiB peak)."""
    monkeypatch.setattr(pcap.TcpStreams, "OPENED_MAX", 40)
    monkeypatch.setattr(pcap.TcpStreams, "FLOWS_MAX", 8)
    client = "10.0.0.70"
    frames, expected = [], []
    for i in range(400):
        probe = f"10.9.{i // 200}.{i % 200}"
        frames.append((T0 + i, _seg(probe, 1024 + i, RESOLVER, 53, 5000 + i, b"", 0x02)))  # SYN
        frames.append((T0 + i, _seg(RESOLVER, 53, probe, 1024 + i, 9000 + i, b"", 0x12)))  # SYN-ACK
        if i % 25 == 0:  # a real connection: handshake, then its query a few probes later
            name = DICTIONARY[i // 25]
            expected.append(name)
            frames.append((T0 + i, _seg(client, 30000 + i, RESOLVER, 53, 700, b"", 0x02)))
            frames.append((T0 + i + 3, _seg(client, 30000 + i, RESOLVER, 53, 701, _framed(_query(name, xid=i)), 0x19)))
    streams = pcap.TcpStreams()
    peak = 0
    for _, frame in frames:  # as read_capture hands the segments on
        tcp = frame[20:]
        src, dst = socket.inet_ntoa(frame[12:16]), socket.inet_ntoa(frame[16:20])
        sport, dport, seq = struct.unpack_from(">HHI", tcp)
        streams.add((src, sport, dst, dport), None, seq, tcp[13], memoryview(tcp[20:]))
        peak = max(peak, len(streams.opened), len(streams.flows))
    assert peak <= 41
    assert _read(_pcap(sorted(frames, key=lambda f: f[0]), link=101))["name"] == expected

    streams = pcap.TcpStreams()
    msgs = [_framed(_query(n, xid=i)) for i, n in enumerate(DICTIONARY[:12])]
    for i, m in enumerate(msgs):  # each connection's handshake, then a query's first half
        streams.add((client, 31000 + i, RESOLVER, 53), float(i), 100, 0x02, memoryview(b""))
        streams.add((client, 31000 + i, RESOLVER, 53), float(i), 101, 0x18, memoryview(m[:9]))
        assert len(streams.flows) <= 8
    # at the 9th and the 11th: the two oldest closed each time (down to three quarters), cut mid-message
    assert streams.counts["tcp cut"] == 4
    for i, m in enumerate(msgs[4:], 4):  # the others' queries are still read whole
        assert [pcap.question(x)[3] for x in streams.add((client, 31000 + i, RESOLVER, 53), float(i), 110, 0x18,
                                                         memoryview(m[9:]))] == [DICTIONARY[i]]
