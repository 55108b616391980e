"""Per registered domain (and per client) context that lifts or explains per-name verdicts.

A single iodine ping (``paaab2cdefghi.t.example.com``) or dnscat2 poll (18 hex characters) is too
short to condemn on its own, but a registered domain that receives hundreds of unique encoded
subdomains, mostly as NULL/TXT/CNAME/MX queries, from one client at a regular pace is a tunnel
whatever the individual names look like (RITA's insight, plus the encoding evidence RITA ignores).
Likewise a client that looks up dozens of distinct random-looking registered domains in one window
is running a DGA even when each name alone is only borderline.

All aggregation is group-by over integer codes (one code per unique name / domain / client); no
Python loop runs per event.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pyarrow as pa

from hunt_assets.analytics.dns.names import np_to_arrow
from hunt_assets.analytics.dns.score import VERDICT_CODE, Reason, _fmt, _Lazy, _reason

if TYPE_CHECKING:  # pandas is imported lazily: ``score-dns`` on plain names never needs it
    import pandas as pd

TUNNEL_QTYPES = ("NULL", "TXT", "CNAME", "MX", "SRV", "KEY", "PRIVATE", "ANY")

# batch rules (names only)
CTX_MIN_UNIQUE = 10  # unique subdomains under one registered domain
CTX_STRONG_MIN = 3  # names with a per-name tunnel verdict
CTX_FRACTION = 0.5  # share of its subdomains that look encoded
CTX_POLL_UNIQUE = 20  # many short encoded polls without any long payload
CTX_POLL_FRACTION = 0.6
# low-and-slow exfiltration: short chunks (10-16 characters) that are each too short to condemn,
# but a registered domain whose many unique subdomains are *on average* clearly less likely than
# names people choose is being fed data; human-named hosts under one domain average below zero
CTX_MEAN_BITS = 3.0  # with the 4-gram model; random 10-char base32 chunks under one domain average ~4
# ... or, when the chunks are too short for even the average to say much (8 base32 or 10 hex
# characters), a domain whose unique first labels are *all* fixed-length hex or base32 chunks with
# digits: one-time encoded names, which no human naming scheme produces
CTX_CHUNK_SHARE = 0.9
CTX_CHUNK_MIN_LEN = 8
CTX_CHUNK_LEN_SPREAD = 2
CTX_CHUNK_DIGITS = 0.5
_CHUNK_RE = rf"^(?:[0-9a-f]{{{CTX_CHUNK_MIN_LEN},}}|[a-z2-7]{{{CTX_CHUNK_MIN_LEN},}})\."
# event rules
QTYPE_MIN_UNIQUE = 5
BYTES_PER_WINDOW = 4000  # question bytes from one client to one registered domain in a window
DGA_BURST = 8  # distinct random-looking registered domains per client per window
DGA_BURST_BITS = 3.0  # "random-looking" for a burst: a weaker bar than a per-name DGA verdict
MUTATION_CLUSTER = 10  # distinct registered domains sharing suffix, length and last 12 characters (none of the first 4)
# distinct registered domains sharing suffix and all but a last letter (``score._stem_key``): an
# enumerating DGA's day (Pitou: 21 per stem). No popular list measured has a cluster of even 5.
STEM_CLUSTER = 8
# distinct registered domains sharing suffix and letters in any order (``score._anagram_key``): a
# permutation DGA's day. No popular list measured has more than four such labels of 4+ characters.
ANAGRAM_CLUSTER = 6
DICT_BURST = 20  # distinct unanswered long unfamiliar bare registered domains per client per window
# ... and for labels of 8 characters or fewer, which word-like and random strings share (QSnatch's
# `wkuqy.bt`, `h45.kr` over a hundred TLDs), twice as many: short names need the count to speak
SHORT_BURST = 40
# ... and any burst must be at least this share of the distinct unfamiliar registered domains the
# client looked up in that window. An infected workstation's burst dwarfs its own browsing; a proxy,
# forwarder or gateway logged as one client resolves thousands of unfamiliar domains an hour, and
# its few percent of dead ones would otherwise make a "burst" every hour
BURST_SHARE = 0.25
# where the log has no answers, a name counts towards a burst only if at most two clients looked it
# up (a page's ad-tech names are looked up by everyone who opens it) or if it is one of at least
# this many random-looking unfamiliar registered domains that exactly the same three or more clients
# looked up, and nobody else: a date-seeded DGA gives every infected host the same list
OUTBREAK_SAME_CLIENTS = 8
# ... by at most this share of the batch's clients: names that the whole fleet looks up are its
# software's, not an outbreak's
OUTBREAK_FLEET_SHARE = 0.5
# payload staging (DNSStager, Cobalt Strike's DNS stager): one client walks a counter through the
# first label of one zone's names (``cdn0``, ``cdn1`` ... or ``aaa``, ``baa`` ...) and reads the
# payload from the answers, so every look-up is AAAA or TXT. Browsers and resolvers ask A and AAAA
# in pairs, and a host-name sweep by an administrator asks A: the query type is what separates them
# from a fleet of numbered hosts (``ws-001`` .. ``ws-150``), which no name alone can.
STAGE_MIN_NAMES = 30  # distinct names that differ only in the counter
STAGE_QTYPE_SHARE = 0.9  # of the domain's look-ups that are AAAA or TXT
STAGE_CLIENT_SHARE = 0.9  # of those names' look-ups made by one client
STAGE_NAME_SHARE = 0.9  # of the domain's unique subdomains that belong to the counter run
STAGE_DENSITY = 0.8  # distinct counter values / (highest - lowest + 1)
STAGE_QTYPES = ("AAAA", "TXT")
# host names that are not hosts: the suppressions clear computer names under a zone (``DESKTOP-
# 7K2J9QX``, asset tags such as ``NYC-LT-5CG7844SYP``) because fleets are named so; a tunnel can
# shape its look-ups the same way (about 9 bytes each). Where the events name their clients, a
# zone with many such names, all resolved by one or two clients, each once or twice, (almost) none
# of them a client of the events, holds data dressed as host names: a real fleet's machines are the
# telemetry's own devices, and a management server resolves them again and again.
HOSTNAME_TUNNEL_MIN = 30  # distinct host-name-shaped names under one registered domain
HOSTNAME_TUNNEL_CLIENTS = 2  # resolved by at most this many clients
HOSTNAME_TUNNEL_ONCE = 0.9  # share of those names looked up at most twice
# share of those names that may be clients' host labels: not none, or a tunnel would hide by
# sending its own machine's name once; a fleet's onboarded share is far above it
HOSTNAME_TUNNEL_KNOWN = 0.05
# with answers in the events, a word grid counts only if at least this share of its registered
# domains went mostly unanswered: a dictionary DGA's list is mostly unregistered names
GRID_DEAD_SHARE = 0.5
# names-only DGA cohorts: registered domains of one batch sharing public suffix, label length and
# alphabet, at least COHORT_MIN of them random-looking (DGA_BURST_BITS) and making up at least
# COHORT_SHARE of all registered domains of that shape in the batch (popular ones included). A
# DGA's daily list has this shape; popular names of one shape are mostly word-like. Fixed a
# priori and checked only against benign lists (none of the training list's cohorts qualifies).
COHORT_MIN = 20
COHORT_SHARE = 0.5
# ... and once a cohort has convicted itself that way, its other non-popular members join it if
# the character model gives their registered label no better odds than a random string over its
# own alphabet, give or take one bit (reg_bits >= -1): a DGA's list mixes labels that happen to
# read well with ones that do not, and the cohort, not the label, is the evidence. An operating
# point chosen on the development set (bench/eval_dns.py), each bit lower trading about +0.3
# points of names-only DGA recall for +0.04 points of FPR on the popular hold-out list:
#   bar    DGA recall  popular FPR   (hi members only: 0.830, 0.29 %)
#   +1     0.838       0.32 %
#    0     0.847       0.32 %
#   -1     0.851       0.36 %
#   -2     0.854       0.40 %
#   -3     0.856       0.44 %
COHORT_MEMBER_BITS = -1.0
# with events that name their clients, a convicted cohort lifts only the domains looked up by a
# client that resolved at least this many random-looking members of the batch's convicted cohorts
# (of one kind). A DGA's day is one infected host's list, or a few hosts'; the popular names of the
# same shape that other people browse (``jocariz.com`` beside a day of 7-letter ``.com`` labels) are
# not on those hosts, and without clients the batch could not tell them apart. Set a priori at a
# quarter of COHORT_MIN. Counted per client over all convicted cohorts, not per cohort: a host's
# list spreads over cohorts of several lengths and suffixes, a few names in each.
COHORT_CLIENT_MIN = 5


def _domain_codes(cols: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Integer code per row for its registered domain, and one example row per code.

    Codes come from the 64-bit suffix hash of the registered domain, which is much cheaper to
    factorize than a million Python strings; Arrow's hash-based dictionary encoding numbers them in
    order of first appearance (as ``pd.factorize(sort=False)`` would).
    """
    from hunt_assets.analytics.dns.accel import factorize_u64

    codes, first = factorize_u64(cols["reg_hash"], first=True)
    return codes, first


def _factorize(values: np.ndarray) -> np.ndarray:
    """Integer codes of ``values`` in order of first appearance (hash-based, no sort)."""
    from hunt_assets.analytics.dns.accel import factorize_u64

    return factorize_u64(values)  # type: ignore[return-value]


def _verdict_is(cols: dict[str, np.ndarray], verdict: str) -> np.ndarray:
    """Rows with this verdict; ``cols["verdict"]`` holds strings, or codes (lean columns)."""
    v = cols["verdict"]
    return v == (verdict if v.dtype == object else VERDICT_CODE[verdict])


def lift(cols: dict[str, np.ndarray], mask: np.ndarray, verdict: str, floor: float) -> None:
    """Give the masked rows ``verdict`` and a score of at least ``floor`` (its band's floor or above).

    In place, on the masked rows only: batch and event context lift few names of a large batch.
    ``cols["verdict"]`` holds strings, or codes (lean columns).
    """
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return
    v = cols["verdict"]
    v[rows] = verdict if v.dtype == object else VERDICT_CODE[verdict]
    cols["score"][rows] = np.maximum(cols["score"][rows], floor)


def _eligible(cols: dict[str, np.ndarray]) -> np.ndarray:
    """Names that tunnel context may lift: valid and not in a suppressed family.

    Popularity is deliberately *not* a reason to skip: ``example.com`` and ``test.com`` are in
    popular lists and are exactly the domains lab tunnels are set up under.
    """
    suppressed = cols["suppressed"] if "suppressed" in cols else cols["suppressed_family"] != ""
    return ~_verdict_is(cols, "invalid") & ~suppressed


def _eligible_dga(cols: dict[str, np.ndarray], elig: np.ndarray | None = None) -> np.ndarray:
    """Names that DGA context may lift: additionally not a popular registered domain. ``elig``:
    ``_eligible(cols)`` if the caller has it already."""
    return (_eligible(cols) if elig is None else elig) & ~cols["popular_domain"]


DomainClients = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]
"""Given a mask over registered-domain codes, the distinct (domain code, client code) pairs of the
events under those domains, and each client code's name (None for look-ups that name no client,
which count as one client's). Event context passes one; a batch of bare names has no clients."""


class GridLookups(NamedTuple):
    """What event context knows of each registered domain's look-ups, for the word-grid rule
    (arrays indexed by domain code). ``addressed``: it was looked up for an address (A, AAAA,
    HTTPS or a type the log does not give) at least once; ``dead``: most of those look-ups went
    unanswered, or None where the log has no answers."""

    addressed: np.ndarray
    dead: np.ndarray | None


def apply_batch_context(
    arr: pa.Array,
    cols: dict[str, np.ndarray],
    reasons: list[Reason],
    extra_tunnel_domains: np.ndarray | None,
    grid_lookups: GridLookups | None = None,
    domain_clients: DomainClients | None = None,
) -> dict[str, np.ndarray]:
    """Lift names under registered domains whose subdomains, taken together, look like a tunnel.

    ``extra_tunnel_domains`` (bool per domain code) lets event context (query types, volume) mark
    domains as tunnels too; ``grid_lookups`` lets it say which domains a word grid may hold, and
    ``domain_clients`` which clients looked each domain up (``COHORT_CLIENT_MIN``). Returns
    the per-domain batch statistics (arrays indexed by domain code).
    """
    dcode, first_row = _domain_codes(cols)
    nd = first_row.size
    grids = None
    if "grid_key" in cols:  # on a second thread: it reads nothing the rules below change
        ex = ThreadPoolExecutor(max_workers=1, thread_name_prefix="word-grids")
        grids = ex.submit(_find_word_grids, arr, cols["grid_key"], dcode, first_row, grid_lookups)
        ex.shutdown(wait=False)
    elig = _eligible(cols)
    has_sub = cols["sub_len"] > 0
    strong = elig & has_sub & _verdict_is(cols, "tunnel")
    encoded = elig & has_sub & (cols["tunnel_score"] >= 0.2) | strong
    uniq_sub = np.bincount(dcode[elig & has_sub], minlength=nd)
    n_strong = np.bincount(dcode[strong], minlength=nd)
    n_enc = np.bincount(dcode[encoded], minlength=nd)
    frac = n_enc / np.maximum(uniq_sub, 1)
    rule_a = (uniq_sub >= CTX_MIN_UNIQUE) & (n_strong >= CTX_STRONG_MIN) & (frac >= CTX_FRACTION)
    rule_b = (uniq_sub >= CTX_POLL_UNIQUE) & (frac >= CTX_POLL_FRACTION)
    sub_rows = elig & has_sub
    mean_bits = np.bincount(dcode[sub_rows], weights=cols["sub_bits"][sub_rows], minlength=nd) / np.maximum(uniq_sub, 1)
    rule_c = (uniq_sub >= CTX_POLL_UNIQUE) & (mean_bits >= CTX_MEAN_BITS) & ~(rule_a | rule_b)
    rule_d, chunk_len = _chunk_domains(arr, dcode, sub_rows, uniq_sub, mean_bits, ~(rule_a | rule_b | rule_c))
    tunnel_dom = rule_a | rule_b | rule_c | rule_d
    if extra_tunnel_domains is not None:
        tunnel_dom = tunnel_dom | extra_tunnel_domains
    in_tunnel_dom = elig & has_sub & tunnel_dom[dcode]
    to_tunnel = in_tunnel_dom & ~_verdict_is(cols, "tunnel")
    lift(cols, to_tunnel, "tunnel", 0.75)
    reasons.append(
        _reason(
            in_tunnel_dom & (rule_a | rule_b)[dcode],
            "registered domain has ",
            _fmt(lambda idx: uniq_sub[dcode[idx]]),  # per-domain counts, gathered for these rows only
            " unique subdomains in this batch, ",
            _fmt(lambda idx: n_enc[dcode[idx]]),
            " of them encoded-looking (",
            _fmt(lambda idx: n_strong[dcode[idx]]),
            " long payloads)",
        )
    )
    reasons.append(
        _reason(
            elig & has_sub & rule_c[dcode],
            "registered domain has ",
            _fmt(lambda idx: uniq_sub[dcode[idx]]),
            " unique subdomains in this batch, on average ",
            _fmt(lambda idx: mean_bits[dcode[idx]], 1),
            " bits less likely than popular names (short encoded chunks: low-and-slow exfiltration)",
        )
    )
    reasons.append(
        _reason(
            elig & has_sub & rule_d[dcode],
            "registered domain has ",
            _fmt(lambda idx: uniq_sub[dcode[idx]]),
            " unique subdomains in this batch whose first labels are all ",
            _fmt(lambda idx: chunk_len[dcode[idx]]),
            "-character hex or base32 chunks with digits (one-time encoded names)",
        )
    )
    # the lifts (tunnel, dga) change no row's eligibility: one mask serves every rule below
    _mutation_clusters(cols, reasons, dcode, first_row, elig)
    _dga_cohorts(cols, reasons, dcode, first_row, elig, domain_clients)
    _word_grids(cols, reasons, dcode, elig, grids.result() if grids is not None else None)
    return {
        "unique_subdomains": uniq_sub,
        "encoded_subdomains": n_enc,
        "long_payload_names": n_strong,
        "batch_tunnel": tunnel_dom,
        "mean_subdomain_bits": mean_bits,
    }


def _chunk_domains(
    arr: pa.Array,
    dcode: np.ndarray,
    sub_rows: np.ndarray,
    uniq_sub: np.ndarray,
    mean_bits: np.ndarray,
    open_dom: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Domains whose unique subdomains all start with a fixed-length hex / base32 chunk.

    Words of eight letters match the base32 alphabet too, so at least half of the chunks must hold
    a digit and the subdomains must on average be no more likely than popular names (numbered
    human host names such as ``printer23`` average well below zero).

    Only rows under domains with enough unique subdomains (and no verdict yet) are inspected, with
    Arrow regex kernels, so ordinary batches pay one mask.
    """
    import pyarrow.compute as pc

    nd = uniq_sub.size
    out = np.zeros(nd, dtype=bool)
    length = np.zeros(nd, dtype=np.int64)
    cand_dom = open_dom & (uniq_sub >= CTX_POLL_UNIQUE)
    rows = np.flatnonzero(sub_rows & cand_dom[dcode])
    if rows.size == 0:
        return out, length
    names = pc.utf8_lower(pc.cast(arr, pa.large_string()).take(np_to_arrow(rows.astype(np.int64))))
    chunk = pc.match_substring_regex(
        names, rf"^(?:[0-9a-f]{{{CTX_CHUNK_MIN_LEN},}}|[a-z2-7]{{{CTX_CHUNK_MIN_LEN},}})\."
    )
    digit = pc.match_substring_regex(names, r"^[^.]*[0-9]")
    first_len = pc.find_substring(names, ".").to_numpy(zero_copy_only=False).astype(np.int64)
    ok = chunk.to_numpy(zero_copy_only=False)
    has_digit = digit.to_numpy(zero_copy_only=False)
    d = dcode[rows]
    share = np.bincount(d[ok], minlength=nd) / np.maximum(uniq_sub, 1)
    digit_share = np.bincount(d[ok & has_digit], minlength=nd) / np.maximum(np.bincount(d[ok], minlength=nd), 1)
    big = np.iinfo(np.int64).max
    lo = np.full(nd, big, dtype=np.int64)
    hi = np.full(nd, -1, dtype=np.int64)
    np.minimum.at(lo, d[ok], first_len[ok])
    np.maximum.at(hi, d[ok], first_len[ok])
    out = (
        cand_dom
        & (share >= CTX_CHUNK_SHARE)
        & (digit_share >= CTX_CHUNK_DIGITS)
        & (mean_bits >= 0)
        & (hi >= 0)
        & (hi - lo <= CTX_CHUNK_LEN_SPREAD)
    )
    length = np.where(out, hi, 0)
    return out, length


_CLUSTER_TEXT = {
    "mutation_key": " registered domains in this batch that differ only in their first characters "
    "(seed-mutation DGA, e.g. Banjori)",
    "stem_key": " registered domains in this batch that differ only in their last letter "
    "(enumerating DGA, e.g. Pitou)",
    "anagram_key": " registered domains in this batch whose labels are the same letters shuffled "
    "(permutation DGA)",
}


def _mutation_clusters(
    cols: dict[str, np.ndarray], reasons: list[Reason], dcode: np.ndarray, first_row: np.ndarray, elig: np.ndarray
) -> None:
    """Lift registered domains that are near-copies of each other: seed-mutation DGAs (the same
    suffix, label length and last 12 characters but not the first 4, at least ``MUTATION_CLUSTER`` of them) and
    enumerating DGAs (the same suffix and label but for a last letter, at least ``STEM_CLUSTER``)
    and permutation DGAs (the same suffix and letters in any order, at least ``ANAGRAM_CLUSTER``).

    Counted over distinct, unfamiliar registered domains in the batch.
    """
    clusters = (("mutation_key", MUTATION_CLUSTER), ("stem_key", STEM_CLUSTER), ("anagram_key", ANAGRAM_CLUSTER))
    for key, least in clusters:
        if key in cols:
            _near_copies(cols, reasons, dcode, first_row, key, least, elig)


def _domain_keys(key: np.ndarray, dcode: np.ndarray, nd: int) -> np.ndarray:
    """Per registered domain: the key its rows carry, with the lowest (candidate) bit set if any
    row has it; 0 if every row's key is 0.

    A domain's rows share one key except where a row is left out (0: suppressed, invalid) or is not
    a candidate itself (a tunnel-shaped name under it). Reading the domain's first row instead made
    the verdicts depend on the batch's order: ``_dmarc.<dga>.net`` before ``www.<dga>.net`` took
    the domain out of its cohort, after it the cohort lifted the suppressed name too.
    """
    from hunt_assets.analytics.dns.accel import group_max_u64

    # a domain's non-zero keys differ at most in the lowest bit: their maximum has it if any has
    return group_max_u64(dcode, key, nd)


def _near_copies(
    cols: dict[str, np.ndarray],
    reasons: list[Reason],
    dcode: np.ndarray,
    first_row: np.ndarray,
    key: str,
    least: int,
    elig: np.ndarray,
) -> None:
    key_row = _domain_keys(np.where(_eligible_dga(cols, elig), cols[key], np.uint64(0)), dcode, first_row.size)
    ok = key_row != 0
    if ok.sum() < least:
        return
    codes = _factorize(key_row[ok])
    size = np.bincount(codes)
    big = np.zeros(first_row.size, dtype=bool)
    big[np.flatnonzero(ok)[size[codes] >= least]] = True
    if not big.any():
        return
    csize = np.zeros(first_row.size, dtype=np.int64)
    csize[np.flatnonzero(ok)] = size[codes]
    mask = big[dcode] & elig & ~_verdict_is(cols, "tunnel")
    lift(cols, mask & ~_verdict_is(cols, "dga"), "dga", 0.7)
    reasons.append(
        _reason(
            mask,
            "one of ",
            _fmt(lambda idx: csize[dcode[idx]]),
            _CLUSTER_TEXT[key],
        )
    )


_COHORT_TEXT = {
    "cohort_key": " registered domains in this batch with the same public suffix, label length and alphabet, ",
    "template_key": " registered domains in this batch with the same public suffix, label length and "
    "vowel/consonant pattern, ",
}


def _dga_cohorts(
    cols: dict[str, np.ndarray],
    reasons: list[Reason],
    dcode: np.ndarray,
    first_row: np.ndarray,
    elig: np.ndarray,
    domain_clients: DomainClients | None = None,
) -> None:
    """Lift the non-popular members of a DGA-shaped cohort of the batch: one of suffix, length and
    alphabet (random-letter DGAs), or of suffix, length and syllable template (pronounceable DGAs;
    popular names are left out of those cohorts altogether). A cohort fires on its random-looking
    members (``DGA_BURST_BITS``); it then takes in the members at or above ``COHORT_MEMBER_BITS``.

    Counted over distinct registered domains. Members become ``dga`` whatever their own verdict
    was (tunnels are left alone), as members of a seed-mutation cluster do: the convicted cohort is
    the evidence, and a member that reads well on its own is no less one of the day's names.
    With ``domain_clients`` only the members on the cohort's hosts are lifted (``COHORT_CLIENT_MIN``).
    """
    for key in _COHORT_TEXT:
        if key in cols:
            _dga_cohort(cols, reasons, dcode, first_row, key, elig, domain_clients)


def _cohort_size(codes: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """Registered domains per cohort, popular and word-like ones included (``bits``, each member's
    ``reg_bits``, is not used): they are what keeps a common shape's share of random-looking names
    low. One function so that ``bench/experiments/cohort_denominator.py`` can measure other sizes
    against the real rule rather than a copy of it.
    """
    return np.bincount(codes).astype(np.float64)


def _dga_cohort(
    cols: dict[str, np.ndarray],
    reasons: list[Reason],
    dcode: np.ndarray,
    first_row: np.ndarray,
    key: str,
    elig: np.ndarray,
    domain_clients: DomainClients | None = None,
) -> None:
    key_row = _domain_keys(cols[key], dcode, first_row.size)
    shaped = np.flatnonzero(key_row != 0)  # every registered domain of a known shape, popular ones too
    cand = (key_row[shaped] & np.uint64(1)) == 1
    bits = cols["reg_bits"][first_row[shaped]]  # the registered label's: the same on every row
    hi = cand & (bits >= DGA_BURST_BITS)
    if hi.sum() < COHORT_MIN:
        return
    codes = _factorize(key_row[shaped] & ~np.uint64(1))
    n_hi = np.bincount(codes, weights=hi.astype(np.float64))
    size = _cohort_size(codes, bits)
    fire = (n_hi >= COHORT_MIN) & (n_hi >= COHORT_SHARE * size)
    if not fire.any():
        return
    kin = hi | (cand & (bits >= COHORT_MEMBER_BITS))
    on_host = who = None
    if domain_clients is not None:
        in_fire = fire[codes]
        on_host, who = _on_cohort_hosts(shaped[in_fire], hi[in_fire], first_row.size, domain_clients)
        kin &= on_host[shaped] > 0
    member = np.zeros(first_row.size, dtype=bool)
    member[shaped[fire[codes] & kin]] = True
    n_of = np.zeros(first_row.size, dtype=np.int64)
    n_of[shaped] = size[codes].astype(np.int64)
    hi_of = np.zeros(first_row.size, dtype=np.int64)
    hi_of[shaped] = n_hi[codes].astype(np.int64)
    mask = member[dcode] & elig & ~_verdict_is(cols, "tunnel")
    lift(cols, mask & ~_verdict_is(cols, "dga"), "dga", 0.7)
    reasons.append(
        _reason(
            mask,
            "one of ",
            _fmt(lambda idx: n_of[dcode[idx]]),
            _COHORT_TEXT[key],
            _fmt(lambda idx: hi_of[dcode[idx]]),
            " of them unlike popular names (the shape of a DGA's daily list)",
        )
    )
    if who is not None:  # the host, where the log names it
        named = np.not_equal(who, None)
        reasons.append(
            _reason(
                mask & named[dcode],
                "client ",
                _Lazy(lambda idx: pa.array(who[dcode[idx]].tolist(), pa.large_string())),
                " looked it up and resolved ",
                _fmt(lambda idx: on_host[dcode[idx]]),
                " random-looking names of such lists",
            )
        )


def _on_cohort_hosts(
    doms: np.ndarray, hi: np.ndarray, nd: int, domain_clients: DomainClients
) -> tuple[np.ndarray, np.ndarray]:
    """Per domain code: the most random-looking members of the convicted cohorts that one of its
    clients resolved, where that is at least ``COHORT_CLIENT_MIN`` (else 0), and that client's name
    (None where there is none, or the look-ups named no client). ``doms``: the convicted cohorts'
    domains, ``hi`` whether each is random-looking itself."""
    in_cohort = np.zeros(nd, dtype=bool)
    in_cohort[doms] = True
    hi_dom = np.zeros(nd, dtype=bool)
    hi_dom[doms[hi]] = True
    out = np.zeros(nd, dtype=np.int64)
    who = np.full(nd, None, dtype=object)
    d, c, names = domain_clients(in_cohort)
    if d.size == 0:
        return out, who
    d = d.astype(np.int64)
    n_hi = np.bincount(c, weights=hi_dom[d].astype(np.float64)).astype(np.int64)[c]  # per client
    ok = n_hi >= COHORT_CLIENT_MIN
    # per domain, its busiest such client: the first of the pairs sorted by domain, then count down
    order = np.lexsort((c[ok], -n_hi[ok], d[ok]))
    d_ok, c_ok, n_ok = d[ok][order], c[ok][order], n_hi[ok][order]
    _, first = np.unique(d_ok, return_index=True)
    out[d_ok[first]] = n_ok[first]
    who[d_ok[first]] = names[c_ok[first]]
    return out, who


def _find_word_grids(
    arr: pa.Array, grid_key: np.ndarray, dcode: np.ndarray, first_row: np.ndarray, lookups: GridLookups | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """The registered domains on a dictionary DGA's word grid (``word_grid``): labels of two glued
    words whose lead and trail words keep meeting each other in the batch. Returns (member, sizes):
    per domain code, whether it is on a grid, and its grid's labels, leads and trails; None if no
    grid.

    Counted over distinct registered domains that are DGA candidates (not popular, not vetted). The
    labels are read again from one name per domain, which is cheaper than carrying every row's label
    out of the scoring chunks. Reads only its arguments, so it can run beside the other batch rules.

    With events (``lookups``), only domains looked up for an address can be on a grid, and a grid
    counts only if most of its domains went unanswered where the log has answers. A mail gateway
    resolves hundreds of partner companies' domains a day (``alpineconsulting.io``,
    ``atlashealth.net``: words glued the same way) but asks for MX and TXT records and gets
    answers; malware asks for the address of each name of its list and most do not exist.
    """
    from hunt_assets.analytics.dns import word_grid as G
    from hunt_assets.analytics.dns.names import parse, to_binary_array

    dom_key = _domain_keys(grid_key, dcode, first_row.size)
    may = dom_key == np.uint64(3)
    if lookups is not None:
        may &= lookups.addressed
    doms = np.flatnonzero(may)
    if doms.size < G.MIN_DOMAINS:
        return None
    p = parse(to_binary_array(arr.take(pa.array(first_row[doms]))))
    reg = p.reg_label
    ok = reg >= 0
    doms, reg = doms[ok], reg[ok]
    starts = p.label_start[reg]
    grids = G.find_grids(p.lower, starts, p.label_end[reg] - starts, p.suffix_hash[reg + 1])
    on = grids.member.copy()
    if lookups is not None and lookups.dead is not None and on.any():
        g = grids.grid[on]
        dead_share = np.bincount(g, weights=lookups.dead[doms[on]]) / np.bincount(g)
        on[on] = dead_share[g] >= GRID_DEAD_SHARE
    if not on.any():
        return None
    member = np.zeros(first_row.size, dtype=bool)
    member[doms[on]] = True
    sizes = np.zeros((3, first_row.size), dtype=np.int64)
    sizes[:, doms] = np.stack([grids.labels, grids.leads, grids.trails])
    return member, sizes


def _word_grids(
    cols: dict[str, np.ndarray],
    reasons: list[Reason],
    dcode: np.ndarray,
    elig: np.ndarray,
    found: tuple[np.ndarray, np.ndarray] | None,
) -> None:
    """Lift the names under the word grids' domains (``_find_word_grids``) to ``dga``, as members of
    a DGA cohort are lifted; tunnels and popular domains are left alone."""
    from hunt_assets.analytics.dns.word_grid import CORE

    if found is None:
        return
    member, sizes = found
    mask = member[dcode] & elig & ~cols["popular_domain"] & ~_verdict_is(cols, "tunnel")
    lift(cols, mask & ~_verdict_is(cols, "dga"), "dga", 0.7)
    reasons.append(
        _reason(
            mask,
            "one of ",
            _fmt(lambda idx: sizes[0, dcode[idx]]),
            " registered domains in this batch that join ",
            _fmt(lambda idx: sizes[1, dcode[idx]]),
            " leading words to ",
            _fmt(lambda idx: sizes[2, dcode[idx]]),
            f" trailing words, each word met with {CORE} or more others (a dictionary DGA's word grid)",
        )
    )


def interarrival_cv(keys: np.ndarray, t_ns: np.ndarray) -> pd.Series:
    """Coefficient of variation of inter-arrival times per key (low = machine-regular).

    Needs at least 8 gaps per key; keys are e.g. ``domain * n_clients + client``.
    """
    import pandas as pd

    order = np.lexsort((t_ns, keys))
    k = keys[order]
    t = t_ns[order].astype(np.float64) / 1e9
    same = k[1:] == k[:-1]
    dt = np.diff(t)[same]
    kk = k[1:][same]
    if kk.size == 0:
        return pd.Series(dtype=float)
    g = pd.Series(dt).groupby(kk)
    cnt = g.count()
    cv = g.std() / g.mean()
    return cv[cnt >= 8]
