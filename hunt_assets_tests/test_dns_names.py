"""DNS-name parsing and per-name features, checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hunt_assets.analytics.dns import features as F
from hunt_assets.analytics.dns.names import binary_to_str, parse, registered_domains, to_binary_array


def _reg(names: list[str]) -> list[str]:
    return binary_to_str(registered_domains(parse(to_binary_array(names)))).to_pylist()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("www.google.com", "google.com"),
        ("foo.bar.co.uk", "bar.co.uk"),
        ("a.b.c.blogspot.com", "c.blogspot.com"),  # private-section suffix
        ("city.kawasaki.jp", "city.kawasaki.jp"),  # exception rule !city.kawasaki.jp
        ("x.y.kawasaki.jp", "x.y.kawasaki.jp"),  # wildcard *.kawasaki.jp
        ("Example.COM.", "example.com"),  # case and trailing dot
        ("host.corp.local", "corp.local"),  # unknown TLD: default rule '*'
        ("abc/def+ghi=.example.org", "example.org"),  # not a URL: '/' does not cut the name
        ("4.3.2.1.in-addr.arpa", "1.in-addr.arpa"),
    ],
)
def test_registered_domain(name: str, expected: str) -> None:
    assert _reg([name]) == [expected]


def test_bare_suffix_and_single_label_keep_whole_name() -> None:
    assert _reg(["com", "co.uk", "localhost"]) == ["com", "co.uk", "localhost"]


def test_features_hand_checked() -> None:
    names = ["www.google.com", "aGVsbG8gd29ybGQ.example.com", "deadbeef00112233.t.example.org", "xkqjvbztrw.net"]
    f = F.compute(parse(to_binary_array(names)))
    assert list(f["name_len"]) == [14, 27, 30, 14]
    assert list(f["n_labels"]) == [3, 3, 4, 2]
    assert list(f["sub_len"]) == [3, 15, 17, 0]
    assert list(f["n_sub_labels"]) == [1, 1, 2, 0]
    assert list(f["reg_len"]) == [6, 7, 7, 10]
    # aGVsbG8gd29ybGQ: upper G V G G Q = 5, digits 8 2 9 = 3
    assert f["sub_upper"][1] == 5
    assert f["sub_digits"][1] == 3
    assert f["sub_hex"][2] == 16  # deadbeef00112233 is hex, 't' is not
    # entropy: 'www' has one symbol; 'xkqjvbztrw' has 10 distinct symbols; 'google' = g2 o2 l1 e1
    assert f["sub_entropy"][0] == pytest.approx(0.0)
    assert f["reg_entropy"][3] == pytest.approx(math.log2(10))
    assert f["reg_entropy"][0] == pytest.approx(-(2 * (1 / 3) * math.log2(1 / 3) + 2 * (1 / 6) * math.log2(1 / 6)))
    # the trigram model finds 'google' far likelier than 'xkqjvbztrw'
    per_char = f["reg_lp"] / np.maximum(f["reg_lp_n"], 1)
    assert per_char[0] > per_char[3] + 1.5


def test_nonascii_and_escapes_are_bytes() -> None:
    f = F.compute(parse(to_binary_array(["\\xbc\\xbdab.example.com", "bücher.de"])))
    assert f["n_nonascii"][0] == 2
    assert f["n_nonascii"][1] == 2  # UTF-8 of 'ü'


def test_isin_sorted_matches_numpy_isin() -> None:
    from hunt_assets.analytics.dns.names import isin_sorted

    rng = np.random.default_rng(7)
    tables = [
        np.unique(rng.integers(0, 2**64, 3000, dtype=np.uint64)),
        np.array([0, 5, 2**63], dtype=np.uint64),  # 0 is the empty-slot marker
        np.arange(2000, dtype=np.uint64) << np.uint64(50),  # values that share hash-slot bits
        np.array([9], dtype=np.uint64),
    ]
    for table in tables:
        values = np.concatenate(
            [table, table + np.uint64(1), rng.integers(0, 2**64, 5000, dtype=np.uint64), np.zeros(2, np.uint64)]
        )
        rng.shuffle(values)
        assert np.array_equal(isin_sorted(values, table), np.isin(values, table))
    assert not isin_sorted(np.zeros(3, np.uint64), np.zeros(0, np.uint64)).any()


def test_hash_set_find_gives_table_positions() -> None:
    from hunt_assets.analytics.dns.names import _HashSet

    rng = np.random.default_rng(3)
    for table in (np.unique(rng.integers(0, 2**64, 4000, dtype=np.uint64)), np.array([0, 7, 2**64 - 1], np.uint64)):
        hs = _HashSet(table)
        values = np.concatenate([table, rng.integers(0, 2**64, 3000, dtype=np.uint64), np.zeros(1, np.uint64)])
        idx = hs.find(values)
        member = np.isin(values, table)
        assert np.array_equal(idx >= 0, member)
        assert np.array_equal(table[idx[member]], values[member])


def test_rule_flags_match_the_three_suffix_tables() -> None:
    from hunt_assets.analytics.dns.names import rule_flags, suffix_rules

    rules = suffix_rules(True)
    rng = np.random.default_rng(5)
    g = np.concatenate(
        [rules.rules[::7], rules.wild, rules.exceptions, rng.integers(0, 2**64, 5000, dtype=np.uint64)]
    )
    flags = rule_flags(g)
    assert np.array_equal((flags & 1) > 0, np.isin(g, rules.rules))
    assert np.array_equal((flags & 2) > 0, np.isin(g, rules.wild))
    assert np.array_equal((flags & 4) > 0, np.isin(g, rules.exceptions))


def test_sub_prediction_counts_follow_the_labels() -> None:
    # characters + one end per subdomain label; an empty label right before the registered one
    # starts where the subdomain ends and is not counted
    names = ["a.b.example.com", "a..b.c.com", "..x.com", "www.google.com", "example.com", "x"]
    f = F.compute(parse(to_binary_array(names)))
    assert f["sub_lp_n"].tolist() == [4, 5, 1, 4, 0, 0]
    assert f["sub_lp_n"].dtype == np.int64


def test_service_label_suppressions() -> None:
    from hunt_assets.analytics.dns.suppress import SERVICE_LABELS, suppressions

    names = [
        "_DMARC.Example.com",  # case-insensitive
        "_tcp\\000.example.com",  # a NUL byte after a known label: not that label
        "x._foo._tcp.example.com",  # first *known* underscore label of the row
        "_dmarcx.example.com",
        "_dmarc._domainkey.example.com",
    ]
    fam, reason = suppressions(parse(to_binary_array(names)))
    assert fam.tolist() == [1, -1, 1, -1, 1]
    assert reason.tolist() == [
        SERVICE_LABELS["_dmarc"],
        "",
        SERVICE_LABELS["_tcp"],
        "",
        SERVICE_LABELS["_dmarc"],
    ]


def test_escapes_decode_to_bytes_and_keep_utf8_text() -> None:
    from hunt_assets.analytics.dns.names import to_binary_array

    names = ["caf\u00e9\\x41.fr", "caf\u00e9.fr", "\\xbc\\xfd\u00fe.t.example.com", "a\\065b.com."]
    got = to_binary_array(names).to_pylist()
    # an escape is one byte; the text around it keeps its UTF-8 bytes (not latin-1, not '?')
    assert got == [b"caf\xc3\xa9A.fr", b"caf\xc3\xa9.fr", b"\xbc\xfd\xc3\xbe.t.example.com", b"aAb.com"]


def test_hash_lines_and_spans_equal_the_per_string_hash() -> None:
    from hunt_assets.analytics.dns.names import _hash_bytes, hash_lines, hash_many

    short = [b"google.com", b"", b"x", b"xn--bcher-kva.de", b"", b"last"]
    assert hash_lines(b"\n".join(short)).tolist() == [_hash_bytes(s) for s in short if s]
    assert hash_many(short).tolist() == [_hash_bytes(s) if s else 0 for s in short]
    # past 4096 bytes the vectorised hashes clamp their powers (as the parser does): same in both
    long = [b"a" * 5000, b"b", b"c" * 4097]
    assert hash_lines(b"\n".join(long)).tolist() == hash_many(long).tolist()


@pytest.mark.parametrize("native", [True, False])
def test_hash_spans_may_overlap_and_come_in_any_order(monkeypatch: pytest.MonkeyPatch, native: bool) -> None:
    """Every prefix and suffix of a label (the word grid's leads and trails), spans out of order,
    and overlapping spans past the 4,096-byte power table: the per-string hash, in C and in NumPy."""
    from hunt_assets.analytics.dns import accel
    from hunt_assets.analytics.dns.names import _hash_bytes, hash_spans

    if native and accel.ext is None:
        pytest.skip("no C extension in this install")
    monkeypatch.setattr(accel, "ENABLED", native)
    blob = b"researchbuilding" + b"q" * 5000 + b"tail"
    data = np.frombuffer(blob, dtype=np.uint8)
    spans = [(0, i) for i in range(1, 16)] + [(i, 16) for i in range(16)] + [(8, 16), (0, 8), (3, 3)]
    spans += [(0, len(blob)), (10, len(blob) - 2), (16, 5016), (20, 4200)]
    starts = np.array([a for a, _ in spans], dtype=np.int64)
    ends = np.array([b for _, b in spans], dtype=np.int64)


    def clamped(b: bytes) -> int:  # _hash_bytes, with powers clamped past 4,096 bytes as the parser does
        return sum(x * pow(1_000_003, min(len(b) - 1 - i, 4095), 1 << 64) for i, x in enumerate(b)) % (1 << 64)

    want = [_hash_bytes(blob[a:b]) if b - a < 4096 else clamped(blob[a:b]) for a, b in spans]
    assert clamped(blob[:100]) == _hash_bytes(blob[:100])
    assert hash_spans(data, starts, ends).tolist() == want


def test_public_suffix_idn_rules_match_the_idna_codec() -> None:
    """The fast per-label punycode used for the list's IDN rules equals Python's IDNA codec on them."""
    from hunt_assets.analytics.dns.names import _tldextract_snapshot

    checked = 0
    for raw in _tldextract_snapshot().splitlines():
        rule = raw.strip().split(" ")[0].lower() if raw.strip() and not raw.startswith("//") else ""
        if not rule or rule.isascii():
            continue
        fast = ".".join(lab if lab.isascii() else "xn--" + lab.encode("punycode").decode() for lab in rule.split("."))
        try:
            slow = rule.encode("idna").decode()
        except UnicodeError:
            continue
        assert fast == slow, rule
        checked += 1
    assert checked > 100
