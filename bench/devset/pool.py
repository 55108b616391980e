"""Large name pools and event streams for the benchmarks (not for accuracy figures).

The mix is benign-heavy like real traffic: 75 % popular-domain host names, 8 % benign look-alikes,
9 % DGA names and 8 % tunnel names, all distinct. Popular host names get varied host labels
(``www``, ``cdn3``, ``img-eu-12`` ...) so a million distinct names can come from ~80k real domains.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd

from bench.devset import benign, dga, tunnels
from bench.devset.build import read_list, tunnel_domain

HOSTS = ["www", "mail", "api", "cdn", "static", "img", "m", "app", "login", "assets", "media", "news", "shop"]


def _popular() -> list[str]:
    out: list[str] = []
    for f in ("popular_holdout.txt.gz", "popular_umbrella.txt.gz"):
        out += read_list(f)
    from hunt_assets.analytics.dns.ngram import load_training_domains

    return out + load_training_domains()


def name_pool(n: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    pop = _popular()
    names: set[str] = set(pop[: int(n * 0.2)])
    target_pop = int(n * 0.75)
    while len(names) < target_pop:
        h = rng.choice(HOSTS)
        r = rng.random()
        if r < 0.3:
            label = h
        elif r < 0.7:
            label = f"{h}{rng.randint(1, 99)}"
        else:
            label = f"{h}-{rng.choice(['eu', 'us', 'ap'])}-{rng.randint(1, 40)}"
        names.add(f"{label}.{rng.choice(pop)}")
    fams = list(benign.FAMILIES.values())
    while len(names) < int(n * 0.83):
        names.add(rng.choice(fams)(rng))
    dgas = list(dga.FAMILIES.values())
    while len(names) < int(n * 0.92):
        fn, _ = rng.choice(dgas)
        names.update(fn(500, random.Random(rng.random())))
    tools = list(tunnels.TOOLS.items())
    while len(names) < n:
        _tool, gen = rng.choice(tools)
        dom = tunnel_domain(rng) if rng.random() < 0.5 else f"t{rng.randint(1, 10**6)}.{tunnel_domain(rng)}"
        for _, name, _ in gen(rng, dom, 300):  # type: ignore[operator]
            names.add(name)
    out = list(names)[:n]
    rng.shuffle(out)
    return out


def event_stream(names: list[str], n_events: int, seed: int = 6, clients: int = 3000) -> pd.DataFrame:
    """Zipf-like popularity over the pool: a few names take most look-ups, most appear rarely."""
    rs = np.random.default_rng(seed)
    ranks = rs.zipf(1.3, size=n_events)
    idx = (ranks - 1) % len(names)
    perm = rs.permutation(len(names))
    idx = perm[idx]
    cat = pd.Categorical.from_codes(idx, categories=pd.Index(names).astype(object))
    client_names = np.array([f"host-{i:05d}" for i in range(clients)], dtype=object)
    ccodes = rs.integers(0, clients, size=n_events)
    qt = np.array(["A", "AAAA", "HTTPS", "TXT", "PTR", "CNAME", "MX", "SRV", "NULL"], dtype=object)
    qcodes = rs.choice(len(qt), size=n_events, p=[0.55, 0.3, 0.08, 0.02, 0.03, 0.01, 0.005, 0.004, 0.001])
    ts = pd.Timestamp("2024-06-01", tz="UTC") + pd.to_timedelta(np.sort(rs.uniform(0, 86400, n_events)), unit="s")
    return pd.DataFrame(
        {
            "timestamp": ts,
            "client": pd.Categorical.from_codes(ccodes, categories=client_names),
            "name": cat,
            "qtype": pd.Categorical.from_codes(qcodes, categories=qt),
        }
    )


def write_pool(path: Path, n: int) -> Path:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        names = name_pool(n)
        path.write_text("\n".join(names) + "\n", encoding="utf-8")
    return path
