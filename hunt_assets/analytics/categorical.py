"""Row-wise pandas logic evaluated once per distinct value on categorical columns.

Why: a day of DNS events is read as categoricals (millions of rows, few distinct devices, IPs, answers).
Expressions such as "the device name, or the client IP when it is empty" depend on a row only through
its values, so they are computed on the few distinct value combinations -- with the very same pandas
code as on plain columns, so results match exactly -- and taken back to the rows by integer code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd


def is_categorical(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.CategoricalDtype)


def _plain(codes: np.ndarray, dtype: pd.CategoricalDtype) -> pd.Series:
    """Category values for ``codes`` (-1 is missing), in the categories' own dtype."""
    return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype)).astype(dtype.categories.dtype)


def distinct_rows(df: pd.DataFrame, columns: Sequence[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """(combos, row_combo): the distinct value combinations of categorical ``columns``, as plain
    values in order of first appearance with ``n`` (rows per combination), and each row's combination."""
    sizes = {c: len(df[c].cat.categories) + 1 for c in columns}
    total = 1
    for size in sizes.values():
        total *= size
    if total >= 2**62:
        raise ValueError("too many distinct value combinations to key in 64 bits")
    dtype = np.int32 if total < 2**31 else np.int64  # half the memory traffic in the usual case
    key = np.zeros(len(df), dtype=dtype)
    radix = 1
    for c in reversed(columns):
        key += (df[c].cat.codes.to_numpy().astype(dtype) + 1) * dtype(radix)
        radix *= sizes[c]
    row_combo, uniq = pd.factorize(key)
    combos = pd.DataFrame(index=pd.RangeIndex(len(uniq)))
    rest = np.asarray(uniq, dtype=np.int64)
    parts: dict[str, np.ndarray] = {}
    for c in reversed(columns):
        parts[c] = rest % sizes[c] - 1
        rest = rest // sizes[c]
    for c in columns:
        combos[c] = _plain(parts[c], df[c].dtype)
    combos["n"] = np.bincount(row_combo, minlength=len(uniq)).astype(np.int64)
    return combos, np.asarray(row_combo, dtype=np.intp)


def to_rows(values: pd.Series, row_combo: np.ndarray, index: pd.Index) -> pd.Series:
    """Per-combination ``values`` taken back to every row, as a categorical (missing stays missing)."""
    codes, cats = pd.factorize(values)
    cat = pd.Categorical.from_codes(codes[row_combo], categories=pd.Index(cats))
    return pd.Series(cat, index=index, name=values.name)


def per_value(s: pd.Series, fn: Callable[[pd.Series], pd.Series | np.ndarray]) -> np.ndarray:
    """``np.asarray(fn(s))`` for an element-wise ``fn``, evaluated once per category and once for missing."""
    if not is_categorical(s):
        return np.asarray(fn(s))
    dtype = s.dtype
    small = _plain(np.arange(-1, len(dtype.categories), dtype=np.int64), dtype)
    out = np.asarray(fn(small))
    return out[s.cat.codes.to_numpy().astype(np.intp) + 1]
