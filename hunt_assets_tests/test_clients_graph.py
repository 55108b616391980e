"""GraphClient and the hunting backends against scripted, documented Graph/Defender answers."""

from __future__ import annotations

import email.utils
import random
from datetime import UTC, datetime, timedelta

import httpx
import pandas as pd
import pytest

from hunt_assets.clients.auth import StaticTokenProvider
from hunt_assets.clients.graph import GraphClient
from hunt_assets.clients.http import (
    AuthenticationError,
    MalformedResponseError,
    PermissionDeniedError,
    QueryCostError,
    RateLimitedError,
    RetryPolicy,
    ServerError,
    TransportError,
)
from hunt_assets.clients.hunting import DefenderHuntingBackend, GraphHuntingBackend
from hunt_assets_tests.fakes.m365 import FakeClock, Script, body_of, graph_error, hunting_ok

START = datetime(2026, 11, 16, tzinfo=UTC)
END = START + timedelta(days=1)
SCHEMA = [("Timestamp", "DateTime"), ("DeviceName", "String"), ("RemotePort", "Int64"), ("Ok", "Boolean"),
          ("Score", "Double"), ("AdditionalFields", "Dynamic")]
ROWS = [
    {"Timestamp": "2026-11-16T09:39:50.7688641Z", "DeviceName": "ws1", "RemotePort": 443, "Ok": True,
     "Score": 0.5, "AdditionalFields": {"a": [1, 2]}},
    {"Timestamp": "2026-11-16T10:00:00Z", "DeviceName": None, "RemotePort": None, "Ok": None, "Score": None,
     "AdditionalFields": None},
]


def client(script: Script, clock: FakeClock | None = None, tokens: StaticTokenProvider | None = None,
           **kwargs) -> GraphClient:
    clock = clock or FakeClock()
    return GraphClient(tokens or StaticTokenProvider("tok-123456"), transport=script, sleep=clock.sleep, **kwargs)


def test_429_with_retry_after_seconds_waits_exactly_that():
    clock = FakeClock()
    script = Script(graph_error(429, "TooManyRequests", "slow down", Retry_After="7"), hunting_ok(ROWS, SCHEMA))
    result = GraphHuntingBackend(client(script, clock)).query("T", start=START, end=END)
    assert clock.sleeps == [7.0]
    assert len(script.requests) == 2
    assert len(result) == 2


def test_429_with_retry_after_http_date_waits_until_that_date():
    clock = FakeClock()
    when = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    script = Script(graph_error(429, "TooManyRequests", "slow down", Retry_After=when), hunting_ok(ROWS, SCHEMA))
    GraphHuntingBackend(client(script, clock)).query("T", start=START, end=END)
    assert len(clock.sleeps) == 1
    assert 25.0 <= clock.sleeps[0] <= 30.0


def test_429_without_retry_after_backs_off_exponentially_with_jitter_and_gives_up():
    clock = FakeClock()
    script = Script(graph_error(429, "429", "API calls quota exceeded! maximum allowed 45 per 00:01:00"))
    policy = RetryPolicy(max_attempts=5, backoff_base=1.0, backoff_max=60.0)
    with pytest.raises(RateLimitedError, match="quota exceeded"):
        GraphHuntingBackend(client(script, clock, policy=policy)).query("T", start=START, end=END)
    assert len(script.requests) == 5
    assert len(clock.sleeps) == 4
    for attempt, slept in enumerate(clock.sleeps, start=1):
        cap = min(60.0, 2 ** (attempt - 1))
        assert cap / 2 <= slept <= cap  # full jitter in the upper half of an exponentially growing cap


def test_server_errors_are_retried_then_succeed():
    clock = FakeClock()
    script = Script(graph_error(500, "InternalServerError", "boom"), graph_error(503, "ServiceUnavailable", "x"),
                    hunting_ok(ROWS, SCHEMA))
    result = GraphHuntingBackend(client(script, clock)).query("T", start=START, end=END)
    assert len(result) == 2
    assert len(clock.sleeps) == 2


def test_persistent_server_error_fails_after_bounded_attempts():
    clock = FakeClock()
    script = Script(graph_error(502, "BadGateway", "upstream"))
    with pytest.raises(ServerError, match="502"):
        GraphHuntingBackend(client(script, clock, policy=RetryPolicy(max_attempts=3))).query(
            "T", start=START, end=END)
    assert len(script.requests) == 3


@pytest.mark.parametrize("fault", [httpx.ReadTimeout("timed out"), httpx.ReadError("connection reset by peer"),
                                   httpx.ConnectError("refused")])
def test_timeouts_and_resets_retry_then_fail_clearly(fault):
    clock = FakeClock()
    recovered = Script(fault, hunting_ok(ROWS, SCHEMA))
    assert len(GraphHuntingBackend(client(recovered, clock)).query("T", start=START, end=END)) == 2
    dead = Script(fault)
    with pytest.raises(TransportError, match=type(fault).__name__):
        GraphHuntingBackend(client(dead, clock, policy=RetryPolicy(max_attempts=3))).query(
            "T", start=START, end=END)
    assert len(dead.requests) == 3


def test_401_drops_the_token_reacquires_once_then_fails_clearly():
    tokens = StaticTokenProvider("tok-abcdef")
    expired = graph_error(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
    script = Script(expired, hunting_ok(ROWS, SCHEMA))
    assert len(GraphHuntingBackend(client(script, tokens=tokens)).query("T", start=START, end=END)) == 2
    assert tokens.invalidations == 1

    tokens = StaticTokenProvider("tok-abcdef")
    script = Script(expired)
    with pytest.raises(AuthenticationError, match="401"):
        GraphHuntingBackend(client(script, tokens=tokens)).query("T", start=START, end=END)
    assert tokens.invalidations == 1
    assert len(script.requests) == 2  # one re-acquisition, not a loop


def test_query_cost_400_is_a_query_cost_error_not_retried_in_a_hot_loop():
    clock = FakeClock()
    script = Script(graph_error(400, "BadRequest", "Query execution has exceeded the allowed limits. The query "
                                                   "execution was preempted."))
    with pytest.raises(QueryCostError) as info:
        GraphHuntingBackend(client(script, clock)).query("T", start=START, end=END)
    assert len(script.requests) == 1
    assert clock.sleeps == []
    assert info.value.retryable
    assert info.value.retry_after >= 60


def test_403_names_the_missing_permission():
    script = Script(graph_error(403, "Forbidden", "Missing application roles."))
    with pytest.raises(PermissionDeniedError, match=r"ThreatHunting\.Read\.All"):
        GraphHuntingBackend(client(script)).query("T", start=START, end=END)
    legacy = Script(graph_error(403, "Forbidden", "Missing application roles."))
    with pytest.raises(PermissionDeniedError, match=r"AdvancedHunting\.Read\.All"):
        DefenderHuntingBackend(client(legacy, version="")).query("T", start=START, end=END)


def test_malformed_json_is_asked_again_then_fails_clearly():
    clock = FakeClock()
    half = httpx.Response(200, content=b'{"schema":[{"name":"A","type":"String"}],"results":[{"A":',
                          headers={"Content-Type": "application/json"})
    script = Script(half, hunting_ok(ROWS, SCHEMA))
    assert len(GraphHuntingBackend(client(script, clock)).query("T", start=START, end=END)) == 2
    html = httpx.Response(200, content=b"<html>proxy login</html>", headers={"Content-Type": "text/html"})
    dead = Script(html)
    with pytest.raises(MalformedResponseError, match="text/html"):
        GraphHuntingBackend(client(dead, clock, malformed_retries=1)).query("T", start=START, end=END)
    assert len(dead.requests) == 2
    no_schema = Script(httpx.Response(200, json={"results": [{"A": 1}]}))
    with pytest.raises(MalformedResponseError, match="no schema"):
        GraphHuntingBackend(client(no_schema)).query("T", start=START, end=END)


def test_graph_request_carries_query_timespan_and_bearer():
    script = Script(hunting_ok(ROWS, SCHEMA))
    GraphHuntingBackend(client(script, base_url="https://graph.microsoft.us")).query(
        "DeviceNetworkEvents | take 1", start=START, end=END)
    request = script.requests[0]
    assert str(request.url) == "https://graph.microsoft.us/v1.0/security/runHuntingQuery"
    assert request.headers["Authorization"] == "Bearer tok-123456"
    assert body_of(request) == {"Query": "DeviceNetworkEvents | take 1",
                                "Timespan": "2026-11-16T00:00:00.000000Z/2026-11-17T00:00:00.000000Z"}


def test_schema_casing_and_legacy_answers_give_the_same_typed_frame():
    lower = GraphHuntingBackend(client(Script(hunting_ok(ROWS, SCHEMA)))).query("T", start=START, end=END)
    pascal = GraphHuntingBackend(client(Script(hunting_ok(ROWS, SCHEMA, pascal_schema=True)))).query(
        "T", start=START, end=END)
    legacy_script = Script(hunting_ok(ROWS, SCHEMA, legacy=True))
    legacy = DefenderHuntingBackend(client(legacy_script, base_url="https://eu.api.security.microsoft.com",
                                           version="")).query("T", start=START, end=END)
    assert str(legacy_script.requests[0].url) == "https://eu.api.security.microsoft.com/api/advancedhunting/run"
    assert body_of(legacy_script.requests[0]) == {"Query": "T"}
    pd.testing.assert_frame_equal(lower.frame, pascal.frame)
    pd.testing.assert_frame_equal(lower.frame, legacy.frame)
    frame = lower.frame
    assert str(frame["Timestamp"].dtype) == "datetime64[us, UTC]"
    assert frame["Timestamp"][0] == pd.Timestamp("2026-11-16T09:39:50.768864Z")
    assert str(frame["RemotePort"].dtype) == "Int64"
    assert pd.isna(frame["RemotePort"][1])
    assert frame["AdditionalFields"].tolist() == ['{"a":[1,2]}', ""]
    assert frame["DeviceName"].tolist() == ["ws1", ""]


def test_paging_follows_next_link_unmodified_and_sends_params_once():
    next_link = "https://graph.microsoft.com/v1.0/security/alerts_v2?$skiptoken=X%3D%3D&$top=2"
    script = Script(httpx.Response(200, json={"value": [{"id": 1}, {"id": 2}], "@odata.nextLink": next_link}),
                    httpx.Response(200, json={"value": [{"id": 3}]}))
    items = list(client(script).get_paged("/security/alerts_v2",
                                          {"$filter": "lastUpdateDateTime ge 2026-11-16T00:00:00Z"}))
    assert [i["id"] for i in items] == [1, 2, 3]
    assert str(script.requests[0].url) == ("https://graph.microsoft.com/v1.0/security/alerts_v2?"
                                           "$filter=lastUpdateDateTime%20ge%202026-11-16T00:00:00Z")
    assert str(script.requests[1].url) == next_link


def test_paging_refuses_to_send_the_token_to_another_host_and_stops_loops():
    evil = Script(httpx.Response(200, json={"value": [1], "@odata.nextLink": "https://evil.example/steal"}))
    with pytest.raises(MalformedResponseError, match="refusing"):
        list(client(evil).get_paged("/x"))
    assert len(evil.requests) == 1
    link = "https://graph.microsoft.com/v1.0/x?$skiptoken=same"
    loop = Script(httpx.Response(200, json={"value": [1], "@odata.nextLink": link}))
    with pytest.raises(MalformedResponseError, match="loops"):
        list(client(loop).get_paged("/x"))


def test_jitter_spreads_retries_of_concurrent_clients():
    policy = RetryPolicy()
    delays = {round(policy.backoff(3, random.Random(seed)), 3) for seed in range(20)}
    assert len(delays) > 10
