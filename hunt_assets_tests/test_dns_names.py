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
