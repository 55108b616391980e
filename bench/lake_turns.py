"""``hunt-assets new-alert`` appending to the sample lake while readers keep it open: waits and give-ups.

    .venv/bin/python bench/lake_turns.py [--rounds 3] [--writers 3] [--alerts 5] [--readers 2] [--timeout 20]

Each round copies a small sample lake, starts ``--readers`` processes that read it in a loop (as
hunt steps and the alert sensor do, through ``backends.lake_connection``) and ``--writers``
processes that each append ``--alerts`` alerts with ``add_alert`` (its wait capped at
``--timeout`` seconds). Afterwards the lake is counted: an alert committed without an error but
missing is *lost*; an ``add_alert`` that gave up is *failed*; readers report their reads, the reads
that gave up (30 s) and the longest wait of one read.

Two variants run in one go: ``duckdb-lock``, with the lake's turn (``duckdb_files.turn``)
switched off, so writers rely on DuckDB's lock and the open's backoff alone, as before stop 37;
``turn``, as shipped (lock files, and a gate that makes new readers queue behind a waiting
writer). Readers that overlap one another leave DuckDB's lock no moment free for a writer, so in
the first variant appends wait, often until they give up.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _switch_off_turns(variant: str) -> None:
    if variant == "duckdb-lock":
        import hunt_assets.backends as backends
        import hunt_assets.duckdb_files as duckdb_files

        off = lambda *a, **k: contextlib.nullcontext()  # noqa: E731
        duckdb_files.turn = off  # type: ignore[assignment]
        backends.turn = off  # type: ignore[assignment]


def _writer(path: str, wid: int, alerts: int, timeout: float, variant: str, barrier, results) -> None:
    _switch_off_turns(variant)
    from hunt_assets.sample_tenant.lake import add_alert

    waits, failed = [], 0
    barrier.wait()
    for i in range(alerts):
        t = time.perf_counter()
        try:
            add_alert(path, domain=f"w{wid}-{i}.example.com", lock_timeout=timeout,
                      now=datetime(2026, 12, 1) + timedelta(seconds=wid * 1000 + i))
            waits.append(time.perf_counter() - t)
        except Exception:
            failed += 1
    results.put((waits, failed))


def _reader(path: str, variant: str, barrier, stop, results) -> None:
    _switch_off_turns(variant)
    from hunt_assets.backends import lake_connection

    reads = failed = 0
    longest = 0.0
    barrier.wait()
    while not stop.is_set():
        t = time.perf_counter()
        try:
            with lake_connection(path, lock_timeout=30) as con:
                con.execute("SELECT count(*) FROM AlertInfo").fetchone()
            reads += 1
            longest = max(longest, time.perf_counter() - t)
        except Exception:
            failed += 1
    results.put((reads, failed, longest))


def _alerts(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT count(*) FROM AlertInfo").fetchone()[0]


def run(lake: Path, folder: Path, args: argparse.Namespace, variant: str) -> dict[str, object]:
    ctx = mp.get_context("spawn")
    waits: list[float] = []
    failed = lost = reads = read_failed = 0
    read_max = 0.0
    t0 = time.perf_counter()
    for r in range(args.rounds):
        path = folder / f"{variant}_{r}.duckdb"
        shutil.copy(lake, path)
        before = _alerts(path)
        barrier = ctx.Barrier(args.writers + args.readers)
        stop, wq, rq = ctx.Event(), ctx.Queue(), ctx.Queue()
        readers = [ctx.Process(target=_reader, args=(str(path), variant, barrier, stop, rq))
                   for _ in range(args.readers)]
        writers = [ctx.Process(target=_writer, args=(str(path), w, args.alerts, args.timeout, variant, barrier, wq))
                   for w in range(args.writers)]
        for p in readers + writers:
            p.start()
        done = [wq.get() for _ in writers]
        stop.set()
        for n, f, w in (rq.get() for _ in readers):
            reads, read_failed, read_max = reads + n, read_failed + f, max(read_max, w)
        for p in readers + writers:
            p.join()
        committed = sum(len(w) for w, _ in done)
        waits += [x for w, _ in done for x in w]
        failed += sum(f for _, f in done)
        lost += committed - (_alerts(path) - before)
    return {"variant": variant, "appends": args.rounds * args.writers * args.alerts, "failed": failed,
            "lost": lost, "p50_s": statistics.median(waits) if waits else float("nan"),
            "max_s": max(waits, default=float("nan")), "reads": reads, "read_failed": read_failed,
            "read_max_s": read_max, "wall_s": time.perf_counter() - t0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--writers", type=int, default=3)
    ap.add_argument("--alerts", type=int, default=5)
    ap.add_argument("--readers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=20.0)
    args = ap.parse_args()
    from hunt_assets.sample_tenant import build_lake

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lake = folder / "lake.duckdb"
        build_lake(lake, days=1, devices=21, dns_scale=0.1)
        print(f"{args.rounds} rounds x {args.writers} writers x {args.alerts} alerts, {args.readers} readers in a "
              f"loop, add_alert timeout {args.timeout:.0f}s")
        print(f"{'variant':<12} {'appends':>7} {'failed':>6} {'lost':>4} {'p50 s':>7} {'max s':>7} {'reads':>7} "
              f"{'r.fail':>6} {'r.max s':>7} {'wall s':>7}")
        for variant in ("duckdb-lock", "turn"):
            m = run(lake, folder, args, variant)
            print(f"{m['variant']:<12} {m['appends']:>7} {m['failed']:>6} {m['lost']:>4} {m['p50_s']:>7.2f} "
                  f"{m['max_s']:>7.2f} {m['reads']:>7} {m['read_failed']:>6} {m['read_max_s']:>7.2f} "
                  f"{m['wall_s']:>7.1f}", flush=True)


if __name__ == "__main__":
    main()
