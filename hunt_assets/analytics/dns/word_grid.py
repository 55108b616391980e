"""Dictionary DGAs in a batch of names: registered labels that pair a few words with a few others.

Why: a dictionary DGA (Suppobox, and others built the same way) glues a word from one list to a
word from another (``researchbuilding.net``, ``breakbuilding.net``, ``researchworld.net``). Each
name reads as well as a popular one, so no character model can convict it, and the per-name
verdict is ``benign``. A day's list gives itself away as a whole: its lead words and its trail
words combine with each other again and again, a grid. Popular names combine words too, but
without that density: a brand's word meets a few others, most of them once.

The test, with no word list (any language, any dictionary): every registered label of 8 to 24
letters is split at every point that leaves at least ``MIN_PART`` letters on each side. Each split
is an edge between its lead (prefix) and its trail (suffix), both taken under the label's public
suffix. Edges whose lead or trail meets fewer than ``CORE`` distinct labels are dropped, again and
again, until none is: what is left is the graph's ``CORE``-core (every lead paired with at least
``CORE`` trails and the other way round). Misleading splits (``rese`` + ``archbuilding``) fall out
in the first rounds; a real grid stays. A connected part of what is left that holds at least
``MIN_DOMAINS`` labels is a grid.

Measured (``bench/experiments/word_grid.py``): scored as one batch of unfamiliar names, 195,714
popular registered domains (the training list, its hold-out, Umbrella, Tranco's top 50,526 and
Majestic's top 15,000) put none on a grid; with a ``CORE`` of 3, 3.25 % (English builds words from
stems and endings), and with halves of 3 letters, 1.60 %. Suppobox's 1,000 names of the development
set: 856 on a grid. One infected host's look-ups with Suppobox's own word lists (three lists, three
days): 95-100 % on a grid from two hours of it (98 names) to a whole day (252), among 66,447 popular
names not on our list, none of which joined. Only candidates enter the graph (not popular, not
vetted): popular names build a closed vocabulary of their own (``share`` + ``point``) that this rule
has no business judging.

Whole-array work over the batch's candidate labels (no Python loop per label): 33-40 ms for a million
names' 76,000 candidate domains, 60-75 ms with reading their labels again, which batch context does
on a second thread beside its other rules (``domain_stats._find_word_grids``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_LEN = 8  # registered-label length, letters only
MAX_LEN = 24  # two words of at most a dozen letters
MIN_PART = 4  # letters on each side of a split
CORE = 4  # distinct labels each lead and each trail must keep meeting
MIN_DOMAINS = 20  # labels in one grid

_MIX_LEAD = np.uint64(0x9E3779B97F4A7C15)
_MIX_TRAIL = np.uint64(0xC2B2AE3D27D4EB4F)


@dataclass(frozen=True)
class Grids:
    """Per input label: whether it is in a grid, and the grid's size (0 where it is not in one)."""

    member: np.ndarray  # bool
    grid: np.ndarray  # int64: which grid (0, 1, ...; -1 where it is in none)
    labels: np.ndarray  # int64: labels in its grid
    leads: np.ndarray  # int64: distinct lead words in its grid
    trails: np.ndarray  # int64: distinct trail words in its grid


def _none(n: int) -> Grids:
    z = np.zeros(n, dtype=np.int64)
    return Grids(np.zeros(n, dtype=bool), np.full(n, -1, dtype=np.int64), z, z.copy(), z.copy())


def find_grids(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray, zone: np.ndarray) -> Grids:
    """Which labels belong to a word grid.

    ``data``: lower-case bytes (uint8) holding every label; ``starts`` / ``lengths``: each label's
    place in it; ``zone``: a 64-bit key of each label's public suffix (labels meet only under the
    same suffix). Labels are taken as given: the caller passes distinct registered labels of
    ``MIN_LEN`` to ``MAX_LEN`` letters of domains that are not popular.
    """
    n = int(starts.size)
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    if n < MIN_DOMAINS or int(lengths.max(initial=0)) < 2 * MIN_PART:
        return _none(n)
    label, lead, trail = _split_hashes(np.asarray(data), starts, lengths)
    # (a lead and a trail of the same bytes hash alike: the keys below keep them apart)
    z = np.asarray(zone, dtype=np.uint64)[label]
    with np.errstate(over="ignore"):
        lead_key = lead * _MIX_LEAD + z
        trail_key = (trail * _MIX_TRAIL + z) ^ _MIX_LEAD
    # most leads and trails belong to one label: a count over hash buckets (never below a
    # word's true count) drops them before the exact numbering, which is the costly step
    maybe = _may_reach_core(lead_key) & _may_reach_core(trail_key)
    label, lead_key, trail_key = label[maybe], lead_key[maybe], trail_key[maybe]
    if label.size == 0:
        return _none(n)
    lead_id = _codes(lead_key)
    trail_id = _codes(trail_key)
    alive = _core(lead_id, trail_id)
    if alive.size == 0:
        return _none(n)
    label, lead_id, trail_id = label[alive], lead_id[alive], trail_id[alive]
    comp = _components(lead_id, trail_id)  # per surviving edge
    # distinct labels, leads and trails per component
    comp_ids, comp = np.unique(comp, return_inverse=True)
    k = comp_ids.size
    n_labels = _distinct_per_group(comp, label, k)
    n_leads = _distinct_per_group(comp, lead_id, k)
    n_trails = _distinct_per_group(comp, trail_id, k)
    grid = n_labels >= MIN_DOMAINS
    out = _none(n)
    keep = grid[comp]
    if not keep.any():
        return out
    # a label with edges in two grids (rare) reports the larger one
    order = np.argsort(n_labels[comp[keep]], kind="stable")
    lab = label[keep][order]
    c = comp[keep][order]
    out.member[lab] = True
    out.grid[lab] = np.unique(c, return_inverse=True)[1]
    out.labels[lab] = n_labels[c]
    out.leads[lab] = n_leads[c]
    out.trails[lab] = n_trails[c]
    return out


def _split_hashes(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, ...]:
    """(label, lead hash, trail hash) of every split that leaves ``MIN_PART`` letters each side.

    The hashes are ``names.hash_spans``' (a polynomial over the span's bytes, so equal bytes hash
    equal wherever they are): one pass in C over every lead and trail, or prefix sums in NumPy.
    """
    from hunt_assets.analytics.dns.names import hash_spans

    n = starts.size
    splits = np.maximum(lengths - 2 * MIN_PART + 1, 0)
    n_edges = int(splits.sum())
    label = np.repeat(np.arange(n, dtype=np.int64), splits)
    first_edge = np.cumsum(splits) - splits
    begin = starts[label]
    cut = begin + MIN_PART + (np.arange(n_edges, dtype=np.int64) - first_edge[label])
    end = (starts + lengths)[label]
    data = np.ascontiguousarray(data, dtype=np.uint8)
    return label, hash_spans(data, begin, cut), hash_spans(data, cut, end)


_BUCKETS = 1 << 18


def _may_reach_core(keys: np.ndarray) -> np.ndarray:
    """False for keys that certainly occur fewer than ``CORE`` times (their hash bucket holds
    fewer); True for the rest, a few of them by a shared bucket only."""
    bucket = (keys ^ (keys >> np.uint64(29))) & np.uint64(_BUCKETS - 1)
    counts = np.bincount(bucket.astype(np.int64), minlength=_BUCKETS)
    return counts[bucket] >= CORE


def _codes(keys: np.ndarray) -> np.ndarray:
    from hunt_assets.analytics.dns.accel import factorize_u64

    return factorize_u64(keys).astype(np.int64)  # type: ignore[union-attr]


def _core(lead: np.ndarray, trail: np.ndarray) -> np.ndarray:
    """Indices of the edges of the ``CORE``-core: drop edges at a lead or trail of fewer than
    ``CORE`` edges until none is left. A label gives a lead at most one edge (its prefixes differ
    in length), so a node's edges are distinct labels. Each round works on the edges still alive,
    and most are gone after the first."""
    idx = np.arange(lead.size, dtype=np.int64)
    n_lead = int(lead.max()) + 1
    n_trail = int(trail.max()) + 1
    while idx.size:
        le, tr = lead[idx], trail[idx]
        keep = (np.bincount(le, minlength=n_lead)[le] >= CORE) & (np.bincount(tr, minlength=n_trail)[tr] >= CORE)
        if keep.all():
            break
        idx = idx[keep]
    return idx


def _components(lead: np.ndarray, trail: np.ndarray) -> np.ndarray:
    """Connected component (smallest node id) of every edge of a bipartite graph, by min-label
    propagation with pointer jumping; the graph is what survived the core, a few thousand edges."""
    lead_nodes = int(lead.max()) + 1
    u = lead
    v = trail + lead_nodes
    label = np.arange(lead_nodes + int(trail.max()) + 1, dtype=np.int64)
    while True:
        m = np.minimum(label[u], label[v])
        before = label.copy()
        np.minimum.at(label, u, m)
        np.minimum.at(label, v, m)
        label = label[label]  # pointer jumping: follow each node's label to its label
        if np.array_equal(label, before):
            return label[u]


def _distinct_per_group(group: np.ndarray, value: np.ndarray, k: int) -> np.ndarray:
    width = int(value.max()) + 1
    pairs = np.unique(group.astype(np.int64) * width + value)
    return np.bincount(pairs // width, minlength=k).astype(np.int64)
