"""Evaluate the DNS scorer and the notebook baseline on the labelled development set.

    .venv/bin/python bench/eval_dns.py [--quick] [--markdown] [--allow FILE]

Per family / tool: recall (positives) or false-positive rate (benign families), for
* ``names``  — score_names on the bare distinct names (batch context only, no clients or times);
* ``events`` — score_events on the event view (clients, timestamps, query types);
* ``nb``     — the notebook method, charitable reading; ``nb-lit`` — literal reading.
"flagged" means verdict tunnel, dga or suspicious (for the notebook: any rule fired); precision
per class is computed over the whole set (tunnel verdicts that are tunnels, etc.).
``--allow FILE`` scores with a user allowlist (``HUNT_DNS_ALLOWLIST``; e.g. a downloaded Tranco
list), to measure what it spares and whether it hides any labelled DGA or tunnel.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.devset.build import build
from hunt_assets.analytics.dns.allowlist import load as load_allowlist
from hunt_assets.analytics.dns.baseline import notebook_flags
from hunt_assets.analytics.dns.events import score_events
from hunt_assets.analytics.dns.score import score_names

FLAG = {"tunnel", "dga", "suspicious"}


def umbrella_by_rank(d: pd.DataFrame) -> str:
    """Names-only false-positive rate on the Umbrella list by its own rank (the file is in rank order).

    Umbrella ranks by DNS query volume, so malware and tracker names rank high too: a rate that
    stays flat from the top 1,000 down says the flags are not a tail-of-the-list effect.
    """
    from bench.devset.build import read_list

    rank = {n: i for i, n in enumerate(read_list("popular_umbrella.txt.gz"))}
    u = d[d["family"] == "popular_umbrella"]
    # a host label may have been put in front of the listed domain
    r = u["name"].map(lambda n: rank.get(n, rank.get(n.split(".", 1)[-1], -1))).to_numpy()
    parts = []
    for top in (1_000, 10_000, len(rank)):
        sel = (r >= 0) & (r < top)
        parts.append(f"top {top:,}: {u['f_names'].to_numpy()[sel].mean():.4f} of {int(sel.sum()):,}")
    return "Umbrella names-only FPR by list rank (names in the training list left out): " + "; ".join(parts)


def popular_alone(d: pd.DataFrame, allow: object = None) -> str:
    """Names-only false-positive rate of each popular list scored as a batch of its own.

    The main table scores the whole dev set as one batch, so a popular name can be lifted by batch
    context that the dev set's 32,500 DGA names build (a cohort of one suffix, length and alphabet):
    that is a day with a DGA running. A list scored alone is a day without one, and is how a popular
    list is usually measured; the two figures bracket the rate.
    """
    parts = []
    for fam in ("popular_holdout", "popular_umbrella"):
        u = d[d["family"] == fam]
        alone = score_names(u["name"], allow=allow).set_index("name").loc[u["name"], "verdict"].isin(FLAG)
        lifted = int((u["f_names"].to_numpy() & ~alone.to_numpy()).sum())
        parts.append(f"{fam} {alone.mean():.4f} of {len(u):,} ({lifted:,} of its flags in the whole dev set "
                     "come from the other families' batch context)")
    return "Popular lists scored as batches of their own, names-only: " + "; ".join(parts)


def infected_hosts_browse(d: pd.DataFrame, events: pd.DataFrame, allow: object = None, per_host: int = 300) -> str:
    """Events-mode false-positive rate when every DGA-infected host also browses popular names.

    In the dev set's events the infected hosts (``dga-<family>-<i>``) look up only their DGA's
    names and the popular names are looked up by other workstations, so every rule that asks
    *who* looked a name up has it easy. A real infected host browses too: here each one also
    looks up ``per_host`` popular names drawn from both popular lists, laid out as the dev set's
    own popular look-ups (``popular_lookup``: any time of the day, nearly always answered).
    """
    import random

    from bench.devset.build import popular_lookup

    rng = random.Random(7)
    popular = d.loc[d["group"] == "popular", "name"].tolist()
    infected = sorted({c for c in events["client"].unique() if str(c).startswith("dga-")})
    rows = []
    for client in infected:
        for name in rng.sample(popular, min(per_host, len(popular))):
            t, _, _, qtype, ok = popular_lookup(rng, name)
            rows.append((t, client, name, qtype, ok))
    extra = pd.DataFrame(rows, columns=["t", "client", "name", "qtype", "ok"])
    extra["answers"] = np.where(extra["ok"], "192.0.2.10", "")
    extra["timestamp"] = events["timestamp"].min().normalize() + pd.to_timedelta(extra["t"], unit="s")
    both = pd.concat([events, extra[events.columns]], ignore_index=True).sort_values("timestamp")
    return (f"Events, every one of the {len(infected)} infected hosts also browsing {per_host} popular names "
            f"({len(extra):,} look-ups added): " + _event_rates(d, both, allow))


def clients_shuffled(d: pd.DataFrame, events: pd.DataFrame, allow: object = None, hosts: int = 300) -> str:
    """Events-mode figures with every look-up's client drawn at random from ``hosts`` workstations.

    No host then holds a campaign (a DGA's day, a tunnel session): what is left of the event rules'
    lift over names-only is what times, query types and answers give without *who*. The rules that
    ask who looked names up (DGA bursts, cohorts on their hosts, staging, tunnels' bytes per client)
    lose their evidence here, which a real day does not take from them.
    """
    rng = np.random.default_rng(3)
    shuffled = events.assign(client=[f"ws-{i}" for i in rng.integers(0, hosts, len(events))])
    head = f"Events, every look-up's client drawn at random from {hosts} workstations: "
    return head + _event_rates(d, shuffled, allow)


def _event_rates(d: pd.DataFrame, events: pd.DataFrame, allow: object = None) -> str:
    """DGA and tunnel recall and the popular lists' false-positive rates of one layout of the events,
    the same figures for every layout so that their lines compare."""
    flagged = score_events(events, allow=allow)[0].set_index("name")["verdict"].isin(FLAG)
    parts = [f"{grp} recall {flagged.loc[d.loc[d['group'] == grp, 'name']].mean():.3f}" for grp in ("dga", "tunnel")]
    parts += [f"{fam} {flagged.loc[d.loc[d['family'] == fam, 'name']].mean():.4f}"
              for fam in ("popular_holdout", "popular_umbrella")]
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller set (popular lists sampled)")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--allow", action="append", metavar="FILE", help="score with this allowlist (repeatable)")
    args = ap.parse_args(argv)
    allow = load_allowlist(args.allow) if args.allow else None
    if allow is not None:
        print(f"allowlist: {allow.summary()}", file=sys.stderr)
    if args.quick:
        names, events = build(per_dga=300, sessions=4, per_session=150, per_lookalike=500, popular_limit=5000)
    else:
        names, events = build()
    print(f"dev set: {len(names)} distinct names, {len(events)} events", file=sys.stderr)

    t = time.perf_counter()
    by_name = score_names(names["name"], allow=allow).set_index("name")
    t_names = time.perf_counter() - t
    t = time.perf_counter()
    ev_flags, _ = score_events(events, allow=allow)
    ev_flags = ev_flags.set_index("name")
    t_events = time.perf_counter() - t
    t = time.perf_counter()
    nb = [notebook_flags(n)[0] for n in names["name"]]
    t_nb = time.perf_counter() - t
    nb_lit = [notebook_flags(n, literal=True)[0] for n in names["name"]]

    d = names.copy()
    d["v_names"] = by_name.loc[d["name"], "verdict"].to_numpy()
    d["v_events"] = ev_flags.loc[d["name"], "verdict"].to_numpy()
    d["f_names"] = d["v_names"].isin(FLAG)
    d["f_events"] = d["v_events"].isin(FLAG)
    d["f_nb"] = np.array(nb)
    d["f_nb_lit"] = np.array(nb_lit)

    rows = []
    for (group, fam), g in d.groupby(["group", "family"], sort=False):
        rows.append(
            {
                "group": group,
                "family": fam,
                "n": len(g),
                "metric": "FPR" if g["label"].iloc[0] == "benign" else "recall",
                "names": g["f_names"].mean(),
                "events": g["f_events"].mean(),
                "nb": g["f_nb"].mean(),
                "nb-lit": g["f_nb_lit"].mean(),
            }
        )
    tab = pd.DataFrame(rows)
    for grp in ("tunnel", "dga", "popular", "lookalike"):
        sub = d[d["group"] == grp]
        rows.append(
            {
                "group": grp,
                "family": f"ALL {grp} (name-weighted)",
                "n": len(sub),
                "metric": "FPR" if grp in ("popular", "lookalike") else "recall",
                "names": sub["f_names"].mean(),
                "events": sub["f_events"].mean(),
                "nb": sub["f_nb"].mean(),
                "nb-lit": sub["f_nb_lit"].mean(),
            }
        )
    tab = pd.DataFrame(rows)

    prec = []
    # payload staging (DNSStager) is reported on its own row only: its names say nothing one by one,
    # and the class figures stay comparable with earlier runs
    dc = d[d["group"] != "staging"]
    for cls in ("tunnel", "dga"):
        for mode in ("names", "events"):
            v = dc[f"v_{mode}"]
            called = v == cls
            prec.append(
                {
                    "class": cls,
                    "mode": mode,
                    "precision": (dc.loc[called, "label"] == cls).mean() if called.any() else float("nan"),
                    "recall_exact_verdict": (v[dc["label"] == cls] == cls).mean(),
                }
            )
    for mode in ("names", "events", "nb", "nb_lit"):
        called = dc[f"f_{mode}"]
        pos = dc["label"] != "benign"
        prec.append(
            {
                "class": "any flag",
                "mode": mode,
                "precision": (pos[called]).mean() if called.any() else float("nan"),
                "recall_exact_verdict": called[pos].mean(),
            }
        )
    ptab = pd.DataFrame(prec)

    fmt = {"names": "{:.3f}", "events": "{:.3f}", "nb": "{:.3f}", "nb-lit": "{:.3f}"}
    if args.markdown:
        print(tab.to_markdown(index=False, floatfmt=".3f"))
        print()
        print(ptab.to_markdown(index=False, floatfmt=".3f"))
    else:
        with pd.option_context("display.width", 200, "display.max_rows", 200):
            print(tab.to_string(index=False, formatters={k: v.format for k, v in fmt.items()}))
            print()
            print(ptab.to_string(index=False, float_format="{:.3f}".format))
    print("\n" + umbrella_by_rank(d))
    print(popular_alone(d, allow))
    print(infected_hosts_browse(d, events, allow))
    print(clients_shuffled(d, events, allow))
    print(
        f"\ntimings: score_names {len(d) / t_names:,.0f} names/s, score_events {len(events) / t_events:,.0f} "
        f"events/s, notebook {len(d) / t_nb:,.0f} names/s (in-process, incl. warm-up)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
