"""The sample tenant's passive DNS provider against a lake table with the documented schema."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from hunt_assets.entities import parse_entity
from hunt_assets.intel.pdns.sample import SampleLakeError, SampleProvider

SCHEMA = ("CREATE TABLE SamplePassiveDns(rrname VARCHAR, rrtype VARCHAR, rdata VARCHAR[], time_first TIMESTAMP, "
          "time_last TIMESTAMP, count BIGINT, bailiwick VARCHAR)")
ROWS = [
    ("evil-c2.example.net.", "A", ["203.0.113.7"], datetime(2026, 9, 1), datetime(2026, 11, 20), 412,
     "example.net."),
    ("evil-c2.example.net", "NS", ["ns1.bulletproof.test", "ns2.bulletproof.test"], datetime(2026, 8, 30),
     datetime(2026, 11, 20), 30, "example.net"),
    ("other.example.org", "A", ["203.0.113.7"], datetime(2025, 1, 1), datetime(2025, 6, 1), 3, None),
    ("broken.example.org", "A", [], datetime(2025, 1, 1), datetime(2025, 6, 1), 3, None),
]


def make_lake(path: Path, rows=ROWS) -> Path:
    con = duckdb.connect(str(path))
    con.execute(SCHEMA)
    con.executemany("INSERT INTO SamplePassiveDns VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    con.close()
    return path


def test_forward_lookup_matches_owner_name_with_or_without_root_dot(tmp_path):
    provider = SampleProvider(make_lake(tmp_path / "lake.duckdb"))
    result = provider.lookup(parse_entity("EVIL-C2.example.net"))
    assert sorted(r.rrtype for r in result.records) == ["A", "NS"]
    a = next(r for r in result.records if r.rrtype == "A")
    assert (a.rrname, a.rdata, a.count, a.bailiwick) == ("evil-c2.example.net", ("203.0.113.7",), 412,
                                                          "example.net")
    assert a.first_seen == datetime(2026, 9, 1)
    assert a.source == "sample"


def test_ip_reverse_lookup_and_bad_rows_are_skipped(tmp_path):
    provider = SampleProvider(make_lake(tmp_path / "lake.duckdb"))
    result = provider.lookup(parse_entity("203.0.113.7"))
    assert sorted(r.rrname for r in result.records) == ["evil-c2.example.net", "other.example.org"]
    broken = provider.lookup(parse_entity("broken.example.org"))
    assert broken.records == []
    assert broken.skipped == 1
    assert "rdata" in broken.warnings[0]


def test_missing_lake_or_table_is_a_clear_error(tmp_path):
    with pytest.raises(SampleLakeError, match="does not exist"):
        SampleProvider(tmp_path / "nope.duckdb").lookup(parse_entity("a.example.com"))
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(SampleLakeError, match="no SamplePassiveDns table"):
        SampleProvider(empty).lookup(parse_entity("a.example.com"))
