"""Find the Umbrella-list names that Necurs generated, and write them to ``data/umbrella_necurs.txt``.

    .venv/bin/python bench/devset/umbrella_dga.py

The Umbrella-derived popular list (``data/popular_umbrella.txt.gz``) ranks names by DNS volume,
and sinkholed DGA names draw plenty: flagging them is not a false positive. This runs our own
Necurs implementation (``dga.necurs_name``) for every four-day period of November 2020 (the
snapshot's date: every Necurs name found in the list belongs to the period 2020-11-20..23) and the
botnet magic numbers 3, 5, 7 and 9, 2,048 names each, and keeps the generated names that are in the
list. ``build.py`` then labels them ``dga`` (family ``umbrella_necurs``, group ``wild_dga``)
instead of popular. A sweep over many more dates, families and seeds with third-party
reimplementations (J. Bader's, run locally, not committed) found only these, plus four Pykspa
names of the same month that our precursor-variant Pykspa does not generate; those stay in the
popular list, counted as false positives.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.devset.build import read_list
from bench.devset.dga import NECURS_PER_PERIOD, necurs_name

DATA = Path(__file__).resolve().parent / "data"
OUT = DATA / "umbrella_necurs.txt"
MAGICS = (3, 5, 7, 9)
PERIOD_STARTS = tuple(dt.date(2020, 11, d) for d in (1, 4, 8, 12, 16, 20, 24, 28))  # day >> 2 = 0..7


def find() -> list[tuple[str, int, dt.date, int]]:
    listed = set(read_list("popular_umbrella.txt.gz"))
    hits = []
    for magic in MAGICS:
        for start in PERIOD_STARTS:
            for seq in range(NECURS_PER_PERIOD):
                name = necurs_name(seq, magic, start)
                if name in listed:
                    hits.append((name, magic, start, seq))
    return sorted(hits)


def main() -> None:
    hits = find()
    with OUT.open("w", encoding="ascii") as fh:
        fh.write("# name magic period_start sequence_number (written by bench/devset/umbrella_dga.py)\n")
        for name, magic, start, seq in hits:
            fh.write(f"{name} {magic} {start.isoformat()} {seq}\n")
    print(f"{len(hits)} Umbrella-list names are Necurs outputs -> {OUT}")


if __name__ == "__main__":
    main()
