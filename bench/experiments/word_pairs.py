"""Could a batch tell a word-list DGA (suppobox, matsnu, gozi) from popular names by its word reuse?

    .venv/bin/python bench/experiments/word_pairs.py [K ...]    (default: 3 4 5 6)

Names-only recall of the word-list families is 0.000-0.027 (``bench/eval_dns.py``): each name reads
as English (``planenough.net``, ``headposition.net``), so the character model cannot see them, and
only the event view catches them (0.94-0.98). A batch of one family has a tell a single name lacks:
its labels are pairs from one closed word list, so every word comes back as the first or the second
half of several other labels. This measures that tell as a graph. Per public suffix, a registered
label ``ab`` splits into ``a`` + ``b`` (each 3+ characters) where ``a`` starts at least one other
label and ``b`` ends at least one other; the halves are vertices, the labels edges, and the K-core
(every vertex on K or more surviving labels) is what a rule would lift. Scored in one batch, the
whole dev set as ``bench/eval_dns.py`` scores it names-only; registered domains as the scorer parses
them.

Result on 2026-12-06 (dev set as built by ``bench/devset/build.py``):

    dev set, one batch    K=3     K=4     K=5     K=6
    suppobox              0.990   0.978   0.847   0.703
    matsnu                0.177   0.000   0.000   0.000
    gozi                  0.000   0.000   0.000   0.000
    hold-out lifted       2.95 %  0       0       0
    Umbrella lifted       5.37 %  0.01 %  0       0
    training list alone   9.71 %  5.22 %  2.28 %  0      (129,267 popular names in one batch)

    suppobox sampled into the popular lists at K=4: 300 names 0.000, 500 names 0.564, 1000 names 0.975.

Not built as measured here (halves of 3+ letters, one vertex per half, popular names in the graph);
built at stop 46 with halves of 4+ letters, leads and trails apart and only unfamiliar names in the
graph: see `word_grid.py` beside this file. The dev-set batch makes K=4 look clean, but the popular
names have a closed vocabulary of their own (``blog`` + ``spot``, ``share`` + ``point``, ``safe`` +
``special``) whose core grows with the batch: the shipped training list alone lifts 5.2 % at K=4 and
2.3 % at K=5, against a 0.5 % budget. At K=6, where it lifts none, suppobox needs a thousand names
of one word list under one suffix in the batch (0.70), and fewer than about 500 give nothing; a real
DNS day has more popular names than the training list, so the bar that is safe here need not be safe
there. matsnu (three or four words) and gozi (fragments of a text) do not form pairs; nymaim2,
charbot and ngioweb (the out-of-sample lists) score 0 at K=4 too. The event view keeps catching the
word-list families (0.94-0.98).
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.devset.build import build
from hunt_assets.analytics.dns.ngram import load_training_domains
from hunt_assets.analytics.dns.score import score_names

HALF = 3  # shortest half of a split
SHOWN = ("suppobox", "matsnu", "gozi", "popular_holdout", "popular_umbrella")


def pair_core(labels: set[str], k: int) -> set[str]:
    """The labels on the K-core of the split graph of one suffix's registered labels (see module text)."""
    starts: collections.Counter[str] = collections.Counter()
    ends: collections.Counter[str] = collections.Counter()
    for lab in labels:
        for i in range(HALF, len(lab) - HALF + 1):
            starts[lab[:i]] += 1
            ends[lab[i:]] += 1
    splits = {}
    for lab in labels:
        cut = [(lab[:i], lab[i:]) for i in range(HALF, len(lab) - HALF + 1)
               if starts[lab[:i]] >= 2 and ends[lab[i:]] >= 2]
        if cut:
            splits[lab] = cut
    alive = set(splits)
    while True:
        degree: collections.Counter[str] = collections.Counter()
        for lab in alive:
            for half in {h for pair in splits[lab] for h in pair}:
                degree[half] += 1
        for lab in alive:
            splits[lab] = [(a, b) for a, b in splits[lab] if degree[a] >= k and degree[b] >= k]
        kept = {lab for lab in alive if splits[lab]}
        if kept == alive:
            return alive
        alive = kept


def _labels(names: pd.DataFrame) -> pd.DataFrame:
    """``names`` (``name``, ``family``) with each name's registered label (hyphens out) and suffix."""
    scored = score_names(names["name"].drop_duplicates())[["name", "registered_domain"]]
    d = names.merge(scored, on="name", how="left")
    reg = d["registered_domain"].fillna("").astype(str)
    d["label"] = reg.str.split(".", n=1).str[0].str.replace("-", "", regex=False)
    d["suffix"] = reg.str.split(".", n=1).str[1].fillna("")
    return d[(d["label"] != "") & (d["suffix"] != "")]


def lifted_share(d: pd.DataFrame, k: int) -> pd.Series:
    """Per family: the share of its names on a K-core, cores found per suffix over the whole batch."""
    lifted: set[tuple[str, str]] = set()
    for suffix, g in d.groupby("suffix"):
        lifted |= {(suffix, lab) for lab in pair_core(set(g["label"]), k)}
    hit = pd.Series([(s, lab) in lifted for s, lab in zip(d["suffix"], d["label"], strict=True)], index=d.index)
    return hit.groupby(d["family"]).mean()


def main(argv: list[str]) -> int:
    ks = [int(a) for a in argv] or [3, 4, 5, 6]
    names, _ = build()
    d = _labels(names[["name", "family"]])
    rows = [{"K": k, **lifted_share(d, k).reindex(list(SHOWN), fill_value=0.0).round(4).to_dict()} for k in ks]
    print("dev set, one batch (names-only, as bench/eval_dns.py scores it)")
    print(pd.DataFrame(rows).to_string(index=False))

    print("\nsuppobox sampled, in one batch with both popular lists, K = 4")
    popular = d[d["family"].isin(["popular_holdout", "popular_umbrella"])]
    sup = d[d["family"] == "suppobox"]
    for n in (300, 500, 1000):
        share = lifted_share(pd.concat([popular, sup.sample(n, random_state=1)]), 4)
        print(f"  {n:5d} names: suppobox {share['suppobox']:.3f}, popular lifted "
              f"{share.drop('suppobox').mul(popular['family'].value_counts()).sum() / len(popular):.4%}")

    print("\nthe shipped popular training list alone (a larger popular batch)")
    train = pd.DataFrame({"name": load_training_domains(), "family": "train"})
    t = _labels(train)
    for k in ks:
        print(f"  K = {k}: {lifted_share(t, k)['train']:.4%} lifted of {len(t):,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
