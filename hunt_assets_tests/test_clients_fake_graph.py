"""The live code path (msal -> Graph client -> hunting backend -> run_hunt) against the in-process fake.

The fake executes the KQL on a small lake, so every comparison is with what the sample backend returns
for the same query -- never with hard-coded rows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from hunt_assets.backends import SampleLakeBackend
from hunt_assets.clients.factory import ConnectorConfigError, make_alerts_source, make_hunt_backend
from hunt_assets.clients.fake_graph import FakeGraph, FaultSpecError, parse_faults
from hunt_assets.clients.http import (
    AuthenticationError,
    PermissionDeniedError,
    QueryCostError,
    RateLimiter,
    ServerError,
    TransportError,
)
from hunt_assets.clients.hunting import GraphHuntingBackend
from hunt_assets.hunts.execute import HuntWindowTooDenseError, run_hunt
from hunt_assets.hunts.loader import parse_hunt
from hunt_assets_tests.fakes.m365 import FakeClock, build_mini_lake

DAY = datetime(2026, 11, 16, tzinfo=UTC)
HUNT_TEXT = """// name: net_urls
// description: network events with a URL
// tables: DeviceNetworkEvents
// time_column: Timestamp
DeviceNetworkEvents
| where isnotempty(RemoteUrl)
| project Timestamp, DeviceName, RemoteUrl, RemoteIP, RemotePort, Succeeded, AdditionalFields
"""
ALL_TEXT = HUNT_TEXT.replace("| where isnotempty(RemoteUrl)\n", "").replace("net_urls", "net_all")


@pytest.fixture(scope="module")
def lake(tmp_path_factory) -> Path:
    return build_mini_lake(tmp_path_factory.mktemp("m365") / "lake.duckdb", network_rows=2_000)


@pytest.fixture(scope="module")
def dense_lake(tmp_path_factory) -> Path:
    return build_mini_lake(tmp_path_factory.mktemp("dense") / "lake.duckdb", network_rows=50,
                           same_instant_rows=40)


def hunt(text: str = HUNT_TEXT):
    name = text.split("// name: ", 1)[1].split("\n", 1)[0]
    return parse_hunt(text, Path(f"queries/{name}.kql"))


def live(lake: Path, faults: str = "", clock: FakeClock | None = None, **kwargs) -> tuple[GraphHuntingBackend,
                                                                                           FakeGraph, FakeClock]:
    """A fake-graph backend whose every wait (retries, limiter, fake quota) runs on one fake clock."""
    clock = clock or FakeClock()
    fake = FakeGraph(lake, faults=faults, clock=clock, sleep=clock.sleep)
    backend = make_hunt_backend("fake-graph", lake_path=lake, transport=fake, sleep=clock.sleep,
                                tenant_id=f"t-{id(fake)}", **kwargs)
    limiter = backend.graph.limiter
    backend.graph.limiter = RateLimiter(limiter.name, limiter.limits, clock=clock, sleep=clock.sleep)
    return backend, fake, clock


def sample_rows(lake: Path, text: str = HUNT_TEXT, start: datetime = DAY, end: datetime = DAY + timedelta(days=1)):
    return run_hunt(SampleLakeBackend(lake), hunt(text), start, end).frame


def sort(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns[:3])).reset_index(drop=True)


def test_parse_faults_reads_the_documented_spec_and_rejects_typos():
    spec = parse_faults("429:0.3, 500:0.1,401:once,cap:5000,429noretry:0.2,seed:7,streak:2")
    assert spec.rates == {"429": 0.3, "500": 0.1, "429noretry": 0.2}
    assert spec.once == {"401"}
    assert (spec.cap, spec.seed, spec.streak) == (5000, 7, 2)
    with pytest.raises(FaultSpecError, match="unknown fault '492'"):
        parse_faults("492:0.1")
    with pytest.raises(FaultSpecError, match=r"within 0\.\.1"):
        parse_faults("500:3")
    with pytest.raises(FaultSpecError, match="whole number"):
        parse_faults("cap:lots")


def test_graph_results_equal_the_sample_backend_row_for_row(lake):
    backend, _fake, _ = live(lake)
    got = run_hunt(backend, hunt(), DAY, DAY + timedelta(days=1)).frame
    expected = sample_rows(lake)
    assert len(expected) > 1_000
    pd.testing.assert_frame_equal(got, expected)


def test_split_on_lowered_cap_returns_every_row_exactly_once(lake):
    backend, _fake, _ = live(lake, "cap:150")
    splits: list[int] = []
    got = run_hunt(backend, hunt(), DAY, DAY + timedelta(days=1),
                   on_split=lambda s, e, n: splits.append(n)).frame
    expected = sample_rows(lake)
    assert splits  # the cap was reached and the window split
    assert all(n == 150 for n in splits)  # the fake truncates at the cap, like the service
    assert not got.duplicated(["Timestamp", "DeviceName", "RemoteUrl"]).any()
    pd.testing.assert_frame_equal(sort(got), sort(expected))


def test_one_instant_over_the_cap_fails_naming_hunt_and_window(dense_lake):
    backend, _, _ = live(dense_lake, "cap:20")
    noon = DAY + timedelta(hours=12)
    with pytest.raises(HuntWindowTooDenseError, match=r"hunt net_all: window 2026-11-16T12:00:00"):
        run_hunt(backend, hunt(ALL_TEXT), noon - timedelta(seconds=1), noon + timedelta(seconds=1))


def test_faults_injected_still_give_exactly_the_sample_rows(lake):
    backend, fake, clock = live(lake, "malformed:0.15,429:0.3,500:0.1,429noretry:0.1,503:0.05,timeout:0.05,"
                                      "reset:0.05,slow:0.1,401:once,cap:400,seed:3")
    got = run_hunt(backend, hunt(), DAY, DAY + timedelta(days=1))
    pd.testing.assert_frame_equal(sort(got.frame), sort(sample_rows(lake)))
    for kind in ("429", "500", "401", "malformed"):
        assert fake.injected[kind] >= 1, kind
    assert fake.stats["tokens_issued"] == 2  # the 401 dropped the token and msal fetched a new one
    assert 1.0 in clock.sleeps  # Retry-After honoured


def test_without_a_streak_limit_retries_run_out_and_fail_clearly(lake):
    backend, fake, _clock = live(lake, "500:1.0,streak:0")
    with pytest.raises(ServerError, match="500"):
        backend.query("DeviceNetworkEvents | take 1", start=DAY, end=DAY + timedelta(hours=1))
    assert fake.injected["500"] == 6  # HUNTING_RETRY.max_attempts, then a clear error
    backend, fake, _ = live(lake, "reset:1.0,streak:0")
    with pytest.raises(TransportError, match="ReadError"):
        backend.query("DeviceNetworkEvents | take 1", start=DAY, end=DAY + timedelta(hours=1))


def test_cost_error_and_missing_permission_and_revoked_token(lake):
    backend, fake, clock = live(lake, "400cost:1.0")
    with pytest.raises(QueryCostError, match="exceeded the allowed limits"):
        backend.query("DeviceNetworkEvents | take 1", start=DAY, end=DAY + timedelta(hours=1))
    assert fake.injected["400cost"] == 1
    assert clock.sleeps == []

    clock = FakeClock()
    fake = FakeGraph(lake, roles={"SecurityAlert.Read.All"}, clock=clock)
    backend = make_hunt_backend("fake-graph", lake_path=lake, transport=fake, sleep=clock.sleep, tenant_id="t-403")
    with pytest.raises(PermissionDeniedError, match=r"ThreatHunting\.Read\.All"):
        backend.query("DeviceNetworkEvents | take 1", start=DAY, end=DAY + timedelta(hours=1))

    backend, fake, _ = live(lake)
    backend.query("DeviceNetworkEvents | take 1", start=DAY, end=DAY + timedelta(hours=1))
    fake.token_lifetime = -1  # every token issued from now on is already expired: re-acquire once, then fail
    fake._tokens.clear()
    with pytest.raises(AuthenticationError, match="401"):
        backend.query("DeviceNetworkEvents | take 1", start=DAY, end=DAY + timedelta(hours=1))
    assert fake.stats["tokens_issued"] == 2


def test_limiter_holds_a_burst_under_the_service_quota(lake):
    clock = FakeClock()
    # a service admitting 10/min (the real one: 45/min) and a client budget of the same size
    backend, fake, _ = live(lake, "quota:10", clock=clock, calls_per_minute=10, calls_per_hour=1500)
    for _ in range(25):
        backend.query("DeviceNetworkEvents | take 1", start=DAY, end=DAY + timedelta(hours=1))
    assert fake.injected["quota"] == 0  # the fake service never had to throttle us
    assert fake.max_calls_per_minute <= 10
    assert clock.now - 1_000.0 >= 120  # 25 calls at 10/min take at least two minutes
    assert "25 calls" in backend.graph.limiter.state()


def test_the_fake_service_quota_throttles_a_client_without_a_limiter(lake):
    clock = FakeClock()
    fake = FakeGraph(lake, faults="quota:5", clock=clock, sleep=clock.sleep)
    backend = make_hunt_backend("fake-graph", lake_path=lake, transport=fake, sleep=clock.sleep, tenant_id="t-q")
    backend.graph.limiter = None
    for _ in range(8):
        backend.query("DeviceNetworkEvents | take 1", start=DAY, end=DAY + timedelta(hours=1))
    assert fake.injected["quota"] >= 1  # 429 "API calls quota exceeded", recovered via Retry-After
    assert any(s >= 1 for s in clock.sleeps)


def test_legacy_backend_through_the_fake_matches_graph(lake):
    clock = FakeClock()
    fake = FakeGraph(lake, clock=clock)
    legacy = make_hunt_backend("defender", lake_path=lake, transport=fake, sleep=clock.sleep, tenant_id="t",
                               client_id="c", client_secret="legacy-secret-value",
                               defender_url="https://eu.api.security.microsoft.com")
    got = run_hunt(legacy, hunt(), DAY, DAY + timedelta(days=1)).frame
    pd.testing.assert_frame_equal(got, sample_rows(lake))


def test_alerts_through_graph_paging_equal_the_sample_feed(lake):
    clock = FakeClock()
    fake = FakeGraph(lake, faults="429:0.2,500:0.1", page_size=5, clock=clock, sleep=clock.sleep)
    source = make_alerts_source("fake-graph", lake_path=lake, transport=fake, sleep=clock.sleep, tenant_id="t-al")
    source.graph.limiter = RateLimiter("alerts", source.graph.limiter.limits, clock=clock, sleep=clock.sleep)
    since = DAY + timedelta(hours=2)
    via_graph = source.alerts_since(since)
    sample = make_alerts_source("sample", lake_path=lake).alerts_since(since)
    assert len(sample) == 10
    assert via_graph == sample
    assert fake.stats["GET ^/(?P<ver>v1\\.0|beta)/security/alerts_v2$"] >= 2  # paged (page size 5)
    kinds = {e.kind for a in via_graph for e in a.evidence}
    assert {"ip", "url", "device", "file", "user", "unknown"} <= kinds
    unknown = next(e for a in via_graph for e in a.evidence if e.kind == "unknown")
    assert unknown.raw["@odata.type"].endswith("mailboxEvidence")


def test_factory_refuses_incomplete_live_settings_naming_the_variables(lake):
    with pytest.raises(ConnectorConfigError, match="AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET"):
        make_hunt_backend("graph", lake_path=lake)
    with pytest.raises(ConnectorConfigError, match="unknown live backend"):
        make_hunt_backend("splunk", lake_path=lake)
    with pytest.raises(FaultSpecError):
        make_hunt_backend("fake-graph", lake_path=lake, fake_faults="boom:1")


def test_timespan_limits_what_the_fake_service_scans(lake):
    from hunt_assets.clients.fake_graph import parse_timespan

    now = datetime(2026, 11, 20, tzinfo=UTC)
    assert parse_timespan("2026-11-16T00:00:00Z/2026-11-17T00:00:00Z", now=now) == (DAY, DAY + timedelta(days=1))
    assert parse_timespan("P1D/2026-11-17T00:00:00Z", now=now) == (DAY, DAY + timedelta(days=1))
    assert parse_timespan("2026-11-16T00:00:00Z/PT12H", now=now) == (DAY, DAY + timedelta(hours=12))
    assert parse_timespan("P30D", now=now) == (now - timedelta(days=30), now)
    assert parse_timespan("P1D/P2D", now=now) is None
    backend, _fake, _ = live(lake)
    # No time filter in the KQL: only the Timespan (first six hours) limits the rows.
    got = backend.query("DeviceNetworkEvents | project Timestamp", start=DAY, end=DAY + timedelta(hours=6)).frame
    everything = SampleLakeBackend(lake).query("DeviceNetworkEvents | project Timestamp", start=DAY,
                                               end=DAY + timedelta(hours=6)).frame
    expected = everything[(everything.Timestamp >= DAY) & (everything.Timestamp < DAY + timedelta(hours=6))]
    assert 0 < len(got) == len(expected) < len(everything)


def test_fake_serves_mdti_passive_dns_with_paging_and_the_permission_check(tmp_path):
    import duckdb

    lake = build_mini_lake(tmp_path / "lake.duckdb", network_rows=5)
    with duckdb.connect(str(lake)) as con:
        con.execute("CREATE TABLE SamplePassiveDns (rrname VARCHAR, rrtype VARCHAR, rdata VARCHAR[], "
                    "time_first TIMESTAMP, time_last TIMESTAMP, count BIGINT, bailiwick VARCHAR)")
        con.execute("INSERT INTO SamplePassiveDns VALUES "
                    "('evil.example', 'A', ['192.0.2.1', '192.0.2.2'], '2026-10-01', '2026-11-01', 3, 'evil.example'),"
                    "('evil.example', 'NS', ['ns1.host.example'], '2026-09-01', '2026-11-02', 9, 'evil.example'),"
                    "('other.example', 'A', ['192.0.2.2'], '2026-10-05', '2026-10-06', 1, 'other.example')")
    clock = FakeClock()
    fake = FakeGraph(lake, page_size=2, clock=clock)
    graph = make_hunt_backend("fake-graph", lake_path=lake, transport=fake, sleep=clock.sleep, tenant_id="t-ti").graph
    forward = list(graph.get_paged("/security/threatIntelligence/hosts/evil.example/passiveDns"))
    assert sorted((r["recordType"], r["artifact"]["id"]) for r in forward) == [
        ("A", "192.0.2.1"), ("A", "192.0.2.2"), ("NS", "ns1.host.example")]
    assert {r["artifact"]["@odata.type"] for r in forward if r["recordType"] == "A"} == {
        "#microsoft.graph.security.ipAddress"}
    assert all(r["parentHost"]["id"] == "evil.example" for r in forward)
    reverse = list(graph.get_paged("/security/threatIntelligence/hosts/192.0.2.2/passiveDnsReverse"))
    assert sorted(r["artifact"]["id"] for r in reverse) == ["evil.example", "other.example"]
    assert fake.stats[next(k for k in fake.stats if "threatIntelligence/hosts" in k)] >= 3  # 3 records, pages of 2
    no_ti = FakeGraph(lake, roles={"ThreatHunting.Read.All"}, clock=clock)
    graph = make_hunt_backend("fake-graph", lake_path=lake, transport=no_ti, sleep=clock.sleep,
                              tenant_id="t-ti2").graph
    with pytest.raises(PermissionDeniedError, match=r"ThreatIntelligence\.Read\.All"):
        graph.get_json("/security/threatIntelligence/hosts/evil.example/reputation",
                       forbidden_hint="ThreatIntelligence.Read.All")


def test_same_settings_reuse_one_connection_and_its_token_cache(lake):
    from hunt_assets.clients.factory import connect

    settings = {"lake_path": lake, "tenant_id": "t-reuse", "client_id": "c", "client_secret": "reuse-secret-1"}
    first, second = connect("fake-graph", **settings), connect("fake-graph", **settings)
    assert first is second  # e.g. the alerts sensor, tick after tick
    first.graph_tokens.token()
    second.graph_tokens.token()
    assert first.transport.stats["tokens_issued"] == 1
    other = connect("fake-graph", **{**settings, "client_secret": "another-secret"})
    assert other is not first


def test_the_fake_service_lets_new_alert_write_between_its_requests(sample_lake, tmp_path):
    """`HUNT_BACKEND=fake-graph` under `dagster dev`: the alert sensor's connection (and its fake) lives
    as long as the code server, and `hunt-assets new-alert` must still append to the lake meanwhile.
    Each request of the fake reads the lake in its own turn instead of holding it open."""
    import shutil
    import subprocess
    import sys

    import duckdb

    lake = tmp_path / "sample_tenant.duckdb"
    shutil.copy(sample_lake, lake)
    clock = FakeClock()
    fake = FakeGraph(lake, clock=clock)
    source = make_alerts_source("fake-graph", lake_path=lake, transport=fake, sleep=clock.sleep, tenant_id="t-na")
    before = source.alerts_since(DAY - timedelta(days=30))
    backend = make_hunt_backend("fake-graph", lake_path=lake, transport=fake, sleep=clock.sleep, tenant_id="t-na")
    assert len(backend.query("AlertInfo | project AlertId", start=DAY, end=DAY + timedelta(days=1)).frame) > 0
    append = ("import sys; from hunt_assets.sample_tenant import add_alert; "
              "add_alert(sys.argv[1], domain='appended-while-serving.example.com', lock_timeout=5)")
    done = subprocess.run([sys.executable, "-c", append, str(lake)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    after = source.alerts_since(DAY - timedelta(days=30))  # the same fake, still serving, sees the new alert
    assert len(after) == len(before) + 1
    assert any(e.value == "appended-while-serving.example.com" for a in after for e in a.evidence)
    with duckdb.connect(str(lake), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM AlertInfo").fetchone()[0] == len(after)
