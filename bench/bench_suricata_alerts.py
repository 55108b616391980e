"""What reading Suricata's alerts beside its dns events costs: the same ``eve.json`` with and without them.

    .venv/bin/python bench/bench_suricata_alerts.py                  # 500,000 dns events
    .venv/bin/python bench/bench_suricata_alerts.py --events 100000 --every 50

The file holds version-2 dns queries, one flow each, and every ``--every``-th flow also carries two
alerts in Suricata 7's form (a ``dns.query`` list): one on the logged A query (not read again) and one
on a TXT flow the dns events do not hold (read as its look-up, as with ``types: [a, aaaa]``). The
baseline is the same file without its alert lines, read in the same run. ``logs.read_json_lines`` in
this process (no interpreter start): best of ``--repeat`` runs, rows/s, and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hunt_assets.analytics.dns.logs import read_json_lines

WHEN = "2026-12-07T05:00:01.000000+0000"


def eve(events: int, every: int) -> tuple[bytes, bytes]:
    """(the file with alerts, the same file without them)."""
    with_alerts: list[str] = []
    without: list[str] = []
    for i in range(events):
        base = {"timestamp": WHEN, "flow_id": i, "src_ip": f"10.0.{i % 50}.{i % 200}", "src_port": 40000 + i % 20000,
                "dest_ip": "10.0.0.1", "dest_port": 53, "proto": "UDP"}
        name = f"h{i % 9000}.example{i % 700}.com"
        line = json.dumps({**base, "event_type": "dns", "dns": {"type": "query", "id": i % 65536, "rrname": name,
                                                                "rrtype": "A"}})
        with_alerts.append(line)
        without.append(line)
        if i % every == 0:
            logged = {"type": "query", "id": i % 65536, "rrname": name, "rrtype": "A", "tx_id": 0}
            unlogged = {"type": "query", "id": 1, "rrname": f"{i:08x}.t.example.net", "rrtype": "TXT", "tx_id": 0}
            with_alerts.append(json.dumps({**base, "event_type": "alert", "alert": {"signature_id": 1},
                                           "dns": {"query": [logged]}}))
            with_alerts.append(json.dumps({**base, "flow_id": 10**9 + i, "event_type": "alert",
                                           "alert": {"signature_id": 2}, "dns": {"query": [unlogged]}}))
    return ("\n".join(with_alerts) + "\n").encode(), ("\n".join(without) + "\n").encode()


def best(data: bytes, repeat: int) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(repeat):
        t = time.perf_counter()
        rows = read_json_lines(data).num_rows
        times.append(time.perf_counter() - t)
    return min(times), rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=500_000)
    ap.add_argument("--every", type=int, default=250, help="flows per pair of alerts")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    alerts, plain = eve(args.events, args.every)
    n_alerts = 2 * len(range(0, args.events, args.every))
    base_s, base_rows = best(plain, args.repeat)
    ours_s, ours_rows = best(alerts, args.repeat)
    print(f"eve.json: {args.events:,} dns events, {n_alerts:,} alerts on DNS (best of {args.repeat})")
    print(f"    without alerts  {base_s:6.3f} s  {base_rows:,} rows  {base_rows / base_s:12,.0f} rows/s"
          f"  ({len(plain) / 2**20:.0f} MiB)")
    print(f"    with alerts     {ours_s:6.3f} s  {ours_rows:,} rows  {ours_rows / ours_s:12,.0f} rows/s"
          f"  ({len(alerts) / 2**20:.0f} MiB)  {ours_s / base_s:.2f}x the time")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
