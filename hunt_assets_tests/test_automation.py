"""Sensors and schedules against a real (ephemeral) Dagster instance and a real sample lake."""

import shutil
from datetime import UTC, datetime

import dagster as dg
import pytest

from hunt_assets.automation.alert_cursor import AlertCursor
from hunt_assets.automation.sensors import flagged_domain_sensor, new_alert_sensor, worth_investigating
from hunt_assets.definitions import defs
from hunt_assets.resources import HuntingResource
from hunt_assets.sample_tenant import add_alert


@pytest.fixture
def lake(sample_lake, tmp_path):
    path = tmp_path / "sample_tenant.duckdb"
    shutil.copy(sample_lake, path)
    return path


def _tick(instance, lake, cursor):
    ctx = dg.build_sensor_context(instance=instance, cursor=cursor,
                                  resources={"hunting": HuntingResource(backend="sample", lake_path=str(lake))})
    result = new_alert_sensor(ctx)
    for req in result.dynamic_partitions_requests or []:  # the daemon applies these before launching runs
        instance.add_dynamic_partitions(req.partitions_def_name, list(req.partition_keys))
    return result


def test_alert_sensor_opens_each_investigation_exactly_once(lake):
    instance = dg.DagsterInstance.ephemeral()
    first = _tick(instance, lake, None)
    assert first.run_requests == []  # the sample's alerts are older than the initial look-back
    add_alert(lake, domain="cdn-telemetry-sync.com", url="https://login-micros0ft-verify.com/owa",
              title="planted: tunnel domain and phishing URL")
    second = _tick(instance, lake, first.cursor)
    keys = sorted(r.partition_key for r in second.run_requests)
    assert keys == ["cdn-telemetry-sync.com", "login-micros0ft-verify.com"]
    assert sorted(instance.get_dynamic_partitions("investigated_domains")) == keys
    # repeated tick: same alerts come back inside the overlap, nothing is launched again
    third = _tick(instance, lake, second.cursor)
    assert third.run_requests == []
    # a restarted daemon resumes from the stored cursor: still nothing new
    restarted = _tick(dg.DagsterInstance.ephemeral(), lake, AlertCursor.from_json(second.cursor).to_json())
    assert restarted.run_requests == []
    # a new alert naming the same domain is a new investigation run, with its own run key
    add_alert(lake, domain="cdn-telemetry-sync.com", title="second alert")
    fourth = _tick(instance, lake, third.cursor)
    assert [r.partition_key for r in fourth.run_requests] == ["cdn-telemetry-sync.com"]
    all_keys = [r.run_key for r in second.run_requests + fourth.run_requests]
    assert len(all_keys) == len(set(all_keys))


def test_alert_sensor_rejects_hostile_entities(lake, caplog):
    instance = dg.DagsterInstance.ephemeral()
    first = _tick(instance, lake, None)
    add_alert(lake, domain='evil.com" | union DeviceInfo //', title="hostile")
    add_alert(lake, url="http://" + "a" * 10_000 + ".com/x", title="oversized")
    add_alert(lake, ip="10.0.0.0/8", title="range")
    add_alert(lake, domain="ok-domain.example.org", title="fine")
    result = _tick(instance, lake, first.cursor)
    assert [r.partition_key for r in result.run_requests] == ["ok-domain.example.org"]
    assert instance.get_dynamic_partitions("investigated_domains") == ["ok-domain.example.org"]


def test_flagged_domain_sensor_opens_tunnel_and_resolving_dga(sample_lake, tmp_path):
    from hunt_assets.assets.detections import dns_flags
    from hunt_assets.assets.hunts import build_hunt_assets
    from hunt_assets.resources import DnsScoringResource, WarehouseResource

    instance = dg.DagsterInstance.ephemeral()
    hunts = [a for a in build_hunt_assets() if a.key.path[-1] in ("dns_events", "device_ips")]
    resources = {"warehouse": WarehouseResource(path=str(tmp_path / "hunt_warehouse.duckdb")),
                 "hunting": HuntingResource(backend="sample", lake_path=str(sample_lake)),
                 "dns_scoring": DnsScoringResource()}
    for day in ("2026-11-16", "2026-11-17"):
        result = dg.materialize([*hunts, dns_flags], partition_key=day, instance=instance, resources=resources)
        assert result.success
        meta = next(m for m in result.get_asset_materialization_events()
                if m.asset_key == dg.AssetKey(["analytics", "dns_flags"])).materialization.metadata
        # reverse look-ups and service records exist in every day of the sample tenant: the UI says what was hidden
        assert meta["suppressed_families"].value.get("reverse_dns", 0) > 0
        assert sum(meta["verdicts"].value.values()) == meta["distinct_names"].value
    cursor, run_keys, keys = None, [], []
    for _ in range(2):  # both days' materializations in the first tick (exactly once), nothing in the next
        data = flagged_domain_sensor(dg.build_sensor_context(instance=instance, cursor=cursor))
        if isinstance(data, dg.SkipReason):
            continue
        cursor = data.cursor
        run_keys += [r.run_key for r in data.run_requests or []]
        keys += [r.partition_key for r in data.run_requests or []]
    assert set(keys) == {"cdn-telemetry-sync.com", "yntdwvtkhybgx.com"}  # tunnel, and the DGA name that resolved
    assert len(run_keys) == len(set(run_keys))
    # re-materializing a day re-sends nothing new: the run keys are per domain and day
    assert dg.materialize([*hunts, dns_flags], partition_key="2026-11-16", instance=instance,
                          resources=resources).success
    again = flagged_domain_sensor(dg.build_sensor_context(instance=instance, cursor=cursor))
    assert {r.run_key for r in again.run_requests} <= set(run_keys)


def test_worth_investigating_skips_public_callback_and_honeytoken_services():
    """A canary token or an interactsh callback convicts the host that resolved it, not the service's own
    domain: no investigation of canarytokens.com, oast.fun or dnslog.cn; a self-hosted zone still gets one."""
    flagged = [
        {"domain": "canarytokens.com", "verdict": "tunnel", "score": 0.99},
        {"domain": "oast.fun", "verdict": "tunnel", "score": 0.99},
        {"domain": "DNSLOG.CN", "verdict": "tunnel", "score": 0.99},
        {"domain": "oast.attacker-lab.net", "verdict": "tunnel", "score": 0.9},
        {"domain": "t.com", "verdict": "tunnel", "score": 0.8},
    ]
    assert [f["domain"] for f in worth_investigating(flagged)] == ["oast.attacker-lab.net", "t.com"]


def test_worth_investigating_skips_nxdomain_dga_and_caps():
    flagged = [{"domain": f"d{i}.com", "verdict": "dga", "score": 0.9, "resolved": False} for i in range(100)]
    flagged += [{"domain": "t.com", "verdict": "tunnel", "score": 0.99},
                {"domain": "live.com", "verdict": "dga", "score": 0.95, "resolved": True}]
    assert [f["domain"] for f in worth_investigating(flagged)] == ["t.com", "live.com"]


def test_daily_schedule_targets_last_complete_day_and_every_daily_asset():
    schedule = defs.resolve_schedule_def("daily_hunts_schedule")
    ctx = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 22, 2, 15, tzinfo=UTC))
    requests = list(schedule.evaluate_tick(ctx).run_requests or [])
    assert [r.partition_key for r in requests] == ["2026-11-21"]
    job = defs.resolve_job_def("daily_hunts")
    keys = {"/".join(k.path) for k in job.asset_layer.executable_asset_keys}
    assert {"hunts/dns_events", "hunts/ldap_recon_queries", "analytics/dns_flags", "analytics/host_summary",
            "intel/hunt_indicators"} <= keys
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_investigation_job_covers_the_whole_investigation():
    job = defs.resolve_job_def("investigate_domain")
    keys = {"/".join(k.path) for k in job.asset_layer.executable_asset_keys}
    assert keys == {"intel/passive_dns", "analytics/pdns_heatmap", "intel/ti_verdicts", "intel/domain_context",
                    "reports/domain_report"}
