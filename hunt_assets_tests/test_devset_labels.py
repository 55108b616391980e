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
