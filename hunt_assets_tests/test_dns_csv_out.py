"""The C CSV writer of ``score-dns`` against Arrow's CSV writer (the reference): same bytes."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from hunt_assets.analytics.dns import accel, csv_out
from hunt_assets.analytics.dns.cli import _CSV_OPTIONS, write_csv_rows

needs_native = pytest.mark.skipif(not accel.available(), reason="C extension not built")

HOSTILE = [
    "www.google.com",
    'quote"in.name',
    '""',
    "comma,in.name",
    "new\nline",
    "",
    "ünïcode.example",
    "\\000\\255.escaped",
    "x" * 300,
]


def _arrow(tbl: pa.Table) -> bytes:
    buf = io.BytesIO()
    pacsv.write_csv(tbl, buf, write_options=_CSV_OPTIONS)
    return buf.getvalue()


def _ours(tbl: pa.Table) -> bytes:
    buf = io.BytesIO()
    write_csv_rows(tbl, buf)
    return buf.getvalue()


def _table(n: int, seed: int, *, string_type: pa.DataType = pa.large_string(), chunks: int = 3) -> pa.Table:
    rng = np.random.default_rng(seed)
    names = [HOSTILE[i % len(HOSTILE)] + str(i) for i in range(n)]
    verdicts = rng.choice(["tunnel", "dga", "suspicious", "benign", "invalid"], n).tolist()
    score = np.round(rng.random(n), 4)
    score[rng.random(n) < 0.1] = 0.0
    score[rng.random(n) < 0.05] = 1.0
    reasons = [("" if i % 4 == 0 else f'reason "{i}", with; parts\n' * (i % 3)) for i in range(n)]
    cut = sorted(rng.choice(np.arange(1, n), size=min(chunks - 1, n - 1), replace=False).tolist()) if n > 1 else []
    bounds = [0, *cut, n]
    return pa.table(
        {
            "name": pa.array(names, string_type),
            "verdict": pa.array(verdicts, pa.string()),
            "score": pa.array(score),
            "reasons": pa.chunked_array(
                [pa.array(reasons[a:b], string_type) for a, b in itertools.pairwise(bounds)], string_type
            ),
        }
    )


@needs_native
@pytest.mark.parametrize("string_type", [pa.large_string(), pa.string()])
@pytest.mark.parametrize("n", [1, 7, 2_500])
def test_same_bytes_as_arrow(n: int, string_type: pa.DataType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hunt_assets.analytics.dns.cli.WRITE_PIECE_ROWS", 300)  # many pieces, some split chunks
    monkeypatch.setattr("hunt_assets.analytics.dns.cli.PARALLEL_WRITE_ROWS", 1_000)
    tbl = _table(n, seed=n, string_type=string_type)
    assert csv_out.from_table(tbl) is not None
    assert _ours(tbl) == _arrow(tbl)


@needs_native
def test_scores_off_the_4_decimal_grid_take_arrows_text() -> None:
    tbl = _table(12, seed=3)
    odd = [0.30000000000000004, float("nan"), -0.5, 1.5, 1e-5, 0.12345, 0.5, 0.0, 1.0, 0.7, 2.0**-30, 0.9999]
    tbl = tbl.set_column(2, "score", pa.array(odd))
    assert csv_out.from_table(tbl) is not None
    assert _ours(tbl) == _arrow(tbl)


@needs_native
def test_sliced_inputs_keep_their_offsets() -> None:
    tbl = _table(400, seed=5).slice(37, 250)
    assert _ours(tbl) == _arrow(tbl)


def test_tables_it_cannot_write_go_to_arrow() -> None:
    tbl = _table(20, seed=1)
    with_null = tbl.set_column(0, "name", pa.array([None, *["a.com"] * 19], pa.large_string()))
    assert csv_out.from_table(with_null) is None
    assert _ours(with_null) == _arrow(with_null)
    other = tbl.rename_columns(["name", "verdict", "score", "why"])
    assert csv_out.from_table(other) is None
    assert _ours(other) == _arrow(other)
    as_float32 = tbl.set_column(2, "score", tbl.column("score").cast(pa.float32()))
    assert csv_out.from_table(as_float32) is None


@needs_native
def test_kernel_checks_its_buffers() -> None:
    scored = csv_out.from_table(_table(10, seed=2))
    assert scored is not None
    rows = csv_out.Rows(scored)
    ext = accel.ext
    assert ext is not None
    (n_off, n_data), (v_off, v_data) = rows.name, rows.verdict
    _, (r_off, r_data), _, _ = rows.chunks[0]
    k = 3
    no_patch = (np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.uint8))

    def call(index: np.ndarray, patch: tuple[np.ndarray, ...], out_size: int) -> int:
        return ext.csv_rows(n_off[: k + 1], n_data, v_off[: k + 1], v_data, index, *rows.score_text,
                            r_off[: k + 1], r_data, *patch, np.empty(out_size, dtype=np.uint8))

    good = rows.score_index[:k]
    assert call(good, no_patch, 10_000) > 0
    with pytest.raises(ValueError, match="too small"):
        call(good, no_patch, 4)
    bad_index = good.copy()
    bad_index[1] = 10**6
    with pytest.raises(ValueError, match="out of range"):
        call(bad_index, no_patch, 10_000)
    text = (np.array([0, 2, 4], dtype=np.int64), np.frombuffer(b"abcd", dtype=np.uint8))
    for patch_rows in ([2, 1], [1, 1], [1, 5]):  # unsorted, repeated, past the rows
        with pytest.raises(ValueError, match="patch rows"):
            call(good, (np.array(patch_rows, dtype=np.int64), *text), 10_000)


@needs_native
@pytest.mark.parametrize("piece_rows", [3, 1_000])
def test_patched_reasons_are_written_as_if_spliced(piece_rows: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # batch / event context extends a few rows' reasons after the chunks were joined: the writer
    # reads those rows' text from the patch, exactly as the spliced column would give it
    from hunt_assets.analytics.dns.score import ReasonPatch

    monkeypatch.setattr("hunt_assets.analytics.dns.cli.WRITE_PIECE_ROWS", piece_rows)
    tbl = _table(40, seed=9, chunks=3)
    scored = csv_out.from_table(tbl)
    assert scored is not None
    patched = []
    for i, p in enumerate(scored.reasons):
        rows = np.arange(i % 2, len(p.own), 3, dtype=np.int64)
        text = pa.array([f'later "context" {i}-{r}; more' for r in rows], pa.large_string())
        patched.append(ReasonPatch(p.own, rows, text))
    scored.reasons = patched
    assert _ours(scored) == _arrow(scored.table())
    spliced = scored.table().column("reasons").to_pylist()
    assert sum(t.startswith("later") for t in spliced) == sum(p.rows.size for p in patched)
