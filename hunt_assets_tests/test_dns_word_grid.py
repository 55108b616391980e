"""Dictionary DGAs as a batch's word grid: the pure search (``word_grid``) and the batch rule."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hunt_assets.analytics.dns import word_grid as G
from hunt_assets.analytics.dns.score import score_names

# our own words (not the dev set's list): eight leads and eight trails, 4-7 letters each
LEADS = ["amber", "canal", "ember", "fable", "gravel", "harbor", "island", "jungle"]
TRAILS = ["motion", "needle", "orbit", "pepper", "quartz", "ribbon", "saddle", "timber"]
GRID = [lead + trail for lead in LEADS for trail in TRAILS]  # a Suppobox-like day: every pair


def _find(labels: list[str], zones: list[int] | None = None) -> G.Grids:
    data = np.frombuffer("".join(labels).encode("ascii"), dtype=np.uint8)
    lengths = np.array([len(x) for x in labels], dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    zone = np.array(zones if zones is not None else [7] * len(labels), dtype=np.uint64)
    return G.find_grids(data, starts, lengths, zone)


def test_every_pair_of_two_word_lists_is_one_grid_with_its_word_counts() -> None:
    g = _find(GRID)
    assert g.member.all()
    assert set(g.labels) == {64}
    assert set(g.leads) == {8}
    assert set(g.trails) == {8}


def test_labels_meet_only_under_the_same_public_suffix() -> None:
    rng = random.Random(3)
    # the same 64 labels spread over four suffixes: each word meets about two others per suffix
    spread = _find(GRID, [rng.randrange(4) for _ in GRID])
    assert not spread.member.any()
    # two suffixes that each hold a whole 8 x 4 grid: two grids of 32
    halves = _find(GRID, [0 if TRAILS.index(t) < 4 else 1 for _ in LEADS for t in TRAILS])
    assert halves.member.all()
    assert set(halves.labels) == {32}


def test_a_brand_word_with_many_partners_is_a_star_not_a_grid() -> None:
    rng = random.Random(5)
    partners = {"".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6)) for _ in range(60)}
    labels = [f"google{p}" for p in partners] + [f"{p}online" for p in partners]
    assert not _find(labels).member.any()


def test_stems_and_their_short_endings_are_not_word_pairs() -> None:
    # English builds words from stems and endings: every stem with every ending is a dense grid,
    # but the endings are shorter than MIN_PART, so no split leaves one on its own. (Stems that
    # all end alike would make a grid of their own: ``build`` + ``ering``, ``chart`` + ``ering``.)
    stems = ["garden", "market", "travel", "studio", "pocket", "silver", "castle", "forest", "bridge", "window"]
    labels = [s + e for s in stems for e in ("s", "ly", "ing", "ed", "ers")]
    assert not _find(labels).member.any()


def test_a_grid_smaller_than_min_domains_is_left_alone() -> None:
    small = [lead + trail for lead in LEADS[:4] for trail in TRAILS[:4]]  # 16 labels, every word met 4 times
    assert len(small) < G.MIN_DOMAINS
    assert not _find(small).member.any()
    # the same words once more under the minimum: one more row of four makes 20
    assert _find(small + [LEADS[4] + t for t in TRAILS[:4]]).member.all()


def test_misleading_splits_fall_out_and_the_grid_keeps_its_real_words() -> None:
    # every label also splits as 4 letters + the rest; only the real split is met by 4 or more
    g = _find([*GRID, "harborism", "emberlyn", "quartzite"])
    assert g.member[: len(GRID)].all()
    assert not g.member[len(GRID) :].any()
    assert set(g.leads[: len(GRID)]) == {8}


def test_the_popular_training_list_holds_no_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard behind CORE = 4: 129,000 popular registered domains, scored as one batch of
    unfamiliar names would be, hold no 4-core; their 3-core is not empty."""
    from hunt_assets.analytics.dns import ngram
    from hunt_assets.analytics.dns.names import parse, to_binary_array

    p = parse(to_binary_array(ngram.load_training_domains()))
    reg = p.reg_label[p.reg_label >= 0]
    # one label per registered domain, as batch context passes them (the list holds a few
    # names under one registered domain: ``adidas.tmall.com``, ``3m.tmall.com``)
    reg = reg[np.unique(p.suffix_hash[reg], return_index=True)[1]]
    starts, ends = p.label_start[reg], p.label_end[reg]
    lengths = ends - starts
    letters = np.array([p.lower[s:e].tobytes().isalpha() for s, e in zip(starts, ends, strict=True)])
    keep = letters & (lengths >= G.MIN_LEN) & (lengths <= G.MAX_LEN)
    assert keep.sum() > 50_000
    args = (p.lower, starts[keep], lengths[keep], p.suffix_hash[reg[keep] + 1])
    assert not G.find_grids(*args).member.any()
    monkeypatch.setattr(G, "CORE", 3)
    assert G.find_grids(*args).member.sum() > 100


def _day(tld: str = "net") -> list[str]:
    return [f"{label}.{tld}" for label in GRID]


def test_score_names_lifts_a_grid_to_dga_with_its_reason_and_spares_popular_names() -> None:
    from hunt_assets.analytics.dns import ngram

    popular = ngram.load_training_domains()[:3000]
    # a popular name that fits the grid's words is popular, not a member
    r = score_names([*_day(), *popular, "www.google.com"]).set_index("name")
    day = r.loc[_day()]
    assert (day["verdict"] == "dga").all()
    assert day["reasons"].str.contains(
        "one of 64 registered domains in this batch that join 8 leading words to 8 trailing words"
    ).all()
    assert (day["score"] >= 0.7).all()
    assert not r.loc[popular, "reasons"].str.contains("word grid").any()
    # one name of the day alone is just a name
    alone = score_names([_day()[0], *popular]).set_index("name")
    assert alone.loc[_day()[0], "verdict"] == "benign"


def test_the_grid_counts_domains_not_names() -> None:
    names = [*_day(), *(f"www.{n}" for n in _day())]
    r = score_names(names).set_index("name")
    assert (r.loc[[f"www.{n}" for n in _day()], "verdict"] == "dga").all()
    assert r.loc[_day()[0], "reasons"].count("word grid") == 1
    assert "one of 64 registered domains" in r.loc[_day()[0], "reasons"]
    # only half the day's domains seen: 32 still make a grid of 8 x 4
    half = score_names(_day()[::2]).set_index("name")
    assert (half["verdict"] == "dga").all()


def test_a_domain_with_service_records_is_an_organisation_s_not_a_grid_s() -> None:
    """A mail gateway checks DMARC and DKIM for every partner whose mail it takes: in a plain list
    of its names, the partners' ``_dmarc.`` / ``._domainkey.`` look-ups take them out. One such
    domain leaves the rest of a DGA's grid standing."""
    gateway = [*_day(), *(f"_dmarc.{n}" for n in _day()), *(f"selector1._domainkey.{n}" for n in _day())]
    r = score_names(gateway).set_index("name")
    assert not r["reasons"].str.contains("word grid").any()
    assert (r.loc[_day(), "verdict"] == "benign").all()
    assert (r.loc[[f"_dmarc.{n}" for n in _day()], "suppressed_family"] == "service_record").all()
    one = score_names([*_day(), f"_dmarc.{_day()[0]}"]).set_index("name")
    assert one.loc[_day()[0], "verdict"] == "benign"
    assert one.loc[f"_dmarc.{_day()[0]}", "verdict"] == "benign"
    assert (one.loc[_day()[1:], "verdict"] == "dga").all()
    assert "one of 63 registered domains" in one.loc[_day()[1], "reasons"]


@pytest.mark.parametrize("chunk", [13, 1 << 17])
def test_the_grid_is_the_whole_batch_s_whatever_the_chunks_or_order(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    from hunt_assets.analytics.dns import score as score_mod

    names = [*_day(), "google.com", "example.org"]
    random.Random(chunk).shuffle(names)
    monkeypatch.setattr(score_mod, "CHUNK", chunk)
    r = score_names(names).set_index("name")
    assert (r.loc[_day(), "verdict"] == "dga").all()
    assert (r.loc[["google.com", "example.org"], "verdict"] == "benign").all()


def test_score_dns_writes_the_grid_s_reason(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    from hunt_assets.analytics.dns.cli import score_dns_main

    path = tmp_path / "day.txt"
    path.write_text("\n".join([*_day(), "google.com"]) + "\n")
    assert score_dns_main([str(path)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsysbinary.readouterr().out.decode())))
    by = pd.DataFrame(rows).set_index("name")
    assert (by.loc[_day(), "verdict"] == "dga").all()
    assert by.loc[_day(), "reasons"].str.contains("a dictionary DGA's word grid").all()
    assert by.loc["google.com", "verdict"] == "benign"


@pytest.mark.parametrize("native", [True, False])
def test_split_hashes_are_names_hash_of_each_lead_and_trail(
    monkeypatch: pytest.MonkeyPatch, native: bool
) -> None:
    """The C pass and the NumPy prefix sums give ``names.hash_name`` of every lead and trail."""
    from hunt_assets.analytics.dns import accel
    from hunt_assets.analytics.dns.names import hash_name

    if native and accel.ext is None:
        pytest.skip("no C extension in this install")
    monkeypatch.setattr(accel, "ENABLED", native)
    labels = ["abcdwxyz", "amberneedle", "qwertyuiopasdfghjklzxcvb"]
    data = np.frombuffer(("pad" + "".join(labels)).encode(), dtype=np.uint8)
    lengths = np.array([len(x) for x in labels], dtype=np.int64)
    starts = 3 + np.cumsum(lengths) - lengths
    label, lead, trail = G._split_hashes(data, starts, lengths)
    want_lead, want_trail = [], []
    for lab in labels:
        for cut in range(G.MIN_PART, len(lab) - G.MIN_PART + 1):
            want_lead.append(hash_name(lab[:cut]))
            want_trail.append(hash_name(lab[cut:]))
    assert label.tolist() == [i for i, lab in enumerate(labels) for _ in range(len(lab) - 2 * G.MIN_PART + 1)]
    assert lead.tolist() == want_lead
    assert trail.tolist() == want_trail


def _events(qtype: str | None, answered: bool | None, client: str = "ws-7") -> pd.DataFrame:
    ev = pd.DataFrame({"name": _day(), "client": client})
    ev["timestamp"] = pd.Timestamp("2026-11-16T09:00Z") + pd.to_timedelta(range(len(ev)), unit="s")
    if qtype is not None:
        ev["qtype"] = qtype
    if answered is not None:
        ev["answers"] = "192.0.2.10" if answered else ""
    return ev


@pytest.mark.parametrize(
    ("qtype", "answered", "lifted"),
    [
        ("A", False, True),  # malware asks each name of its list for an address; most do not exist
        ("A", None, True),  # a log without answers: the look-ups' type is all there is
        (None, None, True),  # names and clients only: judged as names-only
        ("MX", True, False),  # a mail gateway resolving partner companies' domains
        ("TXT", None, False),  # SPF / DMARC look-ups of the same
        ("A", True, False),  # every address found: registered, live domains, not a DGA's list
    ],
)
def test_with_events_a_grid_must_be_asked_for_addresses_and_mostly_go_unanswered(
    qtype: str | None, answered: bool | None, lifted: bool
) -> None:
    from hunt_assets.analytics.dns.events import score_events

    flags, _ = score_events(_events(qtype, answered))
    by = flags.set_index("name")
    in_grid = by.loc[_day(), "reasons"].str.contains("word grid")
    assert in_grid.all() if lifted else not in_grid.any()
    assert (by.loc[_day(), "verdict"] == "dga").all() == lifted


def test_with_events_a_mail_gateway_s_partners_do_not_hide_an_infected_host_s_grid() -> None:
    """A gateway's answered MX look-ups of the same names do not clear them: the host's
    unanswered address look-ups still put the domains on the grid."""
    from hunt_assets.analytics.dns.events import score_events

    gateway = _events("MX", True, client="exch01")
    host = _events("A", False)
    flags, _ = score_events(pd.concat([gateway, host], ignore_index=True))
    by = flags.set_index("name")
    assert (by.loc[_day(), "verdict"] == "dga").all()
    # a third of the domains answered (a DGA's live C2 among them): most are still dead, all lifted
    half = _events("A", False)
    half.loc[::3, "answers"] = "192.0.2.10"
    flags, _ = score_events(half)
    assert (flags.set_index("name").loc[_day(), "verdict"] == "dga").all()
