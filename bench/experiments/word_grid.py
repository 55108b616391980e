"""How the word-grid rule (``hunt_assets/analytics/dns/word_grid.py``) behaves on popular and DGA lists.

    .venv/bin/python bench/experiments/word_grid.py [--tranco FILE] [--majestic FILE] [--suppobox-words DIR]

``bench/experiments/word_pairs.py`` (`f62664e`) measured the idea with halves of 3+ letters, one
vertex per half whether it leads or trails, and every label of a batch, and rejected it: the
training list alone lifted 5.2 % at K=4. The rule as built differs in three ways, each measured
here: halves of ``MIN_PART`` (4) letters or more, leads and trails apart (a bipartite graph), and
only the candidates' labels (domains on the popular list never enter the graph: their closed
vocabulary, ``share`` + ``point``, is what built the popular core). Prints, per (MIN_PART, CORE):

* the share of *popular* labels on a grid when every popular list is scored as unfamiliar names
  (the training list, its hold-out, Umbrella, and the optional Tranco / Majestic files), one batch:
  the worst case for a day whose popular names are not on our list;
* the share of suppobox / matsnu / gozi names on a grid in the dev set's names-only batch;
* suppobox sampled into the popular lists (300 / 500 / 1,000 names): how big a day must be.

Result on 2026-12-08 (stop 46; with Tranco's top 50,526 and Majestic's top 15,000 from the
mirrors the dev set's README names: 195,714 popular registered domains in one batch):

    MIN_PART CORE  popular lifted  suppobox  matsnu  gozi  suppobox 300 / 500 / 1000 among popular
    3        4     1.60 %          0.936     0       0     0.000 / 0.546 / 0.936
    4        3     3.25 %          0.882     0       0     0.213 / 0.670 / 0.880
    4        4     0               0.856     0       0     0.000 / 0.472 / 0.856
    4        5     0               0.708     0       0     0.000 / 0.000 / 0.684

With ``--suppobox-words`` (the three word lists of J. Bader's Suppobox reimplementation, read as
data, not committed), one infected host's look-ups through our own implementation
(``bench/devset/dga.suppobox_period``: 85 names every 512 s, consecutive periods sharing 84), scored
names-only among the 66,447 popular names not on our list (754 of them flagged alone):

    hours of one host's look-ups   names   on a grid (3 lists x 3 days)   popular flags added
    24                             252     0.968-0.992                    0
    6                              126     0.952-1.000                    0
    2                              98      0.949-0.980                    0

Built: MIN_PART 4, CORE 4. Nothing popular is lifted even with every popular list scored as
unfamiliar names. A host's own day is a dense grid (consecutive seeds flip the low bits that pick
both words), so two hours of it suffice; the dev set's suppobox is sparser (one period on each of
a dozen random dates), which is why 300 of its names sampled at random give nothing. matsnu (two to
four words from a long list) and gozi (fragments of a text) form no grid at any setting here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.devset.build import build, read_list
from hunt_assets.analytics.dns import word_grid as G
from hunt_assets.analytics.dns.names import parse, to_binary_array
from hunt_assets.analytics.dns.ngram import load_training_domains

SETTINGS = ((3, 4), (4, 3), (4, 4), (4, 5))


def members(domains: list[str]) -> pd.Series:
    """Whether each name's registered domain is on a grid: one batch, one label per registered domain."""
    p = parse(to_binary_array(domains))
    reg = p.reg_label
    ok = reg >= 0
    at = np.maximum(reg, 0)
    reg_hash = np.where(ok, p.suffix_hash[at], 0)
    lengths = p.label_end[at] - p.label_start[at]
    spans = zip(p.label_start[at], p.label_end[at], strict=True)
    letters = np.array([p.lower[s:e].tobytes().isalpha() for s, e in spans])
    rows = np.flatnonzero(ok & letters & (lengths >= G.MIN_LEN) & (lengths <= G.MAX_LEN))
    rows = rows[np.unique(reg_hash[rows], return_index=True)[1]]
    lifted = np.zeros(0, dtype=np.uint64)
    if rows.size:
        s = p.label_start[at[rows]]
        g = G.find_grids(p.lower, s, lengths[rows], p.suffix_hash[at[rows] + 1])
        lifted = reg_hash[rows][g.member]
    return pd.Series(ok & np.isin(reg_hash, lifted), index=domains)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tranco", help="a `rank,domain` list to add to the popular batch")
    ap.add_argument("--majestic", help="Majestic's CSV to add to the popular batch")
    ap.add_argument(
        "--suppobox-words", metavar="DIR",
        help="a folder with Suppobox's own word lists (words1.txt ...): one host's day of each, scored among the "
        "popular names",
    )
    args = ap.parse_args(argv)
    popular = [*load_training_domains(), *read_list("popular_holdout.txt.gz"), *read_list("popular_umbrella.txt.gz")]
    if args.tranco:
        popular += [line.split(",")[-1].strip().lower() for line in Path(args.tranco).read_text().splitlines()]
    if args.majestic:
        popular += pd.read_csv(args.majestic)["Domain"].str.lower().tolist()
    popular = list(dict.fromkeys(d for d in popular if d))
    names, _ = build()
    dev = names.drop_duplicates("name")
    fam = dev.set_index("name")["family"]
    sup = dev[dev["family"] == "suppobox"]["name"].tolist()
    rows = []
    for part, core in SETTINGS:
        G.MIN_PART, G.CORE = part, core
        pop = members(popular).mean()
        on_dev = members(dev["name"].tolist())
        share = on_dev.groupby(fam.reindex(on_dev.index).to_numpy()).mean()
        sampled = []
        for n in (300, 500, 1000):
            pick = list(pd.Series(sup).sample(n, random_state=1))
            m = members([*popular, *pick])
            sampled.append(f"{m.loc[pick].mean():.3f}")
        rows.append({
            "MIN_PART": part, "CORE": core, "popular lifted": f"{pop:.2%}",
            **{f: round(float(share.get(f, 0.0)), 3) for f in ("suppobox", "matsnu", "gozi")},
            "suppobox 300/500/1000 among popular": " / ".join(sampled),
        })
    print(f"{len(popular):,} popular registered domains in one batch")
    print(pd.DataFrame(rows).to_string(index=False))
    G.MIN_PART, G.CORE = 4, 4
    if args.suppobox_words:
        ours = set(load_training_domains())
        real_days(Path(args.suppobox_words), [d for d in popular if d not in ours])
    return 0


def real_days(folder: Path, popular: list[str]) -> None:
    """One infected host's day (or hours) of Suppobox with the malware's own word lists, scored
    names-only in one batch with the popular names that are not on our list."""
    import datetime as dt

    from bench.devset.dga import suppobox_period
    from hunt_assets.analytics.dns.score import score_names

    alone = int((score_names(popular)["verdict"] != "benign").sum())
    rows = []
    for path in sorted(folder.glob("words*.txt")):
        words = [w.strip() for w in path.read_text().splitlines() if w.strip()]
        for day in (dt.date(2026, 11, 16), dt.date(2025, 3, 2), dt.date(2024, 7, 9)):
            t0 = int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())
            for hours in (24, 6, 2):
                names: list[str] = []
                for k in range(hours * 3600 // 512):
                    names += suppobox_period(words, (t0 + 512 * k) >> 9)
                names = list(dict.fromkeys(names))
                r = score_names(names + popular).set_index("name")
                rows.append({
                    "words": path.stem, "day": str(day), "hours": hours, "names": len(names),
                    "flagged": round(float((r.loc[names, "verdict"] != "benign").mean()), 3),
                    "on a grid": round(float(r.loc[names, "reasons"].str.contains("word grid").mean()), 3),
                    "popular flags added": int((r.loc[popular, "verdict"] != "benign").sum()) - alone,
                })
    print(f"\nSuppobox's own word lists, one host's look-ups, among {len(popular):,} popular names "
          f"({alone} flagged alone)")
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    raise SystemExit(main())
