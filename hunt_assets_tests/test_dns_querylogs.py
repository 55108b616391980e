"""``score-dns`` on DNS servers' own query logs: BIND, dnsmasq / Pi-hole, Unbound, CoreDNS
(``analytics.dns.querylogs``)."""

from __future__ import annotations

import csv
import io
import json
import struct
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from hunt_assets.analytics.dns import logs, querylogs
from hunt_assets.analytics.dns.cli import read_input, score_dns_main
from hunt_assets.analytics.dns.times import to_ns
from hunt_assets.analytics.dns.zones import parse_zone
from hunt_assets_tests.test_dns_logs import DICTIONARY  # each alone reads as a real domain

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
TUNNEL = "aGVsbG8gd29ybGQgdGhpcyBpcyBhIHRlc3Qgb2YgdGhl.bG9uZyBsaW5lcw.t.example.org"


def _bind(i: int, client: str, name: str, qtype: str) -> str:
    when = f"07-Dec-2026 01:{i // 8:02d}:{i % 8 * 7:02d}.202"
    if i % 3 == 0:  # BIND 9.11+ with print-category / print-severity
        return (f"{when} queries: info: client @0x7ff5b8000cd0 {client}#51530 ({name}): query: {name} IN {qtype} "
                f"+E(0)K (10.0.0.1)\n")
    if i % 3 == 1:  # older BIND, with a view
        return f"{when} client {client}#53311: view internal: query: {name} IN {qtype} -EDC (10.0.0.1)\n"
    return f"{when} client @0x7f026c008868 {client}#45166 ({name}): query: {name} IN {qtype} + (10.0.0.1)\n"


def _dnsmasq(i: int, client: str, name: str, qtype: str, result: str | None) -> str:
    when = f"Dec  7 01:{i // 8:02d}:{i % 8 * 7:02d}"
    extra = f"{100 + i} {client}/5353 " if i % 2 else ""  # log-queries=extra
    lines = f"{when} dnsmasq[1234]: {extra}query[{qtype}] {name} from {client}\n"
    lines += f"{when} dnsmasq[1234]: {extra}forwarded {name} to 1.1.1.1\n"
    if result is not None:
        lines += f"{when} dnsmasq[1234]: {extra}reply {name} is {result}\n"
    return lines


def _unbound(i: int, client: str, name: str, qtype: str, rcode: str | None, queries: bool = True) -> str:
    epoch = int(datetime(2026, 12, 7, 1, i // 8, i % 8 * 7, tzinfo=UTC).timestamp())
    lines = f"[{epoch}] unbound[1234:0] info: {client} {name}. {qtype} IN\n" if queries else ""
    if rcode is not None:
        lines += f"[{epoch}] unbound[1234:0] info: {client} {name}. {qtype} IN {rcode} 0.012000 0 48\n"
    return lines


def _coredns(i: int, client: str, name: str, qtype: str, rcode: str) -> str:
    """One line of CoreDNS's ``log`` plugin, in the shapes its releases and log collectors give."""
    remote = f"[{client}]" if ":" in client else client
    common = f'"{qtype} IN {name}. udp 41 false 4096" {rcode} qr,rd,ra 68 0.000{i:03d}s'
    when = datetime(2026, 12, 7, 1, i // 8, i % 8 * 7, tzinfo=UTC)
    if i % 4 == 0:  # 1.4 and later through `kubectl logs --timestamps`
        return f"{when.isoformat().replace('+00:00', '.123456789Z')} [INFO] {remote}:50759 - {i} {common}\n"
    if i % 4 == 1:  # a container runtime's log file (CRI), the Combined Log Format
        return f"{when.isoformat().replace('+00:00', 'Z')} stdout F [INFO] {remote}:50759 - {i} {common} \"0\"\n"
    if i % 4 == 2:  # releases before [INFO]: the time inside the line, with its offset
        local = when.astimezone(timezone(timedelta(hours=1))).strftime("%d/%b/%Y:%H:%M:%S %z")
        return f"{remote}:50759 - [{local}] {i} {common}\n"
    return f"{when.strftime('%b %e %H:%M:%S')} node1 coredns[812]: [INFO] {remote}:50759 - {i} {common}\n"


NOISE = {
    "bind": "07-Dec-2026 00:59:00.000 general: info: zone example.com/IN: loaded serial 2026120701\n",
    "dnsmasq": "Dec  7 00:59:00 dnsmasq[1234]: started, version 2.90 cachesize 150\n",
    "unbound": "[1796605140] unbound[1234:0] notice: init module 0: validator\n",
    "coredns": ".:53\nCoreDNS-1.11.1\n[INFO] plugin/reload: Running configuration SHA512 = 591cf328cccc12bc\n",
}


def _log(server: str, names: list[str], result: str | None) -> str:
    out = NOISE[server]
    for i, name in enumerate(names):
        if server == "bind":
            out += _bind(i, "10.0.0.66", name, "A")
        elif server == "dnsmasq":
            out += _dnsmasq(i, "10.0.0.66", name, "A", result)
        elif server == "coredns":
            out += _coredns(i, "10.0.0.66", name, "A", result or "NOERROR")
        else:
            out += _unbound(i, "10.0.0.66", name, "A", result)
    return out


def _run(path: Path, capsysbinary: pytest.CaptureFixture[bytes], *extra: str) -> tuple[int, list[dict], str]:
    rc = score_dns_main(["--no-progress", *extra, str(path)])
    cap = capsysbinary.readouterr()
    return rc, list(csv.DictReader(io.StringIO(cap.out.decode()))), cap.err.decode()


@pytest.mark.parametrize("server", ["bind", "dnsmasq", "unbound", "coredns"])
def test_query_logs_read_every_query_with_its_client_time_and_type(server: str) -> None:
    text = NOISE[server] + {
        "bind": _bind(0, "10.0.0.5", "www.example.com", "A") + _bind(1, "fe80::1", "xkqjvbztrwqplmnb.net", "TXT")
        + _bind(2, "10.0.0.7", "_ldap._tcp.dc._msdcs.corp.example", "SRV"),
        "dnsmasq": _dnsmasq(0, "10.0.0.5", "www.example.com", "A", "93.184.216.34")
        + _dnsmasq(1, "fe80::1", "xkqjvbztrwqplmnb.net", "TXT", "NXDOMAIN")
        + _dnsmasq(2, "10.0.0.7", "_ldap._tcp.dc._msdcs.corp.example", "SRV", None),
        "unbound": _unbound(0, "10.0.0.5", "www.example.com", "A", "NOERROR")
        + _unbound(1, "fe80::1", "xkqjvbztrwqplmnb.net", "TXT", "NXDOMAIN")
        + _unbound(2, "10.0.0.7", "_ldap._tcp.dc._msdcs.corp.example", "SRV", None),
        "coredns": _coredns(0, "10.0.0.5", "www.example.com", "A", "NOERROR")
        + _coredns(1, "fe80::1", "xkqjvbztrwqplmnb.net", "TXT", "NXDOMAIN")
        + _coredns(2, "10.0.0.7", "_ldap._tcp.dc._msdcs.corp.example", "SRV", "SERVFAIL"),
    }[server]
    tbl = querylogs.read_query_log(text.encode(), now=NOW).to_pydict()
    assert tbl["name"] == ["www.example.com", "xkqjvbztrwqplmnb.net", "_ldap._tcp.dc._msdcs.corp.example"]
    assert tbl["client"] == ["10.0.0.5", "fe80::1", "10.0.0.7"]
    assert tbl["qtype"] == ["A", "TXT", "SRV"]
    got = [str(t) for t in pd.to_datetime(to_ns(pd.Series(tbl["timestamp"])), utc=True)]
    expected = ["2026-12-07 01:00:00", "2026-12-07 01:00:07", "2026-12-07 01:00:14"]
    assert [g[:19] for g in got] == expected
    if server == "bind":  # BIND's query log holds no outcomes: nothing is known about answers
        assert "answers" not in tbl
    elif server == "coredns":  # each line has its response code
        assert tbl["answers"] == ["(answered)", "", ""]
    else:
        assert tbl["answers"] == ["(answered)", "", "(not logged)"]


@pytest.mark.parametrize(("server", "result", "burst"), [
    ("dnsmasq", "NXDOMAIN", True), ("dnsmasq", "93.184.216.34", False), ("dnsmasq", "NODATA-IPv6", False),
    ("unbound", "NXDOMAIN", True), ("unbound", "NOERROR", False), ("bind", None, False),
    ("coredns", "NXDOMAIN", True), ("coredns", "NOERROR", False),
])
def test_dead_look_ups_in_a_server_log_make_the_dictionary_dga_burst(
    server: str, result: str | None, burst: bool, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    p = tmp_path / "query.log"
    p.write_text(_log(server, DICTIONARY, result))
    rc, rows, err = _run(p, capsysbinary)
    assert (rc, err) == (0, "")
    assert sorted(r["name"] for r in rows) == sorted(DICTIONARY)
    assert {"DGA burst" in r["reasons"] for r in rows} == {burst}
    if burst:
        hosts = tmp_path / "hosts.csv"
        assert _run(p, capsysbinary, "--hosts", str(hosts))[0] == 0
        assert [(h["client"], h["first_seen"][:19]) for h in csv.DictReader(hosts.open())] == [
            ("10.0.0.66", "2026-12-07T01:00:00")]


def test_unbound_replies_without_queries_are_the_queries() -> None:
    """log-replies on, log-queries off: each reply is the only record of its query."""
    text = "".join(_unbound(i, "10.0.0.66", n, "A", "NXDOMAIN", queries=False) for i, n in enumerate(DICTIONARY[:5]))
    tbl = querylogs.read_query_log(text.encode(), now=NOW).to_pydict()
    assert tbl["name"] == DICTIONARY[:5]
    assert tbl["answers"] == [""] * 5


def test_syslog_stamps_get_the_latest_year_not_in_the_future() -> None:
    text = ("Dec 31 23:59:59 dnsmasq[1]: query[A] last.example from 10.0.0.5\n"
            "Jan  1 00:00:01 dnsmasq[1]: query[A] first.example from 10.0.0.5\n")
    tbl = querylogs.read_query_log(text.encode(), now=datetime(2027, 1, 1, 0, 5, tzinfo=UTC)).to_pydict()
    assert tbl["timestamp"] == ["2026-12-31T23:59:59", "2027-01-01T00:00:01"]


def test_a_list_of_names_is_no_query_log() -> None:
    names = b"client.example.com\nquery.example.com\ndnsmasq.example\nunbound.example.org\nwww.google.com\n"
    assert querylogs.which_server(names) is None
    assert read_input(io.BytesIO(names)).column("name").to_pylist() == names.decode().split()


def test_bind_presentation_escapes_read_as_the_names_they_stand_for() -> None:
    r"""named writes ``\DDD`` for bytes outside printable ASCII and ``\X`` for ``"();\@$``: a
    binary tunnel label or an IDN must score as the name on the wire, not as its escapes."""
    names = [r"caf\195\169.fr", r"\(empty\).example", r"x\128\129y.tunnel.example", r"a\032b.example"]
    text = "".join(f"07-Dec-2026 01:00:0{i}.000 client @0x7f0 10.0.0.5#5353 ({n}): query: {n} IN A + (10.0.0.1)\n"
                   for i, n in enumerate(names))
    got = querylogs.read_query_log(text.encode(), now=NOW).column("name").to_pylist()
    assert got == ["caf\u00e9.fr", "(empty).example", "x\\x80\\x81y.tunnel.example", "a b.example"]


@pytest.mark.parametrize(("zone", "first_seen"), [
    (None, "2026-07-01T01:00:00"),  # read as UTC
    ("Europe/Berlin", "2026-06-30T23:00:00"),  # summer: UTC+2
    ("-05:30", "2026-07-01T06:30:00"),
])
def test_log_timezone_puts_a_servers_local_stamps_in_utc(
    zone: str | None, first_seen: str, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """BIND's and syslog's stamps are the server's local time; Unbound's epoch and an ISO stamp
    with an offset are not changed by it."""
    bind = "".join(_bind(i, "10.0.0.66", n, "A").replace("07-Dec-2026", "01-Jul-2026")
                   for i, n in enumerate(DICTIONARY))
    dnsmasq = "".join(_dnsmasq(i, "10.0.0.66", n, "A", "NXDOMAIN").replace("Dec  7", "Jul  1")
                      for i, n in enumerate(DICTIONARY))
    zone_info = None if zone is None else parse_zone(zone)
    for text in (bind, dnsmasq):
        p = tmp_path / "query.log"
        p.write_text(text)
        hosts = tmp_path / "hosts.csv"
        args = ["--hosts", str(hosts)] + ([f"--log-timezone={zone}"] if zone else [])  # '=': '-05:30' is no option
        assert _run(p, capsysbinary, *args)[0] == 0
        if text is dnsmasq:  # a DGA burst: the host is flagged
            assert [h["first_seen"][:19] for h in csv.DictReader(hosts.open())] == [first_seen]
        tbl = read_input(io.BytesIO(text.encode()), zone=zone_info)
        first = pd.to_datetime(to_ns(pd.Series(tbl.column("timestamp").to_pylist())), utc=True).min()
        assert first.isoformat()[:19] == first_seen
    unbound = _unbound(0, "10.0.0.66", "www.example.com", "A", "NOERROR")
    iso = "2026-07-01T01:00:00.000000+00:00 dnsmasq[1]: query[A] www.example.com from 10.0.0.66\n"
    for text in (unbound, iso):
        plain = querylogs.read_query_log(text.encode(), now=NOW).column("timestamp").to_pylist()
        assert querylogs.read_query_log(text.encode(), now=NOW, zone=zone_info).column("timestamp").to_pylist() == plain


def test_an_unknown_log_timezone_is_a_clear_error(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    p = tmp_path / "query.log"
    p.write_text(_log("bind", DICTIONARY[:3], None))
    rc, rows, err = _run(p, capsysbinary, "--log-timezone", "Mars/Olympus_Mons")
    assert (rc, rows) == (2, [])
    assert "--log-timezone: unknown time zone 'Mars/Olympus_Mons'" in err


@pytest.mark.parametrize("server", ["bind", "dnsmasq", "unbound", "coredns"])
def test_a_log_read_in_pieces_reads_as_in_one(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces of a few lines: a query and its outcome on either side of a boundary still pair."""
    text = (_log(server, DICTIONARY, "NXDOMAIN" if server != "bind" else None) + "\r\n").encode()
    whole = querylogs.read_query_log(text, now=NOW)
    monkeypatch.setattr(logs, "PIECE_LINES", 3)
    assert querylogs.read_query_log(text, now=NOW).equals(whole)
    assert whole.num_rows == len(DICTIONARY)


def test_coredns_names_in_presentation_format_and_ipv6_clients() -> None:
    r"""CoreDNS writes names as miekg/dns presents them (``\DDD`` for bytes outside printable
    ASCII, ``\X`` for ``"``, ``\``, space ...) and IPv6 clients in brackets, a zone index kept."""
    names = [r"caf\195\169.fr", r'a\032b\"c.example', r"x\128\129y.tunnel.example", "."]
    text = "".join(f'[INFO] [fe80::1%eth0]:5353 - {i} "A IN {n}{"" if n == "." else "."} udp 41 false 512" '
                   f"NOERROR qr,rd 41 0.0001s\n" for i, n in enumerate(names))
    tbl = querylogs.read_query_log(text.encode(), now=NOW).to_pydict()
    assert tbl["name"] == ["caf\u00e9.fr", 'a b"c.example', "x\\x80\\x81y.tunnel.example", "."]
    assert tbl["client"] == ["fe80::1%eth0"] * 4


def test_coredns_other_lines_and_custom_formats_are_not_queries() -> None:
    """The errors plugin, reload notices and a custom ``log`` format carry no client and response
    code in the Common Log Format's shape: they are not read as queries."""
    text = (NOISE["coredns"]
            + "[ERROR] plugin/errors: 2 example.net. A: read udp 10.244.0.7:39588->8.8.8.8:53: i/o timeout\n"
            + "[INFO] udp Request: custom.example. A 4242\n"
            + _coredns(3, "10.0.0.5", "www.example.com", "A", "NOERROR"))
    tbl = querylogs.read_query_log(text.encode(), now=NOW).to_pydict()
    assert tbl["name"] == ["www.example.com"]
    assert tbl["timestamp"] == ["2026-12-07T01:00:21"]


def _docker(lines: list[tuple[str, str]], split: int | None = None) -> str:
    """Docker's ``json-file`` records of a container's output: (stream, line) each stamped a second
    apart; the line numbered ``split`` is cut into two records, as Docker cuts a line over 16 KiB."""
    out = []
    for i, (stream, line) in enumerate(lines):
        when = f"2026-12-07T05:00:{i:02d}.123456789Z"
        parts = [line[:40], line[40:]] if i == split else [line]
        for k, part in enumerate(parts):
            out.append(json.dumps({"log": part + ("\n" if k == len(parts) - 1 else ""), "stream": stream,
                                   "time": when if k == 0 else f"2026-12-07T05:00:{i:02d}.999Z"}))
    return "\n".join(out) + "\n"


def _coredns_bare(client: str, name: str, qtype: str, rcode: str) -> str:
    """A CoreDNS query line as the container prints it: no stamp of its own."""
    return f'[INFO] {client}:50759 - 4242 "{qtype} IN {name}. udp 41 false 4096" {rcode} qr,rd,ra 68 0.0001s'


def test_a_dns_servers_docker_json_log_is_read_with_dockers_times(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    """CoreDNS (or Unbound, dnsmasq) run under plain Docker: its log is Docker's ``json-file``,
    each line a JSON record with the line, the stream and the time; CoreDNS stamps nothing itself.
    A line Docker split over two records is joined, with the first record's time."""
    text = _docker(_coredns_in_docker(), split=3).encode()
    assert logs.is_json_lines(text[:4096])
    assert logs.is_docker_json_log(text[:4096])
    _assert_coredns_in_docker(read_input(io.BytesIO(text)).to_pydict())


def _coredns_in_docker() -> list[tuple[str, str]]:
    """A CoreDNS container's output: its banner, two queries (the second a tunnel's, NXDOMAIN) and an
    error line on stderr between them."""
    return [
        ("stdout", ".:53"),
        ("stdout", _coredns_bare("10.244.0.5", "www.example.com", "A", "NOERROR")),
        ("stderr", "[ERROR] plugin/errors: 2 example.net. A: read udp 10.244.0.7:39588->8.8.8.8:53: i/o timeout"),
        ("stdout", _coredns_bare("10.244.0.9", TUNNEL, "TXT", "NXDOMAIN")),
    ]


def _assert_coredns_in_docker(tbl: dict[str, list]) -> None:
    """``_coredns_in_docker``'s queries, read from Docker's log with Docker's times; the line split in
    two (the fourth) has its first part's time, not the second's."""
    assert tbl["name"] == ["www.example.com", TUNNEL]
    assert tbl["client"] == ["10.244.0.5", "10.244.0.9"]
    assert tbl["answers"] == ["(answered)", ""]
    got = [str(t) for t in pd.to_datetime(to_ns(pd.Series(tbl["timestamp"])), utc=True)]
    assert got == ["2026-12-07 05:00:01.123456789+00:00", "2026-12-07 05:00:03.123456789+00:00"]


@pytest.mark.parametrize("server", ["bind", "dnsmasq", "unbound"])
def test_other_servers_in_docker_are_read_too(server: str) -> None:
    text = _docker([("stdout", line) for line in _log(server, DICTIONARY[:4], "NXDOMAIN").splitlines()])
    tbl = read_input(io.BytesIO(text.encode())).to_pydict()
    assert tbl["name"] == DICTIONARY[:4]
    assert set(tbl["client"]) == {"10.0.0.66"}
    assert all(t.startswith("2026-12-07T05:00:") for t in tbl["timestamp"])  # Docker's, the outer stamp


def test_a_broken_docker_record_is_skipped_with_a_warning_and_loses_no_other() -> None:
    lines = [("stdout", _coredns_bare("10.244.0.5", f"host{i}.example.com", "A", "NOERROR")) for i in range(3)]
    good = _docker(lines).splitlines()
    text = "\n".join([good[0], '{"log": "[INFO] cut off', good[1], "[1, 2]", good[2]]) + "\n"
    warnings: list[str] = []
    tbl = read_input(io.BytesIO(text.encode()), warnings.append).to_pydict()
    assert tbl["name"] == ["host0.example.com", "host1.example.com", "host2.example.com"]
    assert len(warnings) == 1
    assert "2 line(s) that are not Docker log records" in warnings[0]


def _varint(v: int) -> bytes:
    out = b""
    while True:
        out += bytes([(v & 0x7F) | (0x80 if v > 0x7F else 0)])
        v >>= 7
        if not v:
            return out


def _docker_local(lines: list[tuple[str, str]], split: int | None = None) -> bytes:
    """Docker's ``local`` driver's file, written from moby's ``LogEntry`` message (source 1,
    time_nano 2, line 3 without its newline, partial 4): each entry its length, the message, the
    length again; the line numbered ``split`` in two entries, the first one partial."""
    out = b""
    for i, (stream, line) in enumerate(lines):
        nanos = (1796619600 + i) * 10**9 + 123456789
        parts = [line[:40], line[40:]] if i == split else [line]
        for k, part in enumerate(parts):
            raw = part.encode()
            msg = (b"\x0a" + _varint(len(stream)) + stream.encode() + b"\x10" + _varint(nanos + k)
                   + b"\x1a" + _varint(len(raw)) + raw + (b"\x20\x01" if k < len(parts) - 1 else b""))
            out += struct.pack(">I", len(msg)) + msg + struct.pack(">I", len(msg))
    return out


def test_a_dns_servers_docker_local_log_is_read_with_dockers_times() -> None:
    """The ``local`` log driver (Docker's recommended one; binary): read as the ``json-file`` log is,
    each line stamped with its first entry's time, a split line joined. Before: the binary was a
    names list of garbage. A cut last entry is dropped with a warning, the others kept."""
    data = _docker_local(_coredns_in_docker(), split=3)
    assert logs.is_docker_local_log(data[:4096])
    _assert_coredns_in_docker(read_input(io.BytesIO(data)).to_pydict())
    warnings: list[str] = []
    tbl = read_input(io.BytesIO(data[:-10]), warnings.append).to_pydict()
    assert tbl["name"] == ["www.example.com"]
    assert warnings == ["Docker local log: a cut last entry; the entries before it are read"]


def test_json_lines_that_merely_have_a_log_field_are_not_docker_logs() -> None:
    """A JSON log whose records name a ``log`` (many shippers do) but are not Docker's stays JSON."""
    rec = {"log": "dns", "query": "www.example.com", "client": "10.0.0.5"}
    text = (json.dumps(rec) + "\n").encode()
    assert not logs.is_docker_json_log(text)
    assert read_input(io.BytesIO(text)).to_pydict()["name"] == ["www.example.com"]


def _infoblox(i: int, client: str, name: str, qtype: str, rcode: str, syslog: bool = True) -> str:
    """Infoblox NIOS's response log (``infoblox-responses``): the query, its response code and the
    answer records on one line, through syslog or as the appliance's own file."""
    when = f"07-Dec-2026 01:{i // 8:02d}:{i % 8 * 7:02d}.083"
    records = f" {name}. 28800 IN A 192.0.2.{i % 250 + 1};" if rcode == "NOERROR" else ""
    line = f"{when} client {client}#57398 {'TCP' if i % 5 == 4 else 'UDP'}: query: {name} IN {qtype} " \
           f"response: {rcode} +ED{records}"
    return f"Dec  7 01:{i // 8:02d}:{i % 8 * 7:02d} 10.0.0.2 named[2744]: infoblox-responses: {line}\n" if syslog \
        else line + "\n"


def test_infoblox_response_log_reads_each_query_with_its_outcome() -> None:
    text = (_infoblox(0, "10.0.0.5", "www.example.com", "A", "NOERROR")
            + _infoblox(1, "2001:db8::7", "xkqjvbztrwqplmnb.net", "TXT", "NXDOMAIN", syslog=False)
            + _infoblox(2, "10.0.0.7", r"caf\195\169.fr", "AAAA", "SERVFAIL"))
    assert querylogs.which_server(text.encode()) == "infoblox"
    tbl = querylogs.read_query_log(text.encode(), now=NOW).to_pydict()
    assert tbl["name"] == ["www.example.com", "xkqjvbztrwqplmnb.net", "caf\u00e9.fr"]
    assert tbl["client"] == ["10.0.0.5", "2001:db8::7", "10.0.0.7"]
    assert tbl["qtype"] == ["A", "TXT", "AAAA"]
    assert tbl["answers"] == ["(answered)", "", ""]
    assert tbl["timestamp"] == ["2026-12-07T01:00:00", "2026-12-07T01:00:07.083000", "2026-12-07T01:00:14"]


def test_a_nios_feed_with_queries_and_responses_counts_each_look_up_once() -> None:
    """Both categories on, as NIOS sends them to one syslog server: each look-up is in the queries
    log and again in the responses log, which also has its outcome; it is read once, from there."""
    text = "".join(_bind(i, "10.0.0.66", n, "A") + _infoblox(i, "10.0.0.66", n, "A", "NXDOMAIN")
                   for i, n in enumerate(DICTIONARY[:6]))
    assert len(querylogs.read_query_log(text.replace("response:", "").encode(), now=NOW)) == 6  # the queries alone
    tbl = querylogs.read_query_log(text.encode(), now=NOW).to_pydict()
    assert tbl["name"] == DICTIONARY[:6]
    assert tbl["answers"] == [""] * 6


def test_dead_look_ups_in_an_infoblox_log_make_the_dictionary_dga_burst(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    p = tmp_path / "infoblox.log"
    p.write_text("".join(_infoblox(i, "10.0.0.66", n, "A", "NXDOMAIN") for i, n in enumerate(DICTIONARY)))
    rc, rows, err = _run(p, capsysbinary)
    assert (rc, err) == (0, "")
    assert sorted(r["name"] for r in rows) == sorted(DICTIONARY)
    assert all("DGA burst" in r["reasons"] for r in rows)
