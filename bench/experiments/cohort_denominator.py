"""Would DGA cohorts resist dilution if word-like names did not count in a cohort's size?

    .venv/bin/python bench/experiments/cohort_denominator.py [--oos DIR]

A names-only DGA cohort (``domain_stats._dga_cohort``) fires when at least ``COHORT_MIN`` of its
registered domains are random-looking and they make up ``COHORT_SHARE`` of *all* registered domains
of that shape in the batch, popular ones included (``domain_stats._cohort_size``). Many popular names
of the same shape in one batch (``.com``, 8 letters) dilute the share, so a small DGA list is missed.
This experiment swaps ``_cohort_size`` for one that counts only the names whose registered label
reads at or above ``DEN`` bits, for several ``DEN``, and reports names-only DGA recall, false
positives on the hold-out and Umbrella lists, a benign-only batch, 50 names per family among all
popular names, and optionally an out-of-sample folder of ``<family>.txt`` lists (the batch
``bench/eval_name_lists.py`` scores).

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
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import hunt_assets.analytics.dns.domain_stats as DS  # noqa: E402
from bench.devset.build import build  # noqa: E402
from bench.eval_name_lists import HOLDOUT, load_batch  # noqa: E402
from hunt_assets.analytics.dns.score import score_names  # noqa: E402

FLAG = {"tunnel", "dga", "suspicious"}
_ORIGINAL = DS._cohort_size


def _size_from(den: float):  # a drop-in for DS._cohort_size
    def size(codes: np.ndarray, bits: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=(bits >= den).astype(np.float64))

    return size


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
        t = fo.groupby(oos["family"]).mean().drop(index=HOLDOUT)
        out["oos_mean"] = round(t.mean(), 3)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--oos", type=Path, help="folder of <family>.txt name lists the dev set never saw")
    ap.add_argument("--den", type=float, nargs="*", default=[-3.0, -1.0, 0.0])
    args = ap.parse_args(argv)
    names, _ = build()
    oos = load_batch(args.oos, 1000) if args.oos else None
    results = []
    for den in [None, *args.den]:
        DS._cohort_size = _ORIGINAL if den is None else _size_from(den)
        results.append({"DEN": "current" if den is None else den, **run(names, oos)})
        print(results[-1], file=sys.stderr)
    DS._cohort_size = _ORIGINAL
    print(pd.DataFrame(results).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
