"""Every hunt runs on the sample tenant, lands in the warehouse and finds its planted ground truth."""

import multiprocessing as mp
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from hunt_assets.assets.hunts import build_hunt_assets
from hunt_assets.resources import HuntingResource, WarehouseResource
from hunt_assets.warehouse.store import Warehouse

DAYS = ["2026-11-16", "2026-11-17", "2026-11-18"]


def _materialize(lake: Path, warehouse: Path, day: str, names: list[str] | None = None) -> bool:
    assets = [a for a in build_hunt_assets() if names is None or a.key.path[-1] in names]
    result = dg.materialize(assets, partition_key=day, instance=dg.DagsterInstance.ephemeral(), resources={
        "warehouse": WarehouseResource(path=str(warehouse)),
        "hunting": HuntingResource(backend="sample", lake_path=str(lake)),
    })
    return result.success


@pytest.fixture(scope="module")
def hunted(sample_lake, tmp_path_factory) -> Warehouse:
    path = tmp_path_factory.mktemp("wh") / "hunt_warehouse.duckdb"
    for day in DAYS:
        assert _materialize(sample_lake, path, day)
    return Warehouse(path)


def truth(lake: Path, incident: str, kind: str) -> list[tuple[str, str]]:
    with duckdb.connect(str(lake), read_only=True) as con:
        return con.execute("SELECT device_name, entity FROM HuntGroundTruth WHERE incident = ? AND kind = ?",
                           [incident, kind]).fetchall()


def truth_span(lake: Path, incident: str, kind: str) -> list[tuple]:
    with duckdb.connect(str(lake), read_only=True) as con:
        return con.execute("SELECT device_name, entity, first_seen, last_seen FROM HuntGroundTruth "
                           "WHERE incident = ? AND kind = ?", [incident, kind]).fetchall()


def test_ldap_hunts_name_the_recon_device(hunted, sample_lake):
    device = truth(sample_lake, "ldap_recon", "account")[0][0]
    burst = hunted.query("SELECT DeviceName, PatternCount FROM hunts.ldap_recon_burst")
    assert burst["DeviceName"].tolist() == [device]  # the recon host, and only it
    assert burst["PatternCount"].iloc[0] >= 6
    patterns = hunted.query("SELECT DISTINCT ReconPattern FROM hunts.ldap_recon_queries WHERE DeviceName = ?",
                            [device])["ReconPattern"]
    assert {"all_users", "spn_enumeration", "password_never_expires", "asrep_roastable", "admin_enumeration",
            "trust_enumeration"} <= set(patterns)


def test_dns_hunt_contains_the_tunnel_and_dga(hunted, sample_lake):
    (device, tunnel_domain), *_ = truth(sample_lake, "dns_tunnel", "tunnel_domain")
    tunnel = hunted.query("SELECT DeviceName, count(DISTINCT QueryName) n, list(DISTINCT QueryType) t "
                          "FROM hunts.dns_events WHERE QueryName LIKE ? AND Source <> 'DnsEvents' GROUP BY 1",
                          [f"%.{tunnel_domain}"])
    assert tunnel["DeviceName"].tolist() == [device]
    assert tunnel["n"].iloc[0] > 1000
    # DNS server logs know the client only by IP: the tunnel host's IP carries the same look-ups
    server = hunted.query("SELECT count(DISTINCT ClientIP) n FROM hunts.dns_events WHERE QueryName LIKE ? "
                          "AND Source = 'DnsEvents'", [f"%.{tunnel_domain}"])
    assert server["n"].iloc[0] == 1
    assert {"TXT", "NULL"} <= set(tunnel["t"].iloc[0])
    dga_device, dga_domain = truth(sample_lake, "dga", "dga_resolved_domain")[0]
    hit = hunted.query("SELECT DISTINCT DeviceName, Answers FROM hunts.dns_events WHERE QueryName = ? "
                       "AND Source = 'DeviceEvents' AND Answers <> ''", [dga_domain])
    assert dga_device in hit["DeviceName"].tolist()
    shape = [c for c, _ in hunted.columns("hunts.dns_events")]
    assert shape == ["partition_date", "Timestamp", "DeviceId", "DeviceName", "ClientIP", "QueryName", "QueryType",
                     "Answers", "Source"]


def test_alert_process_and_powershell_hunts_find_their_incidents(hunted, sample_lake):
    phishing_url = truth(sample_lake, "phishing_click", "url")[0][1]
    alerts = hunted.query("SELECT RemoteUrl FROM hunts.alerts_with_evidence WHERE EntityType = 'Url'")
    assert phishing_url in alerts["RemoteUrl"].tolist()
    cradle_device, cradle_cmd = truth(sample_lake, "powershell_cradle", "command_line")[0]
    enc = hunted.query("SELECT DeviceName, EncodedPayload FROM hunts.encoded_powershell WHERE DeviceName = ?",
                       [cradle_device])
    assert any(p and p in cradle_cmd for p in enc["EncodedPayload"])
    cradle_url = truth(sample_lake, "powershell_cradle", "url")[0][1]
    urls = hunted.query("SELECT DeviceName FROM hunts.process_network_urls WHERE RemoteUrl LIKE ?",
                        [f"%{cradle_url.split('//')[1].split('/')[0]}%"])
    assert cradle_device in urls["DeviceName"].tolist()


def test_partition_column_is_a_date_and_days_do_not_overlap(hunted):
    cols = dict(hunted.columns("hunts.dns_events"))
    assert cols["partition_date"] == "DATE"
    bad = hunted.query("SELECT count(*) n FROM hunts.dns_events "
                       "WHERE CAST(Timestamp AS DATE) <> partition_date")["n"].iloc[0]
    assert bad == 0


def test_rematerializing_a_partition_is_idempotent(sample_lake, tmp_path):
    path = tmp_path / "hunt_warehouse.duckdb"
    names = ["dns_events", "ldap_recon_queries"]
    assert _materialize(sample_lake, path, DAYS[0], names)
    first = Warehouse(path).query("SELECT count(*) n FROM hunts.dns_events")["n"].iloc[0]
    assert _materialize(sample_lake, path, DAYS[0], names)
    assert Warehouse(path).query("SELECT count(*) n FROM hunts.dns_events")["n"].iloc[0] == first > 0


def _proc(lake: str, warehouse: str, day: str) -> None:
    raise SystemExit(0 if _materialize(Path(lake), Path(warehouse), day, ["dns_events", "process_network_urls"])
                     else 1)


def test_parallel_materialization_of_partitions_loses_nothing(sample_lake, hunted, tmp_path):
    path = tmp_path / "hunt_warehouse.duckdb"
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_proc, args=(str(sample_lake), str(path), day)) for day in DAYS]
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)
        assert p.exitcode == 0
    for table in ("hunts.dns_events", "hunts.process_network_urls"):
        sql = f"SELECT partition_date, count(*) n FROM {table} GROUP BY 1 ORDER BY 1"
        assert Warehouse(path).query(sql).values.tolist() == hunted.query(sql).values.tolist()


def test_missing_lake_names_path_and_rebuild_command(tmp_path):
    missing = tmp_path / "nowhere.duckdb"
    assets = [a for a in build_hunt_assets() if a.key.path[-1] == "dns_events"]
    with pytest.raises(Exception, match="make demo") as err:
        dg.materialize(assets, partition_key=DAYS[0], resources={
            "warehouse": WarehouseResource(path=str(tmp_path / "hunt_warehouse.duckdb")),
            "hunting": HuntingResource(backend="sample", lake_path=str(missing))})
    assert str(missing) in str(err.value)


def test_encrypted_dns_hunt_finds_the_browser_that_resolves_over_https(hunted, sample_lake):
    """Only the planted hosts: no benign device of the tenant talks DoH or DoT."""
    (device, endpoint), = truth(sample_lake, "encrypted_dns", "doh_endpoint")
    (_, planted), = truth(sample_lake, "encrypted_dns", "doh_connections")
    (c2_device, _), = truth(sample_lake, "doh_c2", "doh_c2_connections")
    everyone = hunted.query("SELECT DISTINCT DeviceName FROM hunts.encrypted_dns_connections")
    assert sorted(everyone["DeviceName"]) == sorted([device, c2_device])
    rows = hunted.query("SELECT DeviceName, FileName, RemotePort, RemoteUrl, sum(Connections) n "
                        f"FROM hunts.encrypted_dns_connections WHERE DeviceName = '{device}' GROUP BY ALL")
    assert set(rows["FileName"]) == {"chrome.exe"}
    images = hunted.query("SELECT DISTINCT FolderPath, Company FROM hunts.encrypted_dns_connections "
                          f"WHERE DeviceName = '{device}'")
    assert images.values.tolist() == [[r"C:\Program Files\Google\Chrome\Application\chrome.exe", "Google LLC"]]
    assert set(rows["RemotePort"]) == {443}
    assert set(rows["RemoteUrl"]) == {endpoint}
    assert int(rows["n"].sum()) == int(planted)  # every connection of the day, none twice
    span = hunted.query("SELECT min(FirstSeen) f, max(LastSeen) l FROM hunts.encrypted_dns_connections "
                        f"WHERE DeviceName = '{device}'")
    first, last = (pd.Timestamp(x, tz="UTC") if pd.Timestamp(x).tzinfo is None else pd.Timestamp(x)
                   for x in span.iloc[0])
    (_, _, t_first, t_last), = truth_span(sample_lake, "encrypted_dns", "doh_connections")
    assert first > pd.Timestamp(t_first, tz="UTC")  # the one look-up in the clear came just before
    assert last == pd.Timestamp(t_last, tz="UTC")


def test_encrypted_dns_hunt_finds_the_implant_that_resolves_by_address(hunted, sample_lake):
    """A DoH implant asks nothing of the DNS log: the hunt finds it by the resolver's address alone, names
    the process, and counts every connection once, from the first to the last."""
    from hunt_assets.sample_tenant.plan import DOH_C2_IPS, DOH_C2_PROCESS

    (device, planted), = truth(sample_lake, "doh_c2", "doh_c2_connections")
    rows = hunted.query("SELECT FileName, FolderPath, Company, RemoteIP, RemotePort, RemoteUrl, Connections, "
                        f"FirstSeen, LastSeen FROM hunts.encrypted_dns_connections WHERE DeviceName = '{device}'")
    assert set(rows["FileName"]) == {DOH_C2_PROCESS}
    (path,) = set(rows["FolderPath"])
    assert path.endswith(f"\\AppData\\Local\\Microsoft\\OneDriveSync\\{DOH_C2_PROCESS}")
    assert set(rows["Company"].fillna("")) == {""}  # no version info
    assert set(rows["RemoteIP"]) == set(DOH_C2_IPS)
    assert set(rows["RemotePort"]) == {443}
    assert set(rows["RemoteUrl"].fillna("")) == {""}  # no name to match: the address did it
    assert int(rows["Connections"].sum()) == int(planted)
    dns = hunted.query(f"SELECT count(*) n FROM hunts.dns_events WHERE DeviceName = '{device}' "
                       "AND QueryName IN ('dns.google', 'dns.google.com')")
    assert int(dns["n"].iloc[0]) == 0  # nothing of it in the DNS log
    (_, _, t_first, t_last), = truth_span(sample_lake, "doh_c2", "doh_c2_connections")
    utc = [pd.Timestamp(x, tz="UTC") if pd.Timestamp(x).tzinfo is None else pd.Timestamp(x)
           for x in (rows["FirstSeen"].min(), rows["LastSeen"].max())]
    assert utc == [pd.Timestamp(t_first, tz="UTC"), pd.Timestamp(t_last, tz="UTC")]


def test_the_canary_token_lookup_is_the_last_days_only_tunnel_and_ranks_its_host(hunted, sample_lake):
    """Incident 8: one look-up of the folder token (and its AAAA twin) is enough: a tunnel with the
    honeytoken reason, the only tunnel of that day, and the recon host ranks for it in the host summary."""
    from datetime import date

    from hunt_assets.analytics.dns.events import findings_first, score_events, summarize_hosts
    from hunt_assets.assets.detections import load_dns_events

    (device, name), = truth(sample_lake, "honeytoken", "honeytoken_lookup")
    (_, _, t_first, _), = truth_span(sample_lake, "honeytoken", "honeytoken_lookup")
    day = pd.Timestamp(t_first).date()
    assert day == date.fromisoformat(DAYS[-1])
    # the hunt folds case; the DNS server's rows name no device (load_dns_events maps them by IP)
    rows = hunted.query("SELECT DeviceName, QueryType FROM hunts.dns_events WHERE QueryName = ?", [name.lower()])
    assert set(rows["DeviceName"]) == {device, ""}
    assert {"A", "AAAA"} <= set(rows["QueryType"])

    events = load_dns_events(hunted, day)
    names, domains = score_events(events)
    token = names[names["name"] == name.lower()]
    assert token["verdict"].tolist() == ["tunnel"]
    assert "honeytoken service (Thinkst Canarytokens)" in token["reasons"].iloc[0]
    tunnels = names[names["verdict"] == "tunnel"]
    assert set(tunnels["registered_domain"]) == {"canarytokens.com"}  # nothing benign called a tunnel
    # dns_flags' top findings lead with it, not after the day's hundred-odd DGA domains scored higher
    top = findings_first(domains)
    assert top["registered_domain"].iloc[0] == "canarytokens.com"
    assert (top["verdict"].iloc[1:] == "dga").sum() > 100
    assert (domains.sort_values("score", ascending=False)["registered_domain"].head(15) != "canarytokens.com").all()
    hosts = summarize_hosts(events, domains)
    mine = hosts[hosts["client"] == device]
    assert mine["tunnel_domains"].tolist() == [1]
    assert mine["top_domains"].iloc[0].startswith("canarytokens.com")
    assert hosts["priority"].iloc[0] >= mine["priority"].iloc[0] > 3.3  # above one flagged DGA domain
