"""``score-dns``'s output rows written by the C kernel, byte for byte as Arrow's CSV writer would.

Why: Arrow's writer spends half of its time on the score column (float to shortest text, ~55 ms
per million) and the rest scanning and quoting strings; a million rows were a tenth of a second
of a one-second run. Scores are rounded to 4 decimals, so their text comes from a table of the
10,001 possible values (made by Arrow's own cast, so the digits are the same); the strings are
copied with their quotes doubled. Any table this does not fit (other columns or types, nulls,
no extension) goes to Arrow's writer, which stays the reference (tests compare the two).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from hunt_assets.analytics.dns import accel

SCORE_STEPS = 10_000  # scores have 4 decimals
COLUMNS = ("name", "verdict", "score", "reasons")
_STRING_TYPES = (pa.string(), pa.large_string())


@functools.lru_cache(maxsize=1)
def score_texts() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values k / 10,000, text offsets, text bytes) of every 4-decimal score in [0, 1], as
    Arrow's CSV writer prints them (``0``, ``0.5``, ``0.0001``, ``1``)."""
    import pyarrow.compute as pc

    values = np.arange(SCORE_STEPS + 1, dtype=np.float64) / SCORE_STEPS
    offsets, data = string_parts(pc.cast(pa.array(values), pa.large_string()))
    return values, offsets, data


def string_parts(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(int64 offsets, len + 1 of them, into the data bytes) of a string array, without copying
    the bytes (the offsets are copied only when Arrow holds them as int32)."""
    bufs = arr.buffers()
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(bufs[1], dtype=width)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(1, dtype=np.uint8)
    return np.ascontiguousarray(offsets, dtype=np.int64), data


def fits(tbl: pa.Table) -> bool:
    """The kernel can write this table: the four output columns, strings and a float score, no nulls."""
    if accel.ext is None or not accel.ENABLED or tbl.column_names != list(COLUMNS):
        return False
    types = [tbl.schema.field(c).type for c in COLUMNS]
    if types[2] != pa.float64() or any(t not in _STRING_TYPES for t in (types[0], types[1], types[3])):
        return False
    return all(tbl.column(c).null_count == 0 for c in COLUMNS)


class Rows:
    """Formats row ranges of a table that ``fits``; ``text`` is safe to call from several threads."""

    def __init__(self, tbl: pa.Table) -> None:
        self.n = tbl.num_rows
        self.name = string_parts(tbl.column("name").combine_chunks())
        self.verdict = string_parts(tbl.column("verdict").combine_chunks())
        values, offsets, data = score_texts()
        score = np.ascontiguousarray(tbl.column("score").to_numpy(), dtype=np.float64)
        index = np.empty(self.n, dtype=np.int32)
        missing = accel.ext.score_index(score, values, index)
        if missing:  # not a 4-decimal value in [0, 1] (unrounded, NaN): Arrow's text for those rows
            import pyarrow.compute as pc

            odd = np.flatnonzero(index < 0)
            extra_off, extra_data = string_parts(pc.cast(pa.array(score[odd]), pa.large_string()))
            index[odd] = values.size + np.arange(odd.size, dtype=np.int32)
            end = offsets[-1]  # the extra texts follow the table's
            data = np.concatenate([data[:end], extra_data[extra_off[0] : extra_off[-1]]])
            offsets = np.concatenate([offsets[:-1], end + (extra_off - extra_off[0])])
        self.score_index = index
        self.score_text = (offsets, data)
        self.widest_score = int(np.diff(offsets).max())
        # the reasons' own chunks (one per scoring chunk): a piece never straddles two
        self.reasons: list[tuple[int, tuple[np.ndarray, np.ndarray]]] = []
        start = 0
        for chunk in tbl.column("reasons").chunks:
            self.reasons.append((start, string_parts(chunk)))
            start += len(chunk)

    def pieces(self, rows: int) -> Iterator[tuple[int, int, int]]:
        """(reasons chunk, first row, row count) of pieces of at most ``rows`` rows, in order."""
        for ci, (start, (offs, _)) in enumerate(self.reasons):
            size = offs.size - 1
            for a in range(0, size, rows):
                yield ci, start + a, min(rows, size - a)

    def text(self, piece: tuple[int, int, int]) -> memoryview:
        """The CSV text of one piece (no header)."""
        ci, first, count = piece
        chunk_start, (r_off, r_data) = self.reasons[ci]
        local = first - chunk_start
        n_off, n_data = self.name
        v_off, v_data = self.verdict
        names = n_off[first : first + count + 1]
        verdicts = v_off[first : first + count + 1]
        reasons = r_off[local : local + count + 1]
        strings = (names[-1] - names[0]) + (verdicts[-1] - verdicts[0]) + (reasons[-1] - reasons[0])
        out = np.empty(int(2 * strings + count * (self.widest_score + 10)), dtype=np.uint8)
        written = accel.ext.csv_rows(
            names, n_data, verdicts, v_data, self.score_index[first : first + count], *self.score_text,
            reasons, r_data, out,
        )
        return memoryview(out)[:written]
