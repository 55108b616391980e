"""Character trigram model of how real popular domain labels look.

Entropy alone cannot tell ``facebook`` from ``xkqjvbzt`` once labels are short, and it says nothing
about *which* characters follow which. A trigram language model trained on real popular domains
does: random-character DGAs and encoded tunnel payloads get a much lower per-character
log-likelihood than names people chose. The model is a 40x40x40 table of log2 probabilities
(interpolated trigram/bigram/unigram with a uniform floor) so scoring a batch is a handful of
integer table look-ups over the flat byte buffer.
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


@dataclass(frozen=True)
class NgramModel:
    """log2 P(c | a, b) indexed by ``a*K*K + b*K + c`` (a = b = 0 at a label start)."""

    logp: np.ndarray  # float32, K**3
    n_train_labels: int
    source: str


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


def train(domains: Iterable[str], source: str = "") -> NgramModel:
    """Fit the interpolated trigram table; interpolation weights are fixed, not tuned, on purpose.

    Fixed weights keep the model a plain frequency table (as in freq.py) with smoothing, so its
    output can be explained as "these character sequences are rare in popular domain names".
    """
    labels = _labels_from_domains(domains)
    buf = np.frombuffer(("." + ".".join(labels) + ".").encode("latin-1"), dtype=np.uint8)
    codes = CODE[buf].astype(np.int64)
    # context for each predicted position t >= 1: (a, b) = (codes[t-2], codes[t-1]), a reset at starts
    b = codes[:-1]
    a = np.concatenate([[0], codes[:-2]])
    a = np.where(b == BOUNDARY, 0, a)
    c = codes[1:]
    # drop predictions of a boundary right after a boundary (that would be an empty label)
    ok = ~((b == BOUNDARY) & (c == BOUNDARY))
    a, b, c = a[ok], b[ok], c[ok]
    tri = np.bincount(a * K * K + b * K + c, minlength=K**3).reshape(K, K, K).astype(np.float64)
    bi = np.bincount(b * K + c, minlength=K * K).reshape(K, K).astype(np.float64)
    uni = np.bincount(c, minlength=K).astype(np.float64)
    p_uni = (uni + 0.5) / (uni.sum() + 0.5 * K)
    bi_ctx = bi.sum(axis=1, keepdims=True)
    p_bi = np.where(bi_ctx > 0, bi / np.maximum(bi_ctx, 1), 0.0)
    tri_ctx = tri.sum(axis=2, keepdims=True)
    p_tri = np.where(tri_ctx > 0, tri / np.maximum(tri_ctx, 1), 0.0)
    # Witten-Bell style confidence in each context: more distinct followers -> trust it less
    tri_types = (tri > 0).sum(axis=2, keepdims=True)
    lam3 = tri_ctx / (tri_ctx + tri_types + 1e-9)
    bi_types = (bi > 0).sum(axis=1, keepdims=True)
    lam2 = bi_ctx / (bi_ctx + bi_types + 1e-9)
    p2 = lam2 * p_bi + (1 - lam2) * p_uni[None, :]
    p3 = lam3 * p_tri + (1 - lam3) * p2[None, :, :]
    p3 = 0.995 * p3 + 0.005 / K
    return NgramModel(logp=np.log2(p3).astype(np.float32).ravel(), n_train_labels=len(labels), source=source)


def save(model: NgramModel, path: str) -> None:
    np.savez_compressed(
        path, logp=model.logp, n_train_labels=np.int64(model.n_train_labels), source=np.str_(model.source)
    )


@functools.lru_cache(maxsize=1)
def load_default() -> NgramModel:
    """The shipped model; trained from the shipped list on first use if the table is missing."""
    import importlib.resources  # here, not at import time: score-dns loads tables on a thread

    res = importlib.resources.files("hunt_assets") / "data" / MODEL_FILE
    if res.is_file():
        with res.open("rb") as f:
            z = np.load(f)
            return NgramModel(
                logp=z["logp"].astype(np.float32),
                n_train_labels=int(z["n_train_labels"]),
                source=str(z["source"]),
            )
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
    context is reset at every row start and after every dot, and each row's final end-of-label
    prediction is added per row. Codes are ``uint8`` and table indices ``uint16`` to keep the
    passes over tens of millions of bytes cheap.
    """
    model = model or load_default()
    nb = p.data.size
    if nb == 0:
        return np.zeros(p.label_start.size), np.zeros(p.label_start.size, dtype=np.int64)
    if accel.ENABLED:
        assert accel.ext is not None
        tot = np.empty(p.label_start.size, dtype=np.float64)
        cnt = np.empty(p.label_start.size, dtype=np.int64)
        accel.ext.label_logprob(*label_args(p), _CODE_BYTES, K, logp_table(model), tot, cnt)
        return tot, cnt
    c = byte_map(_CODE_BYTES, p.data)  # uint8, '.' -> 0
    b = np.empty_like(c)
    b[0] = 0
    b[1:] = c[:-1]
    a = np.empty_like(c)
    a[:2] = 0
    a[2:] = c[:-2]
    starts = p.offsets[:-1]
    b[starts] = 0
    a[starts] = 0
    second = starts + 1
    second = second[second < nb]
    a[second] = 0
    a *= (b != BOUNDARY).view(np.uint8)  # a = 0 after a boundary (cheaper than a masked store)
    idx = a.astype(np.uint16)  # K**3 = 64000 fits in 16 bits
    idx *= K * K
    idx += b.astype(np.uint16) * np.uint16(K)
    idx += c
    lp = np.take(model.logp, idx)
    # each label's segment runs from its start to the next label start: chars + the dot after it
    tot = np.add.reduceat(lp, p.label_start, dtype=np.float64)
    # empty rows never occur (parse puts a placeholder byte), so reduceat segments are non-empty,
    # except an empty label, whose segment is just its terminating dot: that is what we want
    # add the end-of-row prediction to the last label of each row
    last_lab = p.row_first_label + p.n_labels - 1
    ends = p.offsets[1:]
    c1 = c[ends - 1].astype(np.int32)
    c2 = np.where(ends - 2 >= starts, c[np.maximum(ends - 2, 0)], 0).astype(np.int32)
    c2 = np.where(c1 == BOUNDARY, 0, c2)
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
