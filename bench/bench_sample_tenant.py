"""Build a sample lake at a given DNS scale and report rows, seconds, rows/s and peak RSS.

.venv/bin/python bench/bench_sample_tenant.py --dns-scale 112 --out /tmp/bench_lake.duckdb
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from hunt_assets.sample_tenant import build_lake


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dns-scale", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--seed", type=int, default=20261116)
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "bench_sample_lake.duckdb"))
    parser.add_argument("--keep", action="store_true", help="keep the lake file afterwards")
    args = parser.parse_args(argv)
    out = Path(args.out)
    t0 = time.perf_counter()
    summary = build_lake(
        out, seed=args.seed, days=args.days, devices=args.devices, dns_scale=args.dns_scale, overwrite=True
    )
    seconds = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    total = sum(v for k, v in summary.row_counts.items() if k != "DeviceEvents_DnsQueryResponse")
    for table, rows in sorted(summary.row_counts.items()):
        print(f"{table:32s} {rows:>12,d}")
    print(f"dns_scale={args.dns_scale} DNS rows (DeviceEvents DnsQueryResponse + DnsEvents)={summary.dns_rows:,d}")
    print(
        f"total rows={total:,d} seconds={seconds:.1f} rows/s={total / seconds:,.0f} peak_rss_mb={rss_mb:,.0f} "
        f"file_mb={out.stat().st_size / 1e6:,.0f}"
    )
    if not args.keep:
        out.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
