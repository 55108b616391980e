"""Benchmark: 50,000 passive-DNS records for one domain, pulled page by page from the MDTI fake through the
real GraphClient + MdtiProvider (httpx.MockTransport), merged into a DuckDB warehouse and rendered.

Run: .venv/bin/python bench/bench_pdns.py [--records 50000] [--page-size 1000]
Target: pull + render under 10 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hunt_assets.analytics.heatmap import render_pdns_png, shrink_png
from hunt_assets.clients.auth import StaticTokenProvider
from hunt_assets.clients.graph import GraphClient
from hunt_assets.entities import parse_entity
from hunt_assets.intel.pdns.fakes import FakeMdti, synthetic_mdti_history
from hunt_assets.intel.pdns.mdti import MdtiProvider
from hunt_assets.intel.pdns.store import load_history, merge_pull
from hunt_assets.warehouse.store import Warehouse


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args()
    domain = "fastflux.example.com"
    fake = FakeMdti(forward={domain: synthetic_mdti_history(domain, args.records)}, page_size=args.page_size)
    graph = GraphClient(StaticTokenProvider(fake.token), transport=httpx.MockTransport(fake))
    provider = MdtiProvider(graph, max_records=args.records + 1)

    t0 = time.perf_counter()
    result = provider.lookup(parse_entity(domain))
    t_pull = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        wh = Warehouse(Path(tmp) / "bench_warehouse.duckdb")
        stats = merge_pull(wh, domain, [result])
        t_merge = time.perf_counter()
        history = load_history(wh, domain)
        t_load = time.perf_counter()
        png = render_pdns_png(history, domain, dpi=100, colours=0)
        inline = shrink_png(png)
        t_render = time.perf_counter()
        again = merge_pull(wh, domain, [result])  # idempotent re-pull: every row unchanged
        t_remerge = time.perf_counter()
    total = t_render - t0
    print(
        f"records pulled      {len(result.records):>10,}  ({len(fake.requests)} Graph requests, "
        f"page size {args.page_size})"
    )
    print(f"pull (fake MDTI)    {t_pull - t0:>10.2f} s")
    print(f"merge into DuckDB   {t_merge - t_pull:>10.2f} s  (new {stats.new:,})")
    print(f"load history        {t_load - t_merge:>10.2f} s  ({len(history):,} rows)")
    print(f"render PNG + inline {t_render - t_load:>10.2f} s")
    print(
        f"TOTAL pull->PNG     {total:>10.2f} s  -> {len(result.records) / total:,.0f} records/s "
        f"(target < 10 s: {'OK' if total < 10 else 'MISSED'})"
    )
    print(f"PNG size            {len(png) / 1024:>10.1f} KB on disk, {len(inline) / 1024:.1f} KB inline")
    print(
        f"re-pull merge       {t_remerge - t_render:>10.2f} s  (unchanged {again.unchanged:,}, "
        f"new {again.new}, widened {again.widened})"
    )
    return 0 if total < 10 else 1


if __name__ == "__main__":
    raise SystemExit(main())
