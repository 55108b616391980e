"""Encrypted DNS in packet captures: connections to port 853 (DoT, DoQ) and to the listed resolvers' port
443 (DoH) counted per client, and ``score-dns --hosts`` listing their hosts. The packets are written
field by field (``test_dns_pcap``'s helpers, from the formats' specifications); every test runs with the
C kernel and with the Python reader alone."""

from __future__ import annotations

import csv
import io
import json
import socket
import struct
from pathlib import Path

import pytest

from hunt_assets.analytics.dns import accel, pcap
from hunt_assets.analytics.dns.cli import capture_connections, read_input, score_dns_main
from hunt_assets.analytics.dns.resolvers import resolver_addresses
from hunt_assets_tests.test_dns_logs import DICTIONARY
from hunt_assets_tests.test_dns_pcap import T0, _dns_udp, _ether, _exchange, _ipv4, _ipv6, _pcap, _query, _udp

LOG_HOST_COLUMNS = ["client", "priority", "lookups_flagged", "distinct_flagged_domains", "tunnel_domains",
                    "dga_domains", "first_seen", "last_seen", "top_domains", "encrypted_dns_lookups", "encrypted_dns"]


@pytest.fixture(autouse=True, params=[True, False], ids=["kernel", "python"])
def kernel(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    if request.param and not accel.available():
        pytest.skip(f"C extension hunt_assets.analytics.dns._native is not built ({accel.IMPORT_ERROR})")
    monkeypatch.setattr(accel, "ENABLED", request.param)
    return request.param


def _tcp_to(src: str, sport: int, dst: str, dport: int, flags: int, payload: bytes = b"") -> bytes:
    seg = struct.pack(">HHIIBBHHH", sport, dport, 1, 0, 5 << 4, flags, 65535, 0, 0) + payload
    return _ether(_ipv6(src, dst, 6, seg) if ":" in src else _ipv4(src, dst, 6, seg))


def _udp_to(src: str, sport: int, dst: str, dport: int, payload: bytes = b"\xc3quic") -> bytes:
    seg = _udp(src, sport, dst, dport, payload)
    return _ether(_ipv6(src, dst, 17, seg) if ":" in src else _ipv4(src, dst, 17, seg))


SYN, ACK, PSH_ACK = 0x02, 0x10, 0x18


def _connections(data: bytes) -> dict[tuple[str, str, int, str], tuple[int, float | None, float | None]]:
    tbl = read_input(io.BytesIO(data))
    raw = (tbl.schema.metadata or {}).get(pcap.CONNECTIONS_KEY)
    rows = json.loads(raw) if raw else []
    return {(c, s, p, proto): (n, first, last) for c, s, p, proto, n, first, last in rows}


def test_connections_to_encrypted_dns_are_counted_once_each() -> None:
    """A SYN sent again is one connection, a flow seen only mid-way (begun before the capture) is one, a
    port used again (a SYN after the flow's data) is a second; DoT to any server, DoQ on UDP 853, DoH to
    listed resolvers over TCP and HTTP/3, IPv6; the resolvers' own packets back and HTTPS to anything else
    are not counted; the times are the client's first and last packet."""
    frames = [
        (T0 + 1, _tcp_to("10.0.0.70", 50000, "203.0.113.53", 853, SYN)),
        (T0 + 2, _tcp_to("10.0.0.70", 50000, "203.0.113.53", 853, SYN)),  # retransmitted
        (T0 + 2.1, _tcp_to("203.0.113.53", 853, "10.0.0.70", 50000, SYN | ACK)),  # the server's: not counted
        (T0 + 3, _tcp_to("10.0.0.70", 50000, "203.0.113.53", 853, PSH_ACK, b"\x16\x03\x01")),
        (T0 + 60, _tcp_to("10.0.0.70", 50000, "203.0.113.53", 853, SYN)),  # the port used again
        (T0 + 4, _tcp_to("10.0.0.71", 51000, "8.8.8.8", 443, PSH_ACK, b"\x17\x03\x03")),  # begun before
        (T0 + 5, _tcp_to("10.0.0.71", 51000, "8.8.8.8", 443, PSH_ACK, b"\x17\x03\x03")),
        (T0 + 6, _tcp_to("10.0.0.71", 51001, "8.8.8.8", 443, SYN)),
        (T0 + 7, _udp_to("10.0.0.71", 51002, "1.1.1.1", 443)),  # HTTP/3 to a resolver
        (T0 + 7.5, _tcp_to("10.0.0.71", 51003, "93.184.216.34", 443, SYN)),  # the web: not counted
        (T0 + 7.6, _udp_to("10.0.0.71", 51004, "142.250.1.1", 443)),  # QUIC to the web: not counted
        (T0 + 8, _udp_to("10.0.0.72", 52000, "94.140.14.14", 853)),
        (T0 + 9, _udp_to("10.0.0.72", 52000, "94.140.14.14", 853)),
        (T0 + 9.5, _udp_to("94.140.14.14", 853, "10.0.0.72", 52000)),  # the server's: not counted
        (T0 + 9 + pcap.Connections.IDLE + 1, _udp_to("10.0.0.72", 52000, "94.140.14.14", 853)),  # after an idle
        (T0 + 10, _tcp_to("2001:db8::5", 53000, "2606:4700:4700::1111", 443, SYN)),
    ]
    got = _connections(_pcap(sorted(frames, key=lambda f: f[0])))
    assert got == {
        ("10.0.0.70", "203.0.113.53", 853, "tcp"): (2, T0 + 1, T0 + 60),
        ("10.0.0.71", "8.8.8.8", 443, "tcp"): (2, T0 + 4, T0 + 6),
        ("10.0.0.71", "1.1.1.1", 443, "udp"): (1, T0 + 7, T0 + 7),
        ("10.0.0.72", "94.140.14.14", 853, "udp"): (2, T0 + 8, T0 + 9 + pcap.Connections.IDLE + 1),
        ("2001:db8::5", "2606:4700:4700::1111", 443, "tcp"): (1, T0 + 10, T0 + 10),
    }


def test_every_listed_resolver_address_is_watched_on_443_by_kernel_and_python_alike() -> None:
    """The C walk keeps HTTPS packets by its own copy of the list (``watch_addresses``): one SYN to each
    listed address, IPv4 and IPv6, and to the address next to each, gives one connection per listed
    address and none for the neighbours, whichever reader runs."""
    frames = []
    for i, addr in enumerate(resolver_addresses()):
        packed = bytearray(socket.inet_pton(socket.AF_INET6 if ":" in addr else socket.AF_INET, addr))
        packed[-1] ^= 0x80  # a neighbour the list does not hold
        near = socket.inet_ntop(socket.AF_INET6 if ":" in addr else socket.AF_INET, bytes(packed))
        client = "2001:db8::9" if ":" in addr else "10.0.0.9"
        frames.append((T0 + i, _tcp_to(client, 40000 + i, addr, 443, SYN)))
        if near not in resolver_addresses():
            frames.append((T0 + i + 0.5, _tcp_to(client, 45000 + i, near, 443, SYN)))
    got = _connections(_pcap(frames))
    assert {k[1] for k in got} == set(resolver_addresses())
    assert all(n == 1 for n, _, _ in got.values())


def test_frames_the_python_reader_walks_count_as_the_kernels_do() -> None:
    """A VLAN tag (read in C) and IPv6 extension headers (handed to Python by the kernel) on encrypted-DNS
    packets, next to DNS: both give the same connections and the same events."""
    hop_by_hop = struct.pack(">BB6x", 6, 0)  # next header TCP, 8 bytes
    seg = struct.pack(">HHIIBBHHH", 54000, 853, 1, 0, 5 << 4, SYN, 65535, 0, 0)
    ext = struct.pack(">IHBB16s16s", 6 << 28, len(hop_by_hop) + len(seg), 0, 64,
                      socket.inet_pton(socket.AF_INET6, "2001:db8::7"),
                      socket.inet_pton(socket.AF_INET6, "2620:fe::fe")) + hop_by_hop + seg
    tagged = _ether(_ipv4("10.0.0.8", "9.9.9.9", 6, struct.pack(">HHIIBBHHH", 54001, 443, 1, 0, 5 << 4, SYN,
                                                                    65535, 0, 0)), vlan=True)
    frames = [(T0, _ether(ext)), (T0 + 1, tagged),
              (T0 + 2, _ether(_dns_udp("10.0.0.8", "10.0.0.1", _query("www.example.com"), 40000)))]
    got = _connections(_pcap(frames))
    assert got == {("2001:db8::7", "2620:fe::fe", 853, "tcp"): (1, T0, T0),
                   ("10.0.0.8", "9.9.9.9", 443, "tcp"): (1, T0 + 1, T0 + 1)}
    assert read_input(io.BytesIO(_pcap(frames))).column("name").to_pylist() == ["www.example.com"]


def test_flows_held_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A scan of port 853 from many source ports holds at most ``FLOWS_MAX`` flows; every SYN is a
    connection, and the counts stay one entry per client and server."""
    monkeypatch.setattr(pcap.Connections, "FLOWS_MAX", 64)
    conns = pcap.Connections()
    for port in range(1000):
        conns.add(T0 + port / 1000, "10.0.0.66", 20000 + port, "198.51.100.9", 853, 6, SYN)
        assert len(conns.flows) <= 64
    assert conns.rows() == [["10.0.0.66", "198.51.100.9", 853, "tcp", 1000, T0, T0 + 0.999]]


def _hosts(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], *files: Path) -> list[dict[str, str]]:
    out = tmp_path / "hosts.csv"
    assert score_dns_main(["--no-progress", "--hosts", str(out), *map(str, files)]) == 0
    capsysbinary.readouterr()
    with out.open(newline="") as f:
        return list(csv.DictReader(f))


def test_hosts_of_a_capture_list_encrypted_dns_connections(tmp_path: Path, capsysbinary) -> None:
    """``--hosts`` on a capture: the DGA host first; a host whose only trace is DoH to Google, one with DoT
    to an unlisted server and one with DoQ to NextDNS listed with the bypass's priority, where their
    connections went and when; hosts with neither are not listed. The two columns follow the log's."""
    frames = _exchange(DICTIONARY, client="10.0.0.66", outcome="NXDOMAIN")
    frames += _exchange(["www.example.com"], client="10.0.0.70", outcome="NOERROR")
    frames += [(T0 + 100, _tcp_to("10.0.0.71", 51001, "8.8.8.8", 443, SYN)),
               (T0 + 101, _tcp_to("10.0.0.71", 51002, "8.8.4.4", 443, SYN)),
               (T0 + 102, _tcp_to("10.0.0.71", 51003, "8.8.8.8", 443, SYN)),
               (T0 + 103, _tcp_to("10.0.0.72", 52000, "203.0.113.53", 853, SYN)),
               (T0 + 104, _udp_to("10.0.0.73", 53000, "45.90.28.0", 853))]
    p = tmp_path / "sensor.pcap"
    p.write_bytes(_pcap(sorted(frames, key=lambda f: f[0])))
    rows = _hosts(tmp_path, capsysbinary, p)
    assert list(rows[0]) == [*LOG_HOST_COLUMNS, "encrypted_dns_connections", "encrypted_dns_connected_to"]
    assert rows[0]["client"] == "10.0.0.66"
    assert rows[0]["encrypted_dns_connections"] == "0"
    by = {r["client"]: r for r in rows}
    assert set(by) == {"10.0.0.66", "10.0.0.71", "10.0.0.72", "10.0.0.73"}
    assert by["10.0.0.71"]["encrypted_dns_connections"] == "3"
    assert by["10.0.0.71"]["encrypted_dns_connected_to"] == "Google Public DNS over HTTPS (3)"
    assert by["10.0.0.71"]["first_seen"].startswith("2026-12-07T05:01:40")
    assert by["10.0.0.71"]["last_seen"].startswith("2026-12-07T05:01:42")
    assert by["10.0.0.72"]["encrypted_dns_connected_to"] == "203.0.113.53 over TLS (1)"
    assert by["10.0.0.73"]["encrypted_dns_connected_to"] == "NextDNS over QUIC (1)"
    assert {by[c]["priority"] for c in ("10.0.0.71", "10.0.0.72", "10.0.0.73")} == {"1.0"}
    assert float(by["10.0.0.66"]["priority"]) > 1.0


def test_two_captures_are_one_batch_and_a_log_keeps_its_columns(tmp_path: Path, capsysbinary) -> None:
    """Hourly captures of one sensor: the same client and resolver in both add up. A CSV log's hosts keep
    the columns they had (a log cannot fill the connection columns), also next to nothing encrypted."""
    a, b = tmp_path / "h1.pcap", tmp_path / "h2.pcap"
    a.write_bytes(_pcap([(T0, _tcp_to("10.0.0.71", 51001, "9.9.9.9", 853, SYN))]))
    b.write_bytes(_pcap([(T0 + 3600, _tcp_to("10.0.0.71", 51001, "9.9.9.9", 853, SYN)),
                         (T0 + 3601, _tcp_to("10.0.0.71", 51002, "149.112.112.112", 853, SYN))]))
    rows = _hosts(tmp_path, capsysbinary, a, b)
    assert [(r["client"], r["encrypted_dns_connections"], r["encrypted_dns_connected_to"]) for r in rows] == [
        ("10.0.0.71", "3", "Quad9 over TLS (3)")]
    log = tmp_path / "dns.csv"
    log.write_text("timestamp,client,name\n" + "".join(
        f"2026-12-07T05:00:{i:02d}Z,10.0.0.66,{n}\n" for i, n in enumerate(DICTIONARY)))
    _hosts(tmp_path, capsysbinary, log)
    assert (tmp_path / "hosts.csv").read_text().splitlines()[0].split(",") == LOG_HOST_COLUMNS


def test_capture_connections_is_none_for_other_input() -> None:
    """Only a capture with encrypted-DNS packets carries connections; one without them, or a log, gives
    None, so its hosts table is unchanged."""
    plain = read_input(io.BytesIO(_pcap(_exchange(["www.example.com"], outcome="NOERROR"))))
    assert capture_connections(plain) is None
    assert capture_connections(read_input(io.BytesIO(b"name\nwww.example.com\n"))) is None
