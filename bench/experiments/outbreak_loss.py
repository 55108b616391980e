"""How far does the shared-list rule (``OUTBREAK_SAME_CLIENTS``) carry an outbreak in a log without
answers when hosts are many and the log loses look-ups?

    .venv/bin/python bench/experiments/outbreak_loss.py [--per 400] [--seed 5]

Each dev-set DGA family's names (``--per`` of them, 200 per list) are looked up by every one of
``hosts`` infected hosts in a burst at a random time, as in ``burst_layouts.py``'s ``outbreak``
layout, except that each look-up is missing from the log with probability ``loss`` (a sensor that
drops events, a host that came up mid-list). The popular hold-out is laid out beside them as in the
dev set (300 workstations). Events carry no answers. Printed: DGA recall names-only (the same batch
as names) and as events, and the hold-out FPR as events.

The rule asks for exactly the same client set. A name that one host missed has a set of its own, so
with many hosts and losses the shared sets shrink, and the burst then also falls under
``BURST_SHARE``. Result on 2026-12-07 (stop 33), defaults:

    hosts  loss  names  events  hold-out FPR
        3  0.00  0.832   0.871        0.0034
        5  0.00  0.832   0.871        0.0034
        5  0.05  0.832   0.867        0.0034
        5  0.20  0.832   0.863        0.0034
       10  0.05  0.832   0.859        0.0034
       10  0.20  0.832   0.834        0.0034

So losses cost little on five hosts, and ten hosts with a fifth of their look-ups lost are back at
the names-only figure. Merging near-identical sets (MinHash bands) was considered and not built:
ad-tech names read by a large share of a fleet have similar reader sets too (two random sets of 140
of 300 readers have a Jaccard similarity of about 0.3), and telling those from a lossy outbreak
needs a bar nobody has measured on a real fleet.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.devset import dga
from bench.devset.build import popular_lookup, read_list
from bench.experiments.burst_layouts import DAY, FLAG, PER_HOST, _burst, events_frame
from hunt_assets.analytics.dns.events import score_events
from hunt_assets.analytics.dns.score import score_names

CASES = ((3, 0.0), (5, 0.0), (5, 0.05), (5, 0.2), (10, 0.05), (10, 0.2))


def day(fams: dict[str, list[str]], popular: list[str], hosts: int, loss: float, rng: random.Random) -> pd.DataFrame:
    rows = []
    for fam, names in fams.items():
        for h in range(0, len(names), PER_HOST):
            chunk = names[h : h + PER_HOST]
            for k in range(hosts):
                offs = _burst(rng, len(chunk))
                start = rng.uniform(0, DAY - offs[-1] - 1)
                rows += [
                    (start + o, f"dga-{fam}-{h}-{k}", n)
                    for o, n in zip(offs, chunk, strict=True)
                    if rng.random() >= loss
                ]
    rows += [(t, client, name) for t, client, name, _q, _ok in (popular_lookup(rng, n) for n in popular)]
    return events_frame(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per", type=int, default=400, help="names per DGA family")
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    fams = {f: fn(args.per, rng) for f, (fn, _kind) in dga.FAMILIES.items()}
    popular = read_list("popular_holdout.txt.gz")
    dga_names = [n for names in fams.values() for n in names]
    alone = score_names(dga_names + popular).set_index("name")["verdict"].isin(FLAG).reindex(dga_names)
    print("hosts  loss  names  events  hold-out FPR")
    for hosts, loss in CASES:
        flags, _ = score_events(day(fams, popular, hosts, loss, rng))
        flagged = flags.set_index("name")["verdict"].isin(FLAG)
        events = flagged.reindex(dga_names).fillna(False).mean()
        fpr = flagged.reindex(popular).fillna(False).mean()
        print(f"{hosts:5d}  {loss:.2f}  {alone.mean():.3f}   {events:.3f}        {fpr:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
