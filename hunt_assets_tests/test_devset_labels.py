"""The dev set's relabelled Umbrella names are what our Necurs implementation generates."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest

DEVSET = Path(__file__).resolve().parents[1] / "bench" / "devset"


def test_every_umbrella_necurs_name_is_listed_and_reproduced_by_its_magic_period_and_sequence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(DEVSET.parents[1]))
    from bench.devset.dga import NECURS_PER_PERIOD, necurs_name

    lines = (DEVSET / "data" / "umbrella_necurs.txt").read_text(encoding="ascii").splitlines()
    rows = [line.split() for line in lines if line and not line.startswith("#")]
    with gzip.open(DEVSET / "data" / "popular_umbrella.txt.gz", "rt", encoding="ascii") as fh:
        listed = {line.strip() for line in fh}
    assert len(rows) == 162
    for name, magic, start, seq in rows:
        assert name in listed
        assert 0 <= int(seq) < NECURS_PER_PERIOD
        assert necurs_name(int(seq), int(magic), dt.date.fromisoformat(start)) == name


def test_cobalt_strike_uploads_follow_the_beacon_layouts_and_dns_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dev set's Beacon queries have the shapes of beacon.dll's format strings, never a name DNS refuses."""
    import random
    import re

    monkeypatch.syspath_prepend(str(DEVSET.parents[1]))
    from bench.devset.tunnels import CS_LAYOUTS, cobalt_strike_dns

    layouts = {tuple(sizes) for sizes in CS_LAYOUTS}
    domain = "ns1.a-rather-long-delegated-zone-name.example-corp.com"
    queries = [q for _, q, _ in cobalt_strike_dns(random.Random(11), domain, 600)]
    uploads = [q for q in queries if q.startswith(("www.", "post."))]
    heartbeats = {q for q in queries if q.split(".", 1)[0].isdigit()}
    fetches = [q for q in queries if q.startswith(("api.", "cdn.", "www6."))]
    assert uploads
    assert fetches
    assert len(heartbeats) == 1
    for q in queries:
        assert q.endswith("." + domain)
        assert len(q) <= 253
        assert max(len(label) for label in q.split(".")) <= 63
    for q in uploads:
        _kind, count, rest = re.fullmatch(r"(www|post)\.(\d)(.+)", q[: -len(domain) - 1]).groups()
        *data, tag = rest.split(".")
        assert int(count) == len(data)
        assert re.fullmatch(r"[0-9a-f]{6,16}", tag)
        assert all(re.fullmatch(r"[0-9a-f]+", label) for label in data)
        sizes = tuple(len(label) for label in data)
        assert sizes in layouts or (len(sizes) == 1 and sizes[0] < 8), sizes
    for q in fetches:
        assert re.fullmatch(r"(api|cdn|www6)\.[0-9a-f]{6,16}", q[: -len(domain) - 1])
