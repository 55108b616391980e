"""``score-dns`` whole process on the same DNS events as JSON lines and as JSON documents.

    .venv/bin/python bench/bench_json_documents.py                 # 1,000,000 events
    .venv/bin/python bench/bench_json_documents.py --events 100000 # a Graph response's most

The events are rows of our own ``queries/dns_events.kql`` (names from the benchmark pool, 300
devices). Shapes: JSON lines (the baseline: Arrow reads them in C), a pretty-printed JSON array
(``az monitor log-analytics query``, ``ConvertTo-Json``; read value by value, each record's own text
passed on), and a pretty-printed Graph ``runHuntingQuery`` response (decoded whole, its records
encoded again). Prints seconds (median of ``--repeat``), events/s, the ratio to JSON lines measured
in the same run, and peak RSS. The Graph API returns at most 100,000 rows a query, so a million-row
response is a stress case, not a real one.
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

    names = name_pool(min(n, 200_000))
    return [{"Timestamp": f"2026-12-07T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}.1234567Z",
             "DeviceId": f"d{i % 300}", "DeviceName": f"ws-{i % 300:03d}",
             "ClientIP": f"10.0.{i % 300 // 250}.{i % 250}",
             "QueryName": names[i % len(names)], "QueryType": "A", "Answers": "", "Source": "DeviceEvents"}
            for i in range(n)]


def write_inputs(n: int) -> dict[str, Path]:
    paths = {shape: CACHE / f"events_{n}.{shape}.json" for shape in ("lines", "array", "graph")}
    if all(p.exists() for p in paths.values()):
        return paths
    rows = _rows(n)
    CACHE.mkdir(parents=True, exist_ok=True)
    paths["lines"].write_text("".join(json.dumps(r) + "\n" for r in rows))
    paths["array"].write_text(json.dumps(rows, indent=2))
    graph = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults",
             "schema": [{"name": k, "type": "String"} for k in rows[0]], "results": rows}
    paths["graph"].write_text(json.dumps(graph, indent=2))
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    paths = write_inputs(args.events)
    runs: dict[str, list[tuple[float, float, int]]] = {shape: [] for shape in paths}
    for _ in range(args.repeat):  # alternating, so a slow spell of a shared machine hits every shape
        for shape, path in paths.items():
            runs[shape].append(_run([sys.executable, "-m", "hunt_assets.cli", "score-dns", "--no-progress", str(path)]))
    base = statistics.median(r[0] for r in runs["lines"])
    print(f"score-dns whole process, {args.events:,} events (median of {args.repeat}; fastest in brackets)")
    for shape, rs in runs.items():
        if any(r[2] != 0 for r in rs):
            print(f"    {shape:6s} FAILED (exit {[r[2] for r in rs]})")
            return 1
        s = statistics.median(r[0] for r in rs)
        size = paths[shape].stat().st_size / 2**20
        fastest = min(r[0] for r in rs)
        print(f"    {shape:6s} {size:6.0f} MiB  {s:6.2f} s ({fastest:.2f})  {args.events / s:>10,.0f} events/s"
              f"  {s / base:4.2f}x JSON lines  peak RSS {max(r[1] for r in rs):,.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
