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

from hunt_assets.analytics.dns import connections, pcap
from hunt_assets.analytics.dns.cli import connection_frame, read_input, score_dns_main
from hunt_assets.analytics.dns.resolvers import resolver_addresses
from hunt_assets_tests.test_dns_logs import DICTIONARY
from hunt_assets_tests.test_dns_pcap import T0, _dns_udp, _ether, _exchange, _ipv4, _ipv6, _pcap, _query, _udp

LOG_HOST_COLUMNS = ["client", "priority", "lookups_flagged", "distinct_flagged_domains", "tunnel_domains",
                    "dga_domains", "first_seen", "last_seen", "top_domains", "encrypted_dns_lookups", "encrypted_dns"]


@pytest.fixture(autouse=True)
def kernel(capture_kernel: bool) -> bool:
    """Every test here with the C walk and with the Python reader alone (``conftest.capture_kernel``)."""
    return capture_kernel


def _tcp_to(src: str, sport: int, dst: str, dport: int, flags: int, payload: bytes = b"", seq: int = 1) -> bytes:
    seg = struct.pack(">HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0) + payload
    return _ether(_ipv6(src, dst, 6, seg) if ":" in src else _ipv4(src, dst, 6, seg))


def _udp_to(src: str, sport: int, dst: str, dport: int, payload: bytes = b"\xc3quic") -> bytes:
    seg = _udp(src, sport, dst, dport, payload)
    return _ether(_ipv6(src, dst, 17, seg) if ":" in src else _ipv4(src, dst, 17, seg))


SYN, ACK, PSH_ACK = 0x02, 0x10, 0x18


def _connections(data: bytes, names: bool = False) -> dict[tuple[str, str, int, str], tuple]:
    """(client, server, port, protocol) -> (connections, first seen, last seen[, server name])."""
    tbl = read_input(io.BytesIO(data))
    raw = (tbl.schema.metadata or {}).get(connections.KEY)
    rows = json.loads(raw) if raw else []
    return {(c, s, p, proto): (n, first, last, *((name,) if names else ()))
            for c, s, p, proto, n, first, last, name, _uid, _process in rows}


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
    assert conns.rows() == [["10.0.0.66", "198.51.100.9", 853, "tcp", 1000, T0, T0 + 0.999, None, None, None]]


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


def test_connection_frame_is_none_for_other_input() -> None:
    """Only a capture with encrypted-DNS packets carries connections; one without them, or a log, gives
    None, so its hosts table is unchanged."""
    plain = read_input(io.BytesIO(_pcap(_exchange(["www.example.com"], outcome="NOERROR"))))
    assert connection_frame(plain) is None
    assert connection_frame(read_input(io.BytesIO(b"name\nwww.example.com\n"))) is None


# --- TLS server names (SNI) -------------------------------------------------------------------------------


def _openssl_hello(server_name: str | None) -> bytes:
    """A ClientHello as this machine's OpenSSL writes it (``ssl`` over memory buffers, no socket): not
    the reader's code, and a real client's field order."""
    import ssl

    ctx = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    conn = ctx.wrap_bio(incoming, outgoing, server_hostname=server_name)
    with pytest.raises(ssl.SSLWantReadError):
        conn.do_handshake()
    return outgoing.read()


def _hello(server_name: bytes, *, key_share: int = 0, name_last: bool = False) -> bytes:
    """A ClientHello written field by field (RFC 8446 4.1.2, RFC 6066 3): its extensions in the order
    given, a key share of ``key_share`` bytes (X25519MLKEM768's is 1,216: Chrome's and Firefox's hellos
    outgrow one segment since 2024) and the name before or after it (Chrome shuffles them)."""
    sni = struct.pack(">HBH", len(server_name) + 3, 0, len(server_name)) + server_name
    exts = [struct.pack(">HH", 0, len(sni)) + sni,
            struct.pack(">HHB", 43, 3, 2) + b"\x03\x04",  # supported_versions: TLS 1.3
            struct.pack(">HHHHH", 51, 6 + key_share, 4 + key_share, 0x11EC, key_share) + bytes(key_share),
            struct.pack(">HH", 21, 400) + bytes(400)]  # padding (RFC 7685), for the other extensions a browser sends
    if name_last:
        exts = exts[1:] + exts[:1]
    body = b"\x03\x03" + bytes(range(32)) + b"\x20" + bytes(32) + struct.pack(">H", 6) + b"\x13\x01\x13\x02\x13\x03"
    body += b"\x01\x00" + struct.pack(">H", sum(map(len, exts))) + b"".join(exts)
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack(">H", len(handshake)) + handshake


MSS = 1448  # a TCP segment's payload on Ethernet with timestamps


def _hello_segments(src: str, sport: int, dst: str, dport: int, hello: bytes, mss: int = MSS) -> list[bytes]:
    """The hello in segments of ``mss`` bytes, numbered in sequence from 1."""
    return [_tcp_to(src, sport, dst, dport, PSH_ACK, hello[at : at + mss], 1 + at) for at in range(0, len(hello), mss)]


def test_the_server_name_of_a_real_clienthello_is_read() -> None:
    """OpenSSL's own hello: its name read; none when it sends none; nothing from what is not a hello."""
    assert pcap.tls_server_name(_openssl_hello("dns.google")) == "dns.google"
    assert pcap.tls_server_name(_openssl_hello("Chrome.Cloudflare-DNS.com")) == "chrome.cloudflare-dns.com"
    assert pcap.tls_server_name(_openssl_hello(None)) is None
    assert pcap.tls_server_name(b"\x17\x03\x03\x00\x10" + bytes(16)) is None  # application data
    assert pcap.tls_server_name(b"GET / HTTP/1.1\r\nHost: dns.google\r\n\r\n") is None


def test_a_hostile_or_broken_hello_gives_a_safe_name_or_none() -> None:
    """The name is the client's to choose: control bytes, a backslash and a formula start are written as
    escapes or kept as text, a 300-byte name is cut to 255; every cut of a hello, and random bytes
    written over one, give a name or None, never an error."""
    assert pcap.tls_server_name(_hello(b"EVIL\x00\r\n\\.dns.google")) == "evil\\x00\\x0d\\x0a\\\\.dns.google"
    assert pcap.tls_server_name(_hello(b"=cmd|' /C calc'!A0")) == "=cmd|'\\x20/c\\x20calc'!a0"
    assert len(pcap.tls_server_name(_hello(b"a" * 300)) or "") == 255
    hello = _hello(b"abc.dns.nextdns.io", key_share=100)
    assert pcap.tls_server_name(hello) == "abc.dns.nextdns.io"
    for cut in range(len(hello)):
        assert pcap.tls_server_name(hello[:cut]) in (None, "abc.dns.nextdns.io")
    import random

    rng = random.Random(42)
    for _ in range(2000):
        b = bytearray(hello)
        for _ in range(rng.randint(1, 4)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        got = pcap.tls_server_name(bytes(b))
        assert got is None or isinstance(got, str)


def test_hellos_naming_a_resolver_count_at_any_address() -> None:
    """DoH to an address nobody listed (a NextDNS anycast address, a Cloudflare edge) is found by the
    hello's name, or a hello to the web is not counted; DoT to an unlisted server keeps its name. A hello
    split over two segments is named when its name comes first (as OpenSSL writes it) and when a large key
    share comes first (as Chrome's shuffle may put it): then the second segment completes it, and the
    connection is seen from there."""
    frames = [
        (T0, _tcp_to("10.0.0.80", 40000, "198.51.100.7", 443, PSH_ACK, _openssl_hello("abc123.dns.nextdns.io"))),
        (T0 + 1, _tcp_to("10.0.0.80", 40001, "104.16.1.1", 443, PSH_ACK, _openssl_hello("mozilla.cloudflare-dns.com"))),
        (T0 + 2, _tcp_to("10.0.0.80", 40002, "93.184.216.34", 443, PSH_ACK, _openssl_hello("www.example.com"))),
        (T0 + 3, _tcp_to("10.0.0.81", 40003, "203.0.113.53", 853, SYN)),
        (T0 + 3.1, _tcp_to("10.0.0.81", 40003, "203.0.113.53", 853, PSH_ACK, _openssl_hello("dot.example.org"))),
    ]
    split_first = _hello_segments("10.0.0.82", 40004, "198.51.100.8", 443, _hello(b"dns.google", key_share=1216))
    split_last = _hello_segments("10.0.0.83", 40005, "198.51.100.9", 443,
                                 _hello(b"dns.google", key_share=1216, name_last=True))
    assert len(split_first) == len(split_last) == 2
    frames += [(T0 + 4 + k / 10, f) for k, f in enumerate(split_first + split_last)]
    got = _connections(_pcap(frames), names=True)
    assert got == {
        ("10.0.0.80", "198.51.100.7", 443, "tcp"): (1, T0, T0, "abc123.dns.nextdns.io"),
        ("10.0.0.80", "104.16.1.1", 443, "tcp"): (1, T0 + 1, T0 + 1, "mozilla.cloudflare-dns.com"),
        ("10.0.0.81", "203.0.113.53", 853, "tcp"): (1, T0 + 3, T0 + 3.1, "dot.example.org"),
        ("10.0.0.82", "198.51.100.8", 443, "tcp"): (1, T0 + 4, T0 + 4, "dns.google"),
        ("10.0.0.83", "198.51.100.9", 443, "tcp"): (1, T0 + 4.3, T0 + 4.3, "dns.google"),
    }


def test_hosts_name_resolvers_found_by_their_hellos(tmp_path: Path, capsysbinary) -> None:
    """``--hosts``: the provider named from the hello where the address names none, and an unlisted DoT
    server by its own name and address."""
    p = tmp_path / "tls.pcap"
    p.write_bytes(_pcap([
        (T0, _tcp_to("10.0.0.80", 40000, "198.51.100.7", 443, PSH_ACK, _openssl_hello("abc123.dns.nextdns.io"))),
        (T0 + 1, _tcp_to("10.0.0.81", 40003, "203.0.113.53", 853, PSH_ACK, _openssl_hello("dot.example.org"))),
    ]))
    by = {r["client"]: r for r in _hosts(tmp_path, capsysbinary, p)}
    assert by["10.0.0.80"]["encrypted_dns_connected_to"] == "NextDNS over HTTPS (1)"
    assert by["10.0.0.81"]["encrypted_dns_connected_to"] == "dot.example.org (203.0.113.53) over TLS (1)"


def test_the_quick_check_of_a_hello_name_agrees_with_endpoint_of() -> None:
    """``Connections.names_resolver`` rules names out by their last two labels before ``endpoint_of``:
    on every listed endpoint and zone, names under them, their parents, look-alikes and odd spellings,
    both say the same."""
    from hunt_assets.analytics.dns import resolvers

    exact, zones = resolvers._tables()
    names = [*exact, *zones, *(f"a1b2.{z}" for z in zones), *(f"x.{n}" for n in exact),
             *(n.split(".", 1)[-1] for n in exact), *(n + "." for n in exact), *(n.replace(".", "-") for n in exact),
             "google", "", ".", "..", "a..dns.google", "dns.google.evil.com", "www.example.com", "\\x00.dns.google"]
    conns = pcap.Connections()
    for n in names:
        hit = resolvers.endpoint_of(n)
        assert conns.names_resolver(n) == (hit is not None and hit[1] == resolvers.RESOLVER), n
    assert sum(map(conns.names_resolver, names)) > len(exact)


def test_a_server_name_that_is_a_formula_is_said_or_quoted_in_the_hosts_file(tmp_path: Path, capsysbinary) -> None:
    """DoT to a server whose hello names it ``=HYPERLINK(...)``: the server chooses that text, and it lands in
    ``encrypted_dns_connected_to``. Without ``--spreadsheet-safe`` stderr says so; with it the cell is quoted."""
    p = tmp_path / "dot.pcap"
    p.write_bytes(_pcap([(T0, _tcp_to("10.0.0.81", 40003, "203.0.113.53", 853, PSH_ACK,
                                      _hello(b"=HYPERLINK(\"http://x\")")))]))
    hosts = tmp_path / "hosts.csv"
    assert score_dns_main(["--no-progress", "--hosts", str(hosts), str(p)]) == 0
    assert "1 cell(s) of" in capsysbinary.readouterr().err.decode()
    with hosts.open(newline="") as f:
        assert next(csv.DictReader(f))["encrypted_dns_connected_to"].startswith("=hyperlink(")
    assert score_dns_main(["--no-progress", "--spreadsheet-safe", "--hosts", str(hosts), str(p)]) == 0
    assert "cell(s)" not in capsysbinary.readouterr().err.decode()
    with hosts.open(newline="") as f:
        assert next(csv.DictReader(f))["encrypted_dns_connected_to"].startswith("'=hyperlink(")


def test_a_host_opening_doh_connections_on_a_timer_is_marked_steady(tmp_path: Path, capsysbinary) -> None:
    """godoh's shape on the wire: a new HTTPS connection to Google's resolver every minute for eight hours.
    A capture names no process, so the rate is what tells it from a browser, whose connections come in
    bursts: the resolver is marked steady and the host ranks as a program on DoH (3.5); the browser host
    stays at the bypass's 1.0. A connection open across an hour's start is not counted again in the next."""
    frames = [(T0 + 60 * m + 7, _tcp_to("10.0.0.90", 40000 + m, "8.8.8.8", 443, SYN)) for m in range(8 * 60)]
    frames += [(T0 + 60 * m + 9, _tcp_to("10.0.0.91", 30000 + m, "8.8.8.8", 443, SYN))
               for m in range(8 * 60) if m % 97 < 5]
    frames += [(T0 + 3590 + k, _tcp_to("10.0.0.92", 20000, "9.9.9.9", 853, PSH_ACK, b"\x17\x03\x03"))
               for k in range(20)]
    p = tmp_path / "beacon.pcap"
    p.write_bytes(_pcap(sorted(frames, key=lambda f: f[0])))
    rows = _hosts(tmp_path, capsysbinary, p)
    by = {r["client"]: r for r in rows}
    assert by["10.0.0.90"]["encrypted_dns_connected_to"] == "Google Public DNS over HTTPS (480; steady ~60/h over 8 h)"
    assert float(by["10.0.0.90"]["priority"]) == 3.5
    assert rows[0]["client"] == "10.0.0.90"
    assert "steady" not in by["10.0.0.91"]["encrypted_dns_connected_to"]
    assert by["10.0.0.91"]["priority"] == "1.0"
    assert by["10.0.0.92"]["encrypted_dns_connections"] == "1"  # one DoT connection across 05:59-06:00
