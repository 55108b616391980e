"""Event times from whatever a DNS log export holds, as int64 nanoseconds since the epoch (UTC).

Why: ``score-dns`` reads CSV from several tools. Defender writes ISO 8601 with seven fractional
digits, Zeek's ``ts`` is epoch seconds with a fraction, a merged export mixes precisions, and a
broken sensor or an attacker can put anything in the column. pandas' default parse infers one
format from the first value and silently turns every row of another shape into NaT (a
``...:01Z`` row after a ``...:00.1234567Z`` one lost its time), reads plain numbers as
nanoseconds (Zeek's times landed in January 1970, a second apart in total), and fails the whole
batch on a year-9999 value. Here every value is read on its own terms; one that cannot be read, or
that a nanosecond count cannot hold, is missing (``NAT``) and costs no other row.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

NAT = np.iinfo(np.int64).min  # a missing time, as pandas stores NaT
_PER_UNIT = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
_I64_MAX = np.iinfo(np.int64).max
# epoch numbers: the unit read from the magnitude (seconds up to 1e11 reach the year 5138)
_SECONDS_BELOW, _MILLIS_BELOW, _MICROS_BELOW = 1e11, 1e14, 1e17


def _scaled(raw: np.ndarray, factor: np.ndarray | int) -> np.ndarray:
    """``raw * factor`` as int64, ``NAT`` where ``raw`` is ``NAT`` or the product overflows."""
    factor = np.asarray(factor, dtype=np.int64)
    lim = _I64_MAX // factor
    bad = (raw == NAT) | (raw > lim) | (raw < -lim)
    out = np.where(bad, 0, raw) * factor
    out[bad] = NAT
    return out


def datetimes_ns(idx: pd.DatetimeIndex) -> np.ndarray:
    """A datetime index (any unit; pandas keeps seconds or microseconds for values a nanosecond
    count cannot hold) as nanoseconds, out-of-range values missing. A nanosecond index's own
    values are returned as they are, not copied (10M events: 80 MB): read them, do not write."""
    raw = idx.asi8
    unit = idx.unit
    return raw if unit == "ns" else _scaled(raw, _PER_UNIT[unit])


def epoch_ns(values: np.ndarray) -> np.ndarray:
    """Epoch numbers as nanoseconds, each number's unit read from its magnitude: seconds below
    1e11, milliseconds below 1e14, microseconds below 1e17, nanoseconds above. Integers and
    the whole units of fractions are scaled exactly; fractions are kept to the microsecond."""
    if np.issubdtype(values.dtype, np.integer):
        v = values.astype(np.int64, copy=False)
        a = np.abs(v.astype(np.float64))
        factor = np.select([a < _SECONDS_BELOW, a < _MILLIS_BELOW, a < _MICROS_BELOW], [10**9, 10**6, 10**3], 1)
        return _scaled(v, factor)
    v = values.astype(np.float64)
    a = np.abs(v)
    factor = np.select([a < _SECONDS_BELOW, a < _MILLIS_BELOW, a < _MICROS_BELOW], [10**9, 10**6, 10**3], 1)
    # whole units scaled exactly and the fraction rounded to the microsecond on its own: a float of
    # today's epoch seconds holds about a quarter of a microsecond, so finer digits are noise, and
    # multiplying the float out would land 1717200001.25 s 128 ns off
    bad = ~np.isfinite(v) | (a >= 9.2e18 / factor)
    whole = np.floor(np.where(bad, 0.0, v))
    micros = np.rint((np.where(bad, 0.0, v) - whole) * (factor // 1000)).astype(np.int64)
    out = _scaled(whole.astype(np.int64), factor) + micros * 1000
    out[bad] = NAT
    return out


def _strings_ns(text: pd.Series) -> np.ndarray:
    """Strings: ISO 8601 in any precision or offset (naive times are UTC), then epoch numbers,
    then whatever pandas' per-value parser reads."""
    text = text.str.strip()
    present = (text.notna() & (text != "")).to_numpy(dtype=bool)
    out = np.full(len(text), NAT, dtype=np.int64)
    if not present.any():
        return out
    vals = text[present]
    out[present] = datetimes_ns(pd.DatetimeIndex(pd.to_datetime(vals, utc=True, errors="coerce", format="ISO8601")))
    rest = present & (out == NAT)
    if rest.any():
        idx = np.flatnonzero(rest)
        num = pd.to_numeric(text.iloc[idx], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        is_num = ~np.isnan(num)
        out[idx[is_num]] = epoch_ns(num[is_num])
        left = idx[~is_num]
        if left.size:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # dateutil's guesses, one value at a time
                parsed = pd.to_datetime(text.iloc[left], utc=True, errors="coerce", format="mixed")
            out[left] = datetimes_ns(pd.DatetimeIndex(parsed))
    return out


def to_ns(col: pd.Series) -> np.ndarray:
    """Event times as int64 nanoseconds since the epoch, UTC (``NAT`` where missing or unreadable).

    Datetimes as they are (naive ones are UTC); numbers as epoch times (``epoch_ns``); strings as
    ``_strings_ns`` reads them; a categorical column through its categories.
    """
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cats = to_ns(pd.Series(dtype.categories))
        codes = col.cat.codes.to_numpy()
        return np.where(codes >= 0, cats[np.maximum(codes, 0)], NAT)
    if isinstance(dtype, pd.DatetimeTZDtype):
        return datetimes_ns(pd.DatetimeIndex(col))
    if pd.api.types.is_datetime64_dtype(dtype):
        return datetimes_ns(pd.DatetimeIndex(col))
    if pd.api.types.is_bool_dtype(dtype):
        return np.full(len(col), NAT, dtype=np.int64)
    if pd.api.types.is_numeric_dtype(dtype):
        return epoch_ns(col.to_numpy(dtype=np.float64, na_value=np.nan) if col.hasnans else col.to_numpy())
    if pd.api.types.is_timedelta64_dtype(dtype):
        return np.full(len(col), NAT, dtype=np.int64)
    return _strings_ns(col.astype("string"))
