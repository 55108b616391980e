"""Record model and merge: normalization, widening, idempotence, history kept past a provider's window."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hunt_assets.intel.pdns.model import PassiveDnsRecord, RecordError, merge_frames, records_to_frame
from hunt_assets.intel.pdns.providers import LookupResult
from hunt_assets.intel.pdns.store import load_history, merge_pull
from hunt_assets.warehouse.store import Warehouse


def rec(rdata, first, last, *, rrtype="A", count=None, source="cof:circl", rrname="evil.example.com"):
    return PassiveDnsRecord.build(rrname=rrname, rrtype=rrtype, rdata=rdata, count=count, source=source,
                                  first_seen=datetime(*first, tzinfo=UTC), last_seen=datetime(*last, tzinfo=UTC))


def test_build_normalizes_names_types_and_rdata_order():
    a = PassiveDnsRecord.build(rrname="Evil.Example.COM.", rrtype="ns", rdata=["NS2.Host.net.", "ns1.host.net"],
                               first_seen=None, last_seen=None, source="s")
    b = PassiveDnsRecord.build(rrname="evil.example.com", rrtype="NS", rdata=["ns1.host.net", "ns2.host.net"],
                               first_seen=None, last_seen=None, source="s")
    assert a == b
    assert a.rrname == "evil.example.com"
    assert a.rdata == ("ns1.host.net", "ns2.host.net")


@pytest.mark.parametrize(("kwargs", "reason"), [
    ({"rrname": ""}, "without rrname"),
    ({"rrtype": ""}, "without rrtype"),
    ({"rdata": []}, "no usable rdata"),
    ({"rdata": [" "]}, "empty rdata"),
    ({"count": -1}, "negative count"),
    ({"first_seen": datetime(2024, 2, 1, tzinfo=UTC)}, "after last seen"),
])
def test_build_rejects_unusable_records_with_reason(kwargs, reason):
    base = {"rrname": "a.example.com", "rrtype": "A", "rdata": ["1.2.3.4"], "source": "s",
            "first_seen": datetime(2024, 1, 1, tzinfo=UTC), "last_seen": datetime(2024, 1, 2, tzinfo=UTC)}
    with pytest.raises(RecordError, match=reason):
        PassiveDnsRecord.build(**{**base, **kwargs})


def test_merge_widens_seen_window_and_keeps_max_count():
    old = records_to_frame([rec("1.2.3.4", (2024, 1, 10), (2024, 2, 1), count=5)], "evil.example.com",
                           datetime(2024, 2, 2, tzinfo=UTC))
    new = records_to_frame([rec("1.2.3.4", (2024, 1, 20), (2024, 3, 1), count=9)], "evil.example.com",
                           datetime(2024, 3, 2, tzinfo=UTC))
    merged = merge_frames(old, new)
    assert len(merged) == 1
    row = merged.iloc[0]
    assert row["first_seen"] == datetime(2024, 1, 10)
    assert row["last_seen"] == datetime(2024, 3, 1)
    assert row["count"] == 9
    assert row["collected_at"] == datetime(2024, 3, 2)


def test_merge_is_idempotent_and_keeps_sources_apart():
    pull = records_to_frame([rec("1.2.3.4", (2024, 1, 1), (2024, 1, 5)),
                             rec("1.2.3.4", (2024, 1, 2), (2024, 1, 6), source="mdti"),
                             rec(["5.6.7.8", "1.2.3.4"], (2024, 1, 1), (2024, 1, 5))], "evil.example.com")
    once = merge_frames(None, pull)
    twice = merge_frames(once, pull)
    assert len(once) == 3
    assert twice.equals(once)


def test_merge_pull_into_warehouse_never_duplicates_and_keeps_old_history(tmp_path):
    wh = Warehouse(tmp_path / "wh.duckdb")
    first_pull = [LookupResult("cof:circl", [rec("1.2.3.4", (2020, 1, 1), (2020, 6, 1)),
                                             rec("5.6.7.8", (2024, 1, 1), (2024, 2, 1), count=3)])]
    s1 = merge_pull(wh, "evil.example.com", first_pull)
    s2 = merge_pull(wh, "evil.example.com", first_pull)
    assert (s1.new, s1.total) == (2, 2)
    assert (s2.new, s2.widened, s2.unchanged, s2.total) == (0, 0, 2, 2)
    # the provider's window moved on: 1.2.3.4 is no longer returned, 5.6.7.8 was seen again
    later = [LookupResult("cof:circl", [rec("5.6.7.8", (2024, 1, 15), (2024, 5, 1), count=7)])]
    s3 = merge_pull(wh, "evil.example.com", later)
    assert (s3.new, s3.widened, s3.total) == (0, 1, 2)
    stored = load_history(wh, "evil.example.com").set_index("rdata_key")
    assert len(stored) == 2
    assert stored.loc["1.2.3.4", "last_seen"] == datetime(2020, 6, 1)  # kept although aged out
    assert stored.loc["5.6.7.8", "first_seen"] == datetime(2024, 1, 1)
    assert stored.loc["5.6.7.8", "last_seen"] == datetime(2024, 5, 1)
    assert stored.loc["5.6.7.8", "count"] == 7
    assert list(stored.loc["5.6.7.8", "rdata"]) == ["5.6.7.8"]
    other = wh.query("SELECT count(*) AS n FROM intel.passive_dns WHERE investigation <> ?", ["evil.example.com"])
    assert other["n"].iloc[0] == 0


def test_empty_pull_changes_nothing(tmp_path):
    wh = Warehouse(tmp_path / "wh.duckdb")
    merge_pull(wh, "a.example.com", [LookupResult("s", [rec("1.1.1.1", (2024, 1, 1), (2024, 1, 2),
                                                            rrname="a.example.com")])])
    stats = merge_pull(wh, "a.example.com", [LookupResult("s", [])])
    assert (stats.pulled, stats.total) == (0, 1)
    assert len(load_history(wh, "a.example.com")) == 1
