"""Incident 9: a dictionary-DGA implant on one workstation (in the style of Suppobox and Matsnu).

Its names read like company names: each glues a word from one list to a word from another, so one at a
time they pass any test of how a name looks. A day seeds an LCG that picks 8 of the 32 leading words and
8 of the 32 trailing words; the day's 64 names are every pairing of the two, under .net. Every two hours
the implant walks the day's list; the operator has registered none of them this week, so every look-up
fails (NXDOMAIN) and nothing beacons. What gives it away is the day as a whole: 64 unanswered registered
domains from one host that join 8 words to 8 words, each word met with 8 others (a word grid).

The words are our own (ordinary English, none in the mail gateway's partner lists, ``dns_catalog``).
"""

from __future__ import annotations

from datetime import date, timedelta

from ..dns_records import NXDOMAIN
from ..plan import (
    DICT_DGA_HOST,
    DICT_DGA_LEADS,
    DICT_DGA_NAMES_PER_DAY,
    DICT_DGA_TRAILS,
    DICT_DGA_WORDS_PER_DAY,
    GroundTruth,
)
from ..processes import US_PER_S
from ..tenant import Tenant, from_us
from .common import LookupLog, Planted

ROUND_HOURS = tuple(range(0, 24, 2))
ROUND_MINUTE = 41


def _lcg(state: int) -> int:
    return (state * 1_103_515_245 + 12_345) & 0x7FFFFFFF


def _pick(state: int, words: tuple[str, ...], k: int) -> tuple[int, list[str]]:
    """k distinct words (a partial Fisher-Yates shuffle driven by the LCG) and the LCG's state after."""
    pool = list(words)
    for i in range(k):
        state = _lcg(state)
        j = i + (state >> 8) % (len(pool) - i)
        pool[i], pool[j] = pool[j], pool[i]
    return state, pool[:k]


def day_names(day: date) -> list[str]:
    """The implant's 64 names for one UTC day, in the order it tries them (public so tests can regenerate
    any day's list)."""
    state = (day.toordinal() * 2_654_435_761 ^ 0x5EED_D1C7) & 0x7FFFFFFF
    state, leads = _pick(state, DICT_DGA_LEADS, DICT_DGA_WORDS_PER_DAY)
    state, trails = _pick(state, DICT_DGA_TRAILS, DICT_DGA_WORDS_PER_DAY)
    names = [f"{lead}{trail}.net" for lead in leads for trail in trails]
    _, order = _pick(state, tuple(names), len(names))
    return order


def plant(t: Tenant) -> Planted:
    rng = t.rng("incident-dictionary-dga")
    dev = t.device(DICT_DGA_HOST)
    log = LookupLog()
    proc = "rundll32"
    first_query: int | None = None
    last_query = 0
    names_seen: set[str] = set()
    for day in range(t.days):
        names = day_names(t.start + timedelta(days=day))
        for hour in ROUND_HOURS:
            ts = t.at(day, hour, ROUND_MINUTE, float(rng.uniform(0, 30)))
            for name in names:
                log.lookup(ts, dev.idx, proc, name, "A", rcode=NXDOMAIN)
                names_seen.add(name)
                first_query = first_query or ts
                last_query = max(last_query, ts)
                ts += int(rng.uniform(0.2, 0.8) * US_PER_S)
    if first_query is None:
        raise AssertionError("dictionary-DGA schedule made no look-ups")
    out = Planted(dns=[log.batch()])
    loader_ts = t.day_us(0) + 6 * 3600 * US_PER_S + int(rng.integers(0, 1800)) * US_PER_S
    cmd = out.start_process(loader_ts, dev, "explorer", proc)
    gt = dict(incident="dictionary_dga", device_name=dev.name, device_id=dev.device_id)
    out.truth += [
        GroundTruth(
            kind="dga_nxdomain",
            entity=f"{len(names_seen)} names",
            detail=f"{DICT_DGA_NAMES_PER_DAY} names/day (.net), {DICT_DGA_WORDS_PER_DAY} of {len(DICT_DGA_LEADS)} "
            f"leading words x {DICT_DGA_WORDS_PER_DAY} of {len(DICT_DGA_TRAILS)} trailing words, rounds at "
            f"{','.join(f'{h:02d}:{ROUND_MINUTE}' for h in ROUND_HOURS)} UTC, none answered; "
            "see incidents.dictionary_dga.day_names",
            **gt,
            first_seen=from_us(first_query),
            last_seen=from_us(last_query),
        ),
        GroundTruth(
            kind="process",
            entity=cmd,
            detail="dictionary-DGA implant loaded by rundll32",
            **gt,
            first_seen=from_us(loader_ts),
            last_seen=from_us(last_query),
        ),
    ]
    return out
