"""DNS-name parsing over a whole batch at once.

DNS names are not URLs: a query name may legally hold ``/``, ``+``, ``=`` and ``_`` (dns2tcp and
DNSExfiltrator put raw base64 there), so URL parsers such as tldextract silently cut names at ``/``.
This module therefore parses names itself and uses the public suffix list only to find the suffix.

Everything works on one flat ``uint8`` buffer holding every name back to back (Arrow's binary
layout), with per-row offsets, so a batch of a million names is handled by a few dozen NumPy passes
instead of a million Python calls. The public suffix is found with a polynomial suffix hash computed
for every label start in one pass and matched against the hashed public suffix list.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MAX_NAME = 253
MAX_LABEL = 63

_HASH_BASE = 1_000_003
_MASK64 = (1 << 64) - 1
# powers of the hash base modulo 2**64, one per possible byte offset from the end of a name
_MAX_POW = 4096

# byte -> lower case byte (ASCII only; other bytes kept as they are)
LOWER = np.arange(256, dtype=np.uint8)
LOWER[ord("A") : ord("Z") + 1] += 32

_ESCAPE_RE = re.compile(r"\\(x[0-9a-fA-F]{2}|[0-9]{3}|.)")


@functools.lru_cache(maxsize=1)
def _powers() -> np.ndarray:
    # uint64 multiplication wraps modulo 2**64, exactly like the masked Python integers
    out = np.full(_MAX_POW, _HASH_BASE, dtype=np.uint64)
    out[0] = 1
    return np.cumprod(out, dtype=np.uint64)


def hash_name(s: str) -> int:
    """Hash of a lower-case name, comparable with ``ParsedNames.suffix_hash``."""
    return _hash_bytes(s.lower().encode("ascii"))


def _hash_bytes(s: bytes) -> int:
    """Same hash as the vectorised suffix hash: sum of byte * base**(distance from the end)."""
    v = 0
    for b in s:
        v = (v * _HASH_BASE + b) & _MASK64
    return v


_ARROW_TYPES = {
    np.dtype(np.int8): pa.int8(),
    np.dtype(np.int16): pa.int16(),
    np.dtype(np.int32): pa.int32(),
    np.dtype(np.int64): pa.int64(),
    np.dtype(np.uint8): pa.uint8(),
    np.dtype(np.uint16): pa.uint16(),
    np.dtype(np.uint32): pa.uint32(),
    np.dtype(np.uint64): pa.uint64(),
    np.dtype(np.float32): pa.float32(),
    np.dtype(np.float64): pa.float64(),
}


def np_to_arrow(values: np.ndarray) -> pa.Array:
    """A numeric 1-d NumPy array as an Arrow array without copying or type inference.

    (``pa.array(ndarray)`` also probes for pandas objects; note that ``pa.scalar`` and compute
    calls with scalars import pandas anyway, so ``score-dns`` still pays that import.)
    """
    values = np.ascontiguousarray(values)
    typ = _ARROW_TYPES.get(values.dtype)
    if typ is None or values.ndim != 1:
        return pa.array(values)
    return pa.Array.from_buffers(typ, values.size, [None, pa.py_buffer(values)])


@dataclass(frozen=True)
class SuffixRules:
    """Hashed public suffix list: plain rules, wildcard parents (``*.ck`` -> ``ck``), exceptions."""

    rules: np.ndarray
    wild: np.ndarray
    exceptions: np.ndarray
    version: str


def hash_many(strings: Sequence[bytes]) -> np.ndarray:
    """``_hash_bytes`` of many (already lower-case) byte strings in a few NumPy passes."""
    n = len(strings)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    lens = np.fromiter(map(len, strings), dtype=np.int64, count=n)
    data = np.frombuffer(b"".join(strings), dtype=np.uint8)
    ends = np.cumsum(lens)
    if data.size == 0:
        return np.zeros(n, dtype=np.uint64)
    row = np.repeat(np.arange(n), lens)
    dist = np.minimum(ends[row] - 1 - np.arange(data.size), _MAX_POW - 1)
    w = _powers()[dist] * data
    cs = np.zeros(data.size + 1, dtype=np.uint64)
    np.cumsum(w, out=cs[1:])
    return cs[ends] - cs[ends - lens]


def _tldextract_snapshot() -> str:
    """The public suffix list snapshot shipped in tldextract's package folder.

    Located with ``find_spec`` rather than ``importlib.resources.files``: importing tldextract pulls
    in requests and urllib3, which would cost ``score-dns`` a tenth of a second for one text file.
    """
    import importlib.resources
    import importlib.util
    import os

    spec = importlib.util.find_spec("tldextract")
    for loc in (spec.submodule_search_locations or []) if spec is not None else []:
        path = os.path.join(loc, ".tld_set_snapshot")
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                return f.read()
    return (importlib.resources.files("tldextract") / ".tld_set_snapshot").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=2)
def suffix_rules(include_private: bool = True) -> SuffixRules:
    """Load the public suffix list bundled with tldextract (never fetched at run time).

    Private-section suffixes (``blogspot.com``, ``cloudfront.net``, ``azurewebsites.net`` ...) are
    included by default: customer names under shared hosting suffixes are then distinct registered
    domains, which keeps per-domain cardinality from lumping thousands of unrelated tenants together.
    """
    text = _tldextract_snapshot()
    rules: list[bytes] = []
    wild: list[bytes] = []
    exc: list[bytes] = []
    version = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("//"):
            if line.startswith("// VERSION:"):
                version = line.split(":", 1)[1].strip()
            if "===BEGIN PRIVATE DOMAINS===" in line and not include_private:
                break
            continue
        rule = line.split()[0].lower()
        if not rule.isascii():
            try:
                rule = rule.encode("idna").decode("ascii")
            except UnicodeError:
                # a handful of IDN rules do not round-trip through Python's IDNA 2003 codec
                try:
                    rule = ".".join(
                        lab if lab.isascii() else "xn--" + lab.encode("punycode").decode("ascii")
                        for lab in rule.split(".")
                    )
                except UnicodeError:
                    continue
        if rule.startswith("!"):
            exc.append(rule[1:].encode())
        elif rule.startswith("*."):
            wild.append(rule[2:].encode())
        else:
            rules.append(rule.encode())
    return SuffixRules(
        rules=np.unique(hash_many(rules)),
        wild=np.unique(hash_many(wild)),
        exceptions=np.unique(hash_many(exc)),
        version=version,
    )


_BITMAP_BITS = 22


@functools.lru_cache(maxsize=16)
def _bitmap(table_bytes: bytes) -> np.ndarray:
    table = np.frombuffer(table_bytes, dtype=np.uint64)
    bm = np.zeros(1 << _BITMAP_BITS, dtype=bool)
    bm[(table & np.uint64((1 << _BITMAP_BITS) - 1)).astype(np.int64)] = True
    return bm


def isin_sorted(values: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Membership of uint64 hashes in a sorted table.

    A 4M-bit bitmap of the low hash bits rejects most values with one gather; only the
    candidates go through the binary search.
    """
    out = np.zeros(values.shape, dtype=bool)
    if table.size == 0 or values.size == 0:
        return out
    bm = _bitmap(table.tobytes())
    cand = np.flatnonzero(bm[(values & np.uint64((1 << _BITMAP_BITS) - 1)).astype(np.intp)])
    if cand.size:
        v = values[cand]
        idx = np.searchsorted(table, v)
        idx[idx >= table.size] = table.size - 1
        out[cand] = table[idx] == v
    return out


_isin_sorted = isin_sorted


def _unescape(name: str) -> bytes:
    """Decode presentation-format escapes (``\\xNN`` as logged by some sensors, RFC 1035 ``\\DDD``)."""

    def rep(m: re.Match[str]) -> str:
        tok = m.group(1)
        if tok[0] == "x" and len(tok) == 3:
            return chr(int(tok[1:], 16))
        if len(tok) == 3 and tok.isdigit():
            return chr(min(int(tok), 255))
        return tok

    return _ESCAPE_RE.sub(rep, name).encode("latin-1", errors="replace")


def to_binary_array(names: Sequence[str] | pa.Array | pa.ChunkedArray) -> pa.BinaryArray:
    """Normalise names to DNS wire-ish bytes: trimmed, trailing dots dropped, escapes decoded.

    Case is kept (base64 tunnels are case-sensitive on the wire and upper-case ratio is a
    feature); lower-casing happens on the byte buffer where needed. Nulls become empty names.
    """
    if isinstance(names, pa.ChunkedArray):
        arr = names.combine_chunks()
    elif isinstance(names, pa.Array):
        arr = names
    else:
        arr = pa.array(list(names) if not isinstance(names, list) else names, type=pa.large_string())
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.large_string())
    arr = pc.cast(arr, pa.large_string())
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    # trimming costs two passes over every string: only do it when some row needs it
    offs = np.frombuffer(arr.buffers()[1], dtype=np.int64, count=len(arr) + 1, offset=arr.offset * 8)
    raw = np.frombuffer(arr.buffers()[2], dtype=np.uint8) if len(arr) and arr.buffers()[2] is not None else None
    if raw is not None:
        lens = np.diff(offs)
        nz = lens > 0
        first = raw[offs[:-1][nz]]
        last = raw[offs[1:][nz] - 1]
        if (first <= 32).any() or (last <= 32).any():
            arr = pc.utf8_trim_whitespace(arr)
            last = None
        if last is None or (last == ord(".")).any():
            arr = pc.utf8_rtrim(arr, characters=".")
        has_bs = bool((raw[offs[0] : offs[-1]] == ord("\\")).any())
    else:
        has_bs = False
    if not has_bs:
        return arr.cast(pa.large_binary())
    has_esc = pc.match_substring(arr, "\\")
    if pc.any(has_esc).as_py():
        py = arr.to_pylist()
        mask = has_esc.to_numpy(zero_copy_only=False)
        out: list[bytes] = [
            _unescape(s).rstrip(b".") if m else s.encode("utf-8") for s, m in zip(py, mask, strict=True)
        ]
        return pa.array(out, type=pa.large_binary())
    return arr.cast(pa.large_binary())


@dataclass
class ParsedNames:
    """Flat byte view of a batch of names plus the label / suffix structure of every row.

    Offsets of labels are byte positions into ``data``; per-row arrays are indexed by row.
    ``reg_start == -1`` means the name is a bare public suffix (or a single label) with no
    registered domain.
    """

    data: np.ndarray  # uint8, original case
    lower: np.ndarray  # uint8, lower case
    offsets: np.ndarray  # int64, n + 1
    row_of: np.ndarray  # int32 per byte
    label_start: np.ndarray  # int64 byte position of every label
    label_end: np.ndarray  # int64 (exclusive)
    label_row: np.ndarray  # int32
    label_idx: np.ndarray  # int32 label number within its row
    row_first_label: np.ndarray  # int64 index into label arrays
    n_labels: np.ndarray  # int32 per row
    suffix_start: np.ndarray  # int64 byte position where the public suffix starts
    reg_start: np.ndarray  # int64 byte position of the registered label, -1 if none
    reg_label: np.ndarray  # int64 index into label arrays, -1 if none
    suffix_hash: np.ndarray  # uint64 hash of the lower-cased name from each label start to the end
    tld_known: np.ndarray  # bool per row: the last label is a rule of the public suffix list

    @property
    def n(self) -> int:
        return int(self.offsets.size - 1)

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def slice_strings(self, start: np.ndarray, stop: np.ndarray) -> list[str]:
        """Materialise byte ranges as str (used once per unique registered domain, not per row)."""
        raw = self.data.tobytes()
        return [raw[a:b].decode("latin-1").lower() if a >= 0 else "" for a, b in zip(start, stop, strict=True)]


def _row_ids(offsets: np.ndarray, nb: int) -> np.ndarray:
    """Row number of every byte: a cumulative count of row starts (rows are never empty here)."""
    marks = np.zeros(nb, dtype=np.int32)
    marks[offsets[1:-1]] = 1
    return np.cumsum(marks, dtype=np.int32)


def parse(binary: pa.BinaryArray | pa.LargeBinaryArray, include_private: bool = True) -> ParsedNames:
    """Split every name into labels and locate its public suffix and registered label.

    Empty rows are replaced by one ``\\x00`` byte so segment arithmetic needs no special cases;
    callers mark them invalid. A suffix not in the list falls back to the PSL default rule ``*``
    (the last label), so ``corp.local`` and ``host.lan`` still get a registered domain.
    """
    if not pa.types.is_large_binary(binary.type):
        binary = binary.cast(pa.large_binary())
    binary = pc.if_else(pc.equal(pc.binary_length(binary), 0), pa.scalar(b"\x00", pa.large_binary()), binary)
    if isinstance(binary, pa.ChunkedArray):
        binary = binary.combine_chunks()
    bufs = binary.buffers()
    n = len(binary)
    offs = np.frombuffer(bufs[1], dtype=np.int64, count=n + 1, offset=binary.offset * 8)
    base = offs[0]
    offsets = (offs - base).astype(np.int64)
    data = (
        np.frombuffer(bufs[2], dtype=np.uint8, count=int(offsets[-1]), offset=int(base))
        if n
        else (np.zeros(0, np.uint8))
    )
    lower = LOWER[data]
    nb = data.size
    # row id per byte from a cumulative count of row starts (cheaper than np.repeat)
    row_of = _row_ids(offsets, nb)

    is_dot = data == ord(".")
    # label starts: row starts and byte after each dot
    starts_mask = np.zeros(nb + 1, dtype=bool)
    starts_mask[offsets[:-1]] = True
    starts_mask[1:][is_dot] = True
    label_start = np.flatnonzero(starts_mask[:-1])
    label_row = row_of[label_start]
    # end of each label: next dot, or row end
    nxt = np.empty_like(label_start)
    nxt[:-1] = label_start[1:] - 1  # position of the dot before the next label (if same row)
    if nxt.size:
        nxt[-1] = nb
    row_end = offsets[1:][label_row]
    same_row_next = np.zeros(label_start.size, dtype=bool)
    if label_start.size > 1:
        same_row_next[:-1] = label_row[1:] == label_row[:-1]
    label_end = np.where(same_row_next, nxt, row_end)
    n_labels = np.bincount(label_row, minlength=n).astype(np.int32)
    row_first_label = np.zeros(n, dtype=np.int64)
    if n > 1:
        np.cumsum(n_labels[:-1], out=row_first_label[1:])
    label_idx = (np.arange(label_start.size, dtype=np.int64) - row_first_label[label_row]).astype(np.int32)

    # suffix hash of every label start: G(p) = sum_{i>=p} lower[i] * B**(end-1-i)
    pw = _powers()
    dist = (offsets[1:] - 1).astype(np.int32)[row_of]
    dist -= np.arange(nb, dtype=np.int32)
    np.minimum(dist, _MAX_POW - 1, out=dist)
    w = pw[dist]
    w *= lower
    cs = np.zeros(nb + 1, dtype=np.uint64)
    np.cumsum(w, out=cs[1:])
    del w, dist
    g = cs[row_end] - cs[label_start]
    del cs

    rules = suffix_rules(include_private)
    in_rule = _isin_sorted(g, rules.rules)
    # wildcard: the parent (next label in the same row) is a wildcard parent
    parent_wild = np.zeros(label_start.size, dtype=bool)
    if label_start.size > 1:
        pw_hit = _isin_sorted(g[1:], rules.wild)
        parent_wild[:-1] = pw_hit & same_row_next[:-1]
    is_exc = _isin_sorted(g, rules.exceptions)
    last_label = ~same_row_next
    is_suffix = ((in_rule | parent_wild) & ~is_exc) | last_label
    # an exception rule (``!city.kawasaki.jp``) makes its own label the registered one: its parent
    # is the public suffix even though only the wildcard ``*.kawasaki.jp`` names it
    exc_parent = np.flatnonzero(is_exc & same_row_next) + 1
    is_suffix[exc_parent] = True
    suf_idx = np.flatnonzero(is_suffix)
    suf_rows = label_row[suf_idx]
    first = np.ones(suf_idx.size, dtype=bool)
    first[1:] = suf_rows[1:] != suf_rows[:-1]
    row_suffix_label = np.empty(n, dtype=np.int64)
    row_suffix_label[suf_rows[first]] = suf_idx[first]
    suffix_start = label_start[row_suffix_label] if n else np.zeros(0, np.int64)
    has_reg = row_suffix_label > row_first_label
    reg_label = np.where(has_reg, row_suffix_label - 1, -1)
    reg_start = np.where(has_reg, label_start[np.maximum(reg_label, 0)], -1)
    return ParsedNames(
        data=data,
        lower=lower,
        offsets=offsets,
        row_of=row_of,
        label_start=label_start,
        label_end=label_end,
        label_row=label_row,
        label_idx=label_idx,
        row_first_label=row_first_label,
        n_labels=n_labels,
        suffix_start=suffix_start,
        reg_start=reg_start,
        reg_label=reg_label,
        suffix_hash=g,
        tld_known=in_rule[row_first_label + n_labels - 1] if n else np.zeros(0, dtype=bool),
    )


def segment_bytes(p: ParsedNames, start: np.ndarray, stop: np.ndarray) -> pa.LargeBinaryArray:
    """Gather byte ranges of the lower-cased buffer into a new Arrow binary array (no per-row Python)."""
    start = np.asarray(start, dtype=np.int64)
    stop = np.asarray(stop, dtype=np.int64)
    lens = np.maximum(stop - start, 0)
    new_off = np.zeros(len(start) + 1, dtype=np.int64)
    np.cumsum(lens, out=new_off[1:])
    idx = np.repeat(start - new_off[:-1], lens) + np.arange(int(new_off[-1]), dtype=np.int64)
    buf = p.lower[idx]
    return pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(start), [None, pa.py_buffer(new_off), pa.py_buffer(buf)]
    )


def registered_domains(p: ParsedNames) -> pa.LargeBinaryArray:
    """Registered domain (lower case) per row; the whole name when it is a bare suffix."""
    start = np.where(p.reg_start >= 0, p.reg_start, p.offsets[:-1])
    return segment_bytes(p, start, p.offsets[1:])


def binary_to_str(arr: pa.Array) -> pa.Array:
    """Binary -> string; bytes that are not UTF-8 (raw high bytes from tunnels) become U+FFFD."""
    try:
        return pc.cast(arr, pa.large_string())
    except pa.ArrowInvalid:
        return pa.array(
            [None if b is None else b.decode("utf-8", errors="replace") for b in arr.to_pylist()],
            type=pa.large_string(),
        )
