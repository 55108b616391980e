"""Encrypted DNS in a sensor's connection logs: Zeek's ``conn.log`` and ``ssl.log`` (ASCII and JSON) and
Suricata's flow, tls and quic events, beside the DNS log, through ``score-dns --hosts``. The logs are
written here from Zeek's documented field lists (base/protocols/conn, base/protocols/ssl main.zeek) and
Suricata's eve.json format: not the reader's code."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hunt_assets.analytics.dns import connections
from hunt_assets.analytics.dns.cli import read_input, score_dns_main
from hunt_assets_tests.test_dns_logs import _eve, _events, _zeek_log

CONN_FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service", "duration",
               "orig_bytes", "resp_bytes", "conn_state", "local_orig", "local_resp", "missed_bytes", "history",
               "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes", "tunnel_parents"]
CONN_TYPES = ["time", "string", "addr", "port", "addr", "port", "enum", "string", "interval", "count", "count",
              "string", "bool", "bool", "count", "string", "count", "count", "count", "count", "set[string]"]
SSL_FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "version", "cipher", "curve",
              "server_name", "resumed", "last_alert", "next_protocol", "established", "ssl_history",
              "cert_chain_fps", "client_cert_chain_fps", "sni_matches_cert"]
SSL_TYPES = ["time", "string", "addr", "port", "addr", "port", "string", "string", "string", "string", "bool",
             "string", "string", "bool", "string", "vector[string]", "vector[string]", "bool"]
T0 = 1_717_200_000

# (ts, uid, client, server, port, proto, server name or None): what the sensor saw
SEEN = [
    (T0 + 10, "C1", "10.0.0.71", "9.9.9.9", 853, "tcp", "dns.quad9.net"),  # DoT
    (T0 + 20, "C2", "10.0.0.72", "198.51.100.7", 443, "tcp", "abc123.dns.nextdns.io"),  # DoH, found by name
    (T0 + 30, "C3", "10.0.0.72", "8.8.8.8", 443, "tcp", None),  # DoH by address, no ssl.log row
    (T0 + 40, "C4", "10.0.0.73", "94.140.14.14", 853, "udp", None),  # DoQ
    (T0 + 50, "C5", "10.0.0.74", "93.184.216.34", 443, "tcp", "www.example.com"),  # the web: not counted
    (T0 + 60, "C6", "10.0.0.71", "9.9.9.9", 853, "tcp", "dns.quad9.net"),  # DoT again
]


def _zeek(path: str, fields: list[str], types: list[str], rows: list[dict[str, str]]) -> str:
    head = (f"#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t{path}\n"
            f"#open\t2024-06-01-00-00-00\n#fields\t" + "\t".join(fields) + "\n#types\t" + "\t".join(types) + "\n")
    return head + "".join("\t".join(r.get(f, "-") for f in fields) + "\n" for r in rows) + "#close\t2024-06-01-01\n"


def _conn_log() -> str:
    return _zeek("conn", CONN_FIELDS, CONN_TYPES, [
        {"ts": f"{t:.6f}", "uid": uid, "id.orig_h": c, "id.orig_p": "50000", "id.resp_h": s, "id.resp_p": str(p),
         "proto": proto, "service": "ssl" if proto == "tcp" else "quic", "conn_state": "SF"}
        for t, uid, c, s, p, proto, _ in SEEN])


def _ssl_log() -> str:
    return _zeek("ssl", SSL_FIELDS, SSL_TYPES, [
        {"ts": f"{t + 0.01:.6f}", "uid": uid, "id.orig_h": c, "id.orig_p": "50000", "id.resp_h": s,
         "id.resp_p": str(p), "version": "TLSv13", "server_name": name, "established": "T"}
        for t, uid, c, s, p, proto, name in SEEN if name and proto == "tcp"])


def _hosts(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], *files: Path) -> tuple[dict, str]:
    out = tmp_path / "hosts.csv"
    assert score_dns_main(["--no-progress", "--hosts", str(out), *map(str, files)]) == 0
    err = capsysbinary.readouterr().err.decode()
    with out.open(newline="") as f:
        return {r["client"]: r for r in csv.DictReader(f)}, err


EXPECTED = {
    "10.0.0.71": ("2", "Quad9 over TLS (2)"),
    "10.0.0.72": ("2", "Google Public DNS over HTTPS (1), NextDNS over HTTPS (1)"),
    "10.0.0.73": ("1", "AdGuard DNS over QUIC (1)"),
}


def test_zeek_conn_and_ssl_logs_beside_dns_log_list_the_hosts(tmp_path: Path, capsysbinary) -> None:
    """dns.log, conn.log and ssl.log of one sensor: the DoT, DoH (by address and by the hello's name) and
    DoQ hosts listed with the bypass's priority, each connection once although conn.log and ssl.log both
    record it; the web's HTTPS not; the tunnel host of dns.log still first. The connection logs are said
    on stderr to hold no look-ups."""
    dns, conn, ssl = tmp_path / "dns.log", tmp_path / "conn.log", tmp_path / "ssl.log"
    dns.write_text(_zeek_log(_events()))
    conn.write_text(_conn_log())
    ssl.write_text(_ssl_log())
    by, err = _hosts(tmp_path, capsysbinary, dns, conn, ssl)
    assert {c: (r["encrypted_dns_connections"], r["encrypted_dns_connected_to"]) for c, r in by.items()
            if r["encrypted_dns_connections"] != "0"} == EXPECTED
    assert "10.0.0.74" not in by
    assert next(iter(by)) == "10.0.0.5"  # the dnscat2-style tunnel of _events ranks first
    assert {by[c]["priority"] for c in EXPECTED} == {"1.0"}
    assert by["10.0.0.71"]["first_seen"].startswith("2024-06-01T00:00:10")
    assert by["10.0.0.71"]["last_seen"][:22] in ("2024-06-01T00:01:00.00", "2024-06-01T00:01:00.01")  # ssl.log's
    assert "conn.log: no DNS look-ups: a connection log, 4 connection(s)" in err  # NextDNS: by its name only
    assert "ssl.log: no DNS look-ups: a connection log, 3 connection(s)" in err


def test_zeek_json_logs_and_ssl_log_alone(tmp_path: Path, capsysbinary) -> None:
    """Zeek's JSON logs (``LogAscii::use_json``) read as the ASCII ones; ssl.log alone still names the DoH
    and DoT hosts (no DoQ: QUIC is not in it)."""
    conn = tmp_path / "conn.json"
    conn.write_text("".join(json.dumps({"ts": t, "uid": uid, "id.orig_h": c, "id.orig_p": 50000, "id.resp_h": s,
                                        "id.resp_p": p, "proto": proto, "conn_state": "SF"}) + "\n"
                            for t, uid, c, s, p, proto, _ in SEEN))
    by, _ = _hosts(tmp_path, capsysbinary, conn)
    assert {c: (r["encrypted_dns_connections"], r["encrypted_dns_connected_to"]) for c, r in by.items()} == {
        "10.0.0.71": ("2", "Quad9 over TLS (2)"), "10.0.0.72": ("1", "Google Public DNS over HTTPS (1)"),
        "10.0.0.73": ("1", "AdGuard DNS over QUIC (1)")}  # without ssl.log, the NextDNS name is not known
    ssl = tmp_path / "ssl.log"
    ssl.write_text(_ssl_log())
    by, _ = _hosts(tmp_path, capsysbinary, ssl)
    assert {c: r["encrypted_dns_connected_to"] for c, r in by.items()} == {
        "10.0.0.71": "Quad9 over TLS (2)", "10.0.0.72": "NextDNS over HTTPS (1)"}


def _when(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")


def _suricata_events() -> list[dict]:
    out = []
    for k, (t, _, c, s, p, proto, name) in enumerate(SEEN):
        base = {"timestamp": _when(t), "flow_id": 9000 + k, "src_ip": c, "src_port": 50000, "dest_ip": s,
                "dest_port": p, "proto": proto.upper()}
        if name and proto == "tcp":
            out.append({**base, "event_type": "tls", "tls": {"sni": name, "version": "TLS 1.3"}})
        if proto == "udp":
            out.append({**base, "event_type": "quic", "quic": {"version": "1"}})
        out.append({**base, "timestamp": _when(t + 5), "event_type": "flow", "app_proto": "tls",
                    "flow": {"pkts_toserver": 12, "start": _when(t), "end": _when(t + 5)}})
        out.append({**base, "event_type": "alert", "alert": {"signature": "ET INFO DoH"}})  # names the flow too
    return out


def test_suricata_eve_with_dns_tls_quic_and_flow_events(tmp_path: Path, capsysbinary) -> None:
    """One eve.json as Suricata writes it, DNS events among flow, tls, quic and alert events: the names are
    scored as without the others, and each flow is one connection although its flow, tls (or quic) and
    alert events all name it."""
    plain = tmp_path / "dns-only.json"
    plain.write_text(_eve(_events()))
    mixed = tmp_path / "eve.json"
    mixed.write_text(_eve(_events()) + "".join(json.dumps(e) + "\n" for e in _suricata_events()))
    assert read_input(io.BytesIO(mixed.read_bytes())).column("name").to_pylist() == \
        read_input(io.BytesIO(plain.read_bytes())).column("name").to_pylist()
    by, _ = _hosts(tmp_path, capsysbinary, mixed)
    assert {c: (r["encrypted_dns_connections"], r["encrypted_dns_connected_to"]) for c, r in by.items()
            if r["encrypted_dns_connections"] != "0"} == EXPECTED
    assert next(iter(by)) == "10.0.0.5"


def test_merge_counts_a_connection_once_across_logs() -> None:
    """The same uid in two rows is one connection, its name from either; other rows add up per client and
    server; times are the earliest and the latest."""
    rows = [["h", "s", 443, "tcp", 1, 10.0, 10.0, None, "C1"],
            ["h", "s", 443, "tcp", 1, 11.0, 11.0, "dns.google", "C1"], ["h", "s", 443, "tcp", 1, 5.0, 5.0, None, "C2"],
            ["h", "s", 443, "tcp", 3, 1.0, 20.0, None, None],
            ["h", "s", 853, "tcp", 1, None, None, None, "C3"]]
    assert sorted(connections.merge(rows), key=lambda r: r[2]) == [
        ["h", "s", 443, "tcp", 5, 1.0, 20.0, "dns.google", None, None],
        ["h", "s", 853, "tcp", 1, None, None, None, None, None]]


def test_logs_that_are_not_connections_are_refused_as_before(tmp_path: Path, capsysbinary) -> None:
    """A Zeek http.log (a client, a server and a port, but no connection state) is neither DNS nor a
    connection log: refused, exit 2, as any Zeek log without a query."""
    http = tmp_path / "http.log"
    http.write_text(_zeek("http", ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "host"],
                          ["time", "string", "addr", "port", "addr", "port", "string"],
                          [{"ts": f"{T0}.0", "uid": "C9", "id.orig_h": "10.0.0.1", "id.orig_p": "1",
                            "id.resp_h": "8.8.8.8", "id.resp_p": "443", "host": "dns.google"}]))
    assert score_dns_main(["--no-progress", str(http)]) == 2
    assert "a Zeek log without a query-name field" in capsysbinary.readouterr().err.decode()


def test_records_of_any_shape_give_a_clear_error_or_connections() -> None:
    """JSON records whose connection fields hold anything (lists, objects, huge numbers, text where a port
    belongs, a list as Suricata's event type): read, or refused with the readers' own error; never an
    exception of Arrow's that escapes as a traceback. 1,500 files of one to six records."""
    import random

    import pyarrow as pa

    from hunt_assets.analytics.dns import logs
    from hunt_assets.analytics.dns.cli import connection_frame

    rng = random.Random(1)
    values = [None, 443, 853, "443", "853", 443.0, [443], {"x": 1}, True, "abc", -1, 10**12, "", "9.9.9.9",
              "dns.google", 1.5e300]
    keys = ["src_ip", "dest_ip", "dest_port", "proto", "event_type", "timestamp", "flow_id", "tls", "conn_state",
            "id.orig_h", "id.resp_h", "id.resp_p", "server_name", "ts", "uid", "query", "flow"]
    read = refused = found = 0
    for _ in range(1500):
        records = []
        for _ in range(rng.randint(1, 6)):
            if rng.random() < 0.5:  # a Suricata tls event with up to three fields spoilt
                r = {"timestamp": _when(T0), "flow_id": rng.randrange(5), "event_type": "tls", "src_ip": "10.0.0.1",
                     "dest_ip": "198.51.100.1", "dest_port": 443, "proto": "TCP", "tls": {"sni": "dns.google"}}
                for k in rng.sample(keys, rng.randint(0, 3)):
                    r[k] = rng.choice(values)
            else:
                r = {k: rng.choice(values) for k in rng.sample(keys, rng.randint(3, len(keys)))}
                if "tls" in r and rng.random() < 0.5:
                    r["tls"] = {"sni": rng.choice(values)}
                if rng.random() < 0.5:
                    r["event_type"] = rng.choice(["tls", "flow", "quic", "dns", "alert"])
            records.append(r)
        try:
            tbl = read_input(io.BytesIO("".join(json.dumps(r) + "\n" for r in records).encode()))
        except (logs.LogFormatError, pa.ArrowInvalid):
            refused += 1
            continue
        read += 1
        found += connection_frame(tbl) is not None
    assert read > 1000
    assert refused > 100
    assert found > 60


def _ecs_connection(k: int, host: str, image: str | None, src: str, dst: str, port: int, transport: str,
                    name: str | None = None, direction: str = "egress") -> dict:
    """A network event in the Elastic Common Schema: Winlogbeat's Sysmon module or Elastic Defend (with the
    process and the host) or Packetbeat (a flow or a tls event, no process)."""
    rec: dict = {"@timestamp": f"2024-06-01T02:00:{k:02d}.000Z", "event": {"category": ["network"]},
                 "source": {"ip": src, "port": 50000 + k}, "destination": {"ip": dst, "port": port},
                 "network": {"transport": transport, "direction": direction}, "host": {"name": host}}
    if image is not None:
        rec["process"] = {"executable": image, "name": image.rsplit("\\", 1)[-1]}
    if name is not None:
        rec["tls"] = {"client": {"server_name": name}}
    return rec


def test_ecs_network_events_from_an_endpoint_and_a_sensor(tmp_path: Path, capsysbinary) -> None:
    """Winlogbeat's Sysmon module: DNS events (22) and network events (3) of one endpoint in one file, the
    host named as its DNS events name it, the image judged; an accepted (ingress) connection not counted.
    Packetbeat: a tls event to an address nobody listed, named by its server name, the client by address."""
    from hunt_assets_tests.test_dns_logs import DICTIONARY, _ecs_exchange

    implant = "C:\\Users\\jdoe\\AppData\\Local\\Temp\\upd.exe"
    endpoint = [_ecs_exchange(i, n, False, "winlogbeat") for i, n in enumerate(DICTIONARY[:12])]
    endpoint += [_ecs_connection(1, "WS-SALES-032", implant, "10.0.0.66", "9.9.9.9", 443, "tcp"),
                 _ecs_connection(2, "WS-SALES-032", implant, "10.0.0.66", "9.9.9.9", 443, "tcp"),
                 _ecs_connection(3, "WS-SALES-032", "C:\\x\\server.exe", "10.0.0.66", "8.8.8.8", 443, "tcp",
                                 direction="ingress"),
                 _ecs_connection(4, "WS-SALES-032", implant, "10.0.0.66", "93.184.216.34", 443, "tcp")]
    p = tmp_path / "winlogbeat.json"
    p.write_text("".join(json.dumps(r) + "\n" for r in endpoint))
    by, _ = _hosts(tmp_path, capsysbinary, p)
    row = by["WS-SALES-032"]
    assert (row["encrypted_dns_connections"], row["encrypted_dns_connected_to"]) == ("2", "Quad9 over HTTPS (2)")
    assert row["encrypted_dns_other_processes"] == f"{implant} (2 to Quad9 over HTTPS)"
    assert set(by) == {"WS-SALES-032"}
    sensor = [_ecs_connection(5, "sensor-1", None, "10.0.0.70", "198.51.100.7", 443, "tcp", "x1.dns.nextdns.io"),
              _ecs_connection(6, "sensor-1", None, "10.0.0.70", "198.51.100.8", 443, "tcp", "www.example.com")]
    p = tmp_path / "packetbeat.json"
    p.write_text("".join(json.dumps(r) + "\n" for r in sensor))
    by, err = _hosts(tmp_path, capsysbinary, p)
    assert {c: r["encrypted_dns_connected_to"] for c, r in by.items()} == {"10.0.0.70": "NextDNS over HTTPS (1)"}
    assert "connection log, 1 connection(s)" in err


def test_a_zeek_log_directory_as_a_tarball(tmp_path: Path, capsysbinary) -> None:
    """How a sensor's logs reach a hunter: the hour's directory packed with ``tar czf``, conn.log rotated
    and gzipped inside it, an http.log beside them. The same hosts as the files given one by one; the
    http.log named as not read."""
    import gzip
    import io as _io
    import tarfile

    dns, conn, ssl = tmp_path / "dns.log", tmp_path / "conn.log", tmp_path / "ssl.log"
    dns.write_text(_zeek_log(_events()))
    conn.write_text(_conn_log())
    ssl.write_text(_ssl_log())
    alone, _ = _hosts(tmp_path, capsysbinary, dns, conn, ssl)
    members = {"zeek/dns.log": dns.read_bytes(), "zeek/conn.05:00:00-06:00:00.log.gz": gzip.compress(conn.read_bytes()),
               "zeek/ssl.log": ssl.read_bytes(), "zeek/http.log": _zeek("http", ["ts", "uid", "host"],
                                                                        ["time", "string", "string"], []).encode()}
    bundle = tmp_path / "zeek.tgz"
    with tarfile.open(bundle, "w:gz") as tar:
        for name, blob in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, _io.BytesIO(blob))
    by, err = _hosts(tmp_path, capsysbinary, bundle)
    assert by == alone
    assert "1 member(s) not read: zeek/http.log" in err


def test_a_conn_log_of_a_beacon_marks_its_resolver_steady(tmp_path: Path, capsysbinary) -> None:
    """The same shape in Zeek's conn.log (one row per connection): a host connecting to Quad9's DoT once a
    minute for five hours is marked steady; another host's dozen connections are not."""
    rows = [{"ts": f"{T0 + 60 * m + 5:.6f}", "uid": f"B{m}", "id.orig_h": "10.0.0.90", "id.orig_p": str(40000 + m),
             "id.resp_h": "9.9.9.9", "id.resp_p": "853", "proto": "tcp", "conn_state": "SF"} for m in range(5 * 60)]
    rows += [{"ts": f"{T0 + 1500 * k:.6f}", "uid": f"H{k}", "id.orig_h": "10.0.0.91", "id.orig_p": "41000",
              "id.resp_h": "9.9.9.9", "id.resp_p": "853", "proto": "tcp", "conn_state": "SF"} for k in range(12)]
    conn = tmp_path / "conn.log"
    conn.write_text(_zeek("conn", CONN_FIELDS, CONN_TYPES, rows))
    by, _ = _hosts(tmp_path, capsysbinary, conn)
    assert by["10.0.0.90"]["encrypted_dns_connected_to"] == "Quad9 over TLS (300; steady ~60/h over 5 h)"
    assert float(by["10.0.0.90"]["priority"]) == 3.5
    assert by["10.0.0.91"]["encrypted_dns_connected_to"] == "Quad9 over TLS (12)"


def test_zeek_quic_log_names_doh_over_http3_and_doq(tmp_path: Path, capsysbinary) -> None:
    """Zeek 6's quic.log (its fields from base/protocols/quic): the Initial's server name, decrypted by Zeek,
    names DoH over HTTP/3 to any address; DoQ on 853 is labelled over QUIC although the log has no proto."""
    fields = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "version", "client_initial_dcid",
              "client_scid", "server_scid", "server_name", "client_protocol", "history"]
    types = ["time", "string", "addr", "port", "addr", "port", "string", "string", "string", "string", "string",
             "string", "string"]
    rows = [{"ts": f"{T0 + 1:.6f}", "uid": "Q1", "id.orig_h": "10.0.0.80", "id.orig_p": "50000",
             "id.resp_h": "198.51.100.7", "id.resp_p": "443", "version": "1", "client_initial_dcid": "a1b2",
             "server_name": "x1.dns.nextdns.io", "client_protocol": "h3", "history": "ISishH"},
            {"ts": f"{T0 + 2:.6f}", "uid": "Q2", "id.orig_h": "10.0.0.81", "id.orig_p": "50001",
             "id.resp_h": "94.140.14.14", "id.resp_p": "853", "version": "1", "client_initial_dcid": "c3d4",
             "server_name": "dns.adguard-dns.com", "client_protocol": "doq", "history": "ISishH"},
            {"ts": f"{T0 + 3:.6f}", "uid": "Q3", "id.orig_h": "10.0.0.82", "id.orig_p": "50002",
             "id.resp_h": "142.250.1.1", "id.resp_p": "443", "version": "1", "client_initial_dcid": "e5f6",
             "server_name": "www.google.com", "client_protocol": "h3", "history": "ISishH"}]
    quic = tmp_path / "quic.log"
    quic.write_text(_zeek("quic", fields, types, rows))
    by, _ = _hosts(tmp_path, capsysbinary, quic)
    assert {c: r["encrypted_dns_connected_to"] for c, r in by.items()} == {
        "10.0.0.80": "NextDNS over HTTPS (1)", "10.0.0.81": "AdGuard DNS over QUIC (1)"}


def test_the_connections_file_lists_each_resolver_a_host_reached(tmp_path: Path, capsysbinary) -> None:
    """``--connections``: the evidence behind the host table's encrypted-DNS columns, one row per client,
    server, port, protocol and process, with its label, server name and times; a connection that conn.log
    and ssl.log both record counted once; a DNS log alone gives the header only."""
    dns, conn, ssl = tmp_path / "dns.log", tmp_path / "conn.log", tmp_path / "ssl.log"
    dns.write_text(_zeek_log(_events()))
    conn.write_text(_conn_log())
    ssl.write_text(_ssl_log())
    out = tmp_path / "connections.csv"
    assert score_dns_main(["--no-progress", "--connections", str(out), str(dns), str(conn), str(ssl)]) == 0
    capsysbinary.readouterr()
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["client"], r["resolver"], r["server"], r["port"], r["protocol"], r["server_name"], r["connections"])
            for r in rows] == [
        ("10.0.0.71", "Quad9 over TLS", "9.9.9.9", "853", "tcp", "dns.quad9.net", "2"),
        ("10.0.0.72", "NextDNS over HTTPS", "198.51.100.7", "443", "tcp", "abc123.dns.nextdns.io", "1"),
        ("10.0.0.72", "Google Public DNS over HTTPS", "8.8.8.8", "443", "tcp", "", "1"),
        ("10.0.0.73", "AdGuard DNS over QUIC", "94.140.14.14", "853", "udp", "", "1")]
    assert rows[0]["first_seen"].startswith("2024-06-01T00:00:10")
    assert rows[0]["last_seen"][:19] == "2024-06-01T00:01:00"
    assert score_dns_main(["--no-progress", "--connections", str(out), str(dns)]) == 0
    assert out.read_text().splitlines() == [
        "client,resolver,server,port,protocol,server_name,process,connections,first_seen,last_seen"]
