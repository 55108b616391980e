"""Hunt files: header parsing, strictness, and every shipped hunt translating with duckdb-kql."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hunt_assets.hunts.loader import HuntFileError, apply_window, load_hunts, parse_hunt
from hunt_assets.kql.adapter import HuntKqlError, translate

GOOD = """\
// name: demo_hunt
// title: A demo
// description: Finds things,
//   over two lines.
// tables: DeviceEvents
// time_column: Timestamp
// tags: dns, demo
// mitre: T1071.004
DeviceEvents
| where ActionType == "DnsQueryResponse"
"""


def test_parse_header_and_body():
    hunt = parse_hunt(GOOD, Path("queries/demo_hunt.kql"))
    assert hunt.name == "demo_hunt"
    assert hunt.description == "Finds things, over two lines."
    assert hunt.tables == ("DeviceEvents",)
    assert hunt.tags == ("dns", "demo")
    assert hunt.mitre == ("T1071.004",)
    assert hunt.body_line == 9
    assert hunt.kql.startswith("DeviceEvents")


@pytest.mark.parametrize(("text", "fragment"), [
    (GOOD.replace("// time_column: Timestamp\n", ""), "lacks required key 'time_column'"),
    (GOOD.replace("// tags: dns, demo", "// tagz: dns"), "unknown header key 'tagz'"),
    (GOOD.replace("T1071.004", "TA0011"), "MITRE technique 'TA0011'"),
    (GOOD.replace("name: demo_hunt", "name: other_name"), "must equal the file name"),
    (GOOD.replace('"DnsQueryResponse"', '"x" and Timestamp > ago(1d)'), "ago()/now()"),
    (GOOD.split("DeviceEvents\n|")[0], "no KQL after the comment header"),
])
def test_malformed_header_names_file_and_line(text, fragment):
    with pytest.raises(HuntFileError) as err:
        parse_hunt(text, Path("queries/demo_hunt.kql"))
    assert "queries/demo_hunt.kql" in str(err.value)
    assert fragment in str(err.value)


def test_untranslatable_kql_names_file_and_line(tmp_path):
    path = tmp_path / "broken_hunt.kql"
    path.write_text(GOOD.replace("demo_hunt", "broken_hunt") + "| where x ==\n", encoding="utf-8")
    hunt = parse_hunt(path.read_text(), path)
    with pytest.raises(HuntKqlError) as err:
        translate(hunt.kql, source=hunt.path, line_offset=hunt.line_offset)
    # the KQL's error is on its 3rd line, which is line 11 of the file
    assert f"{path}:11:" in str(err.value)


def test_window_is_half_open_and_applied_to_time_column():
    kql = apply_window("T | project Timestamp;", "Timestamp", datetime(2026, 11, 16, tzinfo=UTC),
                       datetime(2026, 11, 17, tzinfo=UTC))
    assert kql.endswith("| where Timestamp >= datetime(2026-11-16T00:00:00.0000000Z) "
                        "and Timestamp < datetime(2026-11-17T00:00:00.0000000Z)")
    assert ";" not in kql


def test_every_shipped_hunt_loads_and_translates(defender_schema):
    hunts = load_hunts()
    assert len(hunts) >= 5
    names = {h.name for h in hunts}
    assert {"ldap_recon_queries", "dns_events", "alerts_with_evidence", "process_network_urls"} <= names
    for hunt in hunts:
        windowed = hunt.windowed(datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 17, tzinfo=UTC))
        sql = translate(windowed, schema=defender_schema, source=hunt.path, line_offset=hunt.line_offset)
        assert "SELECT" in sql
        assert set(hunt.tables) <= set(defender_schema), f"{hunt.path} names an unknown table"
