"""The C kernels (``_native``) against the NumPy reference: every parsed field and every feature
identical, integers and floats alike (floats compared bit for bit), on the fixtures, on hostile
input and on seeded random bytes; plus the de-duplication helper."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import os
import random
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from hunt_assets.analytics.dns import accel, ngram
from hunt_assets.analytics.dns import features as F
from hunt_assets.analytics.dns import suppress as S
from hunt_assets.analytics.dns.names import (
    ParsedNames,
    _hash_bytes,
    _HashSet,
    hash_lines,
    hash_spans,
    parse,
    to_binary_array,
)

FIXTURES = Path(__file__).parent / "fixtures" / "dns"

needs_native = pytest.mark.skipif(
    not accel.available(), reason=f"C extension hunt_assets.analytics.dns._native is not built ({accel.IMPORT_ERROR})"
)


@contextlib.contextmanager
def _native(on: bool) -> Iterator[None]:
    old = accel.ENABLED
    accel.ENABLED = on
    try:
        yield
    finally:
        accel.ENABLED = old


@pytest.fixture(params=[True, False], ids=["native", "numpy"])
def native(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Runs a test with the C kernels on and with them off (NumPy); on is skipped where not built."""
    if request.param and not accel.available():
        pytest.skip(f"C extension hunt_assets.analytics.dns._native is not built ({accel.IMPORT_ERROR})")
    monkeypatch.setattr(accel, "ENABLED", request.param)
    return request.param


T = TypeVar("T")


def _both(fn: Callable[[], T]) -> tuple[T, T]:
    """``fn()`` on the NumPy path, then on the C path."""
    with _native(False):
        ref = fn()
    with _native(True):
        nat = fn()
    return ref, nat


def _same_array(a: np.ndarray, b: np.ndarray, what: str) -> None:
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype, f"{what}: dtype {a.dtype} != {b.dtype}"
    assert a.shape == b.shape, f"{what}: shape {a.shape} != {b.shape}"
    if a.dtype.kind == "f":  # bit for bit: tells -0.0 from 0.0 and compares NaNs
        width = {2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize]
        a, b = np.ascontiguousarray(a).view(width), np.ascontiguousarray(b).view(width)
    bad = np.flatnonzero(a != b)
    assert bad.size == 0, f"{what}: {bad.size} differences, first at {bad[:5]}: {a[bad[:5]]} vs {b[bad[:5]]}"


def _same_parsed(a: ParsedNames, b: ParsedNames) -> None:
    for fld in dataclasses.fields(ParsedNames):
        if fld.name.startswith("_"):
            continue
        _same_array(getattr(a, fld.name), getattr(b, fld.name), fld.name)
    _same_array(a.row_of, b.row_of, "row_of")


def _same_features(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert list(a) == list(b)
    for k in a:
        _same_array(a[k], b[k], k)


def check_equivalent(binary: pa.Array) -> None:
    """parse, compute (with and without entropy), suppression codes, label_logprob and
    entropy_of_rows agree."""
    p_ref, p_nat = _both(lambda: parse(binary))
    _same_parsed(p_ref, p_nat)
    for x, y, what in zip(*_both(lambda: S.suppression_codes(p_ref)), ("family", "reason"), strict=True):
        _same_array(x, y, f"suppression {what}")
    for entropy in (True, False):
        f_ref, f_nat = _both(lambda e=entropy: F.compute(p_ref, entropy=e))
        _same_features(f_ref, f_nat)
    lp_ref, lp_nat = _both(lambda: ngram.label_logprob(p_ref))
    for x, y, what in zip(lp_ref, lp_nat, ("tot", "cnt"), strict=True):
        _same_array(x, y, what)
    f = F.compute(p_ref)
    n = p_ref.n
    rng = np.random.default_rng(n)
    _same_decisions(binary, p_ref, f, rng)
    for rows in (np.arange(n), rng.permutation(n)[: max(n // 3, 1)] if n else np.zeros(0, np.int64)):
        for part in ("sub", "reg"):
            e_ref, e_nat = _both(lambda r=rows, pt=part: F.entropy_of_rows(p_ref, f, r, pt))
            _same_array(e_ref, e_nat, f"entropy_of_rows {part}")
            _same_array(e_nat, f[f"{part}_entropy"][rows], f"entropy_of_rows {part} vs compute")


def _same_decisions(binary: pa.Array, p: ParsedNames, f: dict[str, np.ndarray], rng: np.random.Generator) -> None:
    """score's verdict kernel against its NumPy reference, with the popular / vetted / alternative
    root flags drawn at random so every combination of evidence and exemption occurs.

    Verdicts, reason flags and bits are identical; the three scores go through ``exp``, where
    NumPy's vectorised float64 exp (AVX-512) and the C library's may differ in the last bit, so
    they are compared to a few ulp, and after the scorer's rounding to 4 decimals exactly.
    """
    from hunt_assets.analytics.dns import score as SC

    if p.n == 0 or not accel.available():
        return
    raw_len = pc.binary_length(binary).to_numpy(zero_copy_only=False).astype(np.int64)
    fam, _ = S.suppression_codes(p)
    flags = [rng.random(p.n) < share for share in (0.2, 0.1, 0.1)]  # popular, vetted, alt_tld
    ref = SC._decide_numpy(p, f, raw_len, fam, *flags)
    nat = SC._decide_native(p, f, raw_len, fam, *flags)
    names = ("verdict", "score", "tunnel_score", "dga_score", "sub_bits", "reg_bits", "why")
    for x, y, what in zip(ref, nat, names, strict=True):
        if what in ("score", "tunnel_score", "dga_score"):
            assert x.dtype == y.dtype
            np.testing.assert_array_max_ulp(x, y, maxulp=4)
            _same_array(np.round(x, 4), np.round(y, 4), f"decide {what} (rounded)")
        else:
            _same_array(x, y, f"decide {what}")
    why, verdict = ref[6], ref[0]
    assert ((why & SC._W["invalid"]) != 0).tolist() == (verdict == SC.VERDICT_CODE["invalid"]).tolist()


def _fixture_names(name: str) -> list[str]:
    with (FIXTURES / name).open(newline="", encoding="utf-8") as fh:
        return [row["name"] for row in csv.DictReader(fh)]


ADVERSARIAL = [
    "",
    ".",
    "..",
    "...",
    "a.",
    "a..",
    ".a",
    "..a..",
    "a..b.com",
    "WWW.Example.COM",
    "Example.COM.",
    "xn--bcher-kva.de",
    "www.xn--80ak6aa92e.com",
    "b\u00fccher.de",
    "\u4f8b\u3048.\u30c6\u30b9\u30c8",
    "\\xbc\\xbdab.example.com",
    "a\\046b.example.com",
    "\\255\\000\\001.x.org",
    "\\x00\\xff.\\x2e.com",
    "with space.example.com",
    "tab\there.com",
    "www.ck",
    "a.www.ck",
    "foo.ck",
    "b.foo.ck",
    "ck",
    "kawasaki.jp",
    "city.kawasaki.jp",
    "a.city.kawasaki.jp",
    "x.kawasaki.jp",
    "x.y.kawasaki.jp",
    "a.b.c.d.blogspot.com",
    "4.3.2.1.in-addr.arpa",
    "_dmarc.contoso.com",
    "abc/def+ghi=.example.org",
    "localhost",
    "host.corp.local",
    "a" * 64 + ".example.com",
    "b" * 300 + ".com",
    ".".join(["abcdefgh"] * 40) + ".evil.net",  # 359 bytes > 253
    "x" * 5000 + ".example.com",  # longer than the 4096 powers: clamped
    "a." * 2500 + "co.uk",  # 5005 bytes, 2502 labels
    ".".join("q" * 70 for _ in range(70)) + ".com",  # > 4096 bytes, every label > 63
    "aGVsbG8gd29ybGQgdGhpcyBpcyBhIHRlc3Qgb2YgYmFzZTY0.t.evil-tunnel.com",
    "deadbeef00112233.t.example.org",
    "0123456789.0123456789.0123456789.com",
    "dnscat.1a2b3c4d5e6f",
    "init.NFSF64TTMF6DENY.base64.main-discuss.com",
    "init.nfsf64ttmf6demy.base32.d.knowserve.info",
    "init.NFSF64TTMF6DO.base64.com",
    "init.NFSF64TTMF6D1.base64.x.com",
    "init.abcdefg.base32.x.com",
    "init.abcdefgh.base64",
    "init.abcdefgh",
    "INIT.ABCDEFGH.BASE64.X.ORG",
    "Galaxy-S21.contoso.com",
    "DC01.corp.contoso.com",
    "SEP3C22FB9A1E5D.corp.contoso.com",
    "aGVsbG8x9QzR.t.evil-tunnel.com",
]


def _raw(values: list[bytes]) -> pa.Array:
    return pa.array(values, type=pa.large_binary())


@needs_native
@pytest.mark.parametrize("fixture", ["devset_slice.csv", "events_slice.csv"])
def test_fixtures_equivalent(fixture: str) -> None:
    check_equivalent(to_binary_array(_fixture_names(fixture)))


@needs_native
def test_adversarial_names_equivalent() -> None:
    check_equivalent(to_binary_array(ADVERSARIAL))
    # the same strings as raw bytes, without to_binary_array's trimming (trailing dots, spaces,
    # empty rows stay as they are), and NUL / 0xFF bytes anywhere
    raw = [s.encode("utf-8", "surrogateescape") for s in ADVERSARIAL]
    raw += [b"\x00", b"\xff", b"\x00.\xff", b"a.\x00.com", b"\xff\xff.\xfe.com.", b" ", b"a. .com", b"." * 300]
    check_equivalent(_raw(raw))


@needs_native
def test_single_and_zero_names_equivalent() -> None:
    for names in (["www.google.com"], [""], ["."], ["x" * 5000], []):
        check_equivalent(to_binary_array(names))
    check_equivalent(_raw([]))


@needs_native
def test_sliced_and_string_arrays_equivalent() -> None:
    arr = to_binary_array(ADVERSARIAL)
    check_equivalent(arr.slice(5, 20))  # a non-zero Arrow offset
    check_equivalent(pa.array(["www.Google.com", "a.b.co.uk"], pa.string()).cast(pa.binary()))


@needs_native
def test_psl_wildcard_and_exception_rules_native() -> None:
    from hunt_assets.analytics.dns.names import binary_to_str, registered_domains

    names = ["www.ck", "a.www.ck", "b.foo.ck", "city.kawasaki.jp", "a.city.kawasaki.jp", "x.y.kawasaki.jp"]
    with _native(True):
        got = binary_to_str(registered_domains(parse(to_binary_array(names)))).to_pylist()
    assert got == ["www.ck", "www.ck", "b.foo.ck", "city.kawasaki.jp", "city.kawasaki.jp", "x.y.kawasaki.jp"]


def _fuzz_names(seed: int, count: int) -> list[bytes]:
    rng = np.random.default_rng(seed)
    alphabets = [
        np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789-._", dtype=np.uint8),
        np.frombuffer(b"ABCDEFabcdef0123456789.", dtype=np.uint8),
        np.frombuffer(b"..a-_+/=Z9", dtype=np.uint8),
        np.arange(256, dtype=np.uint8),
    ]
    suffixes = [b"", b".com", b".co.uk", b".ck", b".kawasaki.jp", b".city.kawasaki.jp", b".blogspot.com", b"."]
    out = []
    for _ in range(count):
        alpha = alphabets[rng.integers(len(alphabets))]
        length = int(rng.choice([rng.integers(0, 12), rng.integers(0, 80), rng.integers(0, 400)]))
        body = alpha[rng.integers(0, alpha.size, length)].tobytes()
        out.append(body + suffixes[rng.integers(len(suffixes))])
    out.append(b"z" * 4200 + b".example.com")
    return out


@needs_native
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_bytes_equivalent(seed: int) -> None:
    names = _fuzz_names(seed, 2000)
    check_equivalent(_raw(names))
    # and the text path: bytes as latin-1 text, with escapes decoded by to_binary_array
    check_equivalent(to_binary_array([b.decode("latin-1") for b in names[:500]]))


@needs_native
# score._sigmoid overflows harmlessly (to 0.0) on the 5,000-byte names, on either path
@pytest.mark.filterwarnings("ignore:overflow encountered in exp:RuntimeWarning")
def test_scores_identical_on_fixtures() -> None:
    from hunt_assets.analytics.dns.score import join_reasons_arrow, score_arrays

    names = pa.array(_fixture_names("devset_slice.csv") + ADVERSARIAL, pa.large_string())
    for lean in (False, True):
        (_, c_ref, r_ref), (_, c_nat, r_nat) = _both(lambda le=lean: score_arrays(names, lean=le))
        _same_features(c_ref, c_nat)
        assert join_reasons_arrow(r_ref, len(names)).equals(join_reasons_arrow(r_nat, len(names)))


@needs_native
def test_native_rejects_inconsistent_input() -> None:
    ext = accel.ext
    assert ext is not None
    data = np.frombuffer(b"abc.com", dtype=np.uint8)
    with pytest.raises(ValueError, match="offsets"):
        ext.count_labels(data, np.array([0, 9], dtype=np.int64))  # past the buffer
    with pytest.raises(ValueError, match="offsets"):
        ext.count_labels(data, np.array([0, 0, 7], dtype=np.int64))  # an empty row
    with pytest.raises(TypeError):
        ext.count_labels(data, np.array([0, 7], dtype=np.int32))  # wrong dtype
    p = parse(to_binary_array(["abc.com"]))
    bad = dataclasses.replace(p, label_end=np.array([3, 99], dtype=np.int64))
    order3 = ngram.NgramModel(logp=np.zeros(ngram.K**3, dtype=np.float32))  # the earlier layout
    with _native(True), pytest.raises(ValueError, match="label arrays"):
        ngram.label_logprob(bad, order3)
    with _native(True), pytest.raises(ValueError, match="label arrays"):
        ngram.label_logprob(bad)  # the shipped order-4 model (label_logprob4)


@needs_native
def test_decide_rejects_inconsistent_input() -> None:
    from hunt_assets.analytics.dns import score as SC

    binary = to_binary_array(["abc.example.com", "x.y"])
    p = parse(binary)
    f = F.compute(p)
    raw_len = np.array([15, 3], dtype=np.int64)
    fam = np.full(2, -1, dtype=np.int16)
    no = np.zeros(2, dtype=bool)
    SC._decide_native(p, f, raw_len, fam, no, no, no)  # consistent: fine
    bad_labels = dataclasses.replace(p, row_first_label=np.array([0, 99], dtype=np.int64))
    with pytest.raises(ValueError, match="label arrays"):
        SC._decide_native(bad_labels, f, raw_len, fam, no, no, no)
    with pytest.raises(ValueError, match="alphabet"):
        SC._decide_native(p, {**f, "reg_alphabet": np.array([26, 64])}, raw_len, fam, no, no, no)
    with pytest.raises(ValueError, match="fam: expected 2 items, got 1"):
        SC._decide_native(p, f, raw_len, fam[:1], no, no, no)


def test_hunt_dns_native_env_forces_numpy() -> None:
    code = "from hunt_assets.analytics.dns import accel; print(accel.ENABLED)"
    env = {**os.environ, "HUNT_DNS_NATIVE": "0"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---- de-duplication helper ---------------------------------------------------------------------


def _dedup_cases() -> list[pa.Array]:
    rng = np.random.default_rng(11)
    words = [f"w{int(i)}.example.com" for i in rng.integers(0, 300, 3000)]
    mixed = ["", "a", "A", "a", "", "b\u00fc", "b\u00fc", "a.", "a"]
    return [
        pa.array(words, pa.large_string()),
        pa.array(words, pa.string()),
        pa.array([w.encode() for w in words], pa.binary()),
        pa.array([w.encode() for w in words], pa.large_binary()),
        pa.array(mixed, pa.large_string()),
        pa.array(["x", None, "y", None, "x", ""], pa.large_string()),
        pa.array([None, None], pa.string()),
        pa.array([], pa.large_string()),
        pa.array(["only"], pa.string()),
        pa.array(words, pa.large_string()).slice(100, 1000),
        pa.array([b"\x00", b"\x00\x00", b"\x00", b"\xff" * 20, b"\xff" * 20], pa.binary()),
    ]


@pytest.mark.parametrize("case", range(len(_dedup_cases())))
def test_first_occurrences(case: int, native: bool) -> None:
    arr = _dedup_cases()[case]
    idx = accel.first_occurrences(arr)
    assert idx.dtype == np.int64
    expected = pc.unique(pc.drop_null(arr))
    assert arr.take(pa.array(idx)).equals(expected)
    # each index is the first occurrence of its value
    values = arr.to_pylist()
    assert [values.index(values[i]) for i in idx] == list(idx)


@needs_native
def test_first_occurrences_chunked_and_many_collisions() -> None:
    arr = pa.chunked_array([pa.array(["a", "b"]), pa.array(["a", "c", "b", "d"])])
    with _native(True):
        idx = accel.first_occurrences(arr)
    assert list(idx) == [0, 1, 3, 5]
    many = pa.array([f"{i % 50_000}" for i in range(200_000)], pa.large_string())
    with _native(True):
        idx = accel.first_occurrences(many)
    assert list(idx) == list(range(50_000))


@needs_native
def test_float_sums_follow_numpy_order() -> None:
    """With the shipped model every partial sum of a label's log-probabilities is exact in float64,
    so any order gives the same bits; a table of wildly different magnitudes makes the order
    visible and checks that the kernel replays np.add.reduceat's pairwise summation."""
    rng = np.random.default_rng(5)
    logp = (rng.standard_normal(ngram.K**3) * 10.0 ** rng.integers(-7, 8, ngram.K**3)).astype(np.float32)
    model = ngram.NgramModel(logp=logp, n_train_labels=0, source="test")
    names = [n.decode("latin-1") for n in _fuzz_names(9, 1500)]
    p = parse(to_binary_array(names))
    for x, y in zip(*_both(lambda: ngram.label_logprob(p, model)), strict=True):
        _same_array(x, y, "label_logprob")
    f_ref, f_nat = _both(lambda: F.compute(p, model))
    _same_features(f_ref, f_nat)
    # and the sequential order would have differed somewhere
    tot = ngram.label_logprob(p, model)[0]
    seq = np.zeros_like(tot)
    with _native(False):
        codes = ngram.CODE[p.data]
    for k in range(p.label_start.size):
        a = int(p.label_start[k])
        b = int(p.label_start[k + 1]) if k + 1 < p.label_start.size else p.data.size
        s = 0.0
        for i in range(a, b):
            ctx_b = codes[i - 1] if i - 1 >= p.offsets[p.label_row[k]] else 0
            ctx_a = codes[i - 2] if i - 2 >= p.offsets[p.label_row[k]] and ctx_b != 0 else 0
            s += float(logp[int(ctx_a) * ngram.K * ngram.K + int(ctx_b) * ngram.K + int(codes[i])])
        seq[k] = s
    last = p.row_first_label + p.n_labels - 1
    not_last = np.setdiff1d(np.arange(p.label_start.size), last)
    assert (seq[not_last] != tot[not_last]).any()


def test_factorize_u64_numbers_keys_in_order_of_first_appearance(native: bool) -> None:
    import pandas as pd

    rng = np.random.default_rng(7)
    for values in (
        rng.integers(0, 50, 10_000).astype(np.uint64),
        rng.integers(0, 2**63, 5_000, dtype=np.int64).astype(np.uint64) * np.uint64(2),
        np.array([2**64 - 1, 0, 2**64 - 1, 0, 5], dtype=np.uint64),
        np.zeros(0, dtype=np.uint64),
    ):
        got = accel.factorize_u64(values)
        assert got.dtype == np.int32
        assert got.tolist() == pd.factorize(values)[0].tolist()
        codes, first = accel.factorize_u64(values, first=True)
        assert codes.tolist() == got.tolist()
        assert first.tolist() == [int(np.flatnonzero(values == u)[0]) for u in pd.unique(values)]


def test_extension_is_built_in_ci() -> None:
    """CI installs with a compiler: a C source that no longer compiles must fail there, not fall back."""
    if not os.environ.get("CI"):
        pytest.skip("only enforced in CI (installs without a compiler fall back to NumPy by design)")
    assert accel.available(), f"_native did not build: {accel.IMPORT_ERROR}"


@needs_native
@pytest.mark.parametrize(
    "text",
    [
        b"",
        b"\n\n\r\n",
        b"a.com\nb.com\na.com\n",
        b"a.com\r\nb.com\r\n\r\na.com",  # CRLF, a blank line, no final newline
        b"x.com\ry.com\rx.com\n",  # lone CR ends a line too (as in Arrow's CSV reader)
        b"  spaced.com \n\tTab.com\nspaced.com\n  spaced.com \n",  # whitespace is part of the line
        b"nul\x00byte.com\nunit\x1fsep.com\nhigh\xff.com\nnul\x00byte.com\n",
        b"Case.COM\ncase.com\n",  # exact bytes: case differs, two names
    ],
)
def test_unique_lines_is_reading_then_exact_dedup(text: bytes) -> None:
    with _native(True):  # built is not enough: HUNT_DNS_NATIVE=0 switches the kernels off
        got = accel.unique_lines(text)
    assert got is not None
    arr, lines = got
    expected_lines = [ln for ln in text.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n") if ln]
    assert lines == len(expected_lines)
    assert arr.to_pylist() == list(dict.fromkeys(expected_lines))


@needs_native
def test_unique_lines_many_lines_and_duplicates() -> None:
    rng = np.random.default_rng(3)
    pool = [f"n{i}.example{rng.integers(0, 50)}.com".encode() for i in range(5_000)]
    rows = [pool[i] for i in rng.integers(0, len(pool), 40_000)]
    with _native(True):
        arr, lines = accel.unique_lines(b"\n".join(rows) + b"\n")
    assert lines == len(rows)
    assert arr.to_pylist() == list(dict.fromkeys(rows))


def test_plain_lists_read_the_same_with_and_without_the_kernel(monkeypatch) -> None:
    import io

    from hunt_assets.analytics.dns.cli import input_rows, read_input, score_table

    text = b"b.example.com\r\na.example.com\n\nb.example.com\nxkqjvbztrwqplmnb.net\n"
    tables = []
    for native in ([True, False] if accel.available() else [False]):
        monkeypatch.setattr(accel, "ENABLED", native)
        tbl = read_input(io.BytesIO(text))
        assert input_rows(tbl) == 4
        tables.append(score_table(tbl).to_pylist())
    assert all(t == tables[0] for t in tables)
    assert [r["name"] for r in tables[0]] == ["b.example.com", "a.example.com", "xkqjvbztrwqplmnb.net"]


def test_group_min_max_is_min_and_max_at(native: bool) -> None:
    rng = np.random.default_rng(11)
    groups = rng.integers(0, 40, 20_000).astype(np.int32)
    values = rng.integers(-(2**62), 2**62, 20_000, dtype=np.int64)
    mask = rng.random(20_000) < 0.3
    lo, hi = accel.group_min_max(groups, values, mask, 50)  # groups 40..49 have no rows
    want_lo = np.full(50, np.iinfo(np.int64).max)
    want_hi = np.full(50, np.iinfo(np.int64).min)
    np.minimum.at(want_lo, groups[mask], values[mask])
    np.maximum.at(want_hi, groups[mask], values[mask])
    assert lo.tolist() == want_lo.tolist()
    assert hi.tolist() == want_hi.tolist()
    if native:
        with pytest.raises(ValueError, match="outside the outputs"):
            accel.group_min_max(np.array([60], np.int32), np.array([1]), np.array([True]), 50)


def test_group_max_u64_is_unsigned_maximum_at(native: bool) -> None:
    rng = np.random.default_rng(13)
    groups = rng.integers(0, 40, 20_000).astype(np.int32)
    # the top bit set on half the values: a signed maximum would rank those lowest
    values = rng.integers(0, 2**63, 20_000, dtype=np.int64).astype(np.uint64) * np.uint64(2)
    values[rng.random(20_000) < 0.2] = 0
    got = accel.group_max_u64(groups, values, 50)  # groups 40..49 have no rows
    want = np.zeros(50, dtype=np.uint64)
    for g, v in zip(groups.tolist(), values.tolist(), strict=True):
        want[g] = max(int(want[g]), v)
    assert got.dtype == np.uint64
    assert got.tolist() == want.tolist()
    assert (got[:40] >= np.uint64(2**63)).all()
    assert (got[40:] == 0).all()
    if native:
        with pytest.raises(ValueError, match="outside the output"):
            accel.group_max_u64(np.array([60], np.int32), np.array([1], np.uint64), 50)


@needs_native
def test_unique_lines_in_place_compacts_the_text_itself() -> None:
    text = bytearray(b"b.com\na.com\nb.com\r\n\nc.com\na.com")
    with _native(True):
        arr, lines = accel.unique_lines(text, in_place=True)
    assert (arr.to_pylist(), lines) == ([b"b.com", b"a.com", b"c.com"], 5)
    assert bytes(text[: len(b"b.coma.comc.com")]) == b"b.coma.comc.com"  # the distinct lines, packed


def test_read_all_takes_files_pipes_and_unsized_streams(tmp_path: Path) -> None:
    import io

    from hunt_assets.analytics.dns.cli import _read_all

    p = tmp_path / "n.txt"
    p.write_bytes(b"a.com\n" * 1000)
    with p.open("rb") as f:
        assert _read_all(f) == bytearray(b"a.com\n" * 1000)
    assert _read_all(io.BytesIO(b"x.com\ny.com")) == bytearray(b"x.com\ny.com")
    proc = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdout.write('p.com\\n' * 50000)"],
                            stdout=subprocess.PIPE)
    assert proc.stdout is not None
    got = _read_all(proc.stdout)
    proc.wait()
    assert got == bytearray(b"p.com\n" * 50000)


@needs_native
def test_hash_spans_matches_python_hash_and_numpy() -> None:
    # hashes of the lines of a list, of empty spans and of spans longer than the power table
    # (whose far bytes share the last power): the C pass equals NumPy's, and both equal the
    # per-name Python hash wherever that one is defined the same way (spans under 4096 bytes)
    rng = np.random.default_rng(5)
    words = [b"example.com", b"", b"a", b"xn--caf-dma.fr", bytes(rng.integers(33, 127, 5000, dtype=np.uint8))]
    data = np.frombuffer(b"".join(words), dtype=np.uint8)
    lens = np.array([len(w) for w in words], dtype=np.int64)
    ends = np.cumsum(lens)
    starts = ends - lens
    ref, nat = _both(lambda: hash_spans(data, starts, ends))
    _same_array(ref, nat, "hash_spans")
    assert nat[:4].tolist() == [_hash_bytes(w) for w in words[:4]]
    assert nat[1] == 0
    lines = b"example.com\nb.example.org\n\nexample.com\n"
    ref, nat = _both(lambda: hash_lines(lines))
    _same_array(ref, nat, "hash_lines")
    assert nat.tolist() == [_hash_bytes(b"example.com"), _hash_bytes(b"b.example.org"), _hash_bytes(b"example.com")]
    past_end = np.array([data.size + 1])
    with pytest.raises(ValueError, match="within the data"):
        accel.ext.hash_spans(data, np.array([3]), past_end, np.ones(4, np.uint64), np.empty(1, np.uint64))


@needs_native
def test_hash_set_probe_matches_numpy() -> None:
    # members, non-members, the empty-slot marker 0 (a member here) and keys crowding one another's
    # slots: membership, slot and position in the sorted table agree on both paths
    rng = np.random.default_rng(9)
    table = np.unique(np.concatenate([[0], rng.integers(1, 2**63, 3000, dtype=np.uint64)]).astype(np.uint64))
    hs = _HashSet(table)
    values = np.concatenate([table[::2], rng.integers(0, 2**63, 5000, dtype=np.uint64), [0, 0]]).astype(np.uint64)
    for what in ("_probe", "contains", "find"):
        ref, nat = _both(lambda what=what: getattr(hs, what)(values))
        _same_array(ref, nat, what)
    with _native(True):
        assert hs.contains(values).sum() == (table[::2].size + 2 + np.isin(values[table[::2].size : -2], table).sum())
        assert (table[hs.find(table)] == table).all()
        with pytest.raises(ValueError, match="slots"):
            accel.ext.hash_probe(hs.keys, int(hs.bits) + 1, values, np.empty(values.size, np.int64))


@needs_native
def test_hash_set_built_in_c_answers_like_the_numpy_built_one() -> None:
    # the C builder lays keys out in one sequential pass, NumPy's in rounds: slots may differ, every
    # answer (membership, position in the sorted table, per-key values) must not
    rng = np.random.default_rng(12)
    table = np.unique(np.concatenate([[0], rng.integers(1, 2**63, 20_000, dtype=np.uint64)]).astype(np.uint64))
    with _native(False):
        ref = _HashSet(table)
    with _native(True):
        nat = _HashSet(table)
    assert int((nat.keys != 0).sum()) == int((ref.keys != 0).sum()) == table.size - 1
    values = np.concatenate([table, rng.integers(0, 2**63, 20_000, dtype=np.uint64)]).astype(np.uint64)
    per_key = np.arange(table.size, dtype=np.int64) * 3 + 1
    for on in (False, True):
        with _native(on):
            assert np.array_equal(nat.contains(values), ref.contains(values))
            assert np.array_equal(nat.find(values), ref.find(values))
            got = nat.lookup(values, nat.slot_values(per_key))
            assert np.array_equal(got, ref.lookup(values, ref.slot_values(per_key)))
    with pytest.raises(ValueError, match="slots"):
        accel.ext.hash_build(table, np.zeros(8, np.uint64), np.full(8, -1, np.int32), 61)


def _suppression_shaped_names(seed: int, count: int) -> list[str]:
    """Names built from the pieces the suppressions look for, mutated at random: every family
    matched, nearly matched and mismatched (lengths, digits vs hex, case, prefixes, zones)."""
    rng = random.Random(seed)
    hexd, alnum = "0123456789abcdefABCDEF", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFXYZ-_"

    def some(alphabet: str, lo: int, hi: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))

    makers = [
        lambda: ".".join(some("0123456789", 0, 4) for _ in range(rng.randint(1, 6))) + ".in-addr.arpa",
        lambda: ".".join(some(hexd, 0, 2) for _ in range(rng.randint(1, 35))) + ".ip6.arpa",
        lambda: ".".join(some("0123456789a", 1, 4) for _ in range(4)) + "." + some(alnum, 1, 8) + ".zen.example.net",
        lambda: rng.choice(["_dmarc", "_DMARC", "_domainkey", "_tcp", "_sip", "_acme-challenge", "_x", "_"])
        + "." + rng.choice(["", "s1._domainkey.", "_tcp."]) + some(alnum, 1, 10) + ".com",
        lambda: rng.choice(["DESKTOP-", "desktop-", "LAPTOP-", "WIN-", "EC2AMAZ-", "DESK-"]) + some(alnum, 5, 9)
        + "." + rng.choice(["corp.com", "local", "x.org"]),
        lambda: "-".join(some(hexd, k - 1, k + 1) for k in (8, 4, 4, 4, 12)) + "." + rng.choice(["x.net", "local"]),
        lambda: some(hexd + "g", 6, 42) + "." + rng.choice(["ngrok.io", "azurecontainer.io", "duckdns.org", "com"]),
        lambda: some(alnum, 1, 12) + "." + rng.choice(["local", "lan", "home.arpa", "internal", "corp", "arpa"]),
        lambda: some(alnum, 1, 12) + "." + rng.choice(["akamaiedge.net", "mcafee.com", "a.b.cloudfront.net", "x.y"]),
        lambda: rng.choice(["", "c-", "pool-", "ip", "cpe-", "Host-", "abcdefghijklm-", "-"])
        + "-".join(some("0123456789", 0, 4) for _ in range(rng.choice([3, 4, 4, 4, 5])))
        + rng.choice(["", "", "-static", "-", "-abcdefghijklm", "-x_"])
        + "".join("." + some(alnum, 1, 13) for _ in range(rng.randint(0, 4)))
        + "."
        + rng.choice(["comcast.net", "rr.com", "co.uk", "com"]),
        lambda: "".join(some(alnum, 1, 13) + "." for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 4])))
        + rng.choice(["ip-", "ip-", "ip", "abcdefghijklm-", "Ns-", "x", "", "-"])
        + "-".join(some("0123456789", *rng.choice([(1, 3), (1, 3), (0, 4)])) for _ in range(rng.choice([2, 3, 4, 5])))
        + rng.choice(["", "", "-", "x"])
        + "."
        + rng.choice(["net", "eu", "co.uk", "com"]),
        lambda: some(alnum, 1, 15),
        # site/type codes and an asset tag: token counts, code lengths, digits, case and lengths around the rule
        lambda: "-".join(
            some(rng.choice(["ABCXYZ", "abcxyz", "ABCXYZ", "abcxyz", "aBcX", "AB1"]), 0, 7)
            for _ in range(rng.choice([1, 1, 2, 2, 3, 4]))
        )
        + rng.choice(["-", "-", "-", "--", ""])
        + some(rng.choice(["ABC0123XYZ", "abc0123xyz", "ABC0123XYZ", "aB0", "AB_0"]), 3, 13)
        + rng.choice([".corp.com", ".x.org", ".x.org", ".com", ""]),
    ]
    return [rng.choice(makers)() for _ in range(count)]


@needs_native
@pytest.mark.parametrize("seed", [4, 5])
def test_suppression_shaped_names_equivalent(seed: int) -> None:
    names = [
        *_suppression_shaped_names(seed, 3000),
        # the asset-tag rule's edges, each side of every bound
        *("LT-5CG7844SYPQA.x.org", "L-5CG7844SYPQAB.x.org", "NYC-7K2J.x.org", "NYC-7K2.x.org"),
        *("ABCDEF-7K2J9.x.org", "ABCDEFG-7K2J9.x.org", "A-B-C-7K2J9.x.org", "A-B-C-D-7K2J9.x.org"),
        *("CPC-jdoe-AB12C.x.org", "CPC-jDoe-AB12C.x.org", "nyc-lt-7k2j9qx.com", "NYC-LT-7K2J9QXAB.x.org"),
    ]
    p = parse(to_binary_array(names))
    fam, reason = S.suppression_codes(p)
    assert len(set(fam.tolist())) >= 8  # most families matched at least once
    assert (reason == S._R_ASSET_TAG).sum() >= 10  # the asset-tag rule, whose tokens the makers vary
    check_equivalent(to_binary_array(names))


@needs_native
def test_case_shape_matches_the_numpy_word_cased() -> None:
    from hunt_assets.analytics.dns.features import word_cased

    rng = random.Random(11)
    spans = ["".join(rng.choice("aAbBzZyY09.-_+/\xe9") for _ in range(rng.randint(0, 24))) for _ in range(20000)]
    spans += ["MacBook-Pro-3", "iPhone", "DC01.corp", "Ab", "aBC", "HTTPServer", "", "x.Yab", "NYC-FS02.ad"]
    data = np.frombuffer("".join(spans).encode("latin-1"), dtype=np.uint8)
    lens = np.array([len(s) for s in spans], dtype=np.int64)
    start = np.concatenate(([0], np.cumsum(lens)[:-1])).astype(np.int64)
    (w_ref, m_ref), (w_nat, m_nat) = _both(lambda: word_cased(data, start, start + lens))
    _same_array(w_ref, w_nat, "worded")
    _same_array(m_ref, m_nat, "label_mix")
    with pytest.raises(ValueError, match="outside"):
        accel.ext.case_shape(data, np.array([0]), np.array([data.size + 1]), np.zeros(1, bool), np.zeros(1, bool))


@needs_native
def test_dedup_hash_reads_only_the_value_whatever_bytes_follow_it() -> None:
    """The hash reads a value's last partial word with one 8-byte load where the buffer goes on,
    masked to the value: equal values followed by different bytes, or by the buffer's end, must
    still be one value (and unequal ones two)."""
    rng = random.Random(11)
    for length in range(1, 26):
        value = bytes(rng.choice(b"abcdefgh") for _ in range(length))
        other = value[:-1] + b"z"
        tails = [b"\n" + bytes(rng.randrange(256) for _ in range(9)).replace(b"\n", b"x").replace(b"\r", b"y"), b"\n"]
        text = value + tails[0] + b"\n" + other + b"\n" + value + b"\n" + b"q" * 11 + b"\n" + value
        with _native(True):
            arr, lines = accel.unique_lines(text)
        expected = [ln for ln in text.split(b"\n") if ln]
        assert lines == len(expected)
        assert arr.to_pylist() == list(dict.fromkeys(expected))
        # first_occurrences over an Arrow column: the bytes after a value are the next value's
        col = pa.array([value, b"x" * 9, value + b"!", value, other, value], pa.binary())
        with _native(True):
            first = accel.first_occurrences(col)
        assert first.tolist() == [0, 1, 2, 4]


_UTF8_CASES = [
    b"",
    b"plain.example.com\n",
    "b\u00fccher.example\n".encode(),
    "\u20ac.example".encode(),
    "\U0001f600.example".encode(),
    b"\xed\xa0\x80",  # a surrogate: not UTF-8
    b"\xc0\xaf",  # overlong '/'
    b"\xe0\x80\xaf",  # overlong, 3 bytes
    b"\xf0\x8f\xbf\xbf",  # overlong, 4 bytes
    b"\xf4\x90\x80\x80",  # above U+10FFFF
    b"\xf4\x8f\xbf\xbf",  # U+10FFFF itself
    b"\xc2",  # cut short
    b"\xe2\x82",
    b"\xff",
    b"\x80",
    b"iodine\xbc\xfd.example",  # base128 bytes as a raw log holds them
]


@needs_native
@pytest.mark.parametrize("case", _UTF8_CASES)
@pytest.mark.parametrize("pad", [0, 7, 8, 13])
def test_utf8_check_agrees_with_python(case: bytes, pad: int) -> None:
    text = b"a" * pad + case

    def python_says(b: bytes) -> bool:
        try:
            b.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True

    for native in (True, False):
        with _native(native):
            assert accel.utf8_valid(text) is python_says(text)
            assert accel.utf8_valid(bytearray(text + b"\n" + text)) is python_says(text)


@needs_native
def test_utf8_check_agrees_with_python_on_random_bytes() -> None:
    rng = random.Random(5)
    pieces = [bytes([i]) for i in range(256)] + [c for c in _UTF8_CASES if c]
    disagree = []
    for _ in range(20_000):
        text = b"".join(rng.choice(pieces) if rng.random() < 0.3 else b"a" for _ in range(rng.randint(0, 24)))
        try:
            text.decode("utf-8")
            ok = True
        except UnicodeDecodeError:
            ok = False
        with _native(True):
            if accel.utf8_valid(text) is not ok:
                disagree.append(text)
    assert disagree == []
