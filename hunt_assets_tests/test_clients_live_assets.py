"""Hunts materialized through the live code path (HUNT_BACKEND=fake-graph) equal the sample backend's,
and no secret or token reaches logs, stdout/stderr, run events, metadata, exceptions or the warehouse."""

from __future__ import annotations

import functools
import logging
import traceback
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

import hunt_assets.clients.factory as factory
from hunt_assets.assets.hunts import build_hunt_asset, hunt_table
from hunt_assets.clients.fake_graph import FakeGraph
from hunt_assets.clients.http import AuthenticationError, RateLimiter
from hunt_assets.hunts.execute import run_hunt
from hunt_assets.hunts.loader import parse_hunt
from hunt_assets.resources import HuntingResource, WarehouseResource
from hunt_assets.warehouse.store import Warehouse
from hunt_assets_tests.fakes.m365 import FakeClock, build_mini_lake

SECRET = "Zq8~client.SECRET-value_for-tests"
HUNT = parse_hunt("""// name: net_urls_live
// description: network events with a URL
// tables: DeviceNetworkEvents
// time_column: Timestamp
DeviceNetworkEvents
| where isnotempty(RemoteUrl)
| project Timestamp, DeviceName, RemoteUrl, RemoteIP, RemotePort, Succeeded, AdditionalFields
""", Path("queries/net_urls_live.kql"))


@pytest.fixture(scope="module")
def lake(tmp_path_factory) -> Path:
    return build_mini_lake(tmp_path_factory.mktemp("live") / "lake.duckdb", network_rows=1_500)


@pytest.fixture
def fakes(monkeypatch) -> list[FakeGraph]:
    """Route the resource's factory call through a fake whose waits run on a fake clock."""
    made: list[FakeGraph] = []
    original = factory.make_hunt_backend
    clock = FakeClock()

    def make(kind, **kwargs):
        fake = FakeGraph(kwargs["lake_path"], faults=kwargs.get("fake_faults"), clock=clock, sleep=clock.sleep)
        made.append(fake)
        backend = original(kind, transport=fake, **{**kwargs, "sleep": clock.sleep})
        limiter = backend.graph.limiter
        backend.graph.limiter = RateLimiter(limiter.name, limiter.limits, clock=clock, sleep=clock.sleep)
        return backend

    monkeypatch.setattr(factory, "make_hunt_backend", functools.wraps(original)(make))
    return made


def materialize(warehouse: Path, hunting: HuntingResource, partition: str = "2026-11-16",
                raise_on_error: bool = True):
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([build_hunt_asset(HUNT)], partition_key=partition, instance=instance,
                            resources={"hunting": hunting, "warehouse": WarehouseResource(path=str(warehouse))},
                            raise_on_error=raise_on_error)
    return result, instance


def rows(warehouse: Path):
    frame = Warehouse(warehouse).query(f"SELECT * EXCLUDE (partition_date) FROM {hunt_table(HUNT.name)}")
    return frame.sort_values(["Timestamp", "DeviceName", "RemoteUrl"]).reset_index(drop=True)


def test_fake_graph_with_faults_materializes_the_same_rows_as_sample(lake, tmp_path, fakes):
    sample_wh, live_wh = tmp_path / "sample.duckdb", tmp_path / "live.duckdb"
    materialize(sample_wh, HuntingResource(backend="sample", lake_path=str(lake)))
    result, _ = materialize(live_wh, HuntingResource(
        backend="fake-graph", lake_path=str(lake), fake_faults="429:0.3,500:0.1,cap:300,seed:11"))
    expected, got = rows(sample_wh), rows(live_wh)
    assert len(expected) == 1_200
    assert got.equals(expected)
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["backend"].value == "fake-graph"
    assert metadata["window_splits"].value >= 3
    assert fakes[0].injected["429"] + fakes[0].injected["500"] >= 1


def test_no_secret_or_token_in_logs_output_events_metadata_errors_or_warehouse(lake, tmp_path, fakes, caplog,
                                                                              capfd):
    caplog.set_level(logging.DEBUG)
    warehouse = tmp_path / "wh.duckdb"
    hunting = HuntingResource(backend="fake-graph", lake_path=str(lake), tenant_id="tenant-x", client_id="app-y",
                              client_secret=SECRET, fake_faults="401:once,429:0.2,malformed:0.1,cap:500")
    ok, ok_instance = materialize(warehouse, hunting)
    assert ok.success
    # A failing call (every token rejected) outside Dagster, whose asset retry policy would really wait:
    failing = HuntingResource(backend="fake-graph", lake_path=str(lake), tenant_id="tenant-x", client_id="app-y",
                              client_secret=SECRET, fake_faults="401:1.0,streak:0")
    backend = failing.get_backend()
    with pytest.raises(AuthenticationError) as info:
        run_hunt(backend, HUNT, datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 17, tzinfo=UTC))
    failure = "".join(traceback.format_exception(info.value))
    assert "401" in failure  # the failure is explained...

    tokens = [t for fake in fakes for t in fake.issued_tokens]
    assert len(tokens) >= 3  # a 401 forced re-acquisition in both runs
    out, err = capfd.readouterr()
    texts = [caplog.text, out, err, failure, repr(hunting), str(hunting), repr(fakes), repr(backend),
             str(ok.all_events)]
    entries = ok_instance.all_logs(ok.run_id)
    assert len(entries) > 10
    texts += [str(entry) for entry in entries]
    texts.append(Path(warehouse).read_bytes().decode("latin-1"))
    blob = "\n".join(texts)
    for secret in [SECRET, *tokens]:
        assert secret not in blob  # ...without the secret or any token


def test_hunting_resource_repr_hides_the_client_secret(lake):
    hunting = HuntingResource(backend="fake-graph", lake_path=str(lake), client_secret=SECRET)
    assert SECRET not in repr(hunting)
    assert SECRET not in str(hunting)
