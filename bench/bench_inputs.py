"""``score-dns`` whole process on the same DNS events as JSON lines, JSON documents and a capture.

    .venv/bin/python bench/bench_inputs.py                 # 1,000,000 events
    .venv/bin/python bench/bench_inputs.py --events 100000 # a Graph response's most

The events are rows of our own ``queries/dns_events.kql`` (names from the benchmark pool, 300
devices). Shapes: JSON lines (the baseline: Arrow reads them in C); a pretty-printed JSON array
(``az monitor log-analytics query``, ``ConvertTo-Json``; read value by value, each record's own text
passed on); a pretty-printed Graph ``runHuntingQuery`` response (decoded whole, its records encoded
again); and a pcap of each event's query and its response (Ethernet, IPv4, UDP; every tenth name
NXDOMAIN, the others answered; twice as many packets as events); the same capture of a busy
network (``busy``: 18 packets of TLS and QUIC after each look-up, so DNS is one packet in ten, as on a
workstation or a sensor: a TLS connection opened to the name looked up, its ClientHello naming it, the
server's records and the client's ACKs; about 5.5 KB an event, so written only up to 200,000 events);
the busy capture with browsers' hellos (``busy-pq``: each 1.8 KB with a post-quantum key share, over two
segments, its name in the second, so every connection's hello is held and joined: ``pcap.HeldHellos``);
and, up to 200,000 events, the same look-ups as Sysmon's event 22 from ``Get-WinEvent | ConvertTo-Json``
(``winevent``) and as its event log file (``evtx``, written as the tests write one). Prints seconds
(median of ``--repeat``), events/s, the ratio to JSON lines measured in the same run, and peak RSS. The Graph
API returns at most 100,000 rows a query, so a million-row response is a stress case, not a real one.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_score_dns import CACHE, _run  # noqa: E402


def _rows(n: int) -> list[dict]:
    from bench.devset.pool import name_pool

    # names a DNS packet can carry (labels of 1 to 63 bytes, 253 in all), so every shape holds the same events
    names = [x for x in name_pool(min(n, 200_000))
             if x.isascii() and len(x) <= 253 and all(0 < len(lab) <= 63 for lab in x.split("."))]
    return [{"Timestamp": f"2026-12-07T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}.1234567Z",
             "DeviceId": f"d{i % 300}", "DeviceName": f"ws-{i % 300:03d}",
             "ClientIP": f"10.0.{i % 300 // 250}.{i % 250}",
             "QueryName": names[i % len(names)], "QueryType": "A", "Answers": "", "Source": "DeviceEvents"}
            for i in range(n)]


BUSY_OTHER = 18  # packets of other traffic per event in the ``busy`` capture: DNS is one packet in ten


def _client_hello(name: str, pq: bool = False) -> bytes:
    """A TLS ClientHello naming ``name`` (RFC 8446 4.1.2, RFC 6066 3), padded to OpenSSL's 517 bytes;
    ``pq``: a browser's since 2024, an X25519MLKEM768 key share (1,216 bytes) before the name."""
    import struct

    host = name.encode()
    sni = struct.pack(">HBH", len(host) + 3, 0, len(host)) + host
    exts = struct.pack(">HH", 0, len(sni)) + sni + struct.pack(">HHB", 43, 3, 2) + b"\x03\x04"
    if pq:
        exts = struct.pack(">HHHHH", 51, 1222, 1220, 0x11EC, 1216) + bytes(1216) + exts
    body = b"\x03\x03" + bytes(32) + b"\x20" + bytes(32) + struct.pack(">HHHH", 6, 0x1301, 0x1302, 0x1303) + b"\x01\x00"
    pad = max(4, 512 - 4 - len(body) - 2 - len(exts))
    exts += struct.pack(">HH", 21, pad - 4) + bytes(pad - 4)
    handshake = b"\x01" + (len(body) + 2 + len(exts)).to_bytes(3, "big") + body + struct.pack(">H", len(exts)) + exts
    return b"\x16\x03\x01" + struct.pack(">H", len(handshake)) + handshake


def _other_traffic(i: int, client: bytes, ts: tuple[int, int], name: str, pq: bool = False) -> list[bytes]:
    """A workstation's traffic between two look-ups: a TLS connection to the name looked up (its
    ClientHello, the server's records and the client's ACKs over TCP 443), QUIC. ``pq``: the hello is a
    browser's, over two segments (1,448 bytes, the rest), its name in the second."""
    import struct

    server = bytes([142, 250, i % 250, 1 + i % 200])
    port = 50000 + i % 10000
    out = []
    hello = _client_hello(name, pq)
    for j in range(BUSY_OTHER):
        if pq and j == 1:  # the hello's second segment, in place of the first ACK
            body = struct.pack(">HHIIBBHHH", port, 443, i * 7 + 1448, 1, 0x50, 0x18, 65535, 0, 0) + hello[1448:]
            proto, src, dst = 6, client, server
        elif j % 3 == 2:  # QUIC
            body = struct.pack(">HHHH", 443, port, 8 + 300, 0) + b"\x40" + bytes(299)
            proto, src, dst = 17, server, client
        elif j % 3 == 0:  # the client's hello, then the server's records
            payload = (hello[:1448] if pq else hello) if j == 0 else b"\x17\x03\x03" + bytes(397)
            body = struct.pack(">HHIIBBHHH", *((port, 443) if j == 0 else (443, port)), i * 7 + j, 1, 0x50, 0x18,
                               65535, 0, 0) + payload
            proto, src, dst = 6, *((client, server) if j == 0 else (server, client))
        else:  # the client's ACK
            body = struct.pack(">HHIIBBHHH", port, 443, i * 7 + j, 1, 0x50, 0x10, 65535, 0, 0)
            proto, src, dst = 6, client, server
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(body), 0, 0, 64, proto, 0, src, dst) + body
        frame = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip
        out.append(struct.pack("<IIII", ts[0], ts[1] + 200 + j, len(frame), len(frame)) + frame)
    return out


def _pcap(rows: list[dict], busy: bool = False, pq: bool = False) -> bytes:
    """The events as a capture: a query and its response per row, written field by field; ``busy``:
    with ``BUSY_OTHER`` packets of other traffic after each (``pq``: browsers' split hellos)."""
    import socket
    import struct

    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)]
    resolver = socket.inet_aton("10.0.0.1")
    for i, r in enumerate(rows):
        qname = b"".join(bytes([len(lab)]) + lab for lab in r["QueryName"].encode().split(b".") if lab) + b"\x00"
        client = socket.inet_aton(r["ClientIP"])
        question = qname + struct.pack(">HH", 1, 1)
        nx = i % 10 == 0
        answer = b"" if nx else b"\xc0\x0c" + struct.pack(">HHIH4s", 1, 1, 60, 4, b"\xc0\x00\x02\x07")
        for query, src, dst, sport, dport in ((True, client, resolver, 40000 + i % 20000, 53),
                                              (False, resolver, client, 53, 40000 + i % 20000)):
            flags, an = (0x0100, 0) if query else (0x8183 if nx else 0x8180, 0 if nx else 1)
            dns = struct.pack(">HHHHHH", i & 0xFFFF, flags, 1, an, 0, 0) + question + (b"" if query else answer)
            udp = struct.pack(">HHHH", sport, dport, 8 + len(dns), 0) + dns
            ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src, dst) + udp
            frame = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip
            out.append(struct.pack("<IIII", 1796619600 + i // 100, (i % 100) * 10000 + (0 if query else 500),
                                   len(frame), len(frame)) + frame)
        if busy:
            out += _other_traffic(i, client, (1796619600 + i // 100, (i % 100) * 10000), r["QueryName"], pq)
    return b"".join(out)


LARGE_MAX = 200_000  # events: the shapes of 1 KB or more an event (Windows events, the busy capture) only up to this


def _sysmon(i: int, r: dict) -> dict[str, str]:
    return {"RuleName": "-", "UtcTime": r["Timestamp"][:23].replace("T", " "), "ProcessGuid": "{5f1c}",
            "ProcessId": str(4000 + i % 50), "QueryName": r["QueryName"], "QueryStatus": "0",
            "QueryResults": "::ffff:192.0.2.7;", "Image": "C:\\Program Files\\x\\chrome.exe", "User": "CORP\\jdoe"}


def _winevent(rows: list[dict]) -> str:
    """The events as Get-WinEvent | ConvertTo-Json writes Sysmon's event 22 (PowerShell 7)."""
    out = []
    for i, r in enumerate(rows):
        data = _sysmon(i, r)
        out.append({"Message": "Dns query:\r\n" + "\r\n".join(f"{k}: {v}" for k, v in data.items()), "Id": 22,
                    "ProviderName": "Microsoft-Windows-Sysmon", "MachineName": r["DeviceName"],
                    "TimeCreated": r["Timestamp"], "Properties": [{"Value": v} for v in data.values()]})
    return json.dumps(out, indent=2)


def _evtx(rows: list[dict]) -> bytes:
    """The events as Sysmon's event log file (written as the tests write .evtx files)."""
    import datetime as dt

    from hunt_assets_tests.evtx_writer import event, evtx

    when = dt.datetime(2026, 12, 7, 5, tzinfo=dt.UTC)
    return evtx([(when, event("Microsoft-Windows-Sysmon", 22, r["DeviceName"], _sysmon(i, r)))
                 for i, r in enumerate(rows)], per_chunk=25)


def write_inputs(n: int) -> dict[str, Path]:
    paths = {shape: CACHE / f"events_{n}.{shape}.json" for shape in ("lines", "array", "graph")}
    paths["pcap"] = CACHE / f"events_{n}.pcap"
    if n <= LARGE_MAX:
        paths["busy"] = CACHE / f"events_{n}.busy-tls.pcap"  # -tls: since stop 42, with a hello per look-up
        paths["busy-pq"] = CACHE / f"events_{n}.busy-pq.pcap"  # since stop 43: every hello split, held, joined
        paths["winevent"] = CACHE / f"events_{n}.winevent.json"
        paths["evtx"] = CACHE / f"events_{n}.evtx"
    if all(p.exists() for p in paths.values()):
        return paths
    rows = _rows(n)
    CACHE.mkdir(parents=True, exist_ok=True)
    paths["lines"].write_text("".join(json.dumps(r) + "\n" for r in rows))
    paths["array"].write_text(json.dumps(rows, indent=2))
    graph = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults",
             "schema": [{"name": k, "type": "String"} for k in rows[0]], "results": rows}
    paths["graph"].write_text(json.dumps(graph, indent=2))
    paths["pcap"].write_bytes(_pcap(rows))
    if n <= LARGE_MAX:
        paths["busy"].write_bytes(_pcap(rows, busy=True))
        paths["busy-pq"].write_bytes(_pcap(rows, busy=True, pq=True))
        paths["winevent"].write_text(_winevent(rows))
        paths["evtx"].write_bytes(_evtx(rows))
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write-only", action="store_true", help="write the inputs and stop")
    args = ap.parse_args(argv)
    if args.write_only:
        write_inputs(args.events)
        return 0
    # written by a child: a child's peak RSS counts from its parent's size when it was forked, and this
    # process would be gigabytes after building the inputs (every shape showed the same 1.3 GB)
    import subprocess

    subprocess.run([sys.executable, __file__, "--events", str(args.events), "--write-only"], check=True)
    paths = write_inputs(args.events)
    runs: dict[str, list[tuple[float, float, int]]] = {shape: [] for shape in paths}
    for _ in range(args.repeat):  # alternating, so a slow spell of a shared machine hits every shape
        for shape, path in paths.items():
            runs[shape].append(_run([sys.executable, "-m", "hunt_assets.cli", "score-dns", "--no-progress", str(path)]))
    base = statistics.median(r[0] for r in runs["lines"])
    print(f"score-dns whole process, {args.events:,} events (median of {args.repeat}; fastest in brackets)")
    for shape, rs in runs.items():
        if any(r[2] != 0 for r in rs):
            print(f"    {shape:8s} FAILED (exit {[r[2] for r in rs]})")
            return 1
        s = statistics.median(r[0] for r in rs)
        size = paths[shape].stat().st_size / 2**20
        fastest = min(r[0] for r in rs)
        print(f"    {shape:8s} {size:6.0f} MiB  {s:6.2f} s ({fastest:.2f})  {args.events / s:>10,.0f} events/s"
              f"  {s / base:4.2f}x JSON lines  peak RSS {max(r[1] for r in rs):,.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
