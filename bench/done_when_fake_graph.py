"""Issue 3's 'done when', as a script: every hunt partition of the sample tenant through fake-graph with
faults gives exactly the rows it gives through the sample backend.

    .venv/bin/python bench/done_when_fake_graph.py [--faults 429:0.3,500:0.1,cap:5000] [--lake PATH]
                                                   [--real-time]

By default waits (Retry-After, backoff, the 45/min limiter) run on a virtual clock so the check takes
seconds; ``--real-time`` sleeps for real, as ``HUNT_BACKEND=fake-graph`` does under ``dagster dev``.
Prints one line per hunt and day, and the totals; exits 1 on any difference.
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
from hunt_assets.hunts.loader import load_hunts
from hunt_assets.sample_tenant.lake import SAMPLE_DAYS, SAMPLE_START, build_lake
from hunt_assets_tests.fakes.m365 import FakeClock


def canonical(frame):
    """Rows in a fixed order, values and dtypes untouched (only the sort key is text)."""
    key = frame.astype(str)
    return frame.loc[key.sort_values(list(key.columns)).index].reset_index(drop=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--faults", default="429:0.3,500:0.1,cap:5000")
    ap.add_argument("--lake", type=Path, default=None)
    ap.add_argument("--real-time", action="store_true")
    ap.add_argument("--dagster", action="store_true", help="materialize every hunt partition with dg.materialize "
                                                            "into two warehouses and compare the tables")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    lake = args.lake
    if lake is None or not lake.exists():
        lake = Path(tmp.name) / "sample_tenant.duckdb"
        build_lake(lake)
    if args.dagster:
        return via_dagster(lake, args.faults, args.real_time)
    clock = FakeClock()
    sleep = time.sleep if args.real_time else clock.sleep
    fake = FakeGraph(lake, faults=args.faults, **({} if args.real_time else {"clock": clock, "sleep": sleep}))
    live = make_hunt_backend("fake-graph", lake_path=lake, transport=fake, sleep=sleep, tenant_id="done-when")
    if not args.real_time:
        limiter = live.graph.limiter
        live.graph.limiter = RateLimiter(limiter.name, limiter.limits, clock=clock, sleep=clock.sleep)
    sample = SampleLakeBackend(lake)
    failures = total_rows = 0
    started = time.perf_counter()
    for hunt in load_hunts():
        for i in range(SAMPLE_DAYS):
            start = datetime.combine(SAMPLE_START + timedelta(days=i), datetime.min.time(), tzinfo=UTC)
            end = start + timedelta(days=1)
            expected = run_hunt(sample, hunt, start, end).frame
            splits: list[int] = []
            got = run_hunt(live, hunt, start, end, on_split=lambda s, e, n, acc=splits: acc.append(n)).frame
            same = len(got) == len(expected) and canonical(got).equals(canonical(expected))
            failures += not same
            total_rows += len(expected)
            print(
                f"{'OK  ' if same else 'DIFF'} {hunt.name:<32} {start.date()}  sample {len(expected):>7}  "
                f"fake-graph {len(got):>7}  splits {len(splits)}"
            )
    queries = sum(v for k, v in fake.stats.items() if "runHuntingQuery" in k)
    print(
        f"\n{total_rows} rows compared; {queries} runHuntingQuery calls; faults injected {dict(fake.injected)}; "
        f"{'real' if args.real_time else 'virtual'} waiting {clock.now - 1000:.0f} s; "
        f"wall {time.perf_counter() - started:.1f} s; {failures} partition(s) differ"
    )
    return 1 if failures else 0


def via_dagster(lake: Path, faults: str, real_time: bool) -> int:
    """The literal check: materialize hunts/<name> for every sample day under both backends, compare tables."""
    import dagster as dg

    import hunt_assets.clients.factory as factory
    from hunt_assets.assets.hunts import build_hunt_assets, hunt_table
    from hunt_assets.resources import HuntingResource, WarehouseResource
    from hunt_assets.warehouse.store import Warehouse

    clock = FakeClock()
    if not real_time:  # the same live path, its waits on a virtual clock
        original = factory.make_hunt_backend

        def make(kind, **kwargs):
            fake = FakeGraph(kwargs["lake_path"], faults=kwargs.get("fake_faults"), clock=clock, sleep=clock.sleep)
            backend = original(kind, transport=fake, **{**kwargs, "sleep": clock.sleep})
            limiter = backend.graph.limiter
            backend.graph.limiter = RateLimiter(limiter.name, limiter.limits, clock=clock, sleep=clock.sleep)
            return backend

        factory.make_hunt_backend = make
    tmp = Path(tempfile.mkdtemp())
    assets = build_hunt_assets()
    days = [(SAMPLE_START + timedelta(days=i)).isoformat() for i in range(SAMPLE_DAYS)]
    started = time.perf_counter()
    for kind in ("sample", "fake-graph"):
        hunting = HuntingResource(backend=kind, lake_path=str(lake), fake_faults=faults)
        for day in days:
            result = dg.materialize(assets, partition_key=day, instance=dg.DagsterInstance.ephemeral(),
                                    resources={"hunting": hunting,
                                               "warehouse": WarehouseResource(path=str(tmp / f"{kind}.duckdb"))},
                                    raise_on_error=False)
            print(f"{kind:<10} {day}: {'ok' if result.success else 'FAILED'}")
            if not result.success:
                for event in result.get_step_failure_events():
                    print("   ", event.step_key, str(event.step_failure_data.error.message)[:300])
                return 1
    failures = 0
    for asset in assets:
        table = hunt_table(asset.key.path[-1])
        sample = canonical(Warehouse(tmp / "sample.duckdb").query(f"SELECT * FROM {table}"))
        live = canonical(Warehouse(tmp / "fake-graph.duckdb").query(f"SELECT * FROM {table}"))
        same = sample.equals(live)
        failures += not same
        print(f"{'OK  ' if same else 'DIFF'} {table:<36} sample {len(sample):>7}  fake-graph {len(live):>7}")
    print(f"wall {time.perf_counter() - started:.1f} s; {failures} table(s) differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
