"""``dns_flags`` through Dagster over one sample-tenant day of ~10M DNS events, next to the notebook method.

    .venv/bin/python bench/dns_flags_asset.py                     # ~10M events (part (b) of bench_score_dns.py)
    .venv/bin/python bench/dns_flags_asset.py --events 1000000    # smaller

1. A one-day sample tenant (2026-11-16, a Monday) is built with ``dns_scale`` chosen so the day's
   ``hunts.dns_events`` holds about ``--events`` rows (60,000 rows per unit of scale), then the real
   ``hunts/dns_events`` and ``hunts/device_ips`` assets land that day in a warehouse. Lake and warehouse
   are cached under ``$HUNT_BENCH_CACHE`` (default: the temp dir's ``hunt_assets_bench``) and reused;
   this preparation is reported but not part of the comparison.
2. ``analytics/dns_flags`` is materialized for the day with ``dagster.materialize``, the project's
   resources (``hunt_assets.settings.build_resources``) and a DAGSTER_HOME in the cache, in a child
   process: wall time of the ``materialize`` call, events/s over the partition's event count, and the
   child's peak RSS (``ru_maxrss``, interpreter and imports included). The asset reports its own
   read / score / write split in its ``seconds`` metadata.
3. The notebook method (``hunt_assets.analytics.dns.baseline``) reads the same warehouse rows into pandas
   (as a notebook's query provider would), scores each distinct name once in plain Python and maps the
   flag back to every event, in its own child process, same measurements. For reference it also runs
   on the project's reader (only QueryName, dictionary-encoded), in a third child process.
4. ``dns_flags``' asset checks (``every_lookup_counted``, ``flags_explained``) alone on that partition, in a
   run of their own in another child process: wall time (the run's overhead included) and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CACHE = Path(os.environ.get("HUNT_BENCH_CACHE", Path(tempfile.gettempdir()) / "hunt_assets_bench"))
DAY = "2026-11-16"
# hunts.dns_events rows on 2026-11-16 of a days=1 lake: two rows (DeviceEvents + DnsEvents) per benign look-up,
# 600 look-ups per device per weekday x 50 devices per unit of dns_scale, plus the planted incidents' rows
ROWS_PER_SCALE = 60_000
FIXED_ROWS = 12_300
SEED = 20261116


def _paths(events: int) -> dict[str, Path]:
    from hunt_assets.sample_tenant.lake import GENERATOR_VERSION

    d = CACHE / f"dns_flags_{events}_v{GENERATOR_VERSION}"
    return {
        "dir": d,
        "lake": d / "sample_tenant.duckdb",
        "warehouse": d / "hunt_warehouse.duckdb",
        "home": d / "dagster_home",
        "ready": d / "ready.json",
    }


def _scale(events: int) -> float:
    return round(max(events - FIXED_ROWS, ROWS_PER_SCALE) / ROWS_PER_SCALE, 3)


def _env(p: dict[str, Path]) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DAGSTER_HOME": str(p["home"]),
        "DAGSTER_DISABLE_TELEMETRY": "1",
        "HUNT_BACKEND": "sample",
        "HUNT_DATA_DIR": str(p["dir"]),
        "HUNT_SAMPLE_LAKE": str(p["lake"]),
        "HUNT_WAREHOUSE": str(p["warehouse"]),
    }


def _child(role: str, events: int) -> dict:
    """Run one role in a fresh interpreter; its last stdout line is JSON. Adds wall and peak RSS."""
    p = _paths(events)
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--worker", role, "--events", str(events)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env=_env(p),
        text=True,
    )
    out = proc.stdout.read() if proc.stdout else ""
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{role} worker exited with {code}")
    res = json.loads(out.strip().splitlines()[-1])
    res["process_s"] = wall
    res["peak_rss_mib"] = ru.ru_maxrss / 1024
    return res


# ---------------------------------------------------------------------------------------------------
# workers (child processes)
# ---------------------------------------------------------------------------------------------------
def _instance():
    import dagster as dg

    from hunt_assets.instance import ensure_dagster_home

    ensure_dagster_home(Path(os.environ["HUNT_DATA_DIR"]))
    return dg.DagsterInstance.get()


def _quiet_config() -> dict:
    return {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _prepare(events: int) -> dict:
    """Build the lake (if needed) and land the day's DNS hunts through the real hunt assets."""
    import dagster as dg

    from hunt_assets.assets.hunts import build_hunt_assets
    from hunt_assets.sample_tenant import build_lake
    from hunt_assets.settings import build_resources

    p = _paths(events)
    p["dir"].mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    summary = build_lake(p["lake"], seed=SEED, days=1, dns_scale=_scale(events), overwrite=True)
    build_s = time.perf_counter() - t
    p["warehouse"].unlink(missing_ok=True)
    hunts = [a for a in build_hunt_assets() if a.key.path[-1] in ("dns_events", "device_ips")]
    t = time.perf_counter()
    result = dg.materialize(hunts, partition_key=DAY, instance=_instance(), resources=build_resources(),
                            run_config=_quiet_config())
    land_s = time.perf_counter() - t
    if not result.success:
        raise RuntimeError("landing the DNS hunts failed")
    rows = {
        "/".join(m.asset_key.path): int(m.metadata["dagster/row_count"].value)
        for m in result.asset_materializations_for_node("hunts__dns_events")
        + result.asset_materializations_for_node("hunts__device_ips")
    }
    return {"dns_scale": _scale(events), "lake_dns_rows": summary.dns_rows, "build_s": build_s,
            "land_s": land_s, "rows": rows}


def _ours() -> dict:
    import dagster as dg

    from hunt_assets.assets.detections import dns_flags
    from hunt_assets.settings import build_resources

    instance = _instance()
    resources = build_resources()
    t = time.perf_counter()
    result = dg.materialize([dns_flags], partition_key=DAY, instance=instance, resources=resources,
                            run_config=_quiet_config())
    seconds = time.perf_counter() - t
    if not result.success:
        raise RuntimeError("dns_flags failed")
    md = result.asset_materializations_for_node("analytics__dns_flags")[0].metadata
    split = md["seconds"].value if "seconds" in md else {}
    verdicts = md["verdicts"].value
    return {
        "seconds": seconds,
        "events": int(md["events"].value),
        "distinct_names": int(md["distinct_names"].value),
        "flagged_names": int(md["dagster/row_count"].value),
        "verdicts": verdicts,
        "split": split,
    }


def _checks() -> dict:
    """dns_flags' asset checks alone on the day just materialized, as the UI's "Execute" runs them."""
    import dagster as dg

    from hunt_assets.assets.detection_checks import every_lookup_counted, flags_explained
    from hunt_assets.assets.detections import dns_flags
    from hunt_assets.settings import build_resources

    checks = [every_lookup_counted, flags_explained]
    t = time.perf_counter()
    result = dg.materialize([dns_flags, *checks], selection=dg.AssetSelection.checks(*checks),
                            tags={"dagster/partition": DAY}, instance=_instance(), resources=build_resources(),
                            run_config=_quiet_config(), raise_on_error=False)
    seconds = time.perf_counter() - t
    return {"seconds": seconds,
            "checks": {e.check_name: e.passed for e in result.get_asset_check_evaluations()},
            "descriptions": [e.description for e in result.get_asset_check_evaluations()]}


def _baseline() -> dict:
    import numpy as np
    import pandas as pd

    from hunt_assets.analytics.dns.baseline import notebook_flags
    from hunt_assets.warehouse.store import Warehouse

    wh = Warehouse(os.environ["HUNT_WAREHOUSE"])
    t = time.perf_counter()
    # what a notebook's query provider hands over: the day's rows as a pandas frame
    df = wh.query("SELECT * FROM hunts.dns_events WHERE partition_date = ?", [pd.Timestamp(DAY).date()])
    read_s = time.perf_counter() - t
    t = time.perf_counter()
    codes, uniq = pd.factorize(df["QueryName"])
    flag = np.fromiter((notebook_flags(n)[0] for n in uniq), dtype=bool, count=len(uniq))
    ev_flag = flag[codes]
    score_s = time.perf_counter() - t
    return {
        "seconds": read_s + score_s,
        "read_s": read_s,
        "score_s": score_s,
        "events": len(df),
        "distinct_names": len(uniq),
        "flagged_names": int(flag.sum()),
        "flagged_events": int(ev_flag.sum()),
    }


def _baseline_arrow() -> dict:
    """The notebook method on the project's reader: only QueryName, dictionary-encoded (no pandas strings)."""
    import numpy as np
    import pandas as pd

    from hunt_assets.analytics.dns.baseline import notebook_flags
    from hunt_assets.warehouse.store import Warehouse

    wh = Warehouse(os.environ["HUNT_WAREHOUSE"])
    t = time.perf_counter()
    names = wh.read_partition_arrow("hunts.dns_events", "partition_date", pd.Timestamp(DAY).date(),
                                    columns=["QueryName"]).to_pandas()["QueryName"]
    read_s = time.perf_counter() - t
    t = time.perf_counter()
    codes = names.cat.codes.to_numpy()
    used = np.bincount(codes[codes >= 0], minlength=len(names.cat.categories)) > 0
    flag = np.zeros(len(used), dtype=bool)
    for i in np.flatnonzero(used):
        flag[i] = notebook_flags(names.cat.categories[i])[0]
    ev_flag = flag[codes] & (codes >= 0)
    score_s = time.perf_counter() - t
    return {
        "seconds": read_s + score_s,
        "read_s": read_s,
        "score_s": score_s,
        "events": len(names),
        "distinct_names": int(used.sum()),
        "flagged_names": int(flag.sum()),
        "flagged_events": int(ev_flag.sum()),
    }


def _worker(role: str, events: int) -> None:
    import logging

    logging.getLogger("dagster").setLevel(logging.WARNING)
    if role == "prepare":
        res = _prepare(events)
    elif role == "ours":
        res = _ours()
    elif role == "checks":
        res = _checks()
    elif role == "baseline":
        res = _baseline()
    else:
        res = _baseline_arrow()
    print(json.dumps(res, default=str), flush=True)


# ---------------------------------------------------------------------------------------------------
# driver
# ---------------------------------------------------------------------------------------------------
def prepare(events: int, *, rebuild: bool = False) -> dict:
    p = _paths(events)
    if not rebuild and p["ready"].exists() and p["lake"].exists() and p["warehouse"].exists():
        info = json.loads(p["ready"].read_text())
        info["cached"] = True
        return info
    p["ready"].unlink(missing_ok=True)
    info = _child("prepare", events)
    p["ready"].write_text(json.dumps(info))
    info["cached"] = False
    return info


def _load() -> str:
    try:
        return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"
    except OSError:
        return "load average n/a"


def run(events: int = 10_000_000, *, rebuild: bool = False, skip_baseline: bool = False) -> dict:
    """Prepare (or reuse) the day, then measure ours and the notebook method; returns every figure."""
    prep = prepare(events, rebuild=rebuild)
    out: dict = {"prepare": prep, "load_before": _load()}
    out["ours"] = _child("ours", events)
    out["checks"] = _child("checks", events)
    if not skip_baseline:
        out["baseline"] = _child("baseline", events)
        out["baseline_arrow"] = _child("baseline_arrow", events)
    out["load_after"] = _load()
    return out


def summary_lines(r: dict) -> list[str]:
    prep, o = r["prepare"], r["ours"]
    n = o["events"]
    split = ", ".join(f"{k} {v:.2f} s" for k, v in o.get("split", {}).items())
    verdicts = ", ".join(f"{k} {v:,}" for k, v in o["verdicts"].items() if k != "benign")
    lines = [
        f"(b) dns_flags through dagster.materialize, sample-tenant day {DAY} (dns_scale {prep['dns_scale']}): "
        f"{n:,} events, {o['distinct_names']:,} distinct names",
        f"    ours     {o['seconds']:6.2f} s {n / o['seconds']:>10,.0f} events/s  peak RSS "
        f"{o['peak_rss_mib']:6,.0f} MiB"
        + (f"  [in the asset: {split}]" if split else ""),
    ]
    if "checks" in r:
        c = r["checks"]
        passed = ", ".join(f"{k} {'passed' if v else 'FAILED'}" for k, v in c["checks"].items())
        lines.append(f"    its checks, in a run of their own: {c['seconds']:.2f} s (run overhead included), peak RSS "
                     f"{c['peak_rss_mib']:,.0f} MiB: {passed}")
    if "baseline" in r:
        b = r["baseline"]
        lines += [
            f"    notebook {b['seconds']:6.2f} s {b['events'] / b['seconds']:>10,.0f} events/s  peak RSS "
            f"{b['peak_rss_mib']:6,.0f} MiB  [pandas read {b['read_s']:.2f} s, plain-Python scoring "
            f"{b['score_s']:.2f} s]",
            f"    notebook/ours wall {b['seconds'] / o['seconds']:.1f}x; ours/notebook peak RSS "
            f"{o['peak_rss_mib'] / b['peak_rss_mib']:.2f}; notebook scoring alone / our whole asset "
            f"{b['score_s'] / o['seconds']:.2f}x",
            f"    (notebook on our reader, QueryName only as a categorical: {r['baseline_arrow']['seconds']:.2f} s "
            f"= read {r['baseline_arrow']['read_s']:.2f} s + scoring {r['baseline_arrow']['score_s']:.2f} s, peak RSS "
            f"{r['baseline_arrow']['peak_rss_mib']:,.0f} MiB)",
            f"    flagged: ours {o['flagged_names']:,} names ({verdicts}); notebook {b['flagged_names']:,} names, "
            f"{b['flagged_events']:,} events",
        ]
    rows = prep.get("rows", {})
    lines += [
        f"    prepared{' (cached)' if prep.get('cached') else ''}: lake {prep['build_s']:.0f} s, hunts landed "
        f"{prep['land_s']:.0f} s ({rows.get('hunts/dns_events', 0):,} dns_events rows), peak RSS "
        f"{prep['peak_rss_mib']:,.0f} MiB",
        f"    {r['load_before']} before, {r['load_after']} after",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=10_000_000, help="target hunts.dns_events rows for the day")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the cached lake and warehouse")
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--json", action="store_true", help="also print every figure as JSON")
    ap.add_argument("--worker", choices=["prepare", "ours", "checks", "baseline", "baseline_arrow"],
                    help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        _worker(args.worker, args.events)
        return 0
    r = run(args.events, rebuild=args.rebuild, skip_baseline=args.skip_baseline)
    print("\n".join(summary_lines(r)))
    if args.json:
        print(json.dumps(r, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
