"""Score folders of name lists the dev set never saw: one file per family, one name per line.

    .venv/bin/python bench/eval_name_lists.py DIR [--per-file 1000]
    .venv/bin/python bench/eval_name_lists.py DIR --events    # also as a day of DNS events
    .venv/bin/python bench/eval_name_lists.py --popular tranco_top.csv   # FPR on another popular list

Meant for an out-of-sample check of name-only DGA detection: generate lists with third-party DGA
reimplementations for families that ``bench/devset/dga.py`` does not implement (run them locally;
do not commit their code or output), put one ``<family>.txt`` per family in DIR and compare
branches. Each file's names (at most ``--per-file``, a seeded sample) are scored together with
the popular hold-out list in one batch, as ``hunt-assets score-dns`` would score a plain list;
the table gives the flagged share (verdict not ``benign``), the ``dga`` share per file, and the
hold-out false-positive rate.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.devset.build import dga_lookups, popular_lookup, read_list  # noqa: E402
from hunt_assets.analytics.dns.events import score_events  # noqa: E402
from hunt_assets.analytics.dns.score import score_names  # noqa: E402


def read_names(path: Path, limit: int, shuffle: bool = True) -> list[str]:
    names = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        for tok in line.replace("|", " ").replace(",", " ").split():
            tok = tok.strip().lower().rstrip(".")
            if "." in tok and all(c.isalnum() or c in ".-_" for c in tok):
                names.append(tok)
    names = list(dict.fromkeys(names))
    if shuffle:
        random.Random(0).shuffle(names)
    return names[:limit]


HOLDOUT = "(popular hold-out)"


def load_batch(folder: Path, per_file: int) -> pd.DataFrame:
    """Every ``<family>.txt`` list of ``folder`` plus the popular hold-out, one distinct name per row.

    Scored as one batch, as ``hunt-assets score-dns`` would score a plain list: the hold-out gives
    the false-positive rate and dilutes the DGA lists' cohorts as real traffic would.
    """
    rows = [(n, f.stem) for f in sorted(folder.glob("*.txt")) for n in read_names(f, per_file)]
    rows += [(n, HOLDOUT) for n in read_list("popular_holdout.txt.gz")]
    return pd.DataFrame(rows, columns=["name", "family"]).drop_duplicates("name").reset_index(drop=True)


def event_view(d: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    """DNS events for a batch from ``load_batch``, as ``bench/devset/build.py`` lays out its own:
    each family's names resolved by one host per 200 names in a burst (3 % answered: the odd
    candidate that is registered), the hold-out's by 300 workstations over a day (97 % answered)."""
    rng = random.Random(seed)
    rows = []
    for fam, names in d.groupby("family", sort=True)["name"]:
        if fam == HOLDOUT:
            rows += [popular_lookup(rng, n) for n in names]
        else:
            rows += list(dga_lookups(rng, str(fam), names.tolist()))
    ev = pd.DataFrame(rows, columns=["t", "client", "name", "qtype", "answered"])
    ev["answers"] = ev.pop("answered").map({True: "192.0.2.10", False: ""})
    ev["timestamp"] = pd.Timestamp("2024-06-01", tz="UTC") + pd.to_timedelta(ev.pop("t"), unit="s")
    return ev.sort_values("timestamp").reset_index(drop=True)


def popular_fpr(path: Path) -> list[str]:
    """False-positive rate on another popular-domain list (one name per line, ``rank,name`` lines
    as Tranco / Umbrella publish them, or Majestic's CSV; in rank order), names in the training
    list left out.

    Scored alone, as a benign-only batch, and reported by the list's own rank, for the names our
    list does not hold (the model's share) and for the whole list (what a user of the list sees):
    a ranking built from other sources than ours shows how far the shipped list and model carry.
    """
    from hunt_assets.analytics.dns.ngram import load_training_domains

    trained = set(load_training_domains())
    ranked = read_names(path, 10**9, shuffle=False)
    every = pd.DataFrame({"rank": range(len(ranked)), "name": ranked})
    r = score_names(every["name"]).set_index("name")
    every["verdict"] = r.loc[every["name"], "verdict"].to_numpy()
    every["fresh"] = ~every["name"].isin(trained)
    # rows that are not host names at all (Majestic's CSV has a few bare-TLD rows such as ``.com``)
    # are scored ``invalid``: counted and shown, but not taken for false positives on popular names
    bad = every[every["verdict"] == "invalid"]
    every = every[every["verdict"] != "invalid"]
    out = [f"{path.name}: {len(ranked):,} names, {int(every['fresh'].sum()):,} not in the training list"]
    if len(bad):
        shown = ", ".join(f"{n!r} (position {r + 1:,})" for n, r in zip(bad["name"][:5], bad["rank"][:5], strict=True))
        out.append(f"  {len(bad):,} entries are not host names and are left out: {shown}")
    for label, d in (("not in the training list", every[every["fresh"]]), ("whole list", every)):
        flagged = d["verdict"] != "benign"
        for top in [t for t in (1_000, 10_000, 100_000) if t < len(ranked)] + [len(ranked)]:
            sel = d["rank"] < top
            n_flagged, dga = int(flagged[sel].sum()), (d.loc[sel, "verdict"] == "dga").mean()
            rate = flagged[sel].mean()
            out.append(f"  {label}, top {top:>7,}: FPR {rate:.4f} ({n_flagged:,} of {int(sel.sum()):,}; dga {dga:.4f})")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path, nargs="?")
    ap.add_argument("--per-file", type=int, default=1000)
    ap.add_argument("--events", action="store_true", help="also score the lists as a day of DNS events")
    ap.add_argument("--popular", type=Path, action="append", default=[],
                    help="another popular-domain list to report the false-positive rate on (repeatable)")
    args = ap.parse_args(argv)
    for path in args.popular:
        print("\n".join(popular_fpr(path)))
    if args.folder is None:
        return 0
    d = load_batch(args.folder, args.per_file)
    r = score_names(d["name"]).set_index("name")
    d["verdict"] = r.loc[d["name"], "verdict"].to_numpy()
    aggs = {
        "n": ("verdict", "size"),
        "flagged": ("verdict", lambda v: (v != "benign").mean()),
        "dga": ("verdict", lambda v: (v == "dga").mean()),
    }
    if args.events:
        flags, _ = score_events(event_view(d))
        d["ev_verdict"] = flags.set_index("name").loc[d["name"], "verdict"].to_numpy()
        aggs["events"] = ("ev_verdict", lambda v: (v != "benign").mean())
    t = d.groupby("family").agg(**aggs)
    print(t.round(3).to_string())
    fam = t.drop(index=HOLDOUT, errors="ignore")
    if len(fam):
        for col in [c for c in ("flagged", "events") if c in fam]:
            weighted = (fam[col] * fam["n"]).sum() / fam["n"].sum()
            print(f"\nmean {col} over {len(fam)} files {fam[col].mean():.3f}, name-weighted {weighted:.3f}", end="")
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
