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
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from hunt_assets.analytics.dns import accel
from hunt_assets.analytics.dns.score import _NO_ROWS, ReasonPatch

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


@dataclass
class Scored:
    """``score-dns``'s output columns, the reasons as one ``ReasonPatch`` per scoring chunk (the
    text later context added not yet spliced in: the writer reads both)."""

    name: pa.Array
    verdict: pa.Array
    score: pa.Array | pa.ChunkedArray
    reasons: list[ReasonPatch]

    @property
    def num_rows(self) -> int:
        return len(self.name)

    def table(self) -> pa.Table:
        """The same rows as an Arrow table (the reasons spliced)."""
        reasons = pa.chunked_array([p.apply() for p in self.reasons], type=pa.large_string())
        return pa.table({"name": self.name, "verdict": self.verdict, "score": self.score, "reasons": reasons})


def from_table(tbl: pa.Table) -> Scored | None:
    """The table as ``Scored`` if the kernel can write it: the four output columns, strings and a
    float score, no nulls, and the extension built; else None (Arrow's writer takes it)."""
    if accel.ext is None or not accel.ENABLED or tbl.column_names != list(COLUMNS):
        return None
    types = [tbl.schema.field(c).type for c in COLUMNS]
    if types[2] != pa.float64() or any(t not in _STRING_TYPES for t in (types[0], types[1], types[3])):
        return None
    if any(tbl.column(c).null_count for c in COLUMNS):
        return None
    patches = [ReasonPatch(c.cast(pa.large_string()), _NO_ROWS, None) for c in tbl.column("reasons").chunks]
    return Scored(tbl.column("name").combine_chunks(), tbl.column("verdict").combine_chunks(), tbl.column("score"),
                  patches)


class Rows:
    """Formats row ranges of a ``Scored``; ``text`` is safe to call from several threads."""

    def __init__(self, out: Scored) -> None:
        self.n = out.num_rows
        self.name = string_parts(out.name)
        self.verdict = string_parts(out.verdict)
        values, offsets, data = score_texts()
        score = np.ascontiguousarray(out.score.to_numpy(), dtype=np.float64)
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
        # per scoring chunk: first row, own text, patched rows and their text; a piece never
        # straddles two chunks
        self.chunks: list[tuple[int, tuple[np.ndarray, np.ndarray], np.ndarray, tuple[np.ndarray, np.ndarray]]] = []
        start = 0
        for patch in out.reasons:
            if patch.text is None or patch.rows.size == 0:
                rows, text = _NO_ROWS, (np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.uint8))
            else:
                rows, text = patch.rows, string_parts(patch.text)
            self.chunks.append((start, string_parts(patch.own), rows, text))
            start += len(patch.own)
        if start != self.n:
            raise ValueError(f"reasons cover {start} rows, names {self.n}")

    def pieces(self, rows: int) -> Iterator[tuple[int, int, int]]:
        """(chunk, first row, row count) of pieces of at most ``rows`` rows, in order."""
        for ci, (start, (offs, _), _, _) in enumerate(self.chunks):
            size = offs.size - 1
            for a in range(0, size, rows):
                yield ci, start + a, min(rows, size - a)

    def text(self, piece: tuple[int, int, int]) -> memoryview:
        """The CSV text of one piece (no header)."""
        ci, first, count = piece
        chunk_start, (r_off, r_data), p_rows, (p_off, p_data) = self.chunks[ci]
        local = first - chunk_start
        n_off, n_data = self.name
        v_off, v_data = self.verdict
        names = n_off[first : first + count + 1]
        verdicts = v_off[first : first + count + 1]
        reasons = r_off[local : local + count + 1]
        a, b = np.searchsorted(p_rows, [local, local + count])
        patch_rows = p_rows[a:b] - local
        patch_off = p_off[a : b + 1]
        strings = (
            (names[-1] - names[0]) + (verdicts[-1] - verdicts[0]) + (reasons[-1] - reasons[0])
            + (patch_off[-1] - patch_off[0])
        )
        out = np.empty(int(2 * strings + count * (self.widest_score + 10)), dtype=np.uint8)
        written = accel.ext.csv_rows(
            names, n_data, verdicts, v_data, self.score_index[first : first + count], *self.score_text,
            reasons, r_data, patch_rows, patch_off, p_data, out,
        )
        return memoryview(out)[:written]
