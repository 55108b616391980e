"""Would DGA cohorts resist dilution if word-like names did not count in a cohort's size?

    .venv/bin/python bench/experiments/cohort_denominator.py [--oos DIR]

A names-only DGA cohort (``domain_stats._dga_cohort``) fires when at least ``COHORT_MIN`` of its
registered domains are random-looking and they make up ``COHORT_SHARE`` of *all* registered domains
of that shape in the batch, popular ones included. Many popular names of the same shape in one
batch (``.com``, 8 letters) dilute the share, so a small DGA list is missed. This experiment counts
only the names whose registered label reads at or above ``DEN`` bits in the size, for several
``DEN``, and reports names-only DGA recall, false positives on the hold-out and Umbrella lists, a
benign-only batch, 50 names per family among all popular names, and optionally an out-of-sample
folder of ``<family>.txt`` lists (as ``bench/eval_name_lists.py`` reads them).

Result on 2026-12-05 (dev set as built by ``bench/devset/build.py``, 23 out-of-sample families of
J. Bader's example lists):

    DEN        DGA recall  hold-out FP  Umbrella FP  50/family  out-of-sample mean
    (current)  0.8503       50          551          0.787      0.659
    -3         0.8718      220         1387          0.797      0.682
    -1         0.8745      244         1515          0.822      0.682
     0         0.8774      525         2912          0.839      0.682

Not adopted: once the popular names no longer hold a large shape's share down, a DGA's names in
that shape (``.com``, 8 letters) convict the whole cohort, and every non-popular *benign* member above
``COHORT_MEMBER_BITS`` joins it. A benign-only batch moves little (547 -> 643 flags at DEN -1), but
mixed with the DGA lists the hold-out FPR goes from 0.35 % to 1.7-3.7 %.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import hunt_assets.analytics.dns.domain_stats as DS  # noqa: E402
from bench.devset.build import build  # noqa: E402
from bench.eval_name_lists import read_names  # noqa: E402
from hunt_assets.analytics.dns.score import score_names  # noqa: E402

FLAG = {"tunnel", "dga", "suspicious"}
_ORIGINAL = DS._dga_cohort


def _cohort_with_denominator(den: float):  # a drop-in for DS._dga_cohort
    def cohort(cols, reasons, dcode, first_row, key):
        key_row = cols[key][first_row]
        shaped = np.flatnonzero(key_row != 0)
        cand = (key_row[shaped] & np.uint64(1)) == 1
        bits = cols["reg_bits"][first_row[shaped]]
        hi = cand & (bits >= DS.DGA_BURST_BITS)
        if hi.sum() < DS.COHORT_MIN:
            return
        codes = DS._factorize(key_row[shaped] & ~np.uint64(1))
        n_hi = np.bincount(codes, weights=hi.astype(np.float64))
        size = np.bincount(codes, weights=(bits >= den).astype(np.float64))
        fire = (n_hi >= DS.COHORT_MIN) & (n_hi >= DS.COHORT_SHARE * size)
        if not fire.any():
            return
        kin = hi | (cand & (bits >= DS.COHORT_MEMBER_BITS))
        member = np.zeros(first_row.size, dtype=bool)
        member[shaped[fire[codes] & kin]] = True
        mask = member[dcode] & ~DS._verdict_is(cols, "tunnel") & ~DS._verdict_is(cols, "invalid")
        DS.lift(cols, mask & ~DS._verdict_is(cols, "dga"), "dga", 0.7)

    return cohort


def _flagged(names: pd.Series) -> pd.Series:
    r = score_names(names).set_index("name")
    return pd.Series(r.loc[names, "verdict"].isin(FLAG).to_numpy(), index=names.index)


def run(d: pd.DataFrame, oos: pd.DataFrame | None) -> dict[str, object]:
    f = _flagged(d["name"])
    out: dict[str, object] = {
        "dga_recall": round(f[d.group == "dga"].mean(), 4),
        "holdout_fp": int(f[d.family == "popular_holdout"].sum()),
        "umbrella_fp": int(f[d.family == "popular_umbrella"].sum()),
        "lookalike_fp": int(f[d.group == "lookalike"].sum()),
    }
    benign = d[d.group.isin(["popular", "lookalike"])]
    out["benign_only_batch_fp"] = int(_flagged(benign["name"]).sum())
    few = d[d.group == "dga"].groupby("family").head(50)
    mixed = pd.concat([few["name"], d[d.group == "popular"]["name"]], ignore_index=True)
    fm = _flagged(mixed)
    out["dga_50_per_family"] = round(fm.iloc[: len(few)].mean(), 4)
    if oos is not None:
        fo = _flagged(oos["name"])
        t = fo.groupby(oos["family"]).mean().drop(index="(popular hold-out)")
        out["oos_mean"] = round(t.mean(), 3)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--oos", type=Path, help="folder of <family>.txt name lists the dev set never saw")
    ap.add_argument("--den", type=float, nargs="*", default=[-3.0, -1.0, 0.0])
    args = ap.parse_args(argv)
    names, _ = build()
    oos = None
    if args.oos:
        rows = [(n, p.stem) for p in sorted(args.oos.glob("*.txt")) for n in read_names(p, 1000)]
        with gzip.open(ROOT / "bench/devset/data/popular_holdout.txt.gz", "rt", encoding="ascii") as fh:
            rows += [(line.strip(), "(popular hold-out)") for line in fh if line.strip()]
        oos = pd.DataFrame(rows, columns=["name", "family"]).drop_duplicates("name").reset_index(drop=True)
    results = []
    for den in [None, *args.den]:
        DS._dga_cohort = _ORIGINAL if den is None else _cohort_with_denominator(den)
        results.append({"DEN": "current" if den is None else den, **run(names, oos)})
        print(results[-1], file=sys.stderr)
    DS._dga_cohort = _ORIGINAL
    print(pd.DataFrame(results).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
