"""Per-name features, computed for a whole batch of unique names in flat NumPy passes.

The features are chosen so that every verdict can be explained in plain words: lengths and label
counts (tunnels need room for payload), character classes (hex, base32, base64 alphabets and case
mix say *which* encoding a payload uses), entropy (kept for comparison with the notebook method and
for reasons), and the trigram log-likelihood against popular domains (the main "does a person
choose names like this" signal, applied to the registered label too, so DGAs that register their
own second-level domain are visible).
"""

from __future__ import annotations

import functools

import numpy as np

from hunt_assets.analytics.dns import accel, ngram
from hunt_assets.analytics.dns.names import MAX_LABEL, MAX_NAME, ParsedNames, byte_map

# character classes on raw bytes
_DIGIT = np.zeros(256, bool)
_DIGIT[ord("0") : ord("9") + 1] = True
_UPPER = np.zeros(256, bool)
_UPPER[ord("A") : ord("Z") + 1] = True
_LOWERC = np.zeros(256, bool)
_LOWERC[ord("a") : ord("z") + 1] = True
_LETTER = _UPPER | _LOWERC
_HEX = _DIGIT.copy()
for _c in "abcdefABCDEF":
    _HEX[ord(_c)] = True
_B32 = _LETTER.copy()  # RFC 4648 base32 (case-insensitive) a-z 2-7
for _c in "234567":
    _B32[ord(_c)] = True
_B64EXTRA = np.zeros(256, bool)
for _c in "+/=":
    _B64EXTRA[ord(_c)] = True
_HOSTCH = _LETTER | _DIGIT
_HOSTCH[ord("-")] = True
_UNDERSCORE = np.zeros(256, bool)
_UNDERSCORE[ord("_")] = True
_VOWEL = np.zeros(256, bool)
for _c in "aeiouyAEIOUY":
    _VOWEL[ord(_c)] = True
_NONASCII = np.zeros(256, bool)
_NONASCII[128:] = True
_CTRL = np.zeros(256, bool)
_CTRL[:33] = True
_CTRL[127] = True

_NGRAM_CODE_BYTES = ngram.CODE.tobytes()

LOG2_UNIFORM = float(np.log2(36.0))  # per-character log-probability of a random a-z0-9 string

_XLOGX = np.zeros(512, dtype=np.float64)
_XLOGX[1:] = np.arange(1, 512) * np.log2(np.arange(1, 512))
# log2 of a segment length as ``_entropy`` computes it (np.log2 of np.maximum(float64, 1)), as a table
# for the C kernel: NumPy's SIMD log2 and the C library's may differ in the last bit
_LOG2N = np.log2(np.maximum(np.arange(_XLOGX.size, dtype=np.float64), 1))

ENTROPY_CHUNK = 1 << 15


def _seg_sum(values: np.ndarray, seg: np.ndarray, n: int) -> np.ndarray:
    return (
        np.bincount(seg, weights=values, minlength=n) if values.dtype != bool else np.bincount(seg[values], minlength=n)
    )


def _xlogx_table(longest: int) -> np.ndarray:
    """``x * log2(x)`` for counts up to ``longest`` (the shared table unless a segment is longer)."""
    if longest < _XLOGX.size:
        return _XLOGX
    return np.concatenate([[0.0], np.arange(1, longest + 1) * np.log2(np.arange(1, longest + 1))])


def _log2_table(size: int) -> np.ndarray:
    """``np.log2(max(k, 1))`` for k < ``size`` (at least the shared table)."""
    if size <= _LOG2N.size:
        return _LOG2N
    return np.log2(np.maximum(np.arange(size, dtype=np.float64), 1))


def _entropy_native(
    data: np.ndarray, start: np.ndarray, stop: np.ndarray, skip_dots: bool, xlogx: np.ndarray
) -> np.ndarray:
    """``_entropy`` of the byte ranges ``[start, stop)`` (dots left out if ``skip_dots``) by the C
    kernel, with the same ``x log x`` table and NumPy's own log2 values: bit-identical."""
    assert accel.ext is not None
    out = np.empty(start.size, dtype=np.float64)
    accel.ext.entropy(
        data,
        np.ascontiguousarray(start, dtype=np.int64),
        np.ascontiguousarray(stop, dtype=np.int64),
        skip_dots,
        _NGRAM_CODE_BYTES,
        ngram.K,
        xlogx,
        _log2_table(xlogx.size),
        out,
    )
    return out


def _entropy(
    codes: np.ndarray,
    seg: np.ndarray,
    n: int,
    seg_len: np.ndarray,
    k: int = ngram.K,
    xlogx: np.ndarray | None = None,
) -> np.ndarray:
    """Shannon entropy (bits/char) per segment; bytes must be grouped by segment, in order.

    A dense (segments x alphabet) count table is built chunk by chunk with ``bincount`` so memory
    stays bounded whatever the batch size; ``seg_len`` (known already) saves a pass. Each segment's
    value depends only on its own bytes and on the ``x log x`` table (``xlogx``, by default the one
    for the longest of ``seg_len``), so any subset of segments gives the same values.
    """
    out = np.zeros(n, dtype=np.float64)
    if seg.size == 0:
        return out
    if xlogx is None:
        xlogx = _xlogx_table(int(seg_len.max()))
    bounds = np.searchsorted(seg, np.arange(0, n + ENTROPY_CHUNK, ENTROPY_CHUNK))
    for ci in range(len(bounds) - 1):
        a, b = bounds[ci], bounds[ci + 1]
        if a == b:
            continue
        s0 = ci * ENTROPY_CHUNK
        m = min(ENTROPY_CHUNK, n - s0)
        key = (seg[a:b] - s0).astype(np.int32) * k + codes[a:b]
        cnt = np.bincount(key, minlength=m * k)
        sxl = xlogx[cnt].reshape(m, k).sum(axis=1)
        tot = seg_len[s0 : s0 + m].astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[s0 : s0 + m] = np.where(tot > 0, np.log2(np.maximum(tot, 1)) - sxl / np.maximum(tot, 1), 0.0)
    return out


# one class code per byte; classes are disjoint so a single bincount per row counts them all
_CLS_NAMES = [
    "hexlow",
    "hexup",
    "letlow",
    "letup",
    "d01",
    "d27",
    "d89",
    "dash",
    "under",
    "plus_slash_eq",
    "dot",
    "other_ascii",
    "nonascii",
    "ctrl",
]
_CLS = np.full(256, _CLS_NAMES.index("other_ascii"), dtype=np.uint8)
for _c in range(256):
    ch = chr(_c)
    if _c >= 128:
        _CLS[_c] = _CLS_NAMES.index("nonascii")
    elif _c < 33 or _c == 127:
        _CLS[_c] = _CLS_NAMES.index("ctrl")
    elif ch in "abcdef":
        _CLS[_c] = _CLS_NAMES.index("hexlow")
    elif ch in "ABCDEF":
        _CLS[_c] = _CLS_NAMES.index("hexup")
    elif "a" <= ch <= "z":
        _CLS[_c] = _CLS_NAMES.index("letlow")
    elif "A" <= ch <= "Z":
        _CLS[_c] = _CLS_NAMES.index("letup")
    elif ch in "01":
        _CLS[_c] = _CLS_NAMES.index("d01")
    elif ch in "234567":
        _CLS[_c] = _CLS_NAMES.index("d27")
    elif ch in "89":
        _CLS[_c] = _CLS_NAMES.index("d89")
    elif ch == "-":
        _CLS[_c] = _CLS_NAMES.index("dash")
    elif ch == "_":
        _CLS[_c] = _CLS_NAMES.index("under")
    elif ch in "+/=":
        _CLS[_c] = _CLS_NAMES.index("plus_slash_eq")
    elif ch == ".":
        _CLS[_c] = _CLS_NAMES.index("dot")
NCLS = 16


# Combined codes for one count table per row: a byte of the subdomain counts in one of the
# subdomain classes, a byte of the registered label in one of the label classes, any other byte
# (public suffix, the dot before the registered label) in _C_NONE.
(
    _C_DOT,
    _C_D27,
    _C_D0189,
    _C_HEXUP,
    _C_LETUP,
    _C_HEXLOW,
    _C_LETLOW,
    _C_PSE,
    _C_UNDER,
    _C_DASH,
    _C_OTHER,
    _C_REG_HEX,
    _C_REG_LET,
    _C_REG_DIGIT,
    _C_NONE,
) = range(15)
_SUB_OF_CLS = {
    "hexlow": _C_HEXLOW,
    "hexup": _C_HEXUP,
    "letlow": _C_LETLOW,
    "letup": _C_LETUP,
    "d01": _C_D0189,
    "d27": _C_D27,
    "d89": _C_D0189,
    "dash": _C_DASH,
    "under": _C_UNDER,
    "plus_slash_eq": _C_PSE,
    "dot": _C_DOT,
}
_REG_OF_CLS = {
    "hexlow": _C_REG_HEX,
    "hexup": _C_REG_HEX,
    "letlow": _C_REG_LET,
    "letup": _C_REG_LET,
    "d01": _C_REG_DIGIT,
    "d27": _C_REG_DIGIT,
    "d89": _C_REG_DIGIT,
}
_SUB_CODE = bytes(_SUB_OF_CLS.get(_CLS_NAMES[c], _C_OTHER) for c in _CLS)
_REG_CODE = bytes(_REG_OF_CLS.get(_CLS_NAMES[c], _C_NONE) for c in _CLS)


def _class_counts(cls: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """(n x 16) table of class counts, built in row chunks to bound memory."""
    out = np.zeros((n, NCLS), dtype=np.int32)
    if rows.size == 0:
        return out
    step = 1 << 18
    if n <= step:  # one block (every chunk of score_arrays): no offsets, no block search
        key = np.multiply(rows, NCLS, dtype=np.int64)
        key += cls
        out[:] = np.bincount(key, minlength=n * NCLS).reshape(n, NCLS)
        return out
    bounds = np.searchsorted(rows, np.arange(0, n + step, step))
    for ci in range(len(bounds) - 1):
        a, b = bounds[ci], bounds[ci + 1]
        if a == b:
            continue
        r0 = ci * step
        m = min(step, n - r0)
        key = (rows[a:b] - r0).astype(np.int64) * NCLS + cls[a:b]
        out[r0 : r0 + m] = np.bincount(key, minlength=m * NCLS).reshape(m, NCLS)
    return out


def compute(p: ParsedNames, model: ngram.NgramModel | None = None, entropy: bool = True) -> dict[str, np.ndarray]:
    """All per-name features as a dict of equally long arrays (one entry per row of ``p``).

    ``entropy=False`` leaves out ``sub_entropy`` and ``reg_entropy`` (the costliest features);
    ``entropy_of_rows`` then gives exactly the same values for just the rows that need them.
    """
    n = p.n
    data = p.data
    lengths = p.lengths
    row_start = p.offsets[:-1]
    f: dict[str, np.ndarray] = {}
    # the byte-level statistics come from one C pass per name when the extension is built; the
    # NumPy passes below are the reference (same values, floats bit for bit); an empty batch takes
    # the NumPy path, whose dtypes for zero rows (e.g. an int64 ``sub_lp``) are kept as they are
    native = accel.ENABLED and n > 0
    if native:
        cc, stats, tot, cnt, sub_lp = _native_stats(p, model)

    # ---- structure -----------------------------------------------------------------------------
    label_len = p.label_end - p.label_start
    f["name_len"] = lengths
    f["n_labels"] = p.n_labels
    if native:
        f["max_label_len"], f["n_empty_labels"] = stats[2], stats[3]
    else:
        f["max_label_len"] = np.maximum.reduceat(label_len, p.row_first_label) if n else np.zeros(0, np.int64)
        f["n_empty_labels"] = np.bincount(p.label_row[label_len == 0], minlength=n)
    has_reg = p.reg_start >= 0
    reg_lab = np.maximum(p.reg_label, 0)
    f["reg_len"] = np.where(has_reg, label_len[reg_lab], 0)
    f["suffix_len"] = p.offsets[1:] - p.suffix_start
    sub_end = np.where(has_reg, p.reg_start - 1, row_start)  # exclusive; the dot before the reg label
    f["n_sub_labels"] = np.where(has_reg, p.reg_label - p.row_first_label, 0)
    f["reg_vowels"] = stats[5] if native else _vowel_mask(p, has_reg, f["reg_len"])
    f["reg_tail"] = stats[6].view(np.uint64) if native else _tail_hash(p, has_reg, f["reg_len"])
    f["reg_bag"] = stats[7].view(np.uint64) if native else _bag_hash(p, has_reg)
    if native:
        f["sub_max_label"] = stats[4]
    else:
        lab_is_sub = p.label_start < sub_end[p.label_row]
        sub_lab_len = np.where(lab_is_sub, label_len, 0)
        f["sub_max_label"] = np.maximum.reduceat(sub_lab_len, p.row_first_label) if n else np.zeros(0, np.int64)

    # ---- character classes: whole name, subdomain and registered label ----------------------------
    with_sub = sub_end > row_start
    reg_end = np.where(has_reg, p.label_end[reg_lab], -1)
    if native:
        f["n_nonascii"], f["n_ctrl"] = stats[0], stats[1]
    else:
        row = p.row_of
        hi = data >= 128
        f["n_nonascii"] = np.bincount(row[hi], minlength=n) if hi.any() else np.zeros(n, dtype=np.int64)
        ctrl = (data <= 32) | (data == 127)
        f["n_ctrl"] = np.bincount(row[ctrl], minlength=n) if ctrl.any() else np.zeros(n, dtype=np.int64)
        # region of every byte (1 subdomain, 2 registered label, 0 other) from +/- marks and a
        # cumulative sum; then one count table per row over the combined class codes
        region = np.zeros(data.size + 1, dtype=np.int8)
        region[row_start[with_sub]] += 1
        region[sub_end[with_sub]] -= 1
        region[p.reg_start[has_reg]] += 2
        region[reg_end[has_reg]] -= 2
        region = np.cumsum(region[:-1], dtype=np.int8)
        in_sub = region == 1
        in_reg = region == 2
        # select by region with uint8 arithmetic (several times cheaper than nested np.where)
        s8, r8 = in_sub.view(np.uint8), in_reg.view(np.uint8)
        code = byte_map(_SUB_CODE, data) * s8
        code += byte_map(_REG_CODE, data) * r8
        code += (1 - (s8 | r8)) * np.uint8(_C_NONE)
        cc = _class_counts(code, row, n)
    f["sub_len"] = np.where(with_sub, sub_end - row_start, 0) - cc[:, _C_DOT]
    digits = cc[:, _C_D27] + cc[:, _C_D0189]
    f["sub_digits"] = digits
    f["sub_upper"] = cc[:, _C_HEXUP] + cc[:, _C_LETUP]
    f["sub_lower"] = cc[:, _C_HEXLOW] + cc[:, _C_LETLOW]
    f["sub_hex"] = cc[:, _C_HEXLOW] + cc[:, _C_HEXUP] + digits
    f["sub_b32"] = f["sub_upper"] + f["sub_lower"] + cc[:, _C_D27]
    f["sub_b64extra"] = cc[:, _C_PSE]
    f["sub_underscore"] = cc[:, _C_UNDER]
    f["sub_hostch"] = f["sub_upper"] + f["sub_lower"] + digits + cc[:, _C_DASH]

    # registered-label alphabet: which uniform "random string" model it should be compared with
    reg_letters = cc[:, _C_REG_HEX] + cc[:, _C_REG_LET]
    reg_digits = cc[:, _C_REG_DIGIT]
    reg_hex = cc[:, _C_REG_HEX] + reg_digits
    f["reg_digits"] = reg_digits
    # (digits first: an all-digit label is also all hex, but a random one is drawn from 10 symbols)
    all_digits = (reg_digits == f["reg_len"]) & (reg_digits > 0)
    f["reg_alphabet"] = np.select(
        [all_digits, (reg_hex == f["reg_len"]) & (reg_digits > 0), reg_letters == f["reg_len"]],
        [10, 16, 26],
        default=37,
    )

    # ---- entropy of the subdomain (dots excluded) and of the registered label, in one pass:
    # segment 2*row for subdomain bytes, 2*row+1 for registered-label bytes keeps them in order
    if entropy and native:
        longest = int(max(f["sub_len"].max(), f["reg_len"].max())) if n else 0
        xlogx = _xlogx_table(longest)
        f["sub_entropy"] = _entropy_native(data, row_start, np.where(with_sub, sub_end, row_start), True, xlogx)
        f["reg_entropy"] = _entropy_native(
            data, np.where(has_reg, p.reg_start, 0), np.where(has_reg, reg_end, 0), False, xlogx
        )
    elif entropy:
        ent_mask = (in_sub & (data != ord("."))) | in_reg
        seg = row[ent_mask].astype(np.int64) * 2 + in_reg[ent_mask]
        seg_len = np.empty(2 * n, dtype=np.int64)
        seg_len[0::2] = f["sub_len"]
        seg_len[1::2] = f["reg_len"]
        # only non-empty segments get a row in the dense count table
        nonempty = seg_len > 0
        compact = np.cumsum(nonempty) - 1
        n_ne = int(nonempty.sum())
        ent_c = _entropy(ngram.CODE[data[ent_mask]], compact[seg], n_ne, seg_len[nonempty])
        ent = np.zeros(2 * n)
        ent[nonempty] = ent_c
        f["sub_entropy"] = ent[0::2]
        f["reg_entropy"] = ent[1::2]

    # ---- n-gram likelihood ----------------------------------------------------------------------
    if not native:
        tot, cnt = ngram.label_logprob(p, model)
        lab_is_sub = p.label_start < sub_end[p.label_row]
        sub_lp = np.bincount(p.label_row, weights=np.where(lab_is_sub, tot, 0.0), minlength=n)
    f["reg_lp"] = np.where(has_reg, tot[reg_lab], 0.0)
    f["reg_lp_n"] = np.where(has_reg, cnt[reg_lab], 0)
    f["sub_lp"] = sub_lp
    # predictions over the subdomain labels: their characters plus one end per label, i.e. the
    # subdomain's length (dots included) plus one; the same integers as summing ``cnt`` over
    # ``lab_is_sub``, which leaves out an empty label right before the registered one
    n_sub = f["n_sub_labels"]
    last_sub = np.maximum(p.reg_label - 1, 0)
    empty_last = (n_sub > 0) & (label_len[last_sub] == 0)
    f["sub_lp_n"] = np.where(n_sub > 0, sub_end - row_start + 1 - empty_last, 0).astype(np.int64)
    f["first_label_len"] = label_len[p.row_first_label] if n else np.zeros(0, np.int64)
    f["lengths_over"] = (lengths > MAX_NAME) | (f["max_label_len"] > MAX_LABEL)
    # upper-case letters that count as a case mix: none where the subdomain is cased like words and
    # either no label mixes case (``NYC-FS02.ad``: an upper-case host in a lower-case zone) or it
    # reads no worse than a random string (``sub_bits`` <= 0 in ``score``; ``MacBook-Pro-3``).
    # Word-cased base64 chunks such as dns2tcp's ``H3Xhe23WAQA`` mix case inside a label and read
    # worse, so they keep the evidence
    mixed = np.flatnonzero((f["sub_upper"] >= 2) & (f["sub_lower"] >= 2) & (f["n_nonascii"] == 0) & with_sub)
    upper_mixed = f["sub_upper"].copy()
    if mixed.size:
        worded, label_mix = word_cased(data, row_start[mixed], sub_end[mixed])
        reads_well = -(sub_lp[mixed] + f["sub_lp_n"][mixed] * LOG2_UNIFORM) <= 0
        upper_mixed[mixed[worded & (~label_mix | reads_well)]] = 0
    f["sub_upper_mixed"] = upper_mixed
    return f


_IS_UPPER = np.zeros(256, bool)
_IS_UPPER[ord("A") : ord("Z") + 1] = True
_IS_LOWER = np.zeros(256, bool)
_IS_LOWER[ord("a") : ord("z") + 1] = True


def word_cased(data: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per span ``data[start:end]``: whether every run of letters in it is cased like words, and
    whether some label (between dots) holds both upper- and lower-case letters.

    Host names people choose mix case by word (``Galaxy-S21``, ``MacBook-Pro-3``, ``DC01.corp``,
    ``NYC-FS02``): each run of letters is all lower case, all upper case, or lower-case letters
    with capitals that each start a word of at least three letters (``[a-z]*([A-Z][a-z]{2,})+``).
    Base64 mixes case at random: 85 % of random 8-character and 98 % of 16-character base64
    strings have a run that is not, so the case-mix rules keep their evidence on encodings.
    """
    out = np.ones(start.size, dtype=bool)
    label_mix = np.zeros(start.size, dtype=bool)
    if accel.ENABLED and start.size:
        end = np.maximum(end, start)
        accel.ext.case_shape(
            data, np.ascontiguousarray(start, np.int64), np.ascontiguousarray(end, np.int64), out, label_mix
        )
        return out, label_mix
    lens = np.maximum(end - start, 0)
    total = int(lens.sum())
    if total == 0:
        return out, label_mix
    offsets = np.zeros(start.size + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    span = np.repeat(np.arange(start.size), lens)
    b = data[np.repeat(start - offsets[:-1], lens) + np.arange(total)]
    up, low = _IS_UPPER[b], _IS_LOWER[b]
    letter = up | low
    first = np.zeros(total, dtype=bool)
    first[offsets[:-1][lens > 0]] = True  # the first byte of each span
    run_start = letter & (first | ~np.concatenate(([False], letter[:-1])))
    run = np.cumsum(run_start) - 1  # run number of each letter byte (meaningless elsewhere)
    n_runs = int(run_start.sum())
    has_up = np.bincount(run[up], minlength=n_runs) > 0
    has_low = np.bincount(run[low], minlength=n_runs) > 0
    mixed_run = has_up & has_low
    # within the same span, the next two bytes are lower-case letters
    same1 = np.concatenate((span[1:] == span[:-1], [False]))
    same2 = np.concatenate((span[2:] == span[:-2], [False, False]))
    low1 = np.concatenate((low[1:], [False])) & same1
    low2 = np.concatenate((low[2:], [False, False])) & same2
    bad = up & mixed_run[np.where(letter, run, 0)] & ~(low1 & low2)
    out[np.unique(span[bad])] = False
    # labels: a new one at each span's first byte and after each dot
    dot = b == ord(".")
    label_start = first | np.concatenate(([False], dot[:-1]))
    label = np.cumsum(label_start) - 1
    n_labels = int(label_start.sum())
    lab_up = np.bincount(label[up], minlength=n_labels) > 0
    lab_low = np.bincount(label[low], minlength=n_labels) > 0
    both = np.flatnonzero(lab_up & lab_low)
    if both.size:
        label_span = span[np.flatnonzero(label_start)]
        label_mix[label_span[both]] = True
    return out, label_mix


VOWEL_MASK_LEN = 16  # characters of the registered label whose vowel/consonant shape is kept


def _vowel_mask(p: ParsedNames, has_reg: np.ndarray, reg_len: np.ndarray) -> np.ndarray:
    """``reg_vowels``: bit j set when character j (< VOWEL_MASK_LEN) of the registered label is a
    vowel (``y`` included); 0 without a registered label. The shape pronounceable DGAs share."""
    out = np.zeros(p.n, dtype=np.int64)
    rows = np.flatnonzero(has_reg)
    if rows.size == 0:
        return out
    start, length = p.reg_start[rows], reg_len[rows]
    last = max(p.data.size - 1, 0)
    mask = np.zeros(rows.size, dtype=np.int64)
    for j in range(VOWEL_MASK_LEN):
        vowel = _VOWEL[p.data[np.minimum(start + j, last)]] & (j < length)
        mask |= vowel.astype(np.int64) << j
    out[rows] = mask
    return out


TAIL_LEN = 12  # characters at the end of the registered label that ``reg_tail`` folds
# ... none of them among its first TAIL_HEAD: Banjori changes a seed label's first four characters, and
# a 14-character seed's last 12 held two of them, so its names never shared a tail
TAIL_HEAD = 4


def _tail_hash(p: ParsedNames, has_reg: np.ndarray, reg_len: np.ndarray) -> np.ndarray:
    """``reg_tail``: the registered label's last TAIL_LEN characters but none of its first TAIL_HEAD,
    lower-cased, folded base 1,000,003 (uint64) for labels of at least TAIL_LEN + 2 characters, else
    0. Seed-mutation DGAs keep a label's tail and change its head."""
    out = np.zeros(p.n, dtype=np.uint64)
    rows = np.flatnonzero(has_reg & (reg_len >= TAIL_LEN + 2))
    if rows.size == 0:
        return out
    end = p.label_end[p.reg_label[rows]].astype(np.int64)
    k = np.minimum(reg_len[rows].astype(np.int64) - TAIL_HEAD, TAIL_LEN)
    key = np.zeros(rows.size, dtype=np.uint64)
    for j in range(TAIL_LEN):
        pos = end - TAIL_LEN + j
        take = pos >= end - k  # the first TAIL_LEN - k places are left out (k < TAIL_LEN: short labels)
        key = np.where(take, key * np.uint64(1_000_003) + p.lower[pos].astype(np.uint64), key)
    out[rows] = key
    return out


def _splitmix64(z: np.ndarray) -> np.ndarray:
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@functools.lru_cache(maxsize=1)
def bag_keys() -> np.ndarray:
    """A fixed random 64-bit key per (lower-cased) byte value, as the C kernel's ``BAG_KEY``."""
    with np.errstate(over="ignore"):
        return _splitmix64(np.uint64(0xA9A0) + np.arange(256, dtype=np.uint64))


def _bag_hash(p: ParsedNames, has_reg: np.ndarray) -> np.ndarray:
    """``reg_bag``: the sum (mod 2**64) of ``bag_keys`` over the registered label's lower-cased
    bytes, 0 without one. Labels that are anagrams of each other share it: permutation DGAs
    (shuffling one seed's letters) make a day's names that way."""
    out = np.zeros(p.n, dtype=np.uint64)
    rows = np.flatnonzero(has_reg)
    if rows.size == 0:
        return out
    lab = p.reg_label[rows]
    start, length = p.label_start[lab], p.label_end[lab] - p.label_start[lab]
    ends = np.cumsum(length)
    pos = np.arange(int(ends[-1]), dtype=np.int64) + np.repeat(start - (ends - length), length)
    cs = np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(bag_keys()[p.lower[pos]], dtype=np.uint64)])
    out[rows] = cs[ends] - cs[ends - length]
    return out


def _native_stats(
    p: ParsedNames, model: ngram.NgramModel | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The byte-level part of ``compute`` in one C pass per name.

    Returns the class-count table (n x NCLS int32, as ``_class_counts`` builds it), the int64 rows
    ``n_nonascii, n_ctrl, max_label_len, n_empty_labels, sub_max_label, reg_vowels, reg_tail, reg_bag``
    (8 x n; ``reg_tail`` and ``reg_bag`` hold uint64 bits), the per-label n-gram (sum, count) of
    ``ngram.label_logprob`` for the subdomain and registered labels (0 for the public suffix's) and
    the per-row ``sub_lp``.
    """
    assert accel.ext is not None
    model = model or ngram.load_default()
    n, n_lab = p.n, p.label_start.size
    cc = np.empty((n, NCLS), dtype=np.int32)
    stats = np.empty((8, n), dtype=np.int64)
    tot = np.empty(n_lab, dtype=np.float64)
    cnt = np.empty(n_lab, dtype=np.int64)
    sub_lp = np.empty(n, dtype=np.float64)
    logp, q4 = ngram.model_tables(model)  # an order-4 model is scored from its uint8 table in the same pass
    accel.ext.features(
        *ngram.label_args(p),
        np.ascontiguousarray(p.reg_start, dtype=np.int64),
        np.ascontiguousarray(p.reg_label, dtype=np.int64),
        _SUB_CODE,
        _REG_CODE,
        _C_NONE,
        NCLS,
        _NGRAM_CODE_BYTES,
        ngram.K,
        logp,
        cc,
        stats,
        tot,
        cnt,
        sub_lp,
        q4,
    )
    return cc, stats, tot, cnt, sub_lp


def entropy_of_rows(p: ParsedNames, f: dict[str, np.ndarray], rows: np.ndarray, part: str) -> np.ndarray:
    """``sub_entropy`` (``part="sub"``) or ``reg_entropy`` (``part="reg"``) of some rows only.

    Bit-identical to the columns ``compute`` builds: the same per-segment counts, the same
    ``x log x`` table (chosen from the longest segment of the whole batch) and the same arithmetic.
    """
    rows = np.asarray(rows, dtype=np.int64)
    if rows.size == 0 or p.n == 0:
        return np.zeros(rows.size, dtype=np.float64)
    xlogx = _xlogx_table(int(max(f["sub_len"].max(), f["reg_len"].max())))
    has_reg = p.reg_start[rows] >= 0
    row_start = p.offsets[:-1][rows]
    if part == "sub":
        start = row_start
        stop = np.where(has_reg, p.reg_start[rows] - 1, row_start)
        seg_len = f["sub_len"][rows]
    else:
        start = np.where(has_reg, p.reg_start[rows], 0)
        stop = np.where(has_reg, p.label_end[np.maximum(p.reg_label[rows], 0)], 0)
        seg_len = f["reg_len"][rows]
    if accel.ENABLED:
        return _entropy_native(p.data, start, stop, part == "sub", xlogx)
    lens = np.maximum(stop - start, 0)
    offs = np.zeros(rows.size + 1, dtype=np.int64)
    np.cumsum(lens, out=offs[1:])
    pos = np.repeat(start - offs[:-1], lens) + np.arange(int(offs[-1]), dtype=np.int64)
    seg = np.repeat(np.arange(rows.size, dtype=np.int64), lens)
    byte = p.data[pos]
    if part == "sub":
        keep = byte != ord(".")
        byte, seg = byte[keep], seg[keep]
    codes = byte_map(_NGRAM_CODE_BYTES, byte)
    # only non-empty segments get a row in the count table, as in ``compute``
    nonempty = seg_len > 0
    if nonempty.all():  # the usual case: the rows are the ones whose reasons quote an entropy
        return _entropy(codes, seg, rows.size, seg_len, xlogx=xlogx)
    compact = np.cumsum(nonempty) - 1
    out = np.zeros(rows.size, dtype=np.float64)
    out[nonempty] = _entropy(codes, compact[seg], int(nonempty.sum()), seg_len[nonempty], xlogx=xlogx)
    return out
