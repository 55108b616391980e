"""Benchmark: 10,000 indicators x 3 TI providers against the in-process fakes, through the real engine.

What it shows (issue 5, "economy"):
* at most one call per (provider, indicator) per TTL -- duplicates in the input cost nothing;
* providers run concurrently, each within its own limiter (peak rate printed against the limit);
* a second run within the TTL makes zero calls (the DuckDB cache, a real file).

Scaling: the real public quotas (VirusTotal 4/min, OTX ~10k/h, URLhaus ~10/s) would make 10,000 look-ups
take 41 hours on VirusTotal alone. We keep the *shape* -- a sliding-window limit per provider, different
per provider, enforced by the same RateLimiter -- and scale the windows so the run finishes in well under a
minute: VirusTotal 600/s, OTX 900/s, URLhaus 1,200/s, each fake answering after 15 ms of simulated latency.

    .venv/bin/python bench/bench_ti.py [--n 10000] [--latency-ms 15]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

import httpx

from hunt_assets.clients.http import Limit, RateLimiter
from hunt_assets.intel.ti.base import ProviderConfig
from hunt_assets.intel.ti.cache import TICache
from hunt_assets.intel.ti.engine import TIEngine
from hunt_assets.intel.ti.model import Indicator
from hunt_assets.intel.ti.registry import PROVIDER_CLASSES, make_providers
from hunt_assets.intel.ti.snapshot import SnapshotAPI, render_snapshot
from hunt_assets.warehouse.store import Warehouse

LIMITS = {"virustotal": Limit(600, 1.0), "otx": Limit(900, 1.0), "urlhaus": Limit(1200, 1.0)}
CONCURRENCY = {"virustotal": 24, "otx": 32, "urlhaus": 40}


def indicators(n: int, rng: random.Random) -> list[Indicator]:
    out = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            out.append(Indicator("domain", f"host{i}.example-{i % 97}.com"))
        elif kind == 1:
            out.append(Indicator("ip", f"198.51.{(i // 256) % 100}.{i % 256}" if i % 8 else f"203.0.113.{i % 256}"))
        elif kind == 2:
            out.append(Indicator("url", f"http://cdn{i}.example.net/p/{i}.bin"))
        else:
            out.append(Indicator("hash", f"{rng.getrandbits(128):032x}"))
    return list(dict.fromkeys(out))  # unique, order kept


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=15.0)
    args = parser.parse_args()
    rng = random.Random(5)
    unique = indicators(args.n, rng)
    duplicated = unique + rng.sample(unique, len(unique) // 10)  # 10% repeats, as hunt results have
    evil = [
        {"type": i.type, "value": i.value, "verdict": "malicious", "threat": "c2", "family": "Bench"}
        for i in unique[::50]
    ]
    names = list(LIMITS)
    api = SnapshotAPI(render_snapshot(evil), {n: PROVIDER_CLASSES[n].default_base_url for n in names})

    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(args.latency_ms / 1000)
        return api.handle(request)

    configs = {n: ProviderConfig(api_key="bench-key-000000", concurrency=CONCURRENCY[n]) for n in names}
    with tempfile.TemporaryDirectory() as tmp:
        wh = Warehouse(Path(tmp) / "bench_warehouse.duckdb")
        for run in (1, 2):
            limiters = {n: RateLimiter(f"bench:{n}", (LIMITS[n],)) for n in names}
            engine = TIEngine(
                make_providers(configs, only=names),
                TICache(wh),
                transport=httpx.MockTransport(handler),
                limiters=limiters,
            )
            started = time.perf_counter()
            report = engine.enrich(duplicated)
            wall = time.perf_counter() - started
            print(
                f"run {run}: {len(duplicated):,} input indicators ({len(unique):,} unique) x {len(names)} providers"
                f" -> {report.calls:,} calls in {wall:.1f} s wall"
            )
            for n in names:
                s = report.stats[n]
                limit = LIMITS[n]
                print(
                    f"  {n:10s} calls {s.calls:6,}  cache hits {s.cache_hits:6,}  "
                    f"limiter peak {limiters[n].peak_per_second:5,}/s "
                    f"(limit {limit.calls:,} per {limit.per_seconds:g}s; "
                    f"seen at send {s.peak_in_window(limit.per_seconds):,})  "
                    f"summed task wait {limiters[n].waited_seconds:5.1f} s  own wall {s.wall_seconds:5.1f} s  "
                    f"statuses {dict(s.statuses)}"
                )
                assert s.calls <= len(unique), "more than one call per (provider, indicator)"
                # the limiter's own log is authoritative; send-time stamps can skew by a call or so
                assert limiters[n].peak_per_second <= limit.calls, "limit exceeded"
            if run == 2:
                assert report.calls == 0, "second run within the TTL must make zero calls"
        rows = wh.query("SELECT count(*) AS n FROM intel.ti_cache")["n"].iloc[0]
        print(f"cache rows: {rows:,} (one per provider x indicator); second run made 0 calls")


if __name__ == "__main__":
    main()
