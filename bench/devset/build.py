"""Build the labelled development set: names with (label, family) and an events view of them.

label is ``tunnel`` / ``dga`` / ``benign``; group is ``tunnel``, ``dga``, ``popular``,
``lookalike`` or ``wild_dga`` (Umbrella-list names that Necurs generated, see ``umbrella_dga.py``).
Everything is generated from a seed, except the two real popular-domain lists.
"""

from __future__ import annotations

import gzip
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from bench.devset import benign, dga, tunnels
from bench.devset.dga import WORDS

DATA = Path(__file__).resolve().parent / "data"
COMMON_SUBS = ["www", "mail", "api", "cdn", "static", "m", "login", "img", "app", "blog", "shop", "news"]


def read_list(name: str) -> list[str]:
    """The names of one of the gzipped lists under ``data/``, in file order (the Umbrella list's
    order is its rank)."""
    with gzip.open(DATA / name, "rt", encoding="ascii") as f:
        return [line.strip() for line in f if line.strip()]


def popular(name: str, rng: random.Random, limit: int | None = None) -> list[str]:
    doms = read_list(name)
    if limit:
        doms = rng.sample(doms, min(limit, len(doms)))
    return [f"{rng.choice(COMMON_SUBS)}.{d}" if rng.random() < 0.35 else d for d in doms]


def umbrella_necurs() -> set[str]:
    """The Umbrella-list names that Necurs generated (``umbrella_dga.py`` finds them)."""
    with (DATA / "umbrella_necurs.txt").open(encoding="ascii") as f:
        return {line.split()[0] for line in f if line.strip() and not line.startswith("#")}


def tunnel_domain(rng: random.Random) -> str:
    base = (
        rng.choice(WORDS)
        + rng.choice(["", "-"])
        + rng.choice(WORDS)
        + "."
        + rng.choice(["com", "net", "xyz", "io", "info"])
    )
    return rng.choice(["t.", "ns.", "d.", "x1.", ""]) + base


def dga_lookups(rng: random.Random, fam: str, names: list[str]) -> Iterator[tuple[float, str, str, str, bool]]:
    """(seconds, client, name, qtype, answered) of a DGA family's names: one infected host per 200
    names, resolving them in a burst, the odd registered candidate answered. Shared with
    ``bench/eval_name_lists.py --events``, so lists from outside are laid out as the dev set's own."""
    for i, n in enumerate(names):
        yield i * rng.uniform(0.2, 2.0), f"dga-{fam}-{i // 200}", n, "A", rng.random() < 0.03


def popular_lookup(rng: random.Random, name: str) -> tuple[float, str, str, str, bool]:
    """(seconds, client, name, qtype, answered) of a popular name: one of 300 workstations, any
    time of the day, nearly always answered."""
    return (
        rng.uniform(0, 86400),
        f"ws-{rng.randrange(300)}",
        name,
        rng.choice(["A", "AAAA", "A", "HTTPS"]),
        rng.random() < 0.97,
    )


def _tunnel_sessions(
    rows: list,
    events: list,
    answered: list,
    rng: random.Random,
    tool: str,
    gen: Callable[..., Iterator[tuple[float, str, str]]],
    group: str,
    sessions: int,
    per_session: int,
    bare_every_fourth: bool = False,
) -> None:
    """Append ``sessions`` sessions of one tunnel tool, one client each, to the set's lists."""
    for s in range(sessions):
        dom = tunnel_domain(rng)
        it = gen(rng, None if (bare_every_fourth and s % 4 == 0) else dom, per_session)
        start = rng.uniform(0, 3600 * 20)
        # some sensors and log pipelines fold query names to lower case (base64 loses its case)
        fold = s % 4 == 3
        for t, n, qt in it:
            n = n.lower() if fold else n
            rows.append((n, "tunnel", tool, group))
            events.append((start + t, f"tun-{tool}-{s}", n, qt))
            answered.append(qt == "A")


def build(
    seed: int = 1,
    per_dga: int = 1000,
    sessions: int = 12,
    per_session: int = 300,
    per_lookalike: int = 1500,
    popular_limit: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = random.Random(seed)
    rows: list[tuple[str, str, str, str]] = []
    events: list[tuple[float, str, str, str]] = []  # (t, client, name, qtype)
    answered: list[bool] = []  # whether the look-up got an address back
    for fam, (fn, _kind) in dga.FAMILIES.items():
        names = fn(per_dga, rng)
        rows += [(n, "dga", fam, "dga") for n in names]
        for *event, ok in dga_lookups(rng, fam, names):
            events.append(tuple(event))
            answered.append(ok)
    for tool, gen in tunnels.TOOLS.items():
        # dnscat2 also runs without a domain (direct queries to its server) in every fourth session
        _tunnel_sessions(rows, events, answered, rng, tool, gen, "tunnel", sessions, per_session, tool == "dnscat2")
    for fam, fn in benign.FAMILIES.items():
        for _ in range(per_lookalike):
            n = fn(rng)
            rows.append((n, "benign", fam, "lookalike"))
            events.append(
                (
                    rng.uniform(0, 86400),
                    f"ws-{rng.randrange(300)}",
                    n,
                    "PTR"
                    if "arpa" in n
                    else rng.choice(["A", "AAAA", "TXT"] if fam.startswith("dkim") else ["A", "AAAA"]),
                )
            )
            answered.append(rng.random() < 0.7)  # DNSBL misses and TXT/PTR answers carry no address
    # added later, from their own random stream so that the rest of the set stays as it was
    rng_named = random.Random(seed + 1_000)
    for _ in range(per_lookalike):
        n = benign.named_host(rng_named)
        rows.append((n, "benign", "enterprise_named_hosts", "lookalike"))
        events.append((rng_named.uniform(0, 86400), f"ws-{rng_named.randrange(300)}", n, "A"))
        answered.append(rng_named.random() < 0.9)
    rng_platform = random.Random(seed + 2_000)
    for _ in range(per_lookalike):
        n = benign.platform_id(rng_platform)
        rows.append((n, "benign", "platform_ids", "lookalike"))
        events.append(
            (rng_platform.uniform(0, 86400), f"ws-{rng_platform.randrange(300)}", n, rng_platform.choice(["A", "AAAA"]))
        )
        answered.append(rng_platform.random() < 0.95)
    for k, (tool, (gen, group)) in enumerate(tunnels.LATER_TOOLS.items()):
        rng_tool = random.Random(seed + 3_000 + k)
        _tunnel_sessions(rows, events, answered, rng_tool, tool, gen, group, sessions, per_session)
    # the Umbrella list is a different list; names also in the training list are left out of it
    from hunt_assets.analytics.dns.ngram import load_training_domains

    trained = set(load_training_domains())
    necurs = umbrella_necurs()
    for fam, fname in (("popular_holdout", "popular_holdout.txt.gz"), ("popular_umbrella", "popular_umbrella.txt.gz")):
        for n in popular(fname, rng, popular_limit):
            tail = n.split(".", 1)[-1]  # the listed domain when a host label was put in front
            if (fam == "popular_umbrella" and tail in trained) or n in trained:
                continue
            if fam == "popular_umbrella" and (n in necurs or tail in necurs):
                # a sinkholed Necurs name that ranks by DNS volume: a DGA name, not a popular one
                rows.append((n, "dga", "umbrella_necurs", "wild_dga"))
            else:
                rows.append((n, "benign", fam, "popular"))
            *event, ok = popular_lookup(rng, n)
            events.append(tuple(event))
            answered.append(ok)
    names = pd.DataFrame(rows, columns=["name", "label", "family", "group"])
    # a name generated by two families keeps its first label; duplicates are scored once
    names = names.drop_duplicates("name").reset_index(drop=True)
    ev = pd.DataFrame(events, columns=["t", "client", "name", "qtype"])
    ev["answers"] = np.where(np.array(answered), "192.0.2.10", "")
    ev["timestamp"] = pd.Timestamp("2024-06-01", tz="UTC") + pd.to_timedelta(ev["t"], unit="s")
    ev = ev.drop(columns="t").sort_values("timestamp").reset_index(drop=True)
    return names, ev


if __name__ == "__main__":
    n, e = build()
    print(n.groupby(["group", "family"]).size().to_string())
    print(len(n), "names,", len(e), "events")
    print(n.groupby("family").head(2).to_string())
    _ = np
