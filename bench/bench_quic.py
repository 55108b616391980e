"""A capture's QUIC connections against the same connections over TCP, read by ``pcap.read_capture``.

    .venv/bin/python bench/bench_quic.py                       # 20,000 connections
    .venv/bin/python bench/bench_quic.py --connections 100000

Why: a QUIC client's Initial packets are opened in Python (``quic.py``: keys from the connection id,
header protection, AES-GCM) to read the server name a DoH-over-HTTP/3 client sends, where a TLS hello
over TCP is read in C. A workstation's capture holds a QUIC connection for much of its web traffic, so
this is the price of finding DoH over HTTP/3 at an address nobody listed.

Each connection as a browser makes it: QUIC, a post-quantum ClientHello (~1.8 KB) over two Initials
and the client's acknowledgement in a third (under the server's connection id); TCP, the same hello
over two segments. Prints seconds (median of ``--repeat``), µs per connection, the ratio QUIC / TCP
measured in the same run, and how many connections were named (none: the names are the web's).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def captures(n: int) -> tuple[bytes, bytes]:
    from hunt_assets_tests.test_dns_pcap import T0, _pcap
    from hunt_assets_tests.test_dns_pcap_encrypted import _hello, _hello_segments
    from hunt_assets_tests.test_dns_quic import _crypto, _initial, _quic_frame

    hello = _hello(b"www.youtube.com", key_share=1216, name_last=True)
    hs = hello[5:]  # QUIC carries the handshake message without the record header
    quic, tcp = [], []
    for k in range(n):
        dcid = k.to_bytes(8, "big")
        src, sport, dst = f"10.0.{k % 200}.{k % 250}", 40000 + k % 20000, f"142.250.{k % 250}.1"
        t = T0 + k * 0.01
        quic += [(t, _quic_frame(src, sport, dst, _initial(dcid, _crypto(0, hs[:1000])))),
                 (t + 0.001, _quic_frame(src, sport, dst, _initial(dcid, _crypto(1000, hs[1000:]), 1, 1300))),
                 (t + 0.03, _quic_frame(src, sport, dst, _initial(b"\x99" + dcid[1:], b"\x02\x00\x00\x00\x00", 2)))]
        tcp += [(t + j * 0.001, seg) for j, seg in enumerate(_hello_segments(src, sport, dst, 443, hello))]
    return _pcap(quic), _pcap(tcp)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--connections", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    from hunt_assets.analytics.dns import accel, connections, pcap

    quic, tcp = captures(args.connections)
    runs: dict[str, list[float]] = {"quic": [], "tcp": []}
    named = {}
    for _ in range(args.repeat):  # alternating, so a slow spell hits both
        for shape, data in (("quic", quic), ("tcp", tcp)):
            t0 = time.perf_counter()
            tbl = pcap.read_capture(data, lambda _s: None)
            runs[shape].append(time.perf_counter() - t0)
            named[shape] = len(connections.carried(tbl))
    n = args.connections
    print(f"pcap.read_capture, {n:,} connections (median of {args.repeat}; C walk {'on' if accel.ENABLED else 'off'})")
    base = statistics.median(runs["tcp"])
    for shape, rs in runs.items():
        s = statistics.median(rs)
        print(f"    {shape:4s} {len(quic if shape == 'quic' else tcp) / 2**20:6.1f} MiB  {s:6.2f} s ({min(rs):.2f})"
              f"  {s / n * 1e6:6.1f} µs a connection  {s / base:5.2f}x TCP  connection rows {named[shape]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
