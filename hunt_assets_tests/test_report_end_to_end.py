"""A planted domain of the sample tenant, investigated end to end: the report holds every section."""

import dagster as dg
import pytest

from hunt_assets.assets.intel import TIProvidersResource
from hunt_assets.assets.investigations import PassiveDnsResource, add_investigation
from hunt_assets.definitions import all_assets
from hunt_assets.partitions import daily_partitions, investigated_domains
from hunt_assets.reports.render import SECTIONS
from hunt_assets.resources import DnsScoringResource, HuntingResource, HuntSettings, WarehouseResource

TUNNEL = "cdn-telemetry-sync.com"
DAYS = ("2026-11-16", "2026-11-17")


DAILY_METADATA: dict[str, dict] = {}  # day -> asset -> its materialization's metadata, filled by `investigated`


@pytest.fixture(scope="module")
def investigated(sample_lake, tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    resources = {
        "warehouse": WarehouseResource(path=str(data / "hunt_warehouse.duckdb")),
        "settings": HuntSettings(backend="sample", data_dir=str(data), lake_path=str(sample_lake)),
        "hunting": HuntingResource(backend="sample", lake_path=str(sample_lake)),
        "pdns": PassiveDnsResource(),
        "ti_providers": TIProvidersResource(),
        "dns_scoring": DnsScoringResource(),
    }
    instance = dg.DagsterInstance.ephemeral()
    daily = [a for a in all_assets if a.partitions_def == daily_partitions and a.key.path[0] in ("hunts", "analytics")]
    for day in DAYS:
        run = dg.materialize(daily, partition_key=day, instance=instance, resources=resources)
        assert run.success
        DAILY_METADATA[day] = {m.asset_key.to_user_string(): m.materialization.metadata
                               for m in run.get_asset_materialization_events()}
    add_investigation(instance, TUNNEL)
    investigation = [a for a in all_assets if a.partitions_def == investigated_domains]
    result = dg.materialize(investigation, partition_key=TUNNEL, instance=instance, resources=resources)
    assert result.success
    return result, data


def test_report_markdown_has_every_section_and_the_findings(investigated):
    result, _ = investigated
    mats = [m for m in result.get_asset_materialization_events()
            if m.asset_key == dg.AssetKey(["reports", "domain_report"])]
    md = mats[0].materialization.metadata["report"].value
    for section in SECTIONS:
        assert f"## {section}" in md
    assert "ws-eng-021" in md  # the host that tunnelled, first in the hosts table
    assert "tunnel" in md
    assert "data:image/png;base64," in md  # passive-DNS heatmap and timeline inline
    assert "virustotal" in md.lower()
    assert mats[0].materialization.metadata["severity"].value == "high"


def test_report_html_is_written_and_standalone(investigated):
    _, data = investigated
    page = (data / "reports" / f"{TUNNEL}.html").read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f"<h2>{section}</h2>" in page
    assert "ws-eng-021" in page
    assert "src='http" not in page
    assert 'src="http' not in page
    assert "<script" not in page


def test_sample_tenant_detections_put_the_planted_hosts_on_top(investigated):
    """The issue's acceptance on the sample tenant, read back from the warehouse tables the assets wrote."""
    from datetime import date

    from hunt_assets.assets.detections import DOMAIN_FLAGS, HOST_SUMMARY, NAME_FLAGS
    from hunt_assets.sample_tenant.incidents.dictionary_dga import day_names
    from hunt_assets.sample_tenant.plan import DGA_HOST, DICT_DGA_HOST, TUNNEL_DOMAIN, TUNNEL_HOST
    from hunt_assets.warehouse.store import Warehouse

    _, data = investigated
    wh = Warehouse(data / "hunt_warehouse.duckdb")
    day = date.fromisoformat(DAYS[0])
    names = wh.read_partition(NAME_FLAGS, "partition_date", day)
    tunnels = names[names["verdict"] == "tunnel"]
    assert len(tunnels) > 0
    assert (tunnels["registered_domain"] == TUNNEL_DOMAIN).all()  # nothing benign is called a tunnel
    domains = wh.read_partition(DOMAIN_FLAGS, "partition_date", day)
    flagged = domains[domains["verdict"].isin(["tunnel", "dga"])]
    assert set(flagged["registered_domain"]) >= {TUNNEL_DOMAIN}
    # the dictionary DGA's day: every one of its 64 names a DGA domain, by the word grid and the host's burst
    grid = domains[domains["registered_domain"].isin(day_names(day))]
    assert len(grid) == 64
    assert (grid["verdict"] == "dga").all()
    assert grid["reasons"].str.startswith("one of 64 registered domains in this batch that join 8 leading words "
                                          "to 8 trailing words").all()
    assert grid["reasons"].str.contains(f"client {DICT_DGA_HOST}.contoso.local looked up 64 distinct unanswered").all()
    # the UI's 15-row preview of the day's findings: the tunnel, then both DGAs in turn, the grid's included
    preview = DAILY_METADATA[DAYS[0]]["analytics/dns_flags"]["top_findings"].value
    assert preview.index(TUNNEL_DOMAIN) < preview.index(" dga ")
    assert sum(name in preview for name in day_names(day)) >= 5
    assert "join 8 leading words to 8 trailing words" in preview
    hosts = wh.read_partition(HOST_SUMMARY, "partition_date", day)
    # the planted tunnel and DGA hosts on top (the two DGA hosts with dozens of domains, then the tunnel's one)
    top_three = set(hosts.sort_values("priority", ascending=False)["client"].head(3))
    assert {h.split(".")[0] for h in top_three} == {TUNNEL_HOST, DGA_HOST, DICT_DGA_HOST}
    # the browser that resolves over HTTPS: listed for its one look-up in the clear and its connections
    from hunt_assets.sample_tenant.plan import DOH_ENDPOINT, DOH_HOST

    doh = hosts[hosts["client"].str.split(".").str[0] == DOH_HOST]
    assert len(doh) == 1
    assert doh["encrypted_dns"].iloc[0].startswith(f"{DOH_ENDPOINT} (Cloudflare 1.1.1.1)")
    assert doh["encrypted_dns_processes"].iloc[0].startswith("chrome.exe (")
    assert doh["encrypted_dns_connections"].iloc[0] > 50
    assert doh["lookups_flagged"].iloc[0] == 0
    assert doh["encrypted_dns_other_processes"].iloc[0] == ""  # a browser: the small bonus only
    # the implant on DoH: no look-up at all, its process named, ranked next after the tunnel and DGA hosts
    from hunt_assets.sample_tenant.plan import DOH_C2_HOST, DOH_C2_PROCESS

    ranked = hosts.sort_values("priority", ascending=False)["client"].str.split(".").str[0].tolist()
    assert ranked[3] == DOH_C2_HOST
    c2 = hosts[hosts["client"].str.split(".").str[0] == DOH_C2_HOST].iloc[0]
    assert c2["encrypted_dns"] == ""
    assert c2["encrypted_dns_lookups"] == 0
    assert c2["encrypted_dns_other_processes"].startswith("C:\\Users\\")  # named by its image's path
    assert f"\\{DOH_C2_PROCESS} (" in c2["encrypted_dns_other_processes"]
    assert c2["encrypted_dns_other_processes"].endswith("; steady ~60/h over 7 h)")  # its one-minute timer
    # the hunt matched it by address only; the summary says whose resolver that is
    assert " to Google Public DNS over HTTPS; " in c2["encrypted_dns_other_processes"]
    assert c2["encrypted_dns_connected_to"].startswith("Google Public DNS over HTTPS (")
    assert doh["encrypted_dns_connected_to"].iloc[0].startswith("Cloudflare 1.1.1.1 over HTTPS (")
    assert c2["priority"] > doh["priority"].iloc[0]
