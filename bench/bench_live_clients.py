"""Figures for the live-client path, run offline through the in-process fake (no timed tests).

    .venv/bin/python bench/bench_live_clients.py [--rows 100000] [--cap 5000]

Prints: the same hunt through the sample backend and through fake-graph (msal + Graph client + JSON
serialisation round trip), the cost of splitting on a lowered cap, and the effect of injected faults
when waits are virtual (the fault handling's CPU cost, with the waits it asked for reported separately).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hunt_assets.backends import SampleLakeBackend
from hunt_assets.clients.factory import make_hunt_backend
from hunt_assets.clients.fake_graph import FakeGraph
from hunt_assets.clients.http import RateLimiter
from hunt_assets.hunts.execute import run_hunt
from hunt_assets.hunts.loader import parse_hunt
from hunt_assets_tests.fakes.m365 import FakeClock, build_mini_lake

HUNT = parse_hunt(
    """// name: bench_net
// description: every network event with a URL
// tables: DeviceNetworkEvents
// time_column: Timestamp
DeviceNetworkEvents
| where isnotempty(RemoteUrl)
| project Timestamp, DeviceName, RemoteUrl, RemoteIP, RemotePort, Succeeded, AdditionalFields
""",
    Path("queries/bench_net.kql"),
)
DAY = datetime(2026, 11, 16, tzinfo=UTC)


def live(lake: Path, faults: str) -> tuple[object, FakeGraph, FakeClock]:
    clock = FakeClock()
    fake = FakeGraph(lake, faults=faults, clock=clock, sleep=clock.sleep)
    backend = make_hunt_backend(
        "fake-graph", lake_path=lake, transport=fake, sleep=clock.sleep, tenant_id=f"bench-{id(fake)}"
    )
    limiter = backend.graph.limiter
    backend.graph.limiter = RateLimiter(limiter.name, limiter.limits, clock=clock, sleep=clock.sleep)
    return backend, fake, clock


def timed(label: str, fn, repeat: int = 3) -> object:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    rows = len(out.frame) if hasattr(out, "frame") else 0
    print(f"{label:<52} {best * 1000:9.1f} ms  {rows:>8} rows  {rows / best:>10,.0f} rows/s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--cap", type=int, default=5_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        lake = build_mini_lake(Path(tmp) / "lake.duckdb", network_rows=args.rows)
        end = DAY + timedelta(days=1)
        print(f"lake: {args.rows} DeviceNetworkEvents rows; hunt keeps {int(args.rows * 0.8)} of them")
        timed("sample backend (duckdb-kql, local)", lambda: run_hunt(SampleLakeBackend(lake), HUNT, DAY, end))
        backend, fake, _ = live(lake, "")
        timed("fake-graph, no cap reached (JSON round trip)", lambda: run_hunt(backend, HUNT, DAY, end))
        backend, fake, _ = live(lake, f"cap:{args.cap}")
        fake.stats.clear()
        timed(f"fake-graph, cap {args.cap} (split in halves)", lambda: run_hunt(backend, HUNT, DAY, end), 1)
        queries = sum(v for k, v in fake.stats.items() if "runHuntingQuery" in k)
        print(f"{'':<52} {queries} runHuntingQuery calls for one day")
        backend, fake, clock = live(lake, f"429:0.3,500:0.1,cap:{args.cap},seed:1")
        timed("fake-graph, 429:0.3,500:0.1 + cap (virtual waits)", lambda: run_hunt(backend, HUNT, DAY, end), 1)
        print(
            f"{'':<52} faults injected {dict(fake.injected)}; the client waited {clock.now - 1000:.1f} s "
            f"(Retry-After, backoff and the 45/min limiter) in virtual time"
        )


if __name__ == "__main__":
    main()
