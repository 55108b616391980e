"""Would a higher-order character model judge registered labels better, name by name?

    .venv/bin/python bench/experiments/model_order.py [ORDER ...]    (default: 3 4 5)

The shipped model is an interpolated Kneser-Ney character 4-gram (``ngram.train``), stored as a dense
uint8 table over 40^3 contexts. A 5-gram needs 40^4 contexts (a 100 MB dense table, or a hashed one
and a slower kernel), so before building one this measures what it would buy. Each order is trained
here in plain Python with the shipped recipe (discount 0.75, continuation counts below the top order,
0.5 % uniform floor), per-length bars are set by 5-fold cross-fitting on the training list at the
DGA (0.3 %) and ``suspicious`` (0.6 %) levels, and the dev set's registered labels of 6+ characters
are judged by the per-name bar alone: no cohorts, no bursts, no suppressions, so the figures are the
model's, not the scorer's.

Result on 2026-12-06 (dev set as built by ``bench/devset/build.py``):

    order  level  DGA recall  hold-out FPR  Umbrella FPR   weak families (conficker / pushdo / simda)
    3      0.3 %  0.659       0.19 %        1.48 %         0.61 / 0.22 / 0.06
    3      0.6 %  0.739       0.56 %        2.37 %         0.71 / 0.38 / 0.13
    4      0.3 %  0.703       0.28 %        1.59 %         0.60 / 0.31 / 0.12
    5      0.3 %  0.711       0.27 %        1.61 %         0.62 / 0.37 / 0.14
    4      0.6 %  0.770       0.60 %        2.63 %         0.73 / 0.52 / 0.23
    5      0.6 %  0.772       0.57 %        2.49 %         0.73 / 0.55 / 0.24

Not adopted: the fourth character (order 3 -> 4, the shipped model) bought 3-4 points of recall;
a fifth buys under one point of recall at either level and moves the
popular-list FPR by hundredths of a point, against a table 40 times larger and a slower scorer.
The short random-letter families stay where they are: their labels are too short for any order to
tell from real names.
"""

from __future__ import annotations

import collections
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.devset.build import build  # noqa: E402
from hunt_assets.analytics.dns import ngram  # noqa: E402
from hunt_assets.analytics.dns.score import score_names  # noqa: E402

DISCOUNT = 0.75
FLOOR = 0.005
SYMBOLS = 40
FOLDS = 5
MIN_LEN = 6
WEAK = ("conficker", "pushdo", "simda", "locky", "nymaim", "symmi", "banjori")


def _sym(c: str) -> str:
    return c if ("a" <= c <= "z" or "0" <= c <= "9" or c in "-_") else "?"


class KneserNey:
    """Interpolated Kneser-Ney over label characters, any order (dictionaries: slow, but exact)."""

    def __init__(self, labels: list[str], order: int) -> None:
        self.n = order
        self.cnt: list[dict[str, collections.Counter]] = [collections.defaultdict(collections.Counter)
                                                          for _ in range(order + 1)]
        for lab in labels:
            s = "^" * (order - 1) + "".join(map(_sym, lab)) + "$"
            for i in range(order - 1, len(s)):
                self.cnt[order][s[i - order + 1:i]][s[i]] += 1
        for k in range(order - 1, 0, -1):  # continuation counts: distinct left extensions
            for ctx, nxt in self.cnt[k + 1].items():
                for ch in nxt:
                    self.cnt[k][ctx[1:]][ch] += 1
        self.tot = [{c: sum(v.values()) for c, v in t.items()} for t in self.cnt]
        self.types = [{c: len(v) for c, v in t.items()} for t in self.cnt]

    def _p(self, ctx: str, ch: str, k: int) -> float:
        if k == 0:
            return 1.0 / SYMBOLS
        lower = self._p(ctx, ch, k - 1)
        c = ctx[len(ctx) - (k - 1):] if k > 1 else ""
        t = self.cnt[k].get(c)
        if not t:
            return lower
        tot = self.tot[k][c]
        return max(t.get(ch, 0) - DISCOUNT, 0) / tot + DISCOUNT * self.types[k][c] / tot * lower

    def bits(self, lab: str) -> float:
        """Likelihood ratio of a uniform string over the label's alphabet against the model, as
        ``reg_bits``: high for labels the model finds unlike popular names."""
        s = "^" * (self.n - 1) + "".join(map(_sym, lab)) + "$"
        lp = sum(math.log2((1 - FLOOR) * self._p(s[i - self.n + 1:i], s[i], self.n) + FLOOR / SYMBOLS)
                 for i in range(self.n - 1, len(s)))
        alphabet = 26 + 10 * any(c.isdigit() for c in lab) + ("-" in lab)
        return -(lp + (len(s) - self.n + 1) * math.log2(alphabet))


def _bars(bits: np.ndarray, lens: np.ndarray, q: float) -> np.ndarray:
    out = np.full(64, np.nan)
    cap = np.minimum(lens, 16)
    for length in range(MIN_LEN, 64):
        sel = (np.abs(cap - min(length, 16)) <= 2) & (lens >= MIN_LEN)
        out[length] = np.quantile(bits[sel], 1 - q)
    return out


def main(argv: list[str] | None = None) -> int:
    orders = [int(x) for x in (argv if argv is not None else sys.argv[1:])] or [3, 4, 5]
    train = np.array([lab for d in ngram.load_training_domain_bytes() if (lab := d.decode().split(".")[0])],
                     dtype=object)
    lens = np.array([len(t) for t in train])
    fold = np.random.default_rng(1).integers(0, FOLDS, len(train))
    names, _ = build()
    names = names[names["group"].isin(["dga", "popular"])].reset_index(drop=True)
    reg = score_names(names["name"]).set_index("name")["registered_domain"]
    names["label"] = names["name"].map(reg).fillna("").str.split(".").str[0]
    names = names[names["label"].str.len() >= MIN_LEN].reset_index(drop=True)
    rows = []
    for order in orders:
        oof = np.empty(len(train))
        for k in range(FOLDS):
            m = KneserNey(list(train[fold != k]), order)
            oof[fold == k] = [m.bits(t) for t in train[fold == k]]
        full = KneserNey(list(train), order)
        bits = np.array([full.bits(t) for t in names["label"]])
        dl = np.minimum(names["label"].str.len().to_numpy(), 63)
        for q in (0.003, 0.006):
            hit = pd.Series(bits >= _bars(oof, lens, q)[dl])
            dga = hit[names["group"] == "dga"]
            fam = dga.groupby(names["family"]).mean()
            rows.append({"order": order, "level": f"{q:.1%}", "dga_recall": round(dga.mean(), 3),
                         "holdout_fpr": round(hit[names["family"] == "popular_holdout"].mean(), 4),
                         "umbrella_fpr": round(hit[names["family"] == "popular_umbrella"].mean(), 4),
                         **{f: round(fam.get(f, np.nan), 2) for f in WEAK}})
            print(rows[-1], file=sys.stderr, flush=True)
    print(pd.DataFrame(rows).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
