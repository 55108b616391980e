"""Character 4-gram model of how real popular domain labels look.

Entropy alone cannot tell ``facebook`` from ``xkqjvbzt`` once labels are short, and it says nothing
about *which* characters follow which. A character language model trained on real popular domains
does: random-character DGAs and encoded tunnel payloads get a much lower per-character
log-likelihood than names people chose. The model is a dense 40x40x40x40 table of log2
probabilities (interpolated Kneser-Ney over 4-, 3-, 2- and 1-grams with a uniform floor), so
scoring a batch is a handful of integer table look-ups over the flat byte buffer. Order 4 with
Kneser-Ney smoothing was chosen over the earlier Witten-Bell trigram because, at the same
cross-fitted false-positive rate on held-out popular labels, it separates random labels better
(``bench/devset/train_ngram.py`` prints the comparison).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from hunt_assets.analytics.dns import accel
from hunt_assets.analytics.dns.names import ParsedNames, byte_map

K = 40  # 0 boundary, 1-26 a-z, 27-36 0-9, 37 '-', 38 '_', 39 anything else
BOUNDARY = 0

CODE = np.full(256, 39, dtype=np.uint8)
for _i, _c in enumerate("abcdefghijklmnopqrstuvwxyz"):
    CODE[ord(_c)] = 1 + _i
    CODE[ord(_c.upper())] = 1 + _i
for _i, _c in enumerate("0123456789"):
    CODE[ord(_c)] = 27 + _i
CODE[ord("-")] = 37
CODE[ord("_")] = 38
CODE[ord(".")] = BOUNDARY
_CODE_BYTES = CODE.tobytes()

MODEL_FILE = "dns_ngram.npz"
TRAIN_FILE = "popular_domains_train.txt.gz"


ORDER = 4
QUANT = 16  # stored log2 probabilities are quantised to 1/16 bit (<= 0.03 bits per character off)


@dataclass(frozen=True)
class NgramModel:
    """A character model of popular labels, in one of two layouts:

    * order 4 (shipped, ``train``): ``q`` holds -16 * log2 P(d | a, b, c) as ``uint8``, indexed by
      ``((a*K + b)*K + c)*K + d``. Quantised to 1/16 bit so scoring sums small integers from a
      2.5 MB table (several times faster than gathering floats from a 10 MB one) and the sums are
      exact;
    * order 3 (the earlier layout, which the C kernels implement): ``logp`` holds float32 log2
      P(c | a, b) indexed by ``a*K*K + b*K + c``.

    Context symbols are 0 (the boundary) where they would reach past the start of the label.
    ``dga_bits`` / ``susp_bits`` (optional, per registered-label length 0..63) are the bars
    calibrated for the model by cross-fitting on the training list
    (``bench/devset/train_ngram.py``); NaN where no verdict is given.
    """

    logp: np.ndarray | None = None  # float32, K**3 (order 3)
    n_train_labels: int = 0
    source: str = ""
    dga_bits: np.ndarray | None = None
    susp_bits: np.ndarray | None = None
    q: np.ndarray | None = None  # uint8, K**4 (order 4)

    @property
    def order(self) -> int:
        return ORDER if self.q is not None else 3

    def log2_table(self) -> np.ndarray:
        """log2 probabilities (float32) in the model's own index layout (order-4 ones are exactly
        ``-q / 16``)."""
        if self.q is not None:
            return -(self.q.astype(np.float32) / np.float32(QUANT))
        assert self.logp is not None
        return self.logp


def _labels_from_domains(domains: Iterable[str]) -> list[str]:
    from hunt_assets.analytics.dns.names import parse, to_binary_array

    doms = [d for d in domains if d]
    p = parse(to_binary_array(doms))
    raw = p.lower.tobytes()
    out = []
    # every label left of the public suffix: the registered label and any subdomain labels
    keep = p.label_start < p.suffix_start[p.label_row]
    for a, b in zip(p.label_start[keep], p.label_end[keep], strict=True):
        if b > a:
            out.append(raw[a:b].decode("latin-1"))
    return out


def _events(labels: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(history codes (n x 3), predicted code) for every character and end of every label."""
    pad = ORDER - 1
    buf = np.frombuffer(("." * pad + ("." * pad).join(labels) + "." * pad).encode("latin-1"), dtype=np.uint8)
    codes = CODE[buf].astype(np.int64)
    # predicted positions: every label character and the first boundary after each label
    is_char = codes != BOUNDARY
    pred = is_char.copy()
    pred[1:] |= is_char[:-1] & ~is_char[1:]  # the end-of-label boundary
    pos = np.flatnonzero(pred)
    hist = np.stack([codes[pos - j] for j in range(pad, 0, -1)], axis=1)
    # context does not reach past a boundary: zero everything left of the nearest boundary
    for j in range(pad - 2, -1, -1):
        hist[:, j] *= hist[:, j + 1] != BOUNDARY
    return hist, codes[pos]


def _lookup(keys: np.ndarray, values: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    i = np.minimum(np.searchsorted(keys, query), max(keys.size - 1, 0))
    hit = keys[i] == query if keys.size else np.zeros(query.size, dtype=bool)
    return hit, np.where(hit, values[i] if keys.size else 0, 0)


def train(domains: Iterable[str], source: str = "", discount: float = 0.75, floor: float = 0.005) -> NgramModel:
    """Fit the dense interpolated Kneser-Ney table; the discount and floor are fixed, not tuned.

    Highest order: raw counts; lower orders: continuation counts (how many distinct characters
    precede the n-gram), the standard Kneser-Ney choice that keeps frequent fragments of a few
    very common names from dominating the backoff. Fixed parameters keep the model a frequency
    table with smoothing, explainable as "these character sequences are rare in popular names".
    """
    labels = _labels_from_domains(domains)
    hist, tgt = _events(labels)
    # probabilities for every context (K**3) and every next symbol, from order 1 up to ORDER
    p = np.full(K, 1.0 / K)  # order 0: uniform
    for n in range(1, ORDER + 1):
        h = hist[:, ORDER - n :] if n > 1 else hist[:, :0]
        ctx = np.zeros(tgt.size, dtype=np.int64)
        for j in range(h.shape[1]):
            ctx = ctx * K + h[:, j]
        full = ctx * K + tgt
        if n == ORDER:
            grams, counts = np.unique(full, return_counts=True)
        else:  # continuation counts: distinct left neighbours
            left = hist[:, ORDER - n - 1]
            grams, counts = np.unique(np.unique(full * K + left) // K, return_counts=True)
        gctx = grams // K
        uctx, inv = np.unique(gctx, return_inverse=True)
        total = np.bincount(inv, weights=counts).astype(np.float64)
        types = np.bincount(inv).astype(np.float64)
        # dense table for this order: contexts K**(n-1), followed by K symbols
        n_ctx = K ** (n - 1)
        c_dense = np.zeros(n_ctx * K)
        c_dense[grams] = counts
        t_dense = np.zeros(n_ctx)
        y_dense = np.zeros(n_ctx)
        t_dense[uctx] = total
        y_dense[uctx] = types
        lower = np.tile(p.reshape(-1, K), (K, 1)) if n > 1 else p.reshape(1, K)  # drop the oldest symbol
        c2 = c_dense.reshape(n_ctx, K)
        seen = t_dense > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            disc = np.maximum(c2 - discount, 0.0) / t_dense[:, None] + (discount * y_dense / t_dense)[:, None] * lower
        p = np.where(seen[:, None], disc, lower).ravel()
    p = (1.0 - floor) * p + floor / K
    # floor / K keeps every value above 2**-13.3, so the quantised values fit a byte
    q = np.clip(np.round(-np.log2(p) * QUANT), 0, 255).astype(np.uint8)
    return NgramModel(n_train_labels=len(labels), source=source, q=q)


def save(model: NgramModel, path: str) -> None:
    """Store an order-4 table as quantised rows, each distinct row once (0.8 MB instead of 10)."""
    if model.q is None:
        raise ValueError("only order-4 models are saved")
    rows, idx = np.unique(model.q.reshape(-1, K), axis=0, return_inverse=True)
    extra = {}
    if model.dga_bits is not None:
        extra["dga_bits"] = model.dga_bits.astype(np.float32)
    if model.susp_bits is not None:
        extra["susp_bits"] = model.susp_bits.astype(np.float32)
    np.savez_compressed(
        path,
        rows=rows,
        row_of_context=idx.astype(np.uint16 if rows.shape[0] < 65536 else np.uint32).ravel(),
        order=np.int64(ORDER),
        n_train_labels=np.int64(model.n_train_labels),
        source=np.str_(model.source),
        **extra,
    )


def load(f: object) -> NgramModel:
    """Read a table written by ``save``."""
    z = np.load(f)  # type: ignore[arg-type]
    if int(z["order"]) != ORDER:
        raise ValueError(f"n-gram model of order {int(z['order'])}, this code needs {ORDER}")
    return NgramModel(
        q=np.ascontiguousarray(z["rows"][z["row_of_context"]].ravel()),
        n_train_labels=int(z["n_train_labels"]),
        source=str(z["source"]),
        dga_bits=z["dga_bits"].astype(np.float64) if "dga_bits" in z else None,
        susp_bits=z["susp_bits"].astype(np.float64) if "susp_bits" in z else None,
    )


@functools.lru_cache(maxsize=1)
def load_default() -> NgramModel:
    """The shipped model; trained from the shipped list on first use if the table is missing."""
    import importlib.resources  # here, not at import time: score-dns loads tables on a thread

    res = importlib.resources.files("hunt_assets") / "data" / MODEL_FILE
    if res.is_file():
        with res.open("rb") as f:
            return load(f)
    return train(load_training_domains(), source=TRAIN_FILE)


def load_training_domains() -> list[str]:
    return [d.decode("ascii") for d in load_training_domain_bytes()]


def load_training_blob() -> bytes:
    """The shipped training list, decompressed: ASCII, one domain per line."""
    import gzip
    import importlib.resources

    res = importlib.resources.files("hunt_assets") / "data" / TRAIN_FILE
    with res.open("rb") as raw:
        text = gzip.decompress(raw.read())
    text.decode("ascii")  # same strictness as reading it as ASCII text
    return text


def load_training_domain_bytes() -> list[bytes]:
    """The shipped training list as stripped, non-empty ASCII byte strings."""
    return [s for s in (line.strip() for line in load_training_blob().splitlines()) if s]


def label_logprob(p: ParsedNames, model: NgramModel | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Sum of log2 P over each label's characters and its end, and the number of predictions.

    Returns (sum, count) per label, aligned with ``p.label_start``. Works in place on the flat
    buffer: a dot is itself the end-of-label symbol, so predicting it scores the label's end; the
    three context symbols are zeroed at every row start and wherever they would reach past a dot,
    and each row's final end-of-label prediction is added per row. Codes are ``uint8`` and table
    indices ``uint32`` (K**4 = 2,560,000 entries).
    """
    model = model or load_default()
    nb = p.data.size
    if nb == 0:
        return np.zeros(p.label_start.size), np.zeros(p.label_start.size, dtype=np.int64)
    if accel.ENABLED:
        assert accel.ext is not None
        tot = np.empty(p.label_start.size, dtype=np.float64)
        cnt = np.empty(p.label_start.size, dtype=np.int64)
        logp, q4 = model_tables(model)
        accel.ext.label_logprob(*label_args(p), _CODE_BYTES, K, logp, tot, cnt, q4)
        return tot, cnt
    if model.q is None:  # order 3
        return _label_logprob_order3(p, model)
    c = byte_map(_CODE_BYTES, p.data)  # uint8, '.' -> 0
    starts = p.offsets[:-1]
    x1, x2, x3 = _contexts(c, starts, 3)
    idx = x3.astype(np.uint32)
    idx *= K
    idx += x2
    idx *= K
    idx += x1
    idx *= K
    idx += c
    lp = np.take(model.q, idx)  # -16 * log2 P, uint8
    # each label's segment runs from its start to the next label start: chars + the dot after it
    tot = np.add.reduceat(lp, p.label_start, dtype=np.int64)
    # empty rows never occur (parse puts a placeholder byte), so reduceat segments are non-empty,
    # except an empty label, whose segment is just its terminating dot: that is what we want
    # add the end-of-row prediction to the last label of each row
    last_lab = p.row_first_label + p.n_labels - 1
    e1, e2, e3 = _end_contexts(c, starts, p.offsets[1:], 3)
    tot[last_lab] += model.q[((e3 * K + e2) * K + e1) * K + BOUNDARY]
    cnt = (p.label_end - p.label_start + 1).astype(np.int64)
    return tot * (-1.0 / QUANT), cnt


def _contexts(c: np.ndarray, starts: np.ndarray, depth: int) -> list[np.ndarray]:
    """The symbols 1..``depth`` positions back of every byte (uint8), as the model sees them: 0
    before the start of its row, and 0 beyond a boundary (a symbol further back than a dot is 0)."""
    nb = c.size
    out: list[np.ndarray] = []
    for back in range(1, depth + 1):
        x = np.zeros_like(c)
        x[back:] = c[:-back]
        for k in range(back):  # no context before the start of a row
            pos = starts + k
            x[pos[pos < nb]] = 0
        if out:  # nothing left of a boundary (cheaper than masked stores)
            x *= (out[-1] != BOUNDARY).view(np.uint8)
        out.append(x)
    return out


def _end_contexts(c: np.ndarray, starts: np.ndarray, ends: np.ndarray, depth: int) -> list[np.ndarray]:
    """The last ``depth`` symbols of every row (int64), context of its end-of-name prediction, with
    the same zeroing as ``_contexts``."""
    out = [c[ends - 1].astype(np.int64)]
    for back in range(2, depth + 1):
        x = np.where(ends - back >= starts, c[np.maximum(ends - back, 0)], 0).astype(np.int64)
        out.append(np.where(out[-1] == BOUNDARY, 0, x))
    return out


def _label_logprob_order3(p: ParsedNames, model: NgramModel) -> tuple[np.ndarray, np.ndarray]:
    """``label_logprob`` for an order-3 float table (the reference of the C kernel)."""
    assert model.logp is not None
    c = byte_map(_CODE_BYTES, p.data)  # uint8, '.' -> 0
    starts = p.offsets[:-1]
    b, a = _contexts(c, starts, 2)
    idx = a.astype(np.uint16)  # K**3 = 64000 fits in 16 bits
    idx *= K * K
    idx += b.astype(np.uint16) * np.uint16(K)
    idx += c
    lp = np.take(model.logp, idx)
    tot = np.add.reduceat(lp, p.label_start, dtype=np.float64)
    last_lab = p.row_first_label + p.n_labels - 1
    c1, c2 = _end_contexts(c, starts, p.offsets[1:], 2)
    tot[last_lab] += model.logp[c2 * (K * K) + c1 * K + BOUNDARY]
    cnt = (p.label_end - p.label_start + 1).astype(np.int64)
    return tot, cnt


def label_args(p: ParsedNames) -> tuple[np.ndarray, ...]:
    """The row and label arrays the C kernels take, as contiguous arrays of the dtypes they check."""
    return (
        np.ascontiguousarray(p.data, dtype=np.uint8),
        np.ascontiguousarray(p.offsets, dtype=np.int64),
        np.ascontiguousarray(p.label_start, dtype=np.int64),
        np.ascontiguousarray(p.label_end, dtype=np.int64),
        np.ascontiguousarray(p.row_first_label, dtype=np.int64),
        np.ascontiguousarray(p.n_labels, dtype=np.int32),
    )


def logp_table(model: NgramModel) -> np.ndarray:
    """The model's log2 table as the contiguous float32 array the C kernels read."""
    return np.ascontiguousarray(model.logp, dtype=np.float32)


def model_tables(model: NgramModel) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(order-3 float32 table, order-4 uint8 table) as the C kernels take them: one is None."""
    if model.q is None:
        return logp_table(model), None
    return None, np.ascontiguousarray(model.q, dtype=np.uint8)


