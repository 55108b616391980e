"""Sample tenant: real DuckDB lakes in tmp_path, queried with SQL and duckdb_kql (no mocks)."""

from __future__ import annotations

import base64
import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import duckdb_kql
import pandas as pd
import pytest

from hunt_assets.sample_tenant import (
    GROUND_TRUTH_TABLE,
    SAMPLE_DAYS,
    SAMPLE_START,
    TENANT_INFO_TABLE,
    add_alert,
    build_lake,
    plan,
    sample_passive_dns,
)
from hunt_assets.sample_tenant.incidents.dga import dga_names
from hunt_assets.sample_tenant.incidents.dictionary_dga import day_names
from hunt_assets.sample_tenant.schemas import ALL_TABLES, DEFENDER_TABLES, KUSTO_TO_DUCKDB, duckdb_columns

SCHEMA_NOTES = Path("/work/shared/notes/defender-schemas.json")
SMALL = {"devices": 50, "dns_scale": 0.1}


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lake") / "sample.duckdb"
    build_lake(path, **SMALL)
    return path


@pytest.fixture
def con(lake: Path):
    with duckdb.connect(str(lake), read_only=True) as c:
        yield c


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    return rows(con, sql, params)[0][0]


def truth(con: duckdb.DuckDBPyConnection, incident: str, kind: str) -> list[tuple]:
    return rows(
        con,
        f"SELECT device_name, entity, detail, first_seen, last_seen FROM {GROUND_TRUTH_TABLE} "
        "WHERE incident = ? AND kind = ? ORDER BY entity",
        [incident, kind],
    )


def checksums(path: Path) -> dict[str, tuple]:
    with duckdb.connect(str(path), read_only=True) as c:
        return {
            t: c.execute(
                f'SELECT count(*), md5(string_agg(x, chr(10) ORDER BY x)) FROM (SELECT t::VARCHAR AS x FROM "{t}" t)'
            ).fetchall()[0]
            for t in ALL_TABLES
        }


# --- shape -------------------------------------------------------------------------------------------------


def test_defaults_match_the_brief() -> None:
    assert date(2026, 11, 16) == SAMPLE_START
    assert SAMPLE_DAYS == 3


def test_every_table_has_every_documented_column_with_its_type(con) -> None:
    for table in ALL_TABLES:
        got = [(r[0], r[1]) for r in rows(con, f'DESCRIBE "{table}"')]
        assert got == duckdb_columns(table), table
    spot = {
        ("DeviceNetworkEvents", "RemotePort"): "INTEGER",
        ("DeviceEvents", "InitiatingProcessId"): "BIGINT",
        ("IdentityQueryEvents", "AdditionalFields"): "JSON",
        ("IdentityQueryEvents", "ReportId"): "VARCHAR",
        ("DnsEvents", "_BilledSize"): "DOUBLE",
        ("DeviceInfo", "IsAzureADJoined"): "BOOLEAN",
        ("AlertEvidence", "ApplicationId"): "INTEGER",
        ("DnsEvents", "TimeGenerated"): "TIMESTAMP",
    }
    for (table, column), dtype in spot.items():
        assert dict(duckdb_columns(table))[column] == dtype


@pytest.mark.skipif(not SCHEMA_NOTES.exists(), reason="shared schema notes not available")
def test_schema_transcription_matches_shared_notes() -> None:
    notes = json.loads(SCHEMA_NOTES.read_text())["tables"]
    assert set(notes) == set(DEFENDER_TABLES)
    for table, spec in notes.items():
        assert [(c["name"], KUSTO_TO_DUCKDB[c["type"]]) for c in spec["columns"]] == duckdb_columns(table)


def test_string_columns_hold_empty_strings_not_nulls(con) -> None:
    for table in ALL_TABLES:
        cols = [c for c, t in duckdb_columns(table) if t == "VARCHAR"]
        if cols:
            nulls = scalar(
                con, "SELECT " + " + ".join(f'count(*) FILTER (WHERE "{c}" IS NULL)' for c in cols) + f' FROM "{table}"'
            )
            assert nulls == 0, table


def test_dynamic_and_additional_fields_are_valid_json(con) -> None:
    assert scalar(con, "SELECT count(*) FROM IdentityQueryEvents WHERE NOT json_valid(AdditionalFields)") == 0
    assert scalar(con, "SELECT count(*) FROM DeviceEvents WHERE NOT json_valid(AdditionalFields)") == 0
    sample = scalar(
        con,
        "SELECT AdditionalFields FROM DeviceEvents WHERE ActionType = 'DnsQueryResponse' "
        "AND AdditionalFields LIKE '%\"IPAddress\"%' LIMIT 1",
    )
    doc = json.loads(sample)
    assert set(doc) >= {"DnsQueryString", "DnsQueryResult"}
    assert {"DnsQueryType", "DnsQueryTypeName", "DnsRecordName"} <= set(doc["DnsQueryResult"][-1])


def test_every_table_is_queryable_with_kql(con) -> None:
    for table in ALL_TABLES:
        assert len(duckdb_kql.kql(con, f"{table} | take 3").df()) > 0, table
    ldap = duckdb_kql.kql(
        con, "IdentityQueryEvents | where ActionType == 'LDAP query' | summarize count() by DeviceName"
    ).df()
    assert f"{plan.LDAP_HOST}.contoso.local" in set(ldap["DeviceName"])
    dns = duckdb_kql.kql(
        con,
        'DeviceEvents | where ActionType == "DnsQueryResponse" '
        "| extend Q = tostring(parse_json(AdditionalFields).DnsQueryString) "
        "| summarize n = dcount(Q) by DeviceName | top 1 by n",
    ).df()
    assert dns["DeviceName"][0] == f"{plan.TUNNEL_HOST}.contoso.local"


def test_benign_traffic_looks_like_a_tenant(con) -> None:
    assert scalar(con, "SELECT count(DISTINCT DeviceId) FROM DeviceInfo") == 50
    names = {r[0] for r in rows(con, "SELECT DISTINCT Name FROM DnsEvents")}
    for suffix in (
        "akamaiedge.net",
        "googlevideo.com",
        "in-addr.arpa",
        "avts.mcafee.com",
        "sophosxl.net",
        "login.microsoftonline.com",
        "delivery.mp.microsoft.com",
    ):
        assert any(n.endswith(suffix) for n in names), suffix
    assert "_ldap._tcp.dc._msdcs.contoso.local" in names
    assert any(n.startswith("_dmarc.") for n in names)
    assert any(n.startswith("selector1._domainkey.") for n in names)
    # the DNS server logs the client as ClientIP; Computer is the DC
    assert {r[0] for r in rows(con, "SELECT DISTINCT Computer FROM DnsEvents")} == {
        "dc01.contoso.local",
        "dc02.contoso.local",
    }
    clients = {r[0] for r in rows(con, "SELECT DISTINCT ClientIP FROM DnsEvents")}
    device_ips = {r[0] for r in rows(con, "SELECT DISTINCT LocalIP FROM DeviceNetworkEvents")}
    assert clients <= device_ips
    assert scalar(con, "SELECT count(*) FROM DeviceNetworkEvents WHERE RemotePort IN (53, 80, 443)") > 0


def test_dns_is_consistent_across_tables(con) -> None:
    de = scalar(con, "SELECT count(*) FROM DeviceEvents WHERE ActionType = 'DnsQueryResponse'")
    assert scalar(con, "SELECT count(*) FROM DnsEvents") == de
    # every connection to a resolved public IP follows a look-up on the same device that returned it
    orphan = scalar(
        con,
        """
        SELECT count(*) FROM DeviceNetworkEvents n
        WHERE RemotePort IN (443, 80) AND RemoteUrl <> '' AND NOT EXISTS (
            SELECT 1 FROM DnsEvents d JOIN DeviceInfo i ON i.DeviceName = n.DeviceName
            WHERE d.ClientIP = n.LocalIP AND d.Name = regexp_extract(n.RemoteUrl, '^(https?://)?([^/]+)', 2)
              AND contains(d.IPAddresses, n.RemoteIP) AND d.TimeGenerated <= n.Timestamp)""",
    )
    assert orphan == 0


# --- planted incidents --------------------------------------------------------------------------------------


def test_ground_truth_covers_all_incidents(con) -> None:
    incidents = {r[0] for r in rows(con, f"SELECT DISTINCT incident FROM {GROUND_TRUTH_TABLE}")}
    assert incidents == {"dns_tunnel", "dga", "ldap_recon", "phishing_click", "powershell_cradle", "encrypted_dns",
                         "doh_c2", "honeytoken", "dictionary_dga"}
    ids = {r[0]: r[1] for r in rows(con, "SELECT DeviceName, DeviceId FROM DeviceInfo")}
    for name, dev_id in rows(con, f"SELECT device_name, device_id FROM {GROUND_TRUTH_TABLE}"):
        assert ids[name] == dev_id


def test_dns_tunnel_events(con) -> None:
    (host, domain, _, first, last), *_ = truth(con, "dns_tunnel", "tunnel_domain")
    assert domain == plan.TUNNEL_DOMAIN
    assert host == f"{plan.TUNNEL_HOST}.contoso.local"
    ip = scalar(con, "SELECT any_value(LocalIP) FROM DeviceNetworkEvents WHERE DeviceName = ?", [host])
    uniq = scalar(
        con, "SELECT count(DISTINCT Name) FROM DnsEvents WHERE ClientIP = ? AND Name LIKE ?", [ip, f"%.{domain}"]
    )
    assert uniq >= 1000
    qtypes = {r[0] for r in rows(con, "SELECT DISTINCT QueryType FROM DnsEvents WHERE Name LIKE ?", [f"%.{domain}"])}
    assert {"TXT", "CNAME", "MX", "NULL"} <= qtypes
    de = duckdb_kql.kql(
        con,
        f"""DeviceEvents | where ActionType == "DnsQueryResponse" and DeviceName == "{host}"
        | extend Q = tostring(parse_json(AdditionalFields).DnsQueryString) | where Q endswith ".{domain}"
        | summarize n = dcount(Q), f = min(Timestamp)""",
    ).df()
    assert de["n"][0] == uniq
    # dnscat2 polls: 18-34 hex characters in the first label
    first_labels = [
        r[0]
        for r in rows(
            con,
            "SELECT split_part(Name, '.', 1) FROM DnsEvents WHERE Name LIKE ? AND QueryType = 'TXT'",
            [f"%.{domain}"],
        )
    ]
    assert all(set(x) <= set("0123456789abcdef") for x in first_labels)
    assert any(18 <= len(x) <= 34 for x in first_labels)
    # clients never connect to the tunnel zone's addresses
    assert scalar(con, "SELECT count(*) FROM DeviceNetworkEvents WHERE RemoteIP = ?", [plan.TUNNEL_NS_IP]) == 0
    assert first <= last


def test_dga_events(con) -> None:
    [(host, domain, _, _, _)] = truth(con, "dga", "dga_resolved_domain")
    start = SAMPLE_START
    assert domain in dga_names(start + timedelta(days=1))
    ip = scalar(con, "SELECT any_value(LocalIP) FROM DeviceNetworkEvents WHERE DeviceName = ?", [host])
    nx = scalar(
        con,
        "SELECT count(DISTINCT Name) FROM DnsEvents WHERE ClientIP = ? AND ResultCode = 3 "
        "AND regexp_matches(Name, '^[a-z]{9,16}\\.(com|net|biz)$')",
        [ip],
    )
    assert nx >= 3 * 100
    ok = rows(con, "SELECT DISTINCT IPAddresses FROM DnsEvents WHERE Name = ? AND ResultCode = 0", [domain])
    assert ok == [(plan.DGA_C2_IP,)]
    beacons = scalar(
        con, "SELECT count(*) FROM DeviceNetworkEvents WHERE DeviceName = ? AND RemoteIP = ?", [host, plan.DGA_C2_IP]
    )
    assert beacons > 50


def test_dictionary_dga_events(con) -> None:
    """One host's unanswered A look-ups: each day every pairing of 8 leading and 8 trailing words of the plan's
    lists, under .net, walked every two hours; no other client looks any of them up, and none connects."""
    [(host, entity, _, first, last)] = truth(con, "dictionary_dga", "dga_nxdomain")
    assert host == f"{plan.DICT_DGA_HOST}.contoso.local"
    ip = scalar(con, "SELECT any_value(LocalIP) FROM DeviceNetworkEvents WHERE DeviceName = ?", [host])
    seen: set[str] = set()
    for day in range(3):
        names = day_names(SAMPLE_START + timedelta(days=day))
        leads = {lead for lead in plan.DICT_DGA_LEADS if any(n.startswith(lead) for n in names)}
        trails = {trail for trail in plan.DICT_DGA_TRAILS if any(n.endswith(f"{trail}.net") for n in names)}
        assert len(names) == len(set(names)) == plan.DICT_DGA_NAMES_PER_DAY
        assert {f"{a}{b}.net" for a in leads for b in trails} == set(names)  # a full 8 x 8 grid
        looked_up = rows(
            con,
            "SELECT Name, count(*), min(ResultCode), max(ResultCode), min(QueryType), max(QueryType), "
            "count(DISTINCT ClientIP) FROM DnsEvents WHERE list_contains(?, Name) "
            "AND CAST(TimeGenerated AS DATE) = ? GROUP BY Name",
            [names, SAMPLE_START + timedelta(days=day)],
        )
        assert {r[0] for r in looked_up} == set(names)
        assert all(r[1:] == (12, 3, 3, "A", "A", 1) for r in looked_up)  # 12 rounds, all NXDOMAIN, one client
        seen |= set(names)
    assert entity == f"{len(seen)} names"
    clients = rows(con, "SELECT DISTINCT ClientIP FROM DnsEvents WHERE list_contains(?, Name)", [sorted(seen)])
    assert clients == [(ip,)]
    connected = "SELECT count(*) FROM DeviceNetworkEvents WHERE list_contains(?, RemoteUrl)"
    assert scalar(con, connected, [sorted(seen)]) == 0
    assert first < last


def test_ldap_recon_events(con) -> None:
    filters = truth(con, "ldap_recon", "ldap_filter")
    assert len(filters) >= 10
    host = filters[0][0]
    seen = {r[0] for r in rows(con, "SELECT DISTINCT Query FROM IdentityQueryEvents WHERE DeviceName = ?", [host])}
    for _, f, *_ in filters:
        assert f in seen
    for needle in (
        "(objectCategory=person)(objectClass=user)",
        "cn=Domain Admins",
        "adminCount=1",
        "servicePrincipalName=*",
        "1.2.840.113556.1.4.803:=65536",
        "1.2.840.113556.1.4.803:=4194304",
        "objectClass=trustedDomain",
        "objectCategory=computer",
    ):
        assert any(needle in f for f in seen), needle
    kql = duckdb_kql.kql(
        con,
        """IdentityQueryEvents | where ActionType == "LDAP query" and Protocol == "Ldap"
        | extend SF = tostring(parse_json(AdditionalFields).SearchFilter)
        | where SF has "4194304" | summarize by DeviceName""",
    ).df()
    assert list(kql["DeviceName"]) == [host]
    assert (
        scalar(con, "SELECT count(*) FROM DeviceProcessEvents WHERE FileName = 'AdFind.exe' AND DeviceName = ?", [host])
        >= 10
    )
    # the sync server's full user read is the benign look-alike
    assert (
        scalar(
            con,
            "SELECT count(*) FROM IdentityQueryEvents WHERE DeviceName = 'aadc01.contoso.local' "
            "AND Query = '(&(objectCategory=person)(objectClass=user))'",
        )
        > 0
    )


def test_phishing_click(con) -> None:
    [(host, alert_id, *_)] = truth(con, "phishing_click", "alert")
    urls = rows(con, "SELECT RemoteUrl FROM AlertEvidence WHERE AlertId = ? AND EntityType = 'Url'", [alert_id])
    assert urls == [(plan.PHISH_URL,)]
    machines = rows(
        con, "SELECT DeviceName FROM AlertEvidence WHERE AlertId = ? AND EntityType = 'Machine'", [alert_id]
    )
    assert machines == [(host,)]
    assert scalar(con, "SELECT count(*) FROM AlertInfo WHERE AlertId = ?", [alert_id]) == 1
    conns = scalar(
        con,
        "SELECT count(*) FROM DeviceNetworkEvents WHERE DeviceName = ? AND RemoteIP = ? "
        "AND InitiatingProcessFileName = 'msedge.exe'",
        [host, plan.PHISH_IP],
    )
    assert conns >= 1
    lookup = duckdb_kql.kql(
        con,
        f"""DeviceEvents | where ActionType == "DnsQueryResponse" and DeviceName == "{host}"
        | where tostring(parse_json(AdditionalFields).DnsQueryString) == "{plan.PHISH_DOMAIN}" | count""",
    ).df()
    assert lookup.iloc[0, 0] >= 1


def test_encoded_powershell_cradle(con) -> None:
    [(host, cmd, script, *_)] = truth(con, "powershell_cradle", "command_line")
    encoded = cmd.split("-enc ", 1)[1]
    decoded = base64.b64decode(encoded).decode("utf-16-le")
    assert decoded == script
    assert "DownloadString" in decoded
    assert plan.CRADLE_DOMAIN in decoded
    assert decoded.startswith("IEX")
    parent = rows(
        con,
        "SELECT InitiatingProcessFileName FROM DeviceProcessEvents WHERE ProcessCommandLine = ? AND DeviceName = ?",
        [cmd, host],
    )
    assert parent == [("WINWORD.EXE",)]
    assert (
        scalar(
            con,
            "SELECT count(*) FROM DnsEvents WHERE Name = ? AND MaliciousIP = ?",
            [plan.CRADLE_DOMAIN, plan.CRADLE_IP],
        )
        == 1
    )
    [(_, alert_id, *_)] = truth(con, "powershell_cradle", "alert")
    ev = {r[0] for r in rows(con, "SELECT EntityType FROM AlertEvidence WHERE AlertId = ?", [alert_id])}
    assert {"Process", "Url", "Ip", "Machine", "User"} <= ev


def test_passive_dns_matches_events(lake: Path, con) -> None:
    pdns = sample_passive_dns(lake)
    assert list(pdns.columns) == ["rrname", "rrtype", "rdata", "time_first", "time_last", "count", "bailiwick"]
    assert {"A", "CNAME", "NS", "MX", "AAAA"} <= set(pdns["rrtype"])
    assert all(isinstance(r, list | tuple) or hasattr(r, "__len__") for r in pdns["rdata"])
    end = datetime(2026, 11, 16) + timedelta(days=SAMPLE_DAYS)
    dga = truth(con, "dga", "dga_resolved_domain")[0][1]
    for domain, ip in (
        (plan.PHISH_DOMAIN, plan.PHISH_IP),
        (plan.CRADLE_DOMAIN, plan.CRADLE_IP),
        (plan.TUNNEL_DOMAIN, plan.TUNNEL_NS_IP),
        (dga, plan.DGA_C2_IP),
    ):
        a = pdns[(pdns.rrname == domain) & (pdns.rrtype == "A")].sort_values("time_last")
        assert ip in list(a.iloc[-1]["rdata"]), domain
        assert a.iloc[0]["time_first"] < pd.Timestamp(end)
    google = pdns[(pdns.rrname == "www.google.com") & (pdns.rrtype == "A")].sort_values("time_last")
    assert pd.Timestamp(google.iloc[-1]["time_last"]) == pd.Timestamp(end)
    assert google.iloc[0]["time_first"] < pd.Timestamp(end) - pd.Timedelta(days=365)


def test_tenant_info(con) -> None:
    info = dict(rows(con, "SELECT key, value FROM SampleTenantInfo"))
    assert info["seed"] == "20261116"
    assert info["days"] == "3"
    assert info["devices"] == "50"
    assert info["start"] == "2026-11-16"
    assert float(info["dns_scale"]) == SMALL["dns_scale"]
    assert info["generator_version"]


# --- builds -------------------------------------------------------------------------------------------------


def test_same_arguments_give_identical_tables(lake: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.duckdb"
    build_lake(again, **SMALL)
    assert checksums(again) == checksums(lake)


def test_other_seed_changes_traffic_but_not_the_plan(tmp_path: Path) -> None:
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    build_lake(a, seed=1, days=1, dns_scale=0.05)
    build_lake(b, seed=2, days=1, dns_scale=0.05)
    ca, cb = checksums(a), checksums(b)
    assert ca["DnsEvents"] != cb["DnsEvents"]
    with duckdb.connect(str(a), read_only=True) as c:
        # one-day lakes still hold every incident inside the day
        inc = c.execute(
            f"SELECT count(DISTINCT incident), min(first_seen), max(last_seen) FROM {GROUND_TRUTH_TABLE}"
        ).fetchall()[0]
    assert inc[0] == 9
    assert inc[1] >= datetime(2026, 11, 16)
    assert inc[2] < datetime(2026, 11, 17)


def test_generator_version_says_which_generator_built_a_lake(lake: Path, tmp_path: Path) -> None:
    from hunt_assets.sample_tenant.lake import GENERATOR_VERSION, generator_version

    assert generator_version(lake) == GENERATOR_VERSION
    old = tmp_path / "old.duckdb"
    shutil.copy(lake, old)
    with duckdb.connect(str(old)) as c:
        c.execute(f"UPDATE {TENANT_INFO_TABLE} SET value = '1.0.0' WHERE key = 'generator_version'")
    assert generator_version(old) == "1.0.0"  # the demo rebuilds it: it has no dictionary-DGA incident
    with duckdb.connect(str(old)) as c:
        c.execute(f"DROP TABLE {TENANT_INFO_TABLE}")
    assert generator_version(old) is None


def test_refuses_to_overwrite_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "lake.duckdb"
    build_lake(path, days=1, dns_scale=0.02)
    with pytest.raises(FileExistsError, match=str(path)):
        build_lake(path, days=1, dns_scale=0.02)
    summary = build_lake(path, days=1, dns_scale=0.02, overwrite=True)
    assert summary.path == str(path)
    assert summary.days == 1
    assert summary.seed == 20261116
    # no temporary copy or WAL left; the lake's lock files (its turn, see duckdb_files) stay beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lake.duckdb", "lake.duckdb.gate.lock",
                                                          "lake.duckdb.lock"]
    with pytest.raises(ValueError, match="devices"):
        build_lake(tmp_path / "tiny.duckdb", devices=5)


def test_the_smallest_fleet_allowed_builds(tmp_path: Path) -> None:
    """``MIN_DEVICES`` is what the incidents and background alerts need: one fewer is refused with
    the reason, exactly that many builds (at 20 it raised ``KeyError: 'ws-ops-010'`` mid-build)."""
    from hunt_assets.sample_tenant.fleet import MIN_DEVICES

    with pytest.raises(ValueError, match=f"devices must be >= {MIN_DEVICES}"):
        build_lake(tmp_path / "small.duckdb", days=1, devices=MIN_DEVICES - 1, dns_scale=0.02)
    summary = build_lake(tmp_path / "small.duckdb", days=1, devices=MIN_DEVICES, dns_scale=0.02)
    assert summary.row_counts["DeviceInfo"] > 0
    assert summary.row_counts["AlertInfo"] > 0


def test_add_alert_round_trip(lake: Path, tmp_path: Path) -> None:
    path = tmp_path / "copy.duckdb"
    shutil.copy(lake, path)
    now = datetime(2026, 11, 19, 8, 30, tzinfo=UTC)
    alert_id = add_alert(path, domain=plan.TUNNEL_DOMAIN, ip=plan.TUNNEL_NS_IP, title="Tunnel domain seen", now=now)
    with duckdb.connect(str(path), read_only=True) as c:
        info = c.execute("SELECT Timestamp, Title FROM AlertInfo WHERE AlertId = ?", [alert_id]).fetchall()
        ev = c.execute(
            "SELECT EntityType, RemoteUrl, RemoteIP, Timestamp FROM AlertEvidence WHERE AlertId = ? "
            "ORDER BY EntityType",
            [alert_id],
        ).fetchall()
        joined = duckdb_kql.kql(
            c,
            """AlertInfo | where Timestamp > datetime(2026-11-19)
            | join kind=inner AlertEvidence on AlertId | project AlertId, EntityType""",
        ).df()
    assert info == [(datetime(2026, 11, 19, 8, 30), "Tunnel domain seen")]
    assert ev == [
        ("Ip", "", plan.TUNNEL_NS_IP, datetime(2026, 11, 19, 8, 30)),
        ("Url", plan.TUNNEL_DOMAIN, "", datetime(2026, 11, 19, 8, 30)),
    ]
    assert set(joined["AlertId"]) == {alert_id}
    second = add_alert(path, url="https://example.org/x", now=now)
    assert second != alert_id
    with pytest.raises(ValueError, match="at least one"):
        add_alert(path, now=now)


def test_dns_scale_multiplies_dns_volume(tmp_path: Path) -> None:
    """Planted incidents are fixed, so the benign part is what scales: equal steps give equal increments."""
    a, b, c = (build_lake(tmp_path / f"{k}.duckdb", days=1, dns_scale=k) for k in (0.1, 0.2, 0.4))
    step1, step2 = b.dns_rows - a.dns_rows, c.dns_rows - b.dns_rows
    assert step1 > 0
    assert 1.8 < step2 / step1 < 2.2
    assert c.row_counts["DeviceProcessEvents"] == a.row_counts["DeviceProcessEvents"]
    assert c.row_counts["DeviceNetworkEvents"] > 2 * a.row_counts["DeviceNetworkEvents"]
