"""``score-dns`` on dnstap files (Frame Streams of ``dnstap.proto`` messages). One message is the
published example of a Go dnstap library (dmachard/go-dnstap-protobuf's README: a CLIENT_QUERY for
www.google.fr); the others are encoded here field by field, with dnspython's DNS messages inside."""

from __future__ import annotations

import io
import socket
import struct

import pytest

from hunt_assets.analytics.dns import dnstap
from hunt_assets.analytics.dns.cli import read_input
from hunt_assets_tests.test_dns_logs import DICTIONARY
from hunt_assets_tests.test_dns_pcap import T0, _query, _response

PUBLISHED = bytes([
    10, 8, 100, 110, 115, 116, 97, 112, 112, 98, 18, 14, 100, 110, 115, 116, 97, 112, 112, 98, 32, 48, 46, 48, 46, 48,
    114, 90, 8, 5, 16, 1, 24, 1, 34, 4, 10, 0, 0, 210, 42, 4, 10, 0, 0, 210, 48, 230, 174, 3, 56, 53, 64, 142, 143, 198,
    255, 5, 77, 28, 102, 44, 21, 82, 53, 218, 186, 1, 32, 0, 1, 0, 0, 0, 0, 0, 1, 3, 119, 119, 119, 6, 103, 111, 111,
    103, 108, 101, 2, 102, 114, 0, 0, 1, 0, 1, 0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 12, 0, 10, 0, 8, 230, 56, 227, 142, 1,
    222, 120, 120, 1])


def _varint(v: int) -> bytes:
    out = b""
    while True:
        b, v = v & 0x7F, v >> 7
        out += bytes([b | (0x80 if v else 0)])
        if not v:
            return out


def _field(number: int, value: int | bytes, fixed32: bool = False) -> bytes:
    if isinstance(value, bytes):
        return _varint(number << 3 | 2) + _varint(len(value)) + value
    if fixed32:
        return _varint(number << 3 | 5) + struct.pack("<I", value)
    return _varint(number << 3) + _varint(value)


def _message(kind: int, client: str, port: int, t: float, dns: bytes) -> bytes:
    family = socket.AF_INET6 if ":" in client else socket.AF_INET
    sec, nsec = int(t), round((t - int(t)) * 1e9)
    time_fields = (8, 9, 10) if kind in (1, 3, 5, 7) else (12, 13, 14)
    msg = (_field(1, kind) + _field(2, 2 if family == socket.AF_INET6 else 1) + _field(3, 1)
           + _field(4, socket.inet_pton(family, client)) + _field(6, port) + _field(7, 53)
           + _field(time_fields[0], sec) + _field(time_fields[1], nsec, fixed32=True) + _field(time_fields[2], dns))
    return _field(1, b"ns1") + _field(2, b"BIND 9.18") + _field(14, msg) + _field(15, 1)


def _fstrm(payloads: list[bytes], stop: bool = True) -> bytes:
    ct = dnstap.CONTENT_TYPE
    start = struct.pack(">III", 2, 1, len(ct)) + ct
    out = b"\0\0\0\0" + struct.pack(">I", len(start)) + start
    out += b"".join(struct.pack(">I", len(p)) + p for p in payloads)
    return out + (b"\0\0\0\0" + struct.pack(">II", 4, 3) if stop else b"")


def test_the_published_example_message() -> None:
    tbl = read_input(io.BytesIO(_fstrm([PUBLISHED]))).to_pydict()
    assert tbl["name"] == ["www.google.fr"]
    assert tbl["client"] == ["10.0.0.210"]
    assert tbl["timestamp"] == [pytest.approx(1609664398.355231260, abs=1e-6)]
    assert tbl["qtype"] == ["A"]


def test_client_queries_paired_with_their_responses_the_resolvers_own_left_out() -> None:
    """A resolver's dnstap: client queries (IPv4 and IPv6) and their responses (NXDOMAIN or an
    answer), and the resolver's own upstream queries, which are not the clients' look-ups."""
    frames = []
    for i, n in enumerate(DICTIONARY[:3]):
        client = "10.0.0.66" if i % 2 == 0 else "fd00::66"
        frames.append(_message(5, client, 40000 + i, T0 + i, _query(n, xid=i)))
        frames.append(_message(3, "10.0.0.1", 50000 + i, T0 + i + 0.1, _query(n, xid=900 + i)))  # upstream
        rcode, answer = ("NOERROR", "192.0.2.1") if i == 1 else ("NXDOMAIN", None)
        frames.append(_message(6, client, 40000 + i, T0 + i + 0.2, _response(n, xid=i, rcode=rcode, answer=answer)))
    frames.append(_message(5, "10.0.0.70", 41000, T0 + 9, _query("www.example.com", "TXT", xid=77)))
    warnings: list[str] = []
    tbl = read_input(io.BytesIO(_fstrm(frames)), warnings.append).to_pydict()
    assert tbl["name"] == [*DICTIONARY[:3], "www.example.com"]
    assert tbl["client"] == ["10.0.0.66", "fd00::66", "10.0.0.66", "10.0.0.70"]
    assert tbl["answers"] == ["", "(answered)", "", None]
    assert tbl["qtype"] == ["A", "A", "A", "TXT"]
    assert tbl["timestamp"][3] == pytest.approx(T0 + 9, abs=1e-6)
    assert warnings == ["dnstap: 3 messages of the resolver's own traffic (upstream, forwarders) or other types "
                        "left out"]


def test_broken_frames_cost_only_themselves_and_a_cut_file_keeps_whole_frames() -> None:
    good = [_message(5, "10.0.0.66", 40000 + i, T0 + i, _query(n, xid=i)) for i, n in enumerate(DICTIONARY[:4])]
    frames = [*good[:2], b"\x72\x7f\x01", good[2]]  # a message field claiming more bytes than it has
    warnings: list[str] = []
    tbl = read_input(io.BytesIO(_fstrm(frames)), warnings.append).to_pydict()
    assert tbl["name"] == DICTIONARY[:3]
    assert warnings == ["dnstap: 1 messages that do not parse"]
    data = _fstrm(good, stop=False)
    warnings.clear()
    tbl = read_input(io.BytesIO(data[:-10]), warnings.append).to_pydict()
    assert tbl["name"] == DICTIONARY[:3]
    assert warnings == ["dnstap: 1 a file cut off mid-frame"]
    headless = b"\0\0\0\0" + struct.pack(">III", 12 + len(dnstap.CONTENT_TYPE), 9, 1)  # not a START frame
    with pytest.raises(dnstap.DnstapError):
        dnstap.read_dnstap(headless + struct.pack(">I", len(dnstap.CONTENT_TYPE)) + dnstap.CONTENT_TYPE
                           + struct.pack(">I", len(good[0])) + good[0])


def test_fields_of_the_wrong_wire_type_are_ignored_not_fatal() -> None:
    """A message whose port and nanoseconds come as bytes (a broken or hostile writer): the query is
    read with port 0 and whole seconds, where the pairing's key and the time had raised TypeError."""
    dns = _query(DICTIONARY[0], xid=3)
    msg = (_field(1, 5) + _field(4, socket.inet_pton(socket.AF_INET, "10.0.0.66")) + _field(6, b"\x01\x02")
           + _field(8, T0) + _field(9, b"nsec") + _field(10, dns))
    tbl = read_input(io.BytesIO(_fstrm([_field(14, msg)]))).to_pydict()
    assert tbl["name"] == [DICTIONARY[0]]
    assert tbl["timestamp"] == [T0]
