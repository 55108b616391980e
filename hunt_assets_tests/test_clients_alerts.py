"""alerts_v2: filter, paging to the end, evidence by @odata.type; and check-connection over the fake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

from hunt_assets.clients.alerts import GraphAlertsClient, parse_alert, parse_evidence, parse_graph_datetime
from hunt_assets.clients.auth import StaticTokenProvider
from hunt_assets.clients.check import check_connection, format_results
from hunt_assets.clients.fake_graph import FakeGraph
from hunt_assets.clients.graph import GraphClient
from hunt_assets.clients.http import Limit, PermissionDeniedError, RateLimiter
from hunt_assets_tests.fakes.m365 import FakeClock, Script, build_mini_lake, graph_error

SECRET = "check-conn-SECRET-9f8e7d"
P = "#microsoft.graph.security."
EVIDENCE = [
    {"@odata.type": P + "ipEvidence", "ipAddress": "203.0.113.7", "countryLetterCode": "NL", "roles": []},
    {"@odata.type": P + "urlEvidence", "url": "hxxps://evil.example/a", "roles": ["commandAndControl"]},
    {"@odata.type": P + "dnsEvidence", "domainName": "c2.evil.example",
     "ipAddresses": [{"@odata.type": P + "ipEvidence", "ipAddress": "198.51.100.1"}]},
    {"@odata.type": P + "deviceEvidence", "mdeDeviceId": "abc", "deviceDnsName": "ws1.contoso.local"},
    {"@odata.type": P + "fileEvidence", "fileDetails": {"sha1": "s1", "sha256": "s256", "fileName": "a.exe"}},
    {"@odata.type": P + "userEvidence", "userAccount": {"userPrincipalName": "kim@contoso.com"}},
    {"@odata.type": P + "oauthApplicationEvidence", "appId": "app-1", "displayName": "Sketchy App"},
]


def alert(i: int, updated: str = "2026-11-16T10:00:00.1234567Z", **extra) -> dict:
    return {"id": f"da{i}", "title": f"Alert {i}", "severity": "high", "status": "new",
            "createdDateTime": "2026-11-16T09:00:00Z", "lastUpdateDateTime": updated, "evidence": EVIDENCE, **extra}


def test_evidence_is_dispatched_on_odata_type_and_unknown_kept_raw():
    parsed = [parse_evidence(e) for e in EVIDENCE]
    assert [(e.kind, e.value) for e in parsed] == [
        ("ip", "203.0.113.7"), ("url", "hxxps://evil.example/a"), ("dns", "c2.evil.example"),
        ("device", "ws1.contoso.local"), ("file", "s256"), ("user", "kim@contoso.com"), ("unknown", "")]
    assert parsed[-1].raw["displayName"] == "Sketchy App"
    assert parsed[-1].odata_type.endswith("oauthApplicationEvidence")


def test_graph_datetimes_with_seven_fraction_digits_and_offsets():
    assert parse_graph_datetime("2026-11-16T10:00:00.1234567Z") == datetime(2026, 11, 16, 10, 0, 0, 123456,
                                                                            tzinfo=UTC)
    assert parse_graph_datetime("2026-11-16T12:00:00+02:00") == datetime(2026, 11, 16, 10, tzinfo=UTC)
    assert parse_graph_datetime("yesterday") is None
    a = parse_alert(alert(1))
    assert a.last_updated.tzinfo is not None
    assert len(a.evidence) == 7


def test_alerts_since_filters_pages_to_the_end_and_keeps_the_latest_state():
    next_link = "https://graph.microsoft.com/v1.0/security/alerts_v2?$skiptoken=p2"
    script = Script(
        httpx.Response(200, json={"value": [alert(1), alert(2)], "@odata.nextLink": next_link}),
        graph_error(429, "TooManyRequests", "slow", Retry_After="2"),
        httpx.Response(200, json={"value": [alert(3), alert(1, updated="2026-11-16T11:00:00Z")]}),
    )
    clock = FakeClock()
    graph = GraphClient(StaticTokenProvider("tok-alerts"), transport=script, sleep=clock.sleep)
    limiter = RateLimiter("alerts", (Limit(150, 60),), clock=clock, sleep=clock.sleep)
    alerts = GraphAlertsClient(graph, limiter=limiter).alerts_since(datetime(2026, 11, 16, 8, tzinfo=timezone(
        timedelta(hours=1))))
    assert [a.id for a in alerts] == ["da1", "da2", "da3"]
    assert alerts[0].last_updated == datetime(2026, 11, 16, 11, tzinfo=UTC)  # the later state of da1 won
    first = script.requests[0]
    assert first.url.params["$filter"] == "lastUpdateDateTime ge 2026-11-16T07:00:00Z"
    assert first.headers["Prefer"] == "include-unknown-enum-members"
    assert str(script.requests[1].url) == next_link == str(script.requests[2].url)
    assert clock.sleeps == [2.0]
    assert limiter.total_calls == 3


def test_alerts_forbidden_names_the_permission():
    graph = GraphClient(StaticTokenProvider("tok"), transport=Script(graph_error(403, "Forbidden", "no")))
    with pytest.raises(PermissionDeniedError, match=r"SecurityAlert\.Read\.All"):
        GraphAlertsClient(graph, tenant="t-forbidden").alerts_since(datetime(2026, 11, 16, tzinfo=UTC))


def test_alerts_limiter_holds_150_per_minute_under_a_burst():
    clock = FakeClock()
    script = Script(httpx.Response(200, json={"value": []}))
    graph = GraphClient(StaticTokenProvider("tok"), transport=script, sleep=clock.sleep)
    client = GraphAlertsClient(graph, limiter=RateLimiter("alerts", (Limit(150, 60),), clock=clock,
                                                          sleep=clock.sleep))
    for _ in range(400):
        client.alerts_since(datetime(2026, 11, 16, tzinfo=UTC))
    assert len(script.requests) == 400
    assert clock.now - 1_000.0 >= 120  # 400 calls at 150/min need two full windows of waiting


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    return build_mini_lake(tmp_path_factory.mktemp("check") / "lake.duckdb", network_rows=10)


def test_check_connection_reports_each_permission_and_never_the_secret(lake, capsys):
    fake = FakeGraph(lake, roles={"ThreatHunting.Read.All", "SecurityAlert.Read.All"}, client_secret=SECRET)
    results = check_connection("fake-graph", lake_path=lake, tenant_id="t", client_id="c", client_secret=SECRET,
                               transport=fake, sleep=lambda s: None)
    status = {r.feature: r.ok for r in results}
    assert status == {"sign-in": True, "advanced hunting": True, "alerts": True, "threat intelligence": False,
                      "legacy advanced hunting": False}
    mdti = next(r for r in results if r.feature == "threat intelligence")
    assert "ThreatIntelligence.Read.All" in mdti.detail
    table = format_results(results)
    print(table)
    assert SECRET not in table + capsys.readouterr().out
    assert all(t not in table for t in fake.issued_tokens)


def test_check_connection_with_a_wrong_secret_fails_sign_in_and_skips_the_rest(lake):
    fake = FakeGraph(lake, client_secret="the-real-one")
    results = check_connection("fake-graph", lake_path=lake, tenant_id="t", client_id="c", client_secret=SECRET,
                               transport=fake, sleep=lambda s: None, include_legacy=False)
    assert results[0].feature == "sign-in"
    assert not results[0].ok
    assert "invalid_client" in results[0].detail
    assert [r.detail for r in results[1:]] == ["skipped: no token"] * 3
    assert SECRET not in format_results(results)
    config = check_connection("graph", tenant_id="t")
    assert not config[0].ok
    assert "AZURE_CLIENT_ID" in config[0].detail
