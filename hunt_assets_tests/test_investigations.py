"""Investigations end to end: partition keys, passive_dns upsert, heatmap file + inline image, refresh."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from hunt_assets.assets.investigations import (
    PassiveDnsResource,
    add_investigation,
    close_investigation,
    heatmap_path,
    passive_dns,
    pdns_heatmap,
)
from hunt_assets.entities import InvalidEntity
from hunt_assets.intel.pdns.store import load_history
from hunt_assets.resources import HuntingResource, HuntSettings, WarehouseResource
from hunt_assets.warehouse.store import Warehouse
from hunt_assets_tests.test_pdns_sample import make_lake


@pytest.fixture
def instance():
    return dg.DagsterInstance.ephemeral()


def test_url_investigates_its_host(instance):
    assert add_investigation(instance, "HTTP://WWW.Example.COM/path") == "www.example.com"
    assert add_investigation(instance, "www.example.com.") == "www.example.com"  # same key, no duplicate
    assert add_investigation(instance, "bücher.de") != ""  # IDNA handled by entities
    assert sorted(instance.get_dynamic_partitions("investigated_domains")) == ["www.example.com",
                                                                               "xn--bcher-kva.de"]


def test_ip_opens_a_reverse_investigation(instance):
    assert add_investigation(instance, "203.0.113.7") == "203.0.113.7"


@pytest.mark.parametrize(("value", "reason"), [
    ("exa mple.com", "white space"),
    ("a" * 300 + ".com", "characters"),
    ("..com", "empty label"),
    ("com", "top-level domain"),
])
def test_invalid_input_is_rejected_with_reason_and_adds_nothing(instance, value, reason):
    with pytest.raises(InvalidEntity) as err:
        add_investigation(instance, value)
    assert reason in err.value.reason
    assert instance.get_dynamic_partitions("investigated_domains") == []


def resources(tmp_path: Path, lake: Path, **pdns) -> dict:
    return {
        "warehouse": WarehouseResource(path=str(tmp_path / "hunt_warehouse.duckdb")),
        "settings": HuntSettings(backend="sample", data_dir=str(tmp_path / "data"), lake_path=str(lake)),
        "hunting": HuntingResource(backend="sample", lake_path=str(lake)),
        "pdns": PassiveDnsResource(**pdns),
    }


def test_materialize_twice_merges_and_draws(tmp_path, instance):
    lake = make_lake(tmp_path / "lake.duckdb")
    key = add_investigation(instance, "hxxps://evil-c2[.]example[.]net/gate.php")
    assert key == "evil-c2.example.net"
    res = resources(tmp_path, lake)
    for _ in range(2):
        result = dg.materialize([passive_dns, pdns_heatmap], partition_key=key, instance=instance, resources=res)
        assert result.success
    wh = Warehouse(tmp_path / "hunt_warehouse.duckdb")
    history = load_history(wh, key)
    assert sorted(history["rrtype"]) == ["A", "NS"]  # two pulls, still one row per record
    mats = result.asset_materializations_for_node("intel__passive_dns")
    meta = mats[0].metadata
    assert meta["new_rows"].value == 0
    assert meta["unchanged_rows"].value == 2
    assert meta["dagster/row_count"].value == 2
    heat = result.asset_materializations_for_node("analytics__pdns_heatmap")[0].metadata
    path = Path(heatmap_path(str(tmp_path / "data"), key))
    assert path.exists()
    assert path.read_bytes()[:4] == b"\x89PNG"
    assert heat["records"].value == 2
    inline = re.search(r"base64,([A-Za-z0-9+/=]+)\)", heat["heatmap"].value).group(1)
    assert 2_000 < len(base64.b64decode(inline)) <= 90_000


def test_empty_history_still_draws(tmp_path, instance):
    lake = make_lake(tmp_path / "lake.duckdb")
    key = add_investigation(instance, "nothing-here.example.com")
    result = dg.materialize([passive_dns, pdns_heatmap], partition_key=key, instance=instance,
                            resources=resources(tmp_path, lake))
    assert result.success
    heat = result.asset_materializations_for_node("analytics__pdns_heatmap")[0].metadata
    assert heat["records"].value == 0
    assert heat["bin"].value == "-"


def test_all_providers_failing_fails_the_asset_and_keeps_history(tmp_path, instance):
    lake = make_lake(tmp_path / "lake.duckdb")
    key = add_investigation(instance, "evil-c2.example.net")
    assert dg.materialize([passive_dns], partition_key=key, instance=instance,
                          resources=resources(tmp_path, lake)).success
    missing = resources(tmp_path, tmp_path / "moved-away.duckdb")
    result = dg.materialize([passive_dns], partition_key=key, instance=instance, resources=missing,
                            raise_on_error=False)
    assert not result.success
    assert len(load_history(Warehouse(tmp_path / "hunt_warehouse.duckdb"), key)) == 2


def test_provider_selection():
    assert PassiveDnsResource().provider_names("sample") == ["sample"]
    assert PassiveDnsResource(cof_url="https://pdns.test/q").provider_names("graph") == ["mdti", "cof"]
    assert PassiveDnsResource().provider_names("fake-graph") == ["mdti", "sample"]
    assert PassiveDnsResource(providers="cof, sample").provider_names("graph") == ["cof", "sample"]
    with pytest.raises(dg.Failure, match="unknown providers"):
        PassiveDnsResource(providers="riskiq").provider_names("graph")


def test_daily_schedule_requests_one_run_per_open_investigation():
    with dg.instance_for_test() as instance:
        _check_schedule(instance)


def _check_schedule(instance):
    from hunt_assets.definitions import defs

    investigation_refresh_schedule = defs.resolve_schedule_def("investigation_refresh_schedule")
    context = dg.build_schedule_context(instance=instance,
                                        scheduled_execution_time=datetime(2026, 11, 22, 4, 30, tzinfo=UTC))
    skipped = list(investigation_refresh_schedule(context))
    assert isinstance(skipped[0], dg.SkipReason)
    for value in ("evil-c2.example.net", "203.0.113.7", "gone.example.com"):
        add_investigation(instance, value)
    assert close_investigation(instance, "gone.example.com")
    requests = list(investigation_refresh_schedule(context))
    assert sorted(r.partition_key for r in requests) == ["203.0.113.7", "evil-c2.example.net"]
    assert {r.run_key for r in requests} == {"refresh:203.0.113.7@2026-11-22",
                                           "refresh:evil-c2.example.net@2026-11-22"}


def test_mdti_through_the_resources_uses_the_hunting_connection(sample_lake):
    """fake-graph: MDTI passive DNS is reached through the same connection (auth, endpoints) as the hunts."""
    from hunt_assets.assets.investigations import PassiveDnsResource
    from hunt_assets.entities import parse_entity

    hunting = HuntingResource(backend="fake-graph", lake_path=str(sample_lake))
    settings = HuntSettings(backend="fake-graph", lake_path=str(sample_lake))
    providers = PassiveDnsResource(providers="mdti").build_providers(settings, hunting)
    assert [type(p).__name__ for p in providers] == ["MdtiProvider"]
    result = providers[0].lookup(parse_entity("cdn-telemetry-sync.com"))
    assert result.records
    assert {r.rrname for r in result.records} == {"cdn-telemetry-sync.com"}
