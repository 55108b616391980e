"""The 2019 Entity Explorer notebook method, re-implemented in plain Python for comparison only.

Per unique name: flag when longer than 250 characters; take the subdomain with tldextract (which
parses names as URLs — that is part of the method and of why it fails on dns2tcp's ``/``), drop the
dots, and flag when its Shannon entropy is outside 3.2675 +/- 0.5; flag when the subdomain
contains a base64 run msticpy's ``base64unpack`` would decode (regex
``[A-Za-z0-9+/\\n\\r]{30,}={0,2}`` then ``base64.b64decode``). The registered domain is
"highlighted" when its entropy is outside [2.72120, 4.30891].

Two readings are offered, as in the detection notes: ``charitable`` (a name without a subdomain
is not judged on subdomain entropy) and ``literal`` (an empty subdomain has entropy 0, which is
outside the band, so it is flagged). msticpy itself is not a dependency; the regex-and-decode
step is reproduced with the standard library.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections import Counter
from collections.abc import Iterable

import tldextract

ENTROPY_MEAN = 3.2675
ENTROPY_BAND = 0.5
DOMAIN_ENTROPY = (2.72120, 4.30891)
_B64 = re.compile(r"[A-Za-z0-9+/\n\r]{30,}={0,2}")

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def entropy(s: str) -> float:
    if not s:
        return 0.0
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values())


def _b64_decodes(s: str) -> bool:
    for m in _B64.finditer(s):
        chunk = m.group(0).replace("\n", "").replace("\r", "")
        pad = (-len(chunk)) % 4
        try:
            base64.b64decode(chunk + "=" * pad, validate=False)
            return True
        except (binascii.Error, ValueError):
            continue
    return False


def notebook_flags(name: str, literal: bool = False) -> tuple[bool, str]:
    """(flagged, reason) for one name under the notebook's rules."""
    reasons = []
    if len(name) > 250:
        reasons.append("length > 250")
    ext = _EXTRACT(name)
    sub = ext.subdomain.replace(".", "")
    if sub or literal:
        h = entropy(sub)
        if abs(h - ENTROPY_MEAN) > ENTROPY_BAND:
            reasons.append(f"subdomain entropy {h:.2f} outside 3.2675 +/- 0.5")
    if sub and _b64_decodes(sub):
        reasons.append("subdomain decodes as base64")
    return bool(reasons), "; ".join(reasons)


def score_names_baseline(names: Iterable[str], literal: bool = False) -> list[tuple[str, bool, str]]:
    """Plain-Python loop over unique names, exactly as slow as the original approach."""
    out = []
    for name in dict.fromkeys(names):
        flagged, why = notebook_flags(name, literal)
        out.append((name, flagged, why))
    return out


def baseline_main(argv: list[str] | None = None) -> int:
    """Whole-process runner for benchmarks: FILE of names (one per line) -> CSV on stdout."""
    import csv
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m hunt_assets.analytics.dns.baseline FILE", file=sys.stderr)
        return 2
    with open(args[0], encoding="utf-8", errors="replace") as f:
        names = [line.strip() for line in f if line.strip()]
    w = csv.writer(sys.stdout)
    w.writerow(["name", "flagged", "reasons"])
    for name, flagged, why in score_names_baseline(names):
        w.writerow([name, int(flagged), why])
    return 0


if __name__ == "__main__":
    raise SystemExit(baseline_main())
