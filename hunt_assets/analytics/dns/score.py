"""Verdicts, scores and human-readable reasons for DNS names.

Verdicts: ``tunnel`` (payload encoded in the subdomain), ``dga`` (machine-generated registered
label), ``suspicious`` (weaker evidence of either), ``benign``, and ``invalid`` (cannot be a DNS
name at all: empty, whitespace or control characters, empty labels — the reason says which).
Names longer than 253 bytes or with labels over 63 are *not* rejected: they are impossible on the
wire, so seeing them in a log is itself evidence, and they are scored with a reason saying so.

The per-name evidence is deliberately conservative; per-domain context (many unique encoded
subdomains under one registered domain, tunnel query types, volume, regular timing) and per-client
context (bursts of random-looking registered domains) lift verdicts in ``score_events``. Every
lift is spelled out in the reasons.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hunt_assets.analytics.dns import accel, ngram
from hunt_assets.analytics.dns import features as F
from hunt_assets.analytics.dns import suppress as S
from hunt_assets.analytics.dns.anonymity import KIND_TEXTS as ANONYMITY_KINDS
from hunt_assets.analytics.dns.anonymity import REASON as ANONYMITY_REASON
from hunt_assets.analytics.dns.anonymity import anonymity_kinds
from hunt_assets.analytics.dns.names import (
    LOWER,
    MAX_LABEL,
    ParsedNames,
    binary_to_str,
    isin_sorted,
    np_to_arrow,
    parse,
    prepare_isin,
    registered_domains,
    sorted_unique,
    to_binary_array,
)
from hunt_assets.analytics.dns.oast import REASONS as OAST_REASONS
from hunt_assets.analytics.dns.oast import oast_services

if TYPE_CHECKING:  # pandas is imported only where a frame is built: the CLI never needs it
    import pandas as pd

    from hunt_assets.analytics.dns.allowlist import Allowlist


def _is_series(x: object) -> bool:
    pd_mod = sys.modules.get("pandas")
    return pd_mod is not None and isinstance(x, pd_mod.Series)


VERDICTS = ("tunnel", "dga", "suspicious", "benign", "invalid")
VERDICT_CODE = {v: np.int8(i) for i, v in enumerate(VERDICTS)}  # lean columns hold these codes
_VERDICT_OBJECTS = np.array(VERDICTS, dtype=object)
_SUPPRESSION_TEXTS = pa.array(S.REASON_TEXTS, pa.large_string())
_ANONYMITY_TEXTS = pa.array([ANONYMITY_REASON.format(kind=k) for k in ANONYMITY_KINDS], pa.large_string())
# the raw strength of an anonymity network's name, put in the suspicious band (above the alternative
# roots' 0.6: such a name cannot be a typo of a real domain)
ANONYMITY_STRENGTH = 0.7
_OAST_TEXTS = pa.array(list(OAST_REASONS), pa.large_string())
# a look-up under a public out-of-band interaction service is a tunnel by what the service does, not
# by its shape: strong evidence, in the upper half of the tunnel band
OAST_STRENGTH = 0.9
# the columns ``score_arrays(..., lean=True)`` returns; there ``verdict`` holds ``VERDICT_CODE``
# codes (int8) and ``suppressed`` (bool) stands for ``suppressed_family != ""``
# the per-name keys batch context groups registered domains by (hashes, not for the user's frame)
BATCH_KEYS = (
    "reg_hash", "mutation_key", "stem_key", "anagram_key", "platform_anagram_key", "cohort_key", "template_key",
    "grid_key",
)
# how the reason of a suppressed name begins: event context that overrules a suppression
# (``events._host_names_not_devices``) finds and removes it by this
SUPPRESSED_REASON = "benign family: "
LEAN_COLUMNS = (
    "verdict",
    "score",
    "tunnel_score",
    "suppressed",
    "popular_domain",
    *BATCH_KEYS,
    "reg_bits",
    "sub_len",
    "sub_bits",
)
# names per chunk: with the byte-level work in C, fewer chunks mean fewer Python-level NumPy calls;
# 2^15..2^18 measured on 1M names and 2 cores, 2^17 fastest (2^18 leaves too few chunks to share)
CHUNK = 1 << 17
MAX_THREADS = max(1, min(4, os.cpu_count() or 1))

# thresholds in bits of "randomness" = log-likelihood ratio of a uniform model (over the label's
# own alphabet) against the popular-domain character model. The registered-label bars depend on
# the label length and ship with the model: each is the level that 0.3 % (DGA) / 0.6 % (suspicious)
# of popular registered labels of about that length reach when scored by a model that never saw
# them (cross-fitting, bench/devset/train_ngram.py). The constants below are used only by a model
# file without calibrated bars.
DGA_BITS = 9.0
DGA_MIN_LEN = 6  # shorter labels (``3hxc.cn``, ``70yx.com``) are too short to judge by characters
# a cohort's members may be a character shorter than a name judged alone: the batch is the evidence
# (5-letter labels: m0yv's .biz day; at 4 the popular hold-out's FPR rose from 0.36 to 0.60 %)
COHORT_MIN_LEN = 5
DGA_SUSPICIOUS_BITS = 7.0
DGA_SUSPICIOUS_MIN_LEN = 8
TUNNEL_BITS = 20.0  # subdomain payload
TUNNEL_MIN_LEN = 20
SUSP_BITS = 8.0
SUSP_MIN_LEN = 8


POPULAR_HASHES_FILE = "popular_hashes.npy"


@functools.lru_cache(maxsize=1)
def _popular_hashes() -> np.ndarray:
    """Sorted 64-bit hashes of the popular registered domains (same hash as the batch parser's).

    Read from ``hunt_assets/data/popular_hashes.npy``, which ``popular_hashes_from_list`` builds
    from the shipped list (a test keeps the two equal): hashing the decompressed list at every
    start cost ``score-dns`` a few hundredths of a second on its warm-up thread. Computed from the
    list when the file is missing.
    """
    import importlib.resources

    res = importlib.resources.files("hunt_assets") / "data" / POPULAR_HASHES_FILE
    if res.is_file():
        with res.open("rb") as f:
            h = np.load(f, allow_pickle=False)
        if h.dtype == np.uint64 and h.ndim == 1:
            return h
    return popular_hashes_from_list()


def popular_hashes_from_list() -> np.ndarray:
    """``_popular_hashes`` computed from ``popular_domains_train.txt.gz`` (sorted, distinct)."""
    from hunt_assets.analytics.dns.names import hash_lines

    blob = ngram.load_training_blob()
    if any(c in blob for c in (b".\n", b"\\", b" ", b"\t", b"\r")):  # lines the parser would normalise
        doms = ngram.load_training_domain_bytes()  # (none in the shipped list)
        p = parse(to_binary_array(pa.array([d.decode("ascii") for d in doms], pa.large_string())))
        h = p.suffix_hash[p.row_first_label]
    else:
        h = hash_lines(blob.lower())
    return sorted_unique(h)


def _warm() -> None:
    """Load the lazily built tables once, before worker threads race to build them."""
    from hunt_assets.analytics.dns.names import _rule_slots
    from hunt_assets.analytics.dns.suppress import _internal_hashes, _private_suffix_hashes, _zone_table

    ngram.load_default()
    _bar_tables()
    _rule_slots(True)
    for table in (
        _zone_table()[0],
        _popular_hashes(),
        *_internal_hashes(),
        _private_suffix_hashes(),
        S.vetted_suffix_hashes(),
        _alt_root_hashes(),
    ):
        prepare_isin(table)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # clipped: a megabyte-long name has millions of bits, and exp would overflow (with a warning)
    return 1.0 / (1.0 + np.exp(-np.clip(x, -700.0, 700.0)))


class _Fmt:
    """A numeric column to be rendered as text only for the rows a reason applies to.

    ``values`` is an array, or a function computing the values of the given rows only.
    """

    __slots__ = ("digits", "values")

    def __init__(self, values: np.ndarray | Callable[[np.ndarray], np.ndarray], digits: int) -> None:
        self.values = values if callable(values) else np.asarray(values)
        self.digits = digits

    def render(self, idx: np.ndarray) -> pa.Array:
        vals = self.values(idx) if callable(self.values) else self.values[idx]
        if self.digits == 0 and vals.dtype.kind in "iu":  # counts: no float round trip needed
            return pc.cast(np_to_arrow(vals.astype(np.int64)), pa.large_string())
        arr = np_to_arrow(np.round(vals.astype(np.float64), self.digits))
        if self.digits == 0:
            arr = pc.cast(arr, pa.int64())
        return pc.cast(arr, pa.large_string())


class _Lazy:
    """Text computed on demand for the selected rows (e.g. registered labels of DGA names)."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[np.ndarray], pa.Array]) -> None:
        self.fn = fn


def _fmt(x: np.ndarray | Callable[[np.ndarray], np.ndarray], digits: int = 0) -> _Fmt:
    return _Fmt(x, digits)


# (row positions, reason text): one ``str`` shared by every position, or a string Array aligned
# with the positions
Reason = tuple[np.ndarray, "str | pa.Array"]


def _reason(mask: np.ndarray, *parts: str | pa.Array | np.ndarray | _Fmt | _Lazy) -> Reason:
    """Reason text for the rows where ``mask`` holds.

    Text is built only for the masked rows, with Arrow string kernels, so benign-heavy batches pay
    almost nothing for reasons; fixed text is kept as one string, not repeated per row.
    """
    mask = np.asarray(mask, dtype=bool)
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return idx, ""
    if all(isinstance(part, str) for part in parts):
        return idx, "".join(parts)  # type: ignore[arg-type]
    take = np_to_arrow(idx.astype(np.int32))
    cols: list[pa.Array | pa.Scalar] = []
    for part in parts:
        if isinstance(part, str):
            cols.append(pa.scalar(part, pa.large_string()))
        elif isinstance(part, _Fmt):
            cols.append(part.render(idx))
        elif isinstance(part, _Lazy):
            cols.append(pc.cast(part.fn(idx), pa.large_string()))
        elif isinstance(part, np.ndarray):
            sel = part[idx]
            sel_arr = pa.array(sel.tolist()) if sel.dtype == object else np_to_arrow(sel)
            cols.append(pc.cast(sel_arr, pa.large_string()))
        else:
            cols.append(pc.cast(part.take(take), pa.large_string()))
    joined = pc.binary_join_element_wise(*cols, pa.scalar("", pa.large_string()))
    if isinstance(joined, pa.ChunkedArray):
        joined = joined.combine_chunks()
    return idx, joined


def _empty_strings(n: int) -> pa.Array:
    return pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(np.zeros(n + 1, dtype=np.int64)), pa.py_buffer(b"")]
    )


def join_reasons_arrow(reasons: list[Reason], n: int) -> pa.Array | pa.ChunkedArray:
    """'; '-join all reasons per row, in the order they were produced, as an Arrow string array
    (chunked, and joined on worker threads, when the reasons start with the per-chunk reasons of
    lean scoring).

    Every piece becomes an index into one pool of texts (fixed texts once, per-row texts as built);
    rows with a single reason take their text straight from the pool, and only rows with several
    reasons go through a list join.
    """
    if reasons and isinstance(reasons[0], ChunkReasons):
        return _join_chunked(reasons[0], reasons[1:], n)
    parts = [(idx, vals) for idx, vals in reasons if idx.size]
    if n == 0 or not parts:
        return _empty_strings(n)
    pool: list[pa.Array] = []
    consts: dict[str, int] = {}
    const_texts: list[str] = []
    piece_src: list[np.ndarray] = []
    base = 0
    for idx, vals in parts:
        if isinstance(vals, str):
            k = consts.setdefault(vals, len(consts))
            if k == len(const_texts):
                const_texts.append(vals)
            piece_src.append(np.full(idx.size, -1 - k, dtype=np.int64))
        else:
            pool.append(pc.cast(vals, pa.large_string()))
            piece_src.append(np.arange(base, base + idx.size, dtype=np.int64))
            base += idx.size
    pool.append(pa.array(const_texts, pa.large_string()))
    src_all = np.concatenate(piece_src)
    src_all = np.where(src_all < 0, base + (-1 - src_all), src_all)  # constants sit after the per-row texts
    pool_arr = pa.concat_arrays(pool)
    rows = np.concatenate([idx for idx, _ in parts])
    order = np.argsort(rows, kind="stable")
    piece = src_all[order]
    counts = np.bincount(rows, minlength=n)
    first = np.cumsum(counts) - counts
    n_pool = len(pool_arr)
    out_src = np.full(n, n_pool, dtype=np.int64)  # no reason: the empty string after the pool
    one = counts == 1
    out_src[one] = piece[first[one]]
    multi = np.flatnonzero(counts > 1)
    extra: list[pa.Array] = []
    if multi.size:
        cnt = counts[multi]
        offs = np.zeros(multi.size + 1, dtype=np.int64)
        np.cumsum(cnt, out=offs[1:])
        pos = np.repeat(first[multi] - offs[:-1], cnt) + np.arange(int(offs[-1]), dtype=np.int64)
        lists = pa.LargeListArray.from_arrays(
            np_to_arrow(offs), pool_arr.take(np_to_arrow(piece[pos].astype(np.int32)))
        )
        extra.append(pc.binary_join(lists, pa.scalar("; ", pa.large_string())))
        out_src[multi] = n_pool + 1 + np.arange(multi.size)
    full = pa.concat_arrays([pool_arr, pa.array([""], pa.large_string()), *extra])
    # int32 indices: Arrow's take on large strings is several times slower with int64 ones
    return full.take(np_to_arrow(out_src.astype(np.int32)))


def verdict_array(verdict: np.ndarray) -> pa.Array:
    """Verdict strings (object array) or ``VERDICT_CODE`` codes -> Arrow strings."""
    if verdict.dtype == np.int8:
        return pa.array(VERDICTS, pa.string()).take(np_to_arrow(verdict.astype(np.int32)))
    codes = np.full(verdict.size, VERDICTS.index("benign"), dtype=np.int8)
    for i, v in enumerate(VERDICTS):
        if v != "benign":
            codes[verdict == v] = i
    known = np.zeros(verdict.size, dtype=bool)
    known[codes != VERDICTS.index("benign")] = True
    if not (known | (verdict == "benign")).all():  # not one of VERDICTS: convert as it is
        return pa.array(verdict.tolist(), pa.string())
    return pa.array(VERDICTS, pa.string()).take(np_to_arrow(codes.astype(np.int32)))


def join_reasons(reasons: list[Reason], n: int) -> np.ndarray:
    """'; '-join all reasons per row, in the order they were produced (object array of str)."""
    return np.asarray(join_reasons_arrow(reasons, n).to_numpy(zero_copy_only=False), dtype=object)


def score_arrays(
    names: Sequence[str] | pd.Series | pa.Array, lean: bool = False, allow: Allowlist | None = None
) -> tuple[pa.Array, dict[str, np.ndarray], list[Reason]]:
    """Core per-name scoring over *unique* names; returns (name strings, columns, reason arrays).

    Split out of ``score_names`` so the CLI can write CSV straight from Arrow without building a
    pandas frame, and ``score_events`` can append context reasons before joining. ``lean=True``
    (the CLI) returns only the columns ``LEAN_COLUMNS`` that batch context and the CSV need,
    computes entropies only for the rows whose reasons show them, and keeps each chunk's reasons
    apart (the first reason is then a ``ChunkReasons``), so ``join_reasons_arrow`` joins them
    chunk by chunk on worker threads, with any reasons appended since; verdicts, scores and the
    text of ``join_reasons_arrow`` are exactly the same. ``allow``: the user's allowlist
    (``allowlist.load``), whose registered domains count as popular.
    """
    if _is_series(names):
        names = pa.array(names.astype(object).where(names.notna(), None).tolist(), pa.large_string())
    in_arr = names if isinstance(names, pa.Array) else pa.array(list(names), pa.large_string())
    if not pa.types.is_large_string(in_arr.type):
        in_arr = pc.cast(in_arr, pa.large_string())
    if isinstance(in_arr, pa.ChunkedArray):
        in_arr = in_arr.combine_chunks()
    allow_h = allow.hashes if allow is not None and allow.domains else None
    if len(in_arr) == 0:
        # same columns and dtypes as a real batch, zero rows
        cols0, _ = _score_chunk(pa.array(["example.com"], pa.large_string()), lean, allow_h)
        return in_arr, {k: v[:0] for k, v in cols0.items()}, []
    reasons: list[Reason] = []
    n = len(in_arr)
    if allow_h is not None:
        prepare_isin(allow_h)  # once, before the worker threads look names up in it
    # NumPy and Arrow release the GIL in their kernels, so chunks scale over a couple of threads.
    # Chunks of at most CHUNK names, as many as a multiple of the workers and of equal size, so no
    # thread idles at the end while another scores a last full chunk (8 x 125,000 for a million
    # names, not 7 x 131,072 + 82,496)
    n_chunks = -(-n // CHUNK)
    workers = min(n_chunks, MAX_THREADS)
    n_chunks = -(-n_chunks // workers) * workers
    size = -(-n // n_chunks)
    starts = list(range(0, n, size))
    # every chunk copies its columns into one array per column as soon as it is done, on its own
    # thread: no concatenation afterwards, and a chunk's arrays are freed (and their memory
    # reused by the next chunk) while the others are still being scored
    cols: dict[str, np.ndarray] = {}
    lock = threading.Lock()

    def run(st: int, unclear: np.ndarray | None = None) -> list[Reason]:
        part, r = _score_chunk(in_arr.slice(st, size), lean, allow_h, unclear)
        with lock:
            if not cols:
                cols.update({k: np.empty(n, dtype=v.dtype) for k, v in part.items()})
        for k, v in part.items():
            cols[k][st : st + v.size] = v
        return r

    if workers > 1:
        _warm()
        with ThreadPoolExecutor(max_workers=workers) as ex:
            results = list(ex.map(run, starts))
    else:
        results = [run(st) for st in starts]
    unclear = _platform_clusters(cols)
    if unclear.size:  # rare: a permutation DGA under a platform zone; its chunks are scored again
        members = np.flatnonzero(np.isin(cols["platform_anagram_key"], unclear))
        for ci in np.unique(members // size):
            results[ci] = run(starts[ci], unclear)
    if lean:
        sizes = [min(size, n - st) for st in starts]
        reasons = [ChunkReasons(starts, sizes, results)]  # type: ignore[list-item]
    else:
        for start, r_c in zip(starts, results, strict=True):
            reasons += [(idx + start, vals) for idx, vals in r_c]
    return in_arr, cols, reasons


class ChunkReasons:
    """Each chunk's reasons, not joined yet (positions within the chunk), in chunk order; leads the
    reason list of ``score_arrays(..., lean=True)``. Reasons appended later (batch context) use
    positions in the whole batch."""

    __slots__ = ("_early", "parts", "sizes", "starts")

    def __init__(self, starts: list[int], sizes: list[int], parts: list[list[Reason]]) -> None:
        self.starts = starts
        self.sizes = sizes
        self.parts = parts
        self._early: list[Future[pa.Array]] | None = None

    def _join_own(self, ci: int) -> pa.Array:
        out = join_reasons_arrow(self.parts[ci], self.sizes[ci])
        return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out

    def join_early(self) -> None:
        """Start joining every chunk's own reasons on a worker thread now.

        Batch context (one thread, a tenth of a second on a million names) then runs on the
        caller's thread meanwhile instead of leaving the second core idle; ``join_reasons_arrow``
        adds the reasons appended since to the few rows that got any, and joins itself whatever
        chunks the worker has not started yet. The chunks' reason lists must not change after this.
        """
        if self._early is None and self.parts:
            ex = ThreadPoolExecutor(max_workers=1, thread_name_prefix="join-reasons")
            self._early = [ex.submit(self._join_own, ci) for ci in range(len(self.parts))]
            ex.shutdown(wait=False)

    def joined_own(self, ci: int) -> pa.Array:
        """Chunk ``ci``'s own reasons joined (by the early worker, or here if it has not begun)."""
        fut = self._early[ci] if self._early is not None else None
        if fut is None or fut.cancel():
            return self._join_own(ci)
        return fut.result()


class ReasonPatch(NamedTuple):
    """One chunk's reasons: its own joined text, with the rows that later reasons (batch and event
    context) reached taking ``text`` instead. ``apply`` splices them into one array; the CSV writer
    reads the two directly and spares that copy of all the text."""

    own: pa.Array  # large_string, one per row of the chunk
    rows: np.ndarray  # sorted chunk positions (int64) whose text is in ``text``
    text: pa.Array | None  # large_string, aligned with ``rows``

    def apply(self) -> pa.Array:
        if self.text is None or self.rows.size == 0:
            return self.own
        where = np.arange(len(self.own), dtype=np.int32)
        where[self.rows] = len(self.own) + np.arange(self.rows.size, dtype=np.int32)
        return pa.concat_arrays([self.own, self.text]).take(np_to_arrow(where))


_NO_ROWS = np.zeros(0, dtype=np.int64)


def _patch(own: pa.Array, has_own: np.ndarray, extra: list[Reason]) -> ReasonPatch:
    """``own`` (one chunk's joined reasons) with the ``extra`` reasons of its rows '; '-joined
    after them: exactly the text of joining all the pieces together, built for the touched rows only."""
    rows = sorted_unique(np.concatenate([idx for idx, _ in extra]))
    local = [(np.searchsorted(rows, idx), vals) for idx, vals in extra]
    ext = join_reasons_arrow(local, rows.size)
    if isinstance(ext, pa.ChunkedArray):
        ext = ext.combine_chunks()
    take_rows = np_to_arrow(rows.astype(np.int32))
    both = has_own[rows]
    joined = pc.binary_join_element_wise(own.take(take_rows), ext, pa.scalar("; ", pa.large_string()))
    patched = pc.if_else(np_to_arrow(both), joined, ext)
    return ReasonPatch(own, rows.astype(np.int64), patched.cast(pa.large_string()))


def _chunk_patches(chunks: ChunkReasons, extra: list[Reason], n: int, apply: bool) -> list:
    """Every chunk's reasons followed by the later ``extra`` reasons of its rows, built on worker
    threads (Arrow's string kernels release the GIL): a ``ReasonPatch`` per chunk, or (``apply``)
    its spliced text."""
    per_chunk: list[list[Reason]] = [[] for _ in chunks.parts]
    bounds = np.asarray([*chunks.starts, n], dtype=np.int64)
    for idx, vals in extra:
        if idx.size == 0:
            continue
        if idx.size > 1 and (idx[1:] < idx[:-1]).any():  # _reason gives ascending rows; keep it so
            order = np.argsort(idx, kind="stable")
            idx = idx[order]
            vals = vals if isinstance(vals, str) else vals.take(np_to_arrow(order.astype(np.int64)))
        cut = np.searchsorted(idx, bounds)
        for ci in np.flatnonzero(cut[1:] > cut[:-1]):
            a, b = int(cut[ci]), int(cut[ci + 1])
            per_chunk[ci].append((idx[a:b] - bounds[ci], vals if isinstance(vals, str) else vals.slice(a, b - a)))
    workers = min(len(per_chunk), MAX_THREADS)

    def one(ci: int) -> ReasonPatch | pa.Array:
        own = chunks.joined_own(ci)
        if not per_chunk[ci]:
            patch = ReasonPatch(own, _NO_ROWS, None)
        else:
            has_own = np.zeros(chunks.sizes[ci], dtype=bool)
            for idx, _ in chunks.parts[ci]:
                has_own[idx] = True
            patch = _patch(own, has_own, per_chunk[ci])
        return patch.apply() if apply else patch

    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as ex:
            return list(ex.map(one, range(len(per_chunk))))
    return [one(ci) for ci in range(len(per_chunk))]


def _join_chunked(chunks: ChunkReasons, extra: list[Reason], n: int) -> pa.ChunkedArray:
    """Join every chunk's reasons, followed by the later ``extra`` reasons of its rows: one text
    column, one chunk per chunk."""
    return pa.chunked_array(_chunk_patches(chunks, extra, n, apply=True), type=pa.large_string())


def reason_patches(reasons: list[Reason], n: int) -> list[ReasonPatch]:
    """``join_reasons_arrow`` as one ``ReasonPatch`` per chunk, the later reasons not spliced in."""
    if reasons and isinstance(reasons[0], ChunkReasons):
        return _chunk_patches(reasons[0], reasons[1:], n, apply=False)
    joined = join_reasons_arrow(reasons, n)
    chunks = joined.chunks if isinstance(joined, pa.ChunkedArray) else [joined]
    return [ReasonPatch(c.cast(pa.large_string()), _NO_ROWS, None) for c in chunks]


def _score_chunk(
    in_arr: pa.Array, lean: bool = False, allow: np.ndarray | None = None, unclear: np.ndarray | None = None
) -> tuple[dict[str, np.ndarray], list[Reason]]:
    """Per-name scoring of one chunk; chunks keep every temporary array small and reused.

    ``allow``: the hashes of the user's allowlist; its domains are popular as far as the decision
    goes, and explained as allowlisted. ``unclear``: the anagram keys of the batch's permutation
    clusters under platform zones (``_platform_clusters``), whose names lose the platform clearing.
    """
    binary = to_binary_array(in_arr)
    p = parse(binary)
    f = F.compute(p, entropy=not lean)
    n = p.n
    if lean:  # entropies only for the rows whose reasons quote them
        sub_entropy = functools.partial(F.entropy_of_rows, p, f, part="sub")
        reg_entropy = functools.partial(F.entropy_of_rows, p, f, part="reg")
    else:
        sub_entropy, reg_entropy = f["sub_entropy"], f["reg_entropy"]

    lens = f["name_len"]
    raw_len = pc.binary_length(binary).to_numpy(zero_copy_only=False)
    fam, fam_reason = S.suppression_codes(p)
    # each name's last label (its TLD), hashed: the anonymity and alternative-root rules key on it
    tld_hash = p.suffix_hash[p.row_first_label + np.maximum(p.n_labels.astype(np.int64) - 1, 0)]
    # anonymity networks' names (.onion ...) set name-shape evidence aside like a look-alike family,
    # so neither the decision nor batch / event context reads their labels; they are then flagged
    # below with a reason of their own
    anon_kind = anonymity_kinds(p, tld_hash)
    anon = (anon_kind >= 0) & (fam < 0)
    fam[anon] = S.ANONYMITY
    reg_hash_start = np.where(p.reg_label >= 0, p.reg_label, p.row_first_label)
    reg_hash = p.suffix_hash[reg_hash_start]
    listed = isin_sorted(reg_hash, _popular_hashes()) & (p.reg_label >= 0)  # the shipped list
    allowlisted = np.zeros(n, dtype=bool) if allow is None else isin_sorted(reg_hash, allow) & (p.reg_label >= 0)
    popular = listed | allowlisted
    anagram_key = _anagram_key(p, f)
    # a hosting platform's user-chosen names (``<user>.github.io``) are cleared as the platform's,
    # unless the batch holds a permutation DGA's day of them (``_platform_clusters``)
    platform = (fam == S.FAMILY_NAMES.index("cdn_cloud_edge")) & (anagram_key != 0) & ~popular
    platform_anagram_key = np.where(platform, anagram_key, np.uint64(0))
    if unclear is not None:
        fam[platform & np.isin(anagram_key, unclear)] = -1

    # ---- per-name evidence and verdict -----------------------------------------------------------
    vetted = np.zeros(n, dtype=bool)
    has_reg_lab = np.flatnonzero(p.reg_label >= 0)
    vetted[has_reg_lab] = isin_sorted(p.suffix_hash[p.reg_label[has_reg_lab] + 1], S.vetted_suffix_hashes())
    # alternative roots that public DNS cannot resolve but malware uses (Namecoin .bit, EmerDNS
    # .bazar .coin .emc .lib: Necurs, BazarLoader, Smoke Loader): a look-up there is itself notable
    alt_tld = isin_sorted(tld_hash, _alt_root_hashes())
    decide = _decide_native if accel.ext is not None and accel.ENABLED and n else _decide_numpy
    verdict, score, tunnel_score, dga_score, sub_bits, reg_bits, why = decide(
        p, f, raw_len, fam, popular, vetted, alt_tld
    )
    anon &= verdict != VERDICT_CODE["invalid"]
    if anon.any():
        verdict[anon] = VERDICT_CODE["suspicious"]
        score[anon] = banded_score(verdict[anon], np.full(int(anon.sum()), ANONYMITY_STRENGTH))
        why[anon] = (why[anon] & ~_W["suppressed"]) | _W["anonymity"]
    # public out-of-band interaction services (interactsh, Burp Collaborator, DNSLog ...): a tunnel
    # whatever the name looks like; the suppressions and the popular list do not apply to them
    oast_kind = oast_services(p, reg_hash)
    oast = (oast_kind >= 0) & (verdict != VERDICT_CODE["invalid"])
    if oast.any():
        verdict[oast] = VERDICT_CODE["tunnel"]
        tunnel_score[oast] = np.maximum(tunnel_score[oast], OAST_STRENGTH)
        score[oast] = banded_score(verdict[oast], tunnel_score[oast])
        why[oast] = (why[oast] & ~(_W["suppressed"] | _W["popular"])) | _W["oast"]
        fam[oast] = -1
    sub_len = f["sub_len"]
    suppressed = (why & _W["suppressed"]) != 0

    def has(name: str) -> np.ndarray:
        return (why & _W[name]) != 0

    shaped = has("shaped")
    candidate = has("candidate")
    cohort_key = _cohort_key(p, f, shaped, candidate)
    template_key = _template_key(p, f, shaped & ~popular, candidate)
    grid_key = _grid_key(f, shaped, candidate, fam == _SERVICE_RECORD)

    # ---- reasons --------------------------------------------------------------------------------
    R: list[Reason] = []
    R.append(_reason(has("empty"), "invalid: empty name"))
    R.append(_reason(has("ctrl"), "invalid: whitespace or control characters inside the name"))
    R.append(_reason(has("empty_label"), "invalid: empty label (consecutive dots)"))
    # what the name is, when a list says so (an onion service, a callback or honeytoken service), leads:
    # a preview clips reasons, and the shape evidence after it only says how it looks
    anon_text = _Lazy(lambda idx: _ANONYMITY_TEXTS.take(np_to_arrow(anon_kind[idx].astype(np.int32))))
    R.append(_reason(has("anonymity"), anon_text))
    oast_text = _Lazy(lambda idx: _OAST_TEXTS.take(np_to_arrow(oast_kind[idx].astype(np.int32))))
    R.append(_reason(has("oast"), oast_text))
    R.append(
        _reason(
            suppressed,
            SUPPRESSED_REASON,
            _Lazy(lambda idx: _SUPPRESSION_TEXTS.take(np_to_arrow(fam_reason[idx].astype(np.int32)))),
        )
    )
    R.append(
        _reason(
            has("payload"),
            "subdomain payload of ",
            _fmt(sub_len),
            " chars in ",
            _fmt(f["n_sub_labels"]),
            " label(s) is ",
            _fmt(lambda idx: sub_bits[idx] / np.maximum(sub_len[idx], 1), 1),
            " bits/char more random than popular names (entropy ",
            _fmt(sub_entropy, 2),
            ")",
        )
    )
    R.append(_reason(has("dnscat"), "first label is 'dnscat' (dnscat2 without a domain; Sigma rule)"))
    R.append(
        _reason(
            has("exfil_init"),
            "first labels are DNSExfiltrator's init request ('init.<base32 file name|chunks>.base32|base64.')",
        )
    )
    R.append(
        _reason(
            has("iodine"),
            "first label is iodine's version handshake ('v' + protocol 0x0000040x/0x0000050x in iodine's base32)",
        )
    )
    R.append(
        _reason(
            has("no_tld"),
            "unknown top-level domain and encoded labels (",
            _fmt(lambda idx: sub_bits[idx] + reg_bits[idx], 0),
            " bits): query sent straight to a tunnel server",
        )
    )
    R.append(
        _reason(
            has("tunnel_susp") & (sub_bits >= 1),
            "subdomain of ",
            _fmt(sub_len),
            " chars looks encoded (",
            _fmt(sub_bits, 0),
            " bits less likely than popular names)",
        )
    )
    # suspected for its alphabet alone (hex / mixed-case poll, base64 marks): no likelihood to quote
    R.append(_reason(has("tunnel_susp") & (sub_bits < 1), "subdomain of ", _fmt(sub_len), " chars looks encoded"))
    R.append(_reason(has("hex"), "subdomain is pure hex (dnscat2-style encoding)"))
    R.append(_reason(has("b32"), "subdomain uses only the base32 alphabet"))
    R.append(_reason(has("b64"), "mixed case / '+' '/' '=' in labels: base64-style encoding"))
    R.append(
        _reason(
            has("nonascii"), _fmt(f["n_nonascii"]), " non-ASCII or escaped byte(s) (iodine base128 uses 0xBC-0xFD)"
        )
    )
    R.append(
        _reason(
            has("over"),
            "exceeds DNS limits (name of ",
            _fmt(lens),
            " bytes, longest label ",
            _fmt(f["max_label_len"]),
            "; at most 253 and 63)",
        )
    )
    R.append(
        _reason(
            has("dga"),
            "registered label '",
            _Lazy(lambda idx: binary_to_str(_reg_labels(p, idx))),
            "' is ",
            _fmt(reg_bits, 0),
            " bits less likely than popular domains (",
            _fmt(f["reg_len"]),
            " chars, entropy ",
            _fmt(reg_entropy, 2),
            ")",
        )
    )
    R.append(
        _reason(has("dga_susp"), "registered label is somewhat unlike popular domains (", _fmt(reg_bits, 0), " bits)")
    )
    R.append(
        _reason(
            has("alt_tld"),
            "top-level domain of an alternative root used by malware (Namecoin .bit / EmerDNS .bazar .coin .emc .lib)",
        )
    )
    R.append(_reason(has("popular") & listed, "registered domain is in the popular-domain list"))
    R.append(_reason(has("popular") & ~listed, "registered domain is on the allowlist"))
    R.append(
        _reason(
            has("vetted"),
            "registered under a vetted government / education zone (no DGA can register there)",
        )
    )

    keys = dict(
        zip(
            BATCH_KEYS,
            (
                reg_hash, _mutation_key(p, f), _stem_key(p, f), anagram_key, platform_anagram_key, cohort_key,
                template_key, grid_key,
            ),
            strict=True,
        )
    )
    if lean:
        return {
            "verdict": verdict,
            "score": np.round(score, 4),
            "tunnel_score": np.round(tunnel_score, 4),
            "suppressed": fam >= 0,
            "popular_domain": popular,
            **keys,
            "reg_bits": np.round(reg_bits, 2),
            "sub_len": sub_len,
            "sub_bits": np.round(sub_bits, 2),
        }, R
    reg = registered_domains(p)
    has_sub = has("has_sub")  # with the tunnel verdicts that have no subdomain (no TLD, dnscat2 prefix)
    b64_marks = f["sub_b64extra"]
    cols: dict[str, np.ndarray] = {
        "registered_domain": np.asarray(binary_to_str(reg).to_numpy(zero_copy_only=False), dtype=object),
        "verdict": _VERDICT_OBJECTS[verdict],
        "score": np.round(score, 4),
        "tunnel_score": np.round(tunnel_score, 4),
        "dga_score": np.round(dga_score, 4),
        "suppressed_family": _family_names(fam),
        "popular_domain": popular,
        "allowlisted": allowlisted,
        **keys,
        "name_len": lens,
        "suffix_len": f["suffix_len"],
        "n_labels": f["n_labels"],
        "sub_len": sub_len,
        "n_sub_labels": f["n_sub_labels"],
        "max_label_len": f["max_label_len"],
        "sub_entropy": np.round(f["sub_entropy"], 4),
        "reg_entropy": np.round(f["reg_entropy"], 4),
        "sub_bits": np.round(sub_bits, 2),
        "reg_bits": np.round(reg_bits, 2),
        "sub_digit_ratio": np.round(f["sub_digits"] / np.maximum(sub_len, 1), 4),
        "sub_upper_ratio": np.round(f["sub_upper"] / np.maximum(sub_len, 1), 4),
        "sub_is_hex": has_sub & (f["sub_hex"] == sub_len),
        "sub_is_base32": has_sub & (f["sub_b32"] == sub_len),
        "sub_is_base64": has_sub
        & ((f["sub_hostch"] + f["sub_b64extra"]) == sub_len)
        & (b64_marks + f["sub_upper"] > 0),
        "sub_is_base64url": has_sub & ((f["sub_hostch"] + f["sub_underscore"]) == sub_len) & (f["sub_upper"] > 0),
        "n_nonascii": f["n_nonascii"],
    }
    return cols, R


# reason / state flags per name, one bit each (``why``), in the order of _native.c's W_* enum
WHY = (
    "empty", "ctrl", "empty_label", "suppressed", "payload", "dnscat", "iodine", "no_tld", "tunnel_susp", "hex",
    "b32", "b64", "nonascii", "over", "dga", "dga_susp", "alt_tld", "popular", "vetted", "shaped", "candidate",
    "invalid", "has_sub", "exfil_init",
    "anonymity",  # set after the decision, in Python (anonymity networks' names), not by the C kernel
    "oast",  # likewise (out-of-band interaction services, ``oast.py``)
)
_W = {name: np.uint32(1 << i) for i, name in enumerate(WHY)}

Decision = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _decide_numpy(
    p: ParsedNames,
    f: dict[str, np.ndarray],
    raw_len: np.ndarray,
    fam: np.ndarray,
    popular: np.ndarray,
    vetted: np.ndarray,
    alt_tld: np.ndarray,
) -> Decision:
    """Per name: verdict code, banded score, tunnel and DGA evidence (0..1), subdomain and
    registered-label bits, and the ``WHY`` flags that select the reasons.

    The reference for ``_native.decide``, which makes the same decisions in one pass per name
    (the ~100 whole-chunk NumPy operations below were a third of a chunk's time).
    """
    n = p.n
    lens = f["name_len"]
    empty = raw_len == 0
    has_ctrl = (f["n_ctrl"] > 0) & ~empty
    empty_label = (f["n_empty_labels"] > 0) & ~empty
    invalid = empty | has_ctrl | empty_label
    suppressed = (fam >= 0) & ~invalid
    sub_len = f["sub_len"]
    sub_bits = -(f["sub_lp"] + f["sub_lp_n"] * F.LOG2_UNIFORM)  # >0: more random than popular names
    # likelihood ratio against a uniform string over the label's own alphabet (hex, letters, ...)
    reg_bits = -(f["reg_lp"] + f["reg_lp_n"] * np.log2(f["reg_alphabet"]))
    has_sub = sub_len > 0
    # IDN labels are punycode: the character model does not apply to them
    is_idn = np.zeros(n, dtype=bool)
    if p.data.size >= 4:  # (a batch of fewer bytes holds no "xn--" label)
        rs = np.clip(p.reg_start, 0, p.data.size - 4)
        is_idn = (
            (p.reg_start >= 0)
            & (p.reg_start + 4 <= p.data.size)
            & (LOWER[p.data[rs]] == ord("x"))
            & (LOWER[p.data[rs + 1]] == ord("n"))
            & (p.data[rs + 2] == ord("-"))
            & (p.data[rs + 3] == ord("-"))
        )
    over_limits = f["lengths_over"] & ~invalid
    nonascii = f["n_nonascii"]
    b64_marks = f["sub_b64extra"]
    # case mixed at random, as base64 is (word-cased host names such as ``MacBook-Pro-3`` are not)
    mixed_case = (f["sub_upper_mixed"] >= 3) & (f["sub_lower"] >= 3)

    tunnel_bits = sub_bits + np.where(nonascii >= 4, nonascii * 2.0, 0.0)
    tunnel_name = has_sub & (
        ((sub_len >= TUNNEL_MIN_LEN) & (tunnel_bits >= TUNNEL_BITS))
        | ((sub_len >= 40) & (mixed_case | (b64_marks > 0) | (nonascii >= 4)))
        | (over_limits & (sub_len >= 40))
    )
    # short encoded polls: a long hex run with digits and letters (dnscat2 idle polls are 18 hex
    # characters), or mixed-case alphanumerics (base64 as sent on the wire)
    hex_poll = (
        (f["sub_hex"] == sub_len) & (sub_len >= 16) & (f["sub_digits"] >= 2) & (f["sub_hex"] - f["sub_digits"] >= 2)
    )
    mixed_poll = (sub_len >= 8) & (f["sub_upper_mixed"] >= 2) & (f["sub_lower"] >= 2) & (f["sub_digits"] >= 1)
    tunnel_susp = (
        has_sub
        & ~tunnel_name
        & (
            ((sub_len >= SUSP_MIN_LEN) & (tunnel_bits >= SUSP_BITS))
            | (b64_marks > 0)
            | (nonascii >= 4)
            | hex_poll
            | mixed_poll
        )
    )
    # a label over 63 bytes cannot be registered: such names are judged by the DNS-limit rule
    # an all-digit registered label (alphabet 10: ``227237.com``) is a number, not a generated name
    dga_ok = (p.reg_label >= 0) & ~is_idn & ~popular & ~vetted & (f["reg_len"] <= MAX_LABEL) & (f["reg_alphabet"] != 10)
    dga_bar, susp_bar = _dga_bars(f["reg_len"])
    dga_name = dga_ok & (reg_bits >= dga_bar) & ~tunnel_name
    dga_susp = dga_ok & ~dga_name & (reg_bits >= susp_bar)
    # no known TLD and random-looking labels throughout: a direct query to the tunnel server
    # (dnscat2 without a domain) or a resolver-search artefact of one
    all_bits = sub_bits + reg_bits
    no_tld = (~p.tld_known) & (p.n_labels >= 2) & ((lens - f["suffix_len"]) >= TUNNEL_MIN_LEN)
    # ... unless it is one random label under an alternative root's word-like TLD (Namecoin ``.bit``,
    # EmerDNS ``.bazar``): that is a machine-made *registered* name, judged as a DGA candidate
    no_tld_tunnel = no_tld & (all_bits >= TUNNEL_BITS) & ~tunnel_name
    alt_cand = np.flatnonzero(no_tld_tunnel & (p.n_labels == 2) & (f["suffix_len"] <= 6))  # few rows
    alt_root = np.zeros(n, dtype=bool)
    alt_root[alt_cand[_last_label_is_letters(p, alt_cand)]] = True
    no_tld_tunnel &= ~alt_root
    dnscat_prefix = _first_label_is(p, b"dnscat") & (p.n_labels >= 2)
    iodine_hello = _iodine_version_query(p) & (p.n_labels >= 2)
    exfil_init = _dnsexfiltrator_init(p)
    dnscat_prefix |= iodine_hello | exfil_init  # tool signatures that condemn the name on their own
    payload_tunnel = tunnel_name  # the payload itself is the evidence (explained as such below)
    tunnel_name = tunnel_name | no_tld_tunnel | dnscat_prefix
    dga_name &= ~tunnel_name
    dga_susp &= ~tunnel_name
    tunnel_susp &= ~tunnel_name

    tunnel_score = np.where(has_sub, _sigmoid((tunnel_bits - TUNNEL_BITS) / 6.0), 0.0)
    tunnel_score = np.where(tunnel_name, np.maximum(tunnel_score, 0.8), tunnel_score)
    has_sub = has_sub | no_tld_tunnel | dnscat_prefix
    dga_score = np.where(dga_ok, _sigmoid((reg_bits - np.minimum(dga_bar, 2 * DGA_BITS)) / 3.0), 0.0)
    dga_score = np.where(dga_name, np.maximum(dga_score, 0.8), dga_score)
    score = np.maximum(tunnel_score, dga_score)

    # small integer codes while deciding (object arrays of strings are slow to fill and compare)
    V = VERDICT_CODE
    verdict = np.full(n, V["benign"], dtype=np.int8)
    verdict[tunnel_susp | dga_susp] = V["suspicious"]
    verdict[dga_name] = V["dga"]
    verdict[tunnel_name] = V["tunnel"]
    over_only = over_limits & (verdict == V["benign"])
    verdict[over_only] = V["suspicious"]
    score = np.where(over_only, np.maximum(score, 0.6), score)
    # alternative roots that public DNS cannot resolve but malware uses (Namecoin .bit, EmerDNS
    # .bazar .coin .emc .lib: Necurs, BazarLoader, Smoke Loader): a look-up there is itself notable
    alt_tld = alt_tld & (p.n_labels >= 2) & ~invalid
    alt_only = alt_tld & (verdict == V["benign"])
    verdict[alt_only] = V["suspicious"]
    score = np.where(alt_only, np.maximum(score, 0.6), score)
    # suppressions win over name-shape evidence; they are explained
    verdict[suppressed] = V["benign"]
    score = np.where(suppressed, np.minimum(score, 0.1), score)
    verdict[invalid] = V["invalid"]
    score = banded_score(verdict, score)

    ok = ~suppressed & ~invalid
    flagged = tunnel_name | tunnel_susp
    # an encoding reason only where its own evidence holds, not merely because the name is flagged
    # (a 300-byte run of 'a' is a tunnel by the DNS-limit rule, yet neither random nor hex-encoded)
    hexy = has_sub & hex_poll & flagged
    b32 = has_sub & ~hexy & (f["sub_b32"] == sub_len) & (f["sub_digits"] > 0) & flagged
    b64 = has_sub & (mixed_case | (b64_marks > 0)) & flagged
    benign_left = ~invalid & ~suppressed & (verdict == V["benign"])
    flags = {
        "empty": empty,
        "ctrl": has_ctrl,
        "empty_label": empty_label & ~empty,
        "suppressed": suppressed,
        "payload": payload_tunnel & (sub_bits >= TUNNEL_BITS) & ok,
        "dnscat": dnscat_prefix & ~iodine_hello & ~exfil_init & ~invalid,
        "iodine": iodine_hello & ~invalid,
        "no_tld": no_tld_tunnel & ~dnscat_prefix & ~invalid,
        "tunnel_susp": tunnel_susp & ok,
        "hex": hexy & ok,
        "b32": b32 & ok,
        "b64": b64 & ok,
        "nonascii": (nonascii > 0) & ~invalid,
        "over": over_limits,
        "dga": dga_name & ok,
        "dga_susp": dga_susp & ok,
        "alt_tld": alt_tld & ~suppressed,
        "popular": popular & benign_left,
        "vetted": vetted & benign_left & (reg_bits >= susp_bar),
        "shaped": (p.reg_label >= 0) & ok,
        "candidate": dga_ok & ~tunnel_name,
        "invalid": invalid,
        "has_sub": has_sub,
        "exfil_init": exfil_init & ~invalid,
    }
    why = np.zeros(n, dtype=np.uint32)
    for name, mask in flags.items():
        why[mask] |= _W[name]
    return verdict, score, tunnel_score, dga_score, sub_bits, reg_bits, why


@functools.lru_cache(maxsize=1)
def _decide_constants() -> tuple[np.ndarray, np.ndarray]:
    """(constants, log2 of every alphabet size) for ``_native.decide``, in its D_* order."""
    V = VERDICT_CODE
    consts = np.array(
        [
            F.LOG2_UNIFORM, TUNNEL_BITS, TUNNEL_MIN_LEN, SUSP_BITS, SUSP_MIN_LEN, DGA_BITS, MAX_LABEL,
            V["tunnel"], V["dga"], V["suspicious"], V["benign"], V["invalid"],
            *SCORE_BANDS["benign"], *SCORE_BANDS["suspicious"], SCORE_BANDS["dga"][0], SCORE_BANDS["tunnel"][0],
        ],
        dtype=np.float64,
    )
    # indexed by alphabet size; the reference takes np.log2 of the sizes: same function, same values
    log2_alpha = np.full(64, -np.inf)
    log2_alpha[1:] = np.log2(np.arange(1, 64, dtype=np.float64))
    return consts, log2_alpha


def _decide_native(
    p: ParsedNames,
    f: dict[str, np.ndarray],
    raw_len: np.ndarray,
    fam: np.ndarray,
    popular: np.ndarray,
    vetted: np.ndarray,
    alt_tld: np.ndarray,
) -> Decision:
    """``_decide_numpy`` by the C kernel (same outputs; tested in test_dns_native)."""
    from hunt_assets.analytics.dns.ngram import label_args

    n = p.n
    consts, log2_alpha = _decide_constants()
    dga_tab, susp_tab = _bar_tables()
    _, _, label_start, label_end, row_first_label, n_labels = label_args(p)
    verdict = np.empty(n, dtype=np.int8)
    why = np.empty(n, dtype=np.uint32)
    score, tunnel_score, dga_score, sub_bits, reg_bits = (np.empty(n, dtype=np.float64) for _ in range(5))
    i64, i32 = np.int64, np.int32

    def c(x: np.ndarray, dt: type) -> np.ndarray:
        return np.ascontiguousarray(x, dtype=dt)

    accel.ext.decide(
        c(raw_len, i64), c(f["n_ctrl"], i64), c(f["n_empty_labels"], i64), c(f["lengths_over"], bool),
        c(fam, np.int16), c(popular, bool), c(vetted, bool), c(alt_tld, bool),
        c(f["sub_len"], i64), c(f["sub_lp"], np.float64), c(f["sub_lp_n"], i64), c(f["reg_lp"], np.float64),
        c(f["reg_lp_n"], i64), c(f["reg_alphabet"], i64), c(f["reg_len"], i64), c(f["n_nonascii"], i64),
        c(f["sub_b64extra"], i32), c(f["sub_upper_mixed"], i32), c(f["sub_lower"], i32), c(f["sub_hex"], i32),
        c(f["sub_digits"], i32), c(f["sub_b32"], i32), c(f["name_len"], i64), c(f["suffix_len"], i64),
        c(p.reg_label, i64), c(p.reg_start, i64), c(p.tld_known, bool), n_labels, row_first_label,
        label_start, label_end, c(p.lower, np.uint8), log2_alpha, c(dga_tab, np.float64), c(susp_tab, np.float64),
        consts, verdict, why, score, tunnel_score, dga_score, sub_bits, reg_bits,
    )
    return verdict, score, tunnel_score, dga_score, sub_bits, reg_bits, why


@functools.lru_cache(maxsize=1)
def _bar_tables() -> tuple[np.ndarray, np.ndarray]:
    """Per registered-label length (0..63): the DGA and suspicious bars in bits (inf = no verdict)."""
    m = ngram.load_default()
    lengths = np.arange(64)
    if m.dga_bits is not None and m.susp_bits is not None:
        dga = np.where(np.isnan(m.dga_bits), np.inf, m.dga_bits)
        susp = np.where(np.isnan(m.susp_bits), np.inf, m.susp_bits)
    else:
        dga = np.where(lengths >= DGA_MIN_LEN, DGA_BITS, np.inf)
        susp = np.where(lengths >= DGA_SUSPICIOUS_MIN_LEN, DGA_SUSPICIOUS_BITS, np.inf)
    return dga, np.minimum(susp, dga)


def _dga_bars(reg_len: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dga, susp = _bar_tables()
    at = np.minimum(reg_len, 63)
    return dga[at], susp[at]


SCORE_BANDS = {"benign": (0.0, 0.4), "suspicious": (0.4, 0.7), "dga": (0.7, 1.0), "tunnel": (0.7, 1.0)}


def banded_score(verdict: np.ndarray, raw: np.ndarray) -> np.ndarray:
    """Put each name's evidence strength (0..1) in its verdict's band of ``SCORE_BANDS``.

    Why: hunters sort by score. The raw strengths of tunnel and DGA evidence are separate scales,
    and a short payload can be very unlike popular names (raw ~1) yet only ``suspicious``; without
    bands such a name would outrank confirmed tunnels, and a benign name could outrank a suspicious
    one. Within a band the order of the raw strengths is kept; ``invalid`` is 0. Later lifts (batch
    and event context) raise a lifted name to at least its new band's floor.
    """
    v = np.asarray(verdict)
    codes = v if v.dtype == np.int8 else np.array([VERDICT_CODE.get(x, VERDICT_CODE["invalid"]) for x in v])
    raw = np.clip(np.asarray(raw, dtype=np.float64), 0.0, 1.0)
    out = np.zeros(raw.size, dtype=np.float64)
    for name, (lo, hi) in SCORE_BANDS.items():
        m = codes == VERDICT_CODE[name]
        if name in ("dga", "tunnel"):
            out[m] = np.maximum(raw[m], lo)  # their evidence already starts at 0.7-0.8
        else:
            out[m] = lo + (hi - lo) * 0.999 * raw[m]  # stays below the next band after rounding
    return out


def _family_names(fam: np.ndarray) -> np.ndarray:
    return np.where(fam >= 0, np.array(S.FAMILY_NAMES, dtype=object)[np.maximum(fam, 0)], "")


MUTATION_TAIL = F.TAIL_LEN


def _cohort_key(p: ParsedNames, f: dict[str, np.ndarray], ok: np.ndarray, candidate: np.ndarray) -> np.ndarray:
    """Hash of (public suffix, registered-label length, label alphabet), lowest bit set for DGA
    candidates (not popular, not vetted, no tunnel verdict); 0 for names without such a label.

    A DGA's output for a day shares its suffix(es), a narrow length range and one alphabet, so in
    a batch its names fall into a few such cohorts; see ``domain_stats`` for how a cohort is judged.
    """
    out = np.zeros(p.n, dtype=np.uint64)
    # all-digit labels (``195855.com``, common among Chinese popular sites) form no cohort
    rows = np.flatnonzero(ok & (f["reg_len"] >= COHORT_MIN_LEN) & (f["reg_digits"] < f["reg_len"]))
    if rows.size == 0:
        return out
    suffix = p.suffix_hash[p.reg_label[rows] + 1]
    shape = f["reg_len"][rows].astype(np.uint64) * np.uint64(64) + f["reg_alphabet"][rows].astype(np.uint64)
    key = (suffix * np.uint64(0x9E3779B97F4A7C15)) ^ (shape * np.uint64(1_000_003))
    key = (key | np.uint64(2)) & ~np.uint64(1)  # never 0, lowest bit free
    out[rows] = key | candidate[rows].astype(np.uint64)
    return out


TEMPLATE_MAX_LEN = 12  # <= features.VOWEL_MASK_LEN


def _template_key(p: ParsedNames, f: dict[str, np.ndarray], ok: np.ndarray, candidate: np.ndarray) -> np.ndarray:
    """Hash of (public suffix, registered-label length, vowel/consonant pattern) for letter-only
    labels of DGA_MIN_LEN..TEMPLATE_MAX_LEN characters (``y`` counts as a vowel), lowest bit set for
    DGA candidates; 0 for other names.

    Pronounceable DGAs (Simda: consonant-vowel-consonant... from fixed letter sets) fill each slot
    of a syllable template: a day's names share one pattern exactly, while popular names of one
    length spread over many patterns. Short labels of such DGAs are too word-like to convict one by
    one; a batch cohort sharing a template is judged in ``domain_stats``.
    """
    out = np.zeros(p.n, dtype=np.uint64)
    reg_len = f["reg_len"]
    rows = np.flatnonzero(ok & (reg_len >= DGA_MIN_LEN) & (reg_len <= TEMPLATE_MAX_LEN) & (f["reg_alphabet"] == 26))
    if rows.size == 0:
        return out
    length = reg_len[rows]
    pattern = f["reg_vowels"][rows].astype(np.uint64)  # labels of <= TEMPLATE_MAX_LEN: the whole label
    # a label without vowels follows no syllable template (abbreviations, random letters)
    keep = pattern != 0
    rows, pattern, length = rows[keep], pattern[keep], length[keep]
    suffix = p.suffix_hash[p.reg_label[rows] + 1]
    shape = pattern * np.uint64(64) + length.astype(np.uint64)
    key = (suffix * np.uint64(0x9E3779B97F4A7C15)) ^ (shape * np.uint64(1_000_003)) ^ np.uint64(0x5A17)
    key = (key | np.uint64(2)) & ~np.uint64(1)  # never 0, lowest bit free
    out[rows] = key | candidate[rows].astype(np.uint64)
    return out


_SERVICE_RECORD = S.FAMILY_NAMES.index("service_record")


def _grid_key(f: dict[str, np.ndarray], ok: np.ndarray, candidate: np.ndarray, service: np.ndarray) -> np.ndarray:
    """2 for names whose registered label could be two words glued (letters only, of
    ``word_grid.MIN_LEN``..``MAX_LEN`` characters), 3 if the name is also a DGA candidate, 4 for a
    service record under such a label (``_dmarc.``, ``selector._domainkey.``, ``_sip._tls.``); 0 for
    other names. Batch context reads the labels of the candidates' domains and looks for a
    dictionary DGA's word grid among them (``domain_stats._find_word_grids``); a domain's largest
    key is its own, so one service record takes the domain out. A mail gateway checks DMARC and
    DKIM for each partner whose mail it takes, and a zone with service records is an
    organisation's; a DGA's names have none."""
    from hunt_assets.analytics.dns import word_grid as G

    reg_len = f["reg_len"]
    fits = (f["reg_alphabet"] == 26) & (reg_len >= G.MIN_LEN) & (reg_len <= G.MAX_LEN)
    key = np.where(fits & ok, np.uint64(2) | candidate.astype(np.uint64), np.uint64(0))
    return np.where(fits & service, np.uint64(4), key)


def _mutation_key(p: ParsedNames, f: dict[str, np.ndarray]) -> np.ndarray:
    """Hash of (public suffix, label length, last 12 label characters but none of the first four) for
    registered labels of 14 characters or more (``features.TAIL_HEAD``).

    Seed-mutation DGAs such as Banjori keep most of a seed label and change a few leading
    characters, so their candidates share this key; unrelated domains almost never do. 0 = none.
    """
    reg_len = f["reg_len"]
    out = np.zeros(p.n, dtype=np.uint64)
    rows = np.flatnonzero((p.reg_label >= 0) & (reg_len >= MUTATION_TAIL + 2))
    if rows.size == 0:
        return out
    key = f["reg_tail"][rows] * np.uint64(1_000_003) + reg_len[rows].astype(np.uint64)
    key = key ^ (p.suffix_hash[p.reg_label[rows] + 1] * np.uint64(0x9E3779B97F4A7C15))
    out[rows] = key | np.uint64(1)
    return out


STEM_MIN_LEN = 6


def _stem_key(p: ParsedNames, f: dict[str, np.ndarray]) -> np.ndarray:
    """Hash of (public suffix, registered label without its last character) for registered labels
    of at least STEM_MIN_LEN characters that end in a letter; 0 for other names.

    Enumerating DGAs such as Pitou keep a day's stem and run its last letter through the alphabet
    (``koohoavab.net``, ``koohoavac.net``, ...), so a day's names share this key. Of about 230,000
    popular registered domains (the training, hold-out, Umbrella and Tranco lists) no five labels of
    6 characters or more share suffix and stem that way; numbered ones do (``awsdns-41.net``,
    ``cdnhwc7.com``), hence letters only. Derived from the registered domain's hash: the suffix
    hash weighs the last label character by ``base ** len(".suffix")``, so subtracting that term
    leaves a hash of stem and suffix, in a few whole-array operations.
    """
    from hunt_assets.analytics.dns.names import _powers

    reg = np.maximum(p.reg_label, 0)
    end = p.label_end[reg]
    last = p.lower[np.maximum(end - 1, 0)]
    keep = (p.reg_label >= 0) & (f["reg_len"] >= STEM_MIN_LEN) & (last >= ord("a")) & (last <= ord("z"))
    pw = _powers()
    weight = pw[np.minimum(p.offsets[1:] - end, pw.size - 1)]  # base ** len(".suffix")
    key = (p.suffix_hash[reg] - last.astype(np.uint64) * weight) ^ np.uint64(0x57E3)
    return np.where(keep, key | np.uint64(1), np.uint64(0))


ANAGRAM_MIN_LEN = 5


def _anagram_key(p: ParsedNames, f: dict[str, np.ndarray]) -> np.ndarray:
    """Hash of (public suffix, registered label's letters in any order) for letter-only registered
    labels of at least ANAGRAM_MIN_LEN characters; 0 for other names.

    Permutation DGAs shuffle one seed's letters (``ddknt.github.io``, ``ddktn.github.io``, ...), so a
    day's names share this key. Of about 180,000 popular registered domains (the training, hold-out
    and Umbrella lists) no more than four labels of 4 characters or more share suffix and letters.
    """
    # letters only: numbered names (``e1234`` / ``e4321.dscb.akamaiedge.net``) shuffle digits by chance
    rows = np.flatnonzero((p.reg_label >= 0) & (f["reg_len"] >= ANAGRAM_MIN_LEN) & (f["reg_alphabet"] == 26))
    out = np.zeros(p.n, dtype=np.uint64)
    suffix = p.suffix_hash[p.reg_label[rows] + 1]
    key = (f["reg_bag"][rows] * np.uint64(0x9E3779B97F4A7C15)) ^ (suffix * np.uint64(1_000_003)) ^ np.uint64(0xA9A)
    out[rows] = key | np.uint64(1)
    return out


def _platform_clusters(cols: dict[str, np.ndarray]) -> np.ndarray:
    """The anagram keys (sorted) shared by ``domain_stats.ANAGRAM_CLUSTER`` or more registered
    domains among the batch's names cleared as a CDN, cloud or hosting platform's
    (``cdn_cloud_edge``; ``platform_anagram_key``).

    Why: anyone picks a name under ``github.io``, so a name there says nothing, and a user's pages
    are no reason for a verdict. A batch of pages whose names are all the same letters shuffled is
    no one's pages but a DGA's list (Bader's unnamed downloader). Such names lose the platform
    clearing and are judged as any other name, and then as the cluster they form
    (``domain_stats._mutation_clusters``). Counted over the whole batch, not per chunk, so a
    cluster split between chunks counts whole. The key holds the suffix, so every member of such a
    cluster is under the same platform zone: only the platform's rows need counting."""
    from hunt_assets.analytics.dns import domain_stats as D

    key = cols["platform_anagram_key"]
    rows = np.flatnonzero(key)
    if rows.size < D.ANAGRAM_CLUSTER:
        return np.zeros(0, dtype=np.uint64)
    pairs = np.unique(np.stack([key[rows], cols["reg_hash"][rows]], axis=1), axis=0)  # one per domain
    keys, size = np.unique(pairs[:, 0], return_counts=True)
    return keys[size >= D.ANAGRAM_CLUSTER]


ALT_ROOT_TLDS = ("bit", "bazar", "coin", "emc", "lib")


@functools.lru_cache(maxsize=1)
def _alt_root_hashes() -> np.ndarray:
    from hunt_assets.analytics.dns.names import hash_name

    return np.sort(np.array([hash_name(t) for t in ALT_ROOT_TLDS], dtype=np.uint64))


_IODINE_B32 = np.zeros(256, dtype=bool)
_IODINE_B32[np.frombuffer(b"abcdefghijklmnopqrstuvwxyz012345", dtype=np.uint8)] = True


def _iodine_version_query(p: ParsedNames) -> np.ndarray:
    """Rows whose first label is iodine's version request: 'v' + base32 of the 4-byte protocol
    version (0x00000402 / 0x0000050x encode as ``aaaaia`` / ``aaaaka``) and a 2-byte counter,
    11 characters in all (``vaaaakardli``). No other name starts that way by chance."""
    out = np.zeros(p.n, dtype=bool)
    if p.n == 0:
        return out
    first = p.row_first_label
    rows = np.flatnonzero((p.label_end[first] - p.label_start[first]) == 11)
    if rows.size == 0:
        return out
    chars = p.lower[p.label_start[first[rows]][:, None] + np.arange(11)[None, :]]
    ok = (chars[:, 0] == ord("v")) & (chars[:, 1:5] == ord("a")).all(axis=1)
    ok &= ((chars[:, 5] == ord("k")) | (chars[:, 5] == ord("i"))) & (chars[:, 6] == ord("a"))
    ok &= _IODINE_B32[chars[:, 7:]].all(axis=1)
    out[rows[ok]] = True
    return out


_B32_LOWER = np.zeros(256, dtype=bool)
_B32_LOWER[ord("a") : ord("z") + 1] = True
_B32_LOWER[ord("2") : ord("7") + 1] = True


def _dnsexfiltrator_init(p: ParsedNames) -> np.ndarray:
    """Rows that start with DNSExfiltrator's init request: ``init.<BASE32(file name|chunks)>.`` then
    ``base32.`` or ``base64.`` (the encoding of the chunks to come), all ahead of the registered label.
    The tool sends it once per transfer; no other name is laid out that way by chance."""
    out = np.zeros(p.n, dtype=bool)
    if p.n == 0:
        return out
    first = p.row_first_label
    rows = np.flatnonzero(
        _first_label_is(p, b"init") & (p.n_labels >= 4) & ((p.reg_label < 0) | (p.reg_label > first + 2))
    )
    if rows.size == 0:
        return out
    second, third = first[rows] + 1, first[rows] + 2
    ln = p.label_end - p.label_start
    rows, second, third = (x[ln[second] >= 8] for x in (rows, second, third))
    if rows.size == 0:
        return out
    span, chars = _label_bytes(p, second)
    not_b32 = np.bincount(span[~_B32_LOWER[chars]], minlength=rows.size) > 0
    word = np.zeros(rows.size, dtype=bool)
    six = ln[third] == 6
    if six.any():
        chars = p.lower[p.label_start[third[six]][:, None] + np.arange(6)[None, :]]
        word[six] = (chars == np.frombuffer(b"base32", np.uint8)).all(axis=1) | (
            chars == np.frombuffer(b"base64", np.uint8)
        ).all(axis=1)
    out[rows[word & ~not_b32]] = True
    return out


def _last_label_is_letters(p: ParsedNames, rows: np.ndarray) -> np.ndarray:
    """Whether each of ``rows`` has a non-empty last label of ASCII letters only (a TLD, not a payload)."""
    if rows.size == 0:
        return np.zeros(0, dtype=bool)
    last = p.row_first_label[rows] + p.n_labels[rows] - 1
    lens = p.label_end[last] - p.label_start[last]
    span, ch = _label_bytes(p, last)
    letter = (ch >= ord("a")) & (ch <= ord("z"))
    per_row = np.bincount(span[letter], minlength=rows.size)
    return (lens > 0) & (per_row == lens)


def _label_bytes(p: ParsedNames, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The lower-cased bytes of just the given labels (a few rows, not a pass over the whole
    batch), with the position in ``labels`` each byte belongs to."""
    lens = p.label_end[labels] - p.label_start[labels]
    offs = np.zeros(labels.size + 1, dtype=np.int64)
    np.cumsum(lens, out=offs[1:])
    pos = np.repeat(p.label_start[labels] - offs[:-1], lens) + np.arange(int(offs[-1]), dtype=np.int64)
    return np.repeat(np.arange(labels.size), lens), p.lower[pos]


def _first_label_is(p: ParsedNames, word: bytes) -> np.ndarray:
    n = p.n
    out = np.zeros(n, dtype=bool)
    if n == 0:
        return out
    first = p.row_first_label
    ok = (p.label_end[first] - p.label_start[first]) == len(word)
    rows = np.flatnonzero(ok)
    start = p.label_start[first[rows]]
    match = np.ones(rows.size, dtype=bool)
    for i, ch in enumerate(word):
        match &= p.lower[start + i] == ch
    out[rows[match]] = True
    return out


def _reg_labels(p: ParsedNames, rows: np.ndarray) -> pa.Array:
    from hunt_assets.analytics.dns.names import segment_bytes

    has = p.reg_label[rows] >= 0
    lab = np.maximum(p.reg_label[rows], 0)
    start = np.where(has, p.label_start[lab], 0)
    stop = np.where(has, p.label_end[lab], 0)
    return segment_bytes(p, start, stop)


def unique_names(names: Sequence[str] | pd.Series | pa.Array) -> pa.Array:
    """Distinct input strings (exact), nulls dropped; order of first appearance is not kept."""
    if _is_series(names):
        arr = pa.array(names.dropna().astype(str).tolist(), pa.large_string())
    elif isinstance(names, pa.Array | pa.ChunkedArray):
        arr = names
    else:
        arr = pa.array(list(names), pa.large_string())
    if isinstance(arr, pa.ChunkedArray) and arr.num_chunks == 0:
        arr = arr.combine_chunks()
    from hunt_assets.analytics.dns.accel import first_occurrences

    if isinstance(arr, pa.ChunkedArray) and arr.num_chunks == 1:
        arr = arr.chunk(0)
    if isinstance(arr, pa.Array) and pa.types.is_dictionary(arr.type):
        return pc.unique(pc.drop_null(arr))
    try:
        idx = first_occurrences(arr)
    except TypeError:  # not strings or bytes: Arrow's own hash kernel
        return pc.unique(pc.drop_null(arr))
    return (arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr).take(np_to_arrow(idx))


def score_names(names: Sequence[str] | pd.Series, allow: Allowlist | None = None) -> pd.DataFrame:
    """Score each distinct name once; batch context (unique subdomains per domain) is applied.

    Returns one row per distinct input name with ``name, registered_domain, verdict, score,
    reasons`` and the feature columns. ``allow``: see ``score_arrays``.
    """
    from hunt_assets.analytics.dns.domain_stats import apply_batch_context

    uniq = unique_names(names)
    arr, cols, R = score_arrays(uniq, allow=allow)
    apply_batch_context(arr, cols, R, None)
    return to_frame(arr, cols, R)


def to_frame(arr: pa.Array, cols: dict[str, np.ndarray], R: list[Reason]) -> pd.DataFrame:
    import pandas as pd

    n = len(arr)
    reasons = join_reasons(R, n)
    df = pd.DataFrame({"name": arr.to_numpy(zero_copy_only=False)})
    df["registered_domain"] = cols["registered_domain"]
    df["verdict"] = cols["verdict"]
    df["score"] = cols["score"]
    df["reasons"] = reasons
    for k, v in cols.items():
        if k not in df.columns and k not in BATCH_KEYS:
            df[k] = v
    return df
