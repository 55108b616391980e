"""Event times as score-dns reads them from CSV exports (``analytics.dns.times``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hunt_assets.analytics.dns.times import NAT, to_ns

T0 = 1_717_200_000 * 10**9  # 2024-06-01T00:00:00Z


def test_iso_strings_of_mixed_precision_all_keep_their_time() -> None:
    # pandas' default parse took its format from the first value and dropped the others
    col = pd.Series(["2024-06-01T00:00:00.1234567Z", "2024-06-01T00:00:01Z", "2024-06-01 00:00:02",
                     "2024-06-01T02:00:03+02:00", "2024-06-01T00:00:04.5Z"])
    assert to_ns(col).tolist() == [T0 + 123_456_700, T0 + 10**9, T0 + 2 * 10**9, T0 + 3 * 10**9, T0 + 4_500_000_000]


def test_zeek_epoch_seconds_are_seconds_not_nanoseconds() -> None:
    # Arrow reads Zeek's ts column as float64; pandas took the numbers as nanoseconds (1970)
    assert to_ns(pd.Series([1717200000.5, 1717200001.25])).tolist() == [T0 + 500_000_000, T0 + 1_250_000_000]
    assert to_ns(pd.Series([1717200000, 1717200001], dtype=np.int64)).tolist() == [T0, T0 + 10**9]
    # and as text, beside ISO strings
    assert to_ns(pd.Series(["1717200000.5", "2024-06-01T00:00:01Z"])).tolist() == [T0 + 500_000_000, T0 + 10**9]


@pytest.mark.parametrize(("value", "expected"), [
    (1_717_200_000_000, T0),  # milliseconds
    (1_717_200_000_000_000, T0),  # microseconds
    (1_717_200_000_000_000_000, T0),  # nanoseconds
])
def test_epoch_unit_is_read_from_the_magnitude(value: int, expected: int) -> None:
    assert to_ns(pd.Series([value], dtype=np.int64)).tolist() == [expected]
    assert to_ns(pd.Series([str(value)])).tolist() == [expected]


def test_unreadable_and_out_of_range_values_are_missing_and_cost_no_other_row() -> None:
    col = pd.Series(["2024-06-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "not a time", "",
                     None, "  ", "2024-13-45T99:99:99Z", "NaT", "1e300", "2024-06-01T00:00:05Z"])
    got = to_ns(col)
    assert got[0] == T0
    assert got[-1] == T0 + 5 * 10**9
    assert (got[1:-1] == NAT).all()
    assert (to_ns(pd.Series([np.inf, -np.inf, np.nan, 1e300, 1717200000.0])) == [NAT] * 4 + [T0]).all()


def test_datetime_columns_of_any_unit_and_zone() -> None:
    naive = pd.Series(pd.to_datetime(["2024-06-01T00:00:00", "2024-06-01T00:00:01"]))
    assert to_ns(naive).tolist() == [T0, T0 + 10**9]  # naive is UTC
    aware = pd.Series(pd.to_datetime(["2024-06-01T02:00:00+02:00"], utc=True))
    assert to_ns(aware).tolist() == [T0]
    seconds = pd.Series(np.array(["2024-06-01T00:00:00", "9999-12-31T00:00:00"], dtype="datetime64[s]"))
    assert to_ns(seconds).tolist() == [T0, NAT]


def test_categorical_column_reads_through_its_categories() -> None:
    col = pd.Series(["2024-06-01T00:00:01Z", None, "2024-06-01T00:00:00.1234567Z", "2024-06-01T00:00:01Z"],
                    dtype="category")
    assert to_ns(col).tolist() == [T0 + 10**9, NAT, T0 + 123_456_700, T0 + 10**9]


def test_nothing_to_read() -> None:
    assert to_ns(pd.Series([], dtype=object)).tolist() == []
    assert to_ns(pd.Series([None, ""], dtype=object)).tolist() == [NAT, NAT]
    assert to_ns(pd.Series([True, False])).tolist() == [NAT, NAT]


def test_zeek_log_through_read_input_and_score_events_keeps_its_day() -> None:
    import io

    from hunt_assets.analytics.dns.cli import read_input
    from hunt_assets.analytics.dns.events import score_events

    rows = [f"{1717200000 + 600 * i}.{i:06d},10.0.0.5,host{i}.example.org,A" for i in range(6)]
    tbl = read_input(io.BytesIO(("ts,id.orig_h,query,qtype_name\n" + "\n".join(rows) + "\n").encode()))
    assert tbl.column("timestamp").type == "double"  # Arrow's reading of Zeek's epoch seconds
    _, domains = score_events(tbl.select(["name", "client", "timestamp", "qtype"]).to_pandas())
    row = domains.set_index("registered_domain").loc["example.org"]
    assert row["first_seen"] == pd.Timestamp("2024-06-01T00:00:00", tz="UTC")
    assert row["last_seen"] == pd.Timestamp("2024-06-01T00:50:00.000005", tz="UTC")


@pytest.mark.parametrize(("text", "offset_in_july"), [
    ("Europe/Berlin", "+02:00"), ("America/New_York", "-04:00"), ("UTC", "+00:00"), ("z", "+00:00"),
    ("+05:30", "+05:30"), ("-0800", "-08:00"), ("UTC+1", "+01:00"), (" Asia/Kolkata ", "+05:30"),
])
def test_parse_zone_reads_names_and_offsets(text: str, offset_in_july: str) -> None:
    from datetime import datetime

    from hunt_assets.analytics.dns.zones import local_iso, parse_zone

    assert local_iso(datetime(2026, 7, 1, 12), parse_zone(text)).endswith(offset_in_july)


@pytest.mark.parametrize("text", ["Mars/Olympus_Mons", "../../etc/passwd", "+24:00", "", "Europe/Berlin; rm"])
def test_parse_zone_refuses_what_it_cannot_read(text: str) -> None:
    from hunt_assets.analytics.dns.zones import parse_zone

    with pytest.raises(ValueError, match="time zone"):
        parse_zone(text)
