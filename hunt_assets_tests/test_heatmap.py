"""The binned first-seen x last-seen matrix has exactly the expected counts; the PNG is a real picture."""

from __future__ import annotations

import io
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from hunt_assets.analytics.heatmap import binned_matrix, choose_freq, render_pdns_png, shrink_png


def frame(rows):
    return pd.DataFrame(rows, columns=["rrname", "rrtype", "rdata", "first_seen", "last_seen"])


KNOWN = frame([
    # 2024-01 x 2024-01 (A) twice, 2024-01 x 2024-03 (A), 2024-02 x 2024-03 (NS), 2024-03 x 2024-03 (A)
    ("evil.example.com", "A", ["10.0.0.1"], datetime(2024, 1, 3), datetime(2024, 1, 20)),
    ("evil.example.com", "A", ["10.0.0.2"], datetime(2024, 1, 31, 23), datetime(2024, 1, 31, 23, 30)),
    ("evil.example.com", "A", ["10.0.0.3"], datetime(2024, 1, 15), datetime(2024, 3, 1)),
    ("evil.example.com", "NS", ["ns1.bad.net"], datetime(2024, 2, 10), datetime(2024, 3, 31, 23, 59)),
    ("evil.example.com", "A", ["10.0.0.4"], datetime(2024, 3, 5), datetime(2024, 3, 6)),
])


def test_monthly_matrix_equals_expected_counts():
    m = binned_matrix(KNOWN, "M")
    assert [str(p) for p in m.bins] == ["2024-01", "2024-02", "2024-03"]
    assert list(m.matrices) == ["A", "NS"]  # busiest type first
    expected_a = np.array([[2, 0, 1], [0, 0, 0], [0, 0, 1]])  # rows first-seen, columns last-seen
    expected_ns = np.array([[0, 0, 0], [0, 0, 1], [0, 0, 0]])
    np.testing.assert_array_equal(m.matrices["A"].to_numpy(), expected_a)
    np.testing.assert_array_equal(m.matrices["NS"].to_numpy(), expected_ns)
    assert m.total == len(KNOWN)


def test_weekly_bins_start_on_monday_and_have_no_gaps():
    df = frame([("a.example.com", "A", ["1.1.1.1"], datetime(2024, 1, 7), datetime(2024, 1, 8)),  # Sun, Mon
                ("a.example.com", "A", ["1.1.1.2"], datetime(2024, 1, 29), datetime(2024, 1, 29))])
    m = binned_matrix(df, "W")
    assert [p.start_time.date().isoformat() for p in m.bins] == ["2024-01-01", "2024-01-08", "2024-01-15",
                                                                 "2024-01-22", "2024-01-29"]
    a = m.matrices["A"].to_numpy()
    assert a[0, 1] == 1
    assert a[4, 4] == 1
    assert a.sum() == 2
    assert np.all(np.tril(a, -1) == 0)  # nothing below the diagonal: last seen never precedes first seen


@pytest.mark.parametrize(("days", "freq"), [(20, "W"), (183, "W"), (400, "M"), (6 * 366, "M"), (3000, "Q")])
def test_bin_width_follows_span(days, freq):
    start = pd.Timestamp("2020-01-01")
    assert choose_freq(start, start + pd.Timedelta(days=days)) == freq


def test_missing_times_and_many_types():
    rows = [("a.example.com", t, ["x"], datetime(2024, 1, 1), datetime(2024, 1, 2))
            for t in ["A", "A", "AAAA", "NS", "MX", "TXT", "SOA", "SRV", "CAA"]]
    rows.append(("a.example.com", "A", ["y"], None, datetime(2024, 1, 2)))  # a point in time
    rows.append(("a.example.com", "A", ["z"], None, None))  # not plottable
    m = binned_matrix(frame(rows))
    assert len(m.matrices) == 6
    assert "other" in m.matrices
    # 8 types: A (3 dated) and the first four single-record types keep panels, the last three are pooled
    assert m.matrices["other"].to_numpy().sum() == 3
    assert m.undated == 1
    assert m.total == 10


def _decode(png: bytes) -> Image.Image:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_png_is_non_trivial_and_inline_copy_is_small():
    rng = np.random.default_rng(3)
    n = 2000
    first = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 500, n), unit="D")
    df = pd.DataFrame({"rrname": "evil.example.com", "rrtype": rng.choice(["A", "AAAA", "NS", "CNAME"], n),
                       "rdata": [[f"10.1.{i // 250}.{i % 250}"] for i in range(n)], "first_seen": first,
                       "last_seen": first + pd.to_timedelta(rng.integers(0, 200, n), unit="D")})
    png = render_pdns_png(df, "evil.example.com", dpi=80, colours=0)
    image = _decode(png).convert("RGB")
    assert image.width > 600
    assert image.height > 500
    colours = image.getcolors(maxcolors=1_000_000)
    assert colours is not None
    assert len(colours) > 50
    inline = shrink_png(png, max_bytes=60_000)
    assert len(inline) <= 60_000
    assert _decode(inline).width > 300


def test_empty_history_renders_no_records_image():
    png = render_pdns_png(frame([]), "quiet.example.com")
    image = _decode(png)
    assert image.width > 200
    assert 1_000 < len(png) < 40_000
    assert binned_matrix(frame([])).matrices == {}


def test_attacker_chosen_txt_answers_and_names_draw_as_text():
    # mathtext read "$...$" as TeX: this TXT record made the whole image fail to render
    hostile = frame([
        ("evil.example.com", "TXT", ["v=spf1 $\\frac{a}{ $x^ "], datetime(2024, 1, 3), datetime(2024, 2, 1)),
        ("a$b$.evil.example.com", "A", ["10.0.0.1"], datetime(2024, 1, 5), datetime(2024, 3, 1)),
    ])
    import matplotlib

    png = render_pdns_png(hostile, "ev$il$^_{x}.example.com")
    assert _decode(png).width > 300
    assert matplotlib.rcParams["text.parse_math"] is True  # only our figures draw text literally
