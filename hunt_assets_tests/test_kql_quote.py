"""Values placed into KQL are escaped or refused -- tested by running the literal through duckdb-kql."""

import duckdb
import duckdb_kql
import pytest

from hunt_assets.kql.quote import UnsafeLiteral, kql_string, kql_string_list

HOSTILE = [
    'evil.com" | union DeviceInfo //',
    "evil.com' | union DeviceInfo //",
    'a\\" | take 1000000 //',
    "x\\",
    "line1\nline2 | union DeviceInfo",
    "tab\there",
    "bücher.example ÿ 中文",
    '"; DeviceInfo | take 1; print "',
    "@\"verbatim\"",
    "```multi```",
]


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    c.execute("CREATE TABLE DeviceInfo(DeviceName VARCHAR)")
    c.execute("INSERT INTO DeviceInfo VALUES ('secret-host')")
    yield c
    c.close()


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_strings_round_trip_as_one_literal(con, value):
    literal = kql_string(value)
    rows = duckdb_kql.kql(con, f"print v = {literal}").fetchall()
    assert rows == [(value,)]
    # the literal is a single token: the query returns one row, never DeviceInfo's rows
    rows = duckdb_kql.kql(con, f"DeviceInfo | where DeviceName == {literal} | count").fetchall()
    assert rows == [(0,)]


@pytest.mark.parametrize("value", ["\x00", "a\rb", "a\x1bb", "x\u2028y", "\u202eevil", "a" * 5000])
def test_control_characters_and_oversized_values_are_refused(value):
    with pytest.raises(UnsafeLiteral):
        kql_string(value)


def test_non_string_refused():
    with pytest.raises(UnsafeLiteral):
        kql_string(123)  # type: ignore[arg-type]


def test_list_literal(con):
    literal = kql_string_list(["a.com", 'b" | union DeviceInfo //'])
    rows = duckdb_kql.kql(con, f"print n = array_length({literal})").fetchall()
    assert rows == [(2,)]
