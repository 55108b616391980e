"""How does event-mode DGA recall depend on how an infection's look-ups are laid out in time and hosts?

    .venv/bin/python bench/experiments/burst_layouts.py [--per 400] [--families a,b,...] [--lists DIR]

``bench/eval_dns.py`` lays every DGA family out one way (``build.dga_lookups``): one host per 200
names, resolving them in a few minutes from 00:00, so every burst sits inside one clock hour on one
host. A real infection need not: its burst can start at any minute, straddle the hour, run on
several infected hosts at once (a date-seeded DGA gives them all the same names), or trickle. This
scores the same names under five layouts, each as one day of events next to the popular hold-out
(300 workstations, 97 % answered, as in the dev set), and prints the share flagged per family:

* ``dense``    the dev set's layout (from 00:00);
* ``anywhere`` the same bursts, each host's starting at a random second of the day;
* ``across``   each host's burst centred on an hour boundary (the worst case for clock-hour windows);
* ``outbreak`` every 200 names resolved by three hosts, each with its own jitter, at a random time;
* ``outbreak_q`` the same, in a log without answers (a sensor that records questions only);
* ``slow``     one host per 200 names, one look-up every 60-120 s (about 40 an hour, for five hours);
* ``busy``     ``slow``, and the host's user browses all day: 60 look-ups an hour of hold-out names
  (unfamiliar to the scorer: not in its popular list), 97 % answered. Against ``BURST_SHARE``.

``--lists DIR`` adds one family per ``<family>.txt`` name list (as ``bench/eval_name_lists.py`` reads
them, at most ``--per`` names each), e.g. the out-of-sample lists. 3 % of look-ups are answered in
every layout (the odd registered candidate). Names-only recall is
printed for reference: what a layout cannot change. The script imports ``hunt_assets`` from its own
checkout, so a copy of it in a worktree of an older commit measures that commit's code.

Result on 2026-12-06, ``--per 400 --lists DIR`` with the 23 out-of-sample lists (``*``; not committed),
"before" by a copy of this script in a worktree of ``220310b`` (stop 31's code), "now" after stop
32's burst changes (``c96b687`` .. ``49389c0``, then ``BURST_SHARE``). Shown: the families whose
names alone are not enough; the mean is over all 56 (33 dev-set families and the 23 lists):

    family               names  dense anywhere across outbreak  slow  busy
    suppobox             0.000  0.932    0.940  0.922    0.000 0.917 0.910   before
                                0.932    0.940  0.922    0.963 0.938 0.927   now
    matsnu               0.000  0.955    0.960  0.965    0.000 0.932 0.950   before
                                0.955    0.960  0.965    0.988 0.968 0.968   now
    gozi                 0.037  0.963    0.970  0.963    0.037 0.953 0.917   before
                                0.963    0.970  0.963    0.995 0.978 0.980   now
    conficker            0.757  0.988    0.993  0.970    0.757 0.943 0.953   before
                                0.988    0.993  0.998    1.000 0.948 0.953   now
    simda                0.877  0.995    0.995  0.968    0.877 0.905 0.910   before
                                0.995    0.995  1.000    1.000 0.935 0.930   now
    fosniw*              0.000  0.000    0.000  0.000    0.000 0.000 0.000   before
                                0.950    0.970  0.965    0.990 0.970 0.960   now
    nymaim2*             0.000  0.975    0.980  0.970    0.000 0.897 0.917   before
                                0.975    0.980  0.970    1.000 0.965 0.970   now
    ngioweb*             0.045  0.965    0.978  0.965    0.045 0.920 0.930   before
                                0.965    0.978  0.965    0.995 0.975 0.965   now
    qsnatch*             0.033  0.960    0.943  0.955    0.033 0.383 0.338   before
                                0.970    0.953  0.965    0.990 0.530 0.395   now
    charbot*             0.177  0.863    0.920  0.865    0.177 0.797 0.748   before
                                0.863    0.920  0.865    0.943 0.868 0.860   now
    mean of 56 families  0.797  0.954    0.956  0.950    0.797 0.932 0.931   before
                                0.971    0.974  0.971    0.978 0.959 0.956   now
    hold-out FPR         0.004  0.004    0.004  0.004    0.004 0.004 0.004   before
                                0.004    0.004  0.004    0.004 0.004 0.004   now

    proxy, before: with answers 0.098 flagged, 0.096 by bursts; without 0.024 flagged, 0.024 by bursts
    proxy, now:    with answers 0.003 flagged, 0.000 by bursts; without 0.003 flagged, 0.000 by bursts

So the dev set's own layout (``dense``) hid the outbreak: three hosts asking the same names made the
events add nothing over the names alone (0.797, the names-only mean). Fosniw counts only since
prefixed names do. The bursts of 200 are far above the bars (20, 40), so cutting them at the hour
costs little (``across`` 0.950 -> 0.971, mostly Fosniw); the trickle of about 40 an hour is where
the bars bite (QSnatch's short names need 40 in an hour: 0.383 -> 0.530 with the shifted grid).
The proxy line is the benign side: the hold-out's 14,363 names through one client made bursts of
its dead look-ups every hour (9.6 % of them flagged by bursts with answers, 2.4 % without) until a
burst had to be ``BURST_SHARE`` (a quarter) of the client's unfamiliar domains in its window. At a
quarter the ``busy`` host keeps its figure (0.956, as with no share at all); a third costs it 0.011
and a half 0.159 (measured by setting ``domain_stats.BURST_SHARE`` before ``main``).

Stop 33 (2026-12-07, same command) added ``outbreak_q`` and the forwarder and fleet lines. Without
answers a name counted towards a burst only if one or two clients looked it up, so an outbreak on
three hosts scored its names-only mean (0.797). With ``OUTBREAK_SAME_CLIENTS`` (names that exactly the
same clients looked up count too) it is 0.831: Conficker 0.757 -> 0.943, Locky 0.765 -> 0.953,
Nymaim 0.850 -> 0.965, ProSlikeFan 0.805 -> 0.943, QSnatch 0.033 -> 0.297, Charbot 0.177 -> 0.300.
The word-like families (Suppobox, Matsnu, Gozi, Nymaim2, Ngioweb) and Fosniw keep their names-only
figure: without answers only bare random-looking names can make a burst. The other columns did not
move. Benign side: the dev set's benign day through one forwarder in an hour gains no flag, with
answers or without; in the fleet, teams of three looking up 100 names of their own make no burst
over a day or within one hour, and 4.9 % of their names when each team's own names are 18 names that
all look random, all within one hour (the rule's worst case; 0 without the rule). Since the
permutation rule (``5e7db7c``) unnamed_downloader is 1.000 in every column, which raises each mean
by 0.018 (names 0.815, ``outbreak_q`` 0.849); nothing else moved.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.devset import dga
from bench.devset.build import build, popular_lookup, read_list
from bench.eval_name_lists import read_names
from hunt_assets.analytics.dns import domain_stats as D
from hunt_assets.analytics.dns.events import score_events
from hunt_assets.analytics.dns.score import score_names

DAY = 86_400
PER_HOST = 200
LAYOUTS = ("dense", "anywhere", "across", "outbreak", "outbreak_q", "slow", "busy")
BROWSING_PER_HOUR = 60
FLAG = ("tunnel", "dga", "suspicious")
HOLDOUT = "(popular hold-out)"


def _burst(rng: random.Random, n: int) -> list[float]:
    """Offsets of one host's burst, as ``build.dga_lookups`` spaces them."""
    return [i * rng.uniform(0.2, 2.0) for i in range(n)]


def lay_out(
    layout: str, fam: str, names: list[str], rng: random.Random, browsing: list[str]
) -> list[tuple[float, str, str, bool]]:
    """(seconds into the day, client, name, answered) of one family's look-ups under ``layout``;
    ``browsing``: the names a ``busy`` host's user looks up besides."""
    rows: list[tuple[float, str, str, bool]] = []
    for h in range(0, len(names), PER_HOST):
        chunk = names[h : h + PER_HOST]
        host = f"dga-{fam}-{h // PER_HOST}"
        hosts = [f"{host}-{k}" for k in range(3)] if layout.startswith("outbreak") else [host]
        for client in hosts:
            if layout == "busy":
                rows += [
                    (rng.uniform(0, DAY), client, rng.choice(browsing), rng.random() < 0.97)
                    for _ in range(24 * BROWSING_PER_HOUR)
                ]
            if layout in ("slow", "busy"):
                t, offs = 0.0, []
                for _ in chunk:
                    offs.append(t)
                    t += rng.uniform(60, 120)
            else:
                offs = _burst(rng, len(chunk))
            span = offs[-1]
            if layout == "dense":
                start = 0.0
            elif layout == "across":
                start = 3600 * rng.randrange(1, 23) - span / 2
            else:
                start = rng.uniform(0, DAY - span - 1)
            rows += [(start + o, client, n, rng.random() < 0.03) for o, n in zip(offs, chunk, strict=True)]
    return rows


def events_frame(rows: list[tuple]) -> pd.DataFrame:
    """A-record look-ups from ``(seconds into the day, client, name[, answered])`` rows, on
    2024-06-01 UTC; with an ``answers`` column (an address or nothing) when the rows say whether
    each look-up was answered."""
    answered = bool(rows) and len(rows[0]) == 4
    ev = pd.DataFrame(rows, columns=["t", "client", "name", "answered"][: 4 if answered else 3])
    ev["qtype"] = "A"
    if answered:
        ev["answers"] = ev.pop("answered").map({True: "192.0.2.10", False: ""})
    ev["timestamp"] = pd.Timestamp("2024-06-01", tz="UTC") + pd.to_timedelta(ev.pop("t"), unit="s")
    return ev


def day_of_events(layout: str, fams: dict[str, list[str]], popular: list[str], seed: int) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = [r for fam, names in fams.items() for r in lay_out(layout, fam, names, rng, popular)]
    rows += [(t, client, name, ok) for t, client, name, _q, ok in (popular_lookup(rng, n) for n in popular)]
    return events_frame(rows).sort_values("timestamp").reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per", type=int, default=400, help="names per DGA family")
    ap.add_argument("--families", help="comma-separated subset of the dev set's DGA families")
    ap.add_argument("--lists", type=Path, help="also one family per <family>.txt name list in this folder")
    ap.add_argument("--seed", type=int, default=32)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    wanted = set(args.families.split(",")) if args.families else None
    fams = {f: fn(args.per, rng) for f, (fn, _kind) in dga.FAMILIES.items() if wanted is None or f in wanted}
    if args.lists:
        fams |= {f"{p.stem} (list)": read_names(p, args.per) for p in sorted(args.lists.glob("*.txt"))}
    popular = read_list("popular_holdout.txt.gz")
    family_of = {n: f for f, names in fams.items() for n in names} | {n: HOLDOUT for n in popular}

    alone = score_names(list(family_of)).set_index("name")["verdict"].isin(FLAG)
    table = pd.DataFrame({"family": pd.Series(family_of)})
    table["names"] = alone.reindex(table.index).to_numpy()
    for i, layout in enumerate(LAYOUTS):
        ev = day_of_events(layout, fams, popular, args.seed + i)
        flags, _ = score_events(ev.drop(columns="answers") if layout == "outbreak_q" else ev)
        table[layout] = flags.set_index("name")["verdict"].isin(FLAG).reindex(table.index).to_numpy()
    per = table.groupby("family")[["names", *LAYOUTS]].mean()
    dga_rows = per.drop(index=HOLDOUT)
    out = pd.concat(
        [
            dga_rows,
            dga_rows.mean().to_frame(f"mean of {len(dga_rows)} families").T,
            per.loc[[HOLDOUT]].rename(index={HOLDOUT: "hold-out FPR"}),
        ]
    )
    print(out.to_string(float_format=lambda x: f"{x:.3f}"))
    print(proxy_line(popular, args.seed))
    devset = build()  # (names, events), for both lines below
    print(forwarder_line(*devset))
    print(fleet_line(args.seed, devset[0]))
    return 0


def proxy_line(popular: list[str], seed: int) -> str:
    """The benign side of the burst rules: the whole hold-out resolved by one client (a proxy or
    forwarder logged as one) in three hours, 10 % unanswered, with answers in the log and without."""
    rng = random.Random(seed)
    ev = events_frame([(rng.uniform(0, 3 * 3600), "proxy-1", n, rng.random() < 0.9) for n in popular])
    parts = []
    for label, frame in (("with answers", ev), ("without", ev.drop(columns="answers"))):
        flags, _ = score_events(frame)
        flagged = flags["verdict"].isin(FLAG)
        burst = flagged & flags["reasons"].str.contains("(DGA burst)", regex=False)
        parts.append(f"{label} {flagged.mean():.3f} flagged, {burst.mean():.3f} by bursts")
    return f"hold-out through one proxy client, 3 h, 10 % unanswered: {'; '.join(parts)}"


def forwarder_line(names: pd.DataFrame, ev: pd.DataFrame) -> str:
    """The dev set's whole benign day (look-alike families and both popular lists, 300
    workstations) as a DNS server's log shows it behind a forwarder: every look-up from one client,
    squeezed into one hour. Counts the names flagged there that are not flagged as laid out.
    ``names``, ``ev``: the dev set (``build.build``)."""
    ev = ev[ev["name"].isin(names.loc[names["label"] == "benign", "name"])]
    flagged_as_laid_out = _flagged(ev)
    t0 = ev["timestamp"].min()
    one = ev.assign(client="forwarder-1", timestamp=t0 + (ev["timestamp"] - t0) / 24)
    parts = []
    for label, frame in (("with answers", one), ("without", one.drop(columns="answers"))):
        flagged = _flagged(frame)
        share = len(flagged) / ev["name"].nunique()
        parts.append(f"{label} {share:.4f} flagged, {len(flagged - flagged_as_laid_out)} new")
    return (
        f"benign day ({ev['name'].nunique():,} names) through one forwarder in 1 h: {'; '.join(parts)}"
        f" (as laid out: {len(flagged_as_laid_out) / ev['name'].nunique():.4f})"
    )


def fleet_line(seed: int, names: pd.DataFrame) -> str:
    """The benign side of ``OUTBREAK_SAME_CLIENTS`` (a log without answers): 300 workstations
    browse for an eight-hour day, 60 look-ups an hour drawn Zipf-like from both popular lists (names
    everyone shares), and each of 100 teams of three also looks up 100 names of its own that no one
    else does (the names that could share one client set), over the day or, harder, all within one
    hour, or (the rule's worst case) 18 names each that all look random (the 1,893 bare unfamiliar
    names of both lists at ``DGA_BURST_BITS``) within one hour. Prints the share of names flagged by
    bursts, with the rule and without it. ``names``: the dev set's names (``build.build``)."""
    rng = random.Random(seed)
    pool = names.loc[names["family"].isin(["popular_holdout", "popular_umbrella"]), "name"].tolist()
    rng.shuffle(pool)
    team_names, shared = pool[:10_000], pool[10_000:]
    s = score_names(pool)
    looks = s.loc[(s["reg_bits"] >= D.DGA_BURST_BITS) & (s["sub_len"] == 0) & ~s["popular_domain"], "name"].tolist()
    weights = [1 / (r + 1) for r in range(len(shared))]
    hosts = [f"ws-{h:03d}" for h in range(300)]
    rows = []
    for host in hosts:
        picks = rng.choices(shared, weights=weights, k=8 * 60)
        rows += [(rng.uniform(0, 8 * 3600), host, n) for n in picks]
    parts = []
    for label, own, span in (
        ("over the day", team_names, 8 * 3600),
        ("within one hour", team_names, 3600),
        ("all random-looking, within one hour", looks, 3600),
    ):
        per = len(own) // 100
        team_rows = [
            (rng.uniform(0, span), hosts[3 * t + k], n)
            for t in range(100)
            for n in own[per * t : per * (t + 1)]
            for k in range(3)
        ]
        ev = events_frame(rows + team_rows)
        shares = []
        for same in (D.OUTBREAK_SAME_CLIENTS, 10**9):
            D.OUTBREAK_SAME_CLIENTS, keep = same, D.OUTBREAK_SAME_CLIENTS
            try:
                flags, _ = score_events(ev)
            finally:
                D.OUTBREAK_SAME_CLIENTS = keep
            burst = flags["verdict"].isin(FLAG) & flags["reasons"].str.contains("(DGA burst)", regex=False)
            mine = flags["name"].isin(own[: per * 100])
            shares.append(f"{burst.mean():.4f} of all, {burst[mine].mean():.4f} of the teams' own")
        parts.append(f"team names {label} {shares[0]} (without the rule {shares[1]})")
    return f"fleet of 300 without answers, share of names flagged by bursts: {'; '.join(parts)}"


def _flagged(ev: pd.DataFrame) -> set[str]:
    flags, _ = score_events(ev)
    return set(flags.loc[flags["verdict"].isin(FLAG), "name"])


if __name__ == "__main__":
    raise SystemExit(main())
