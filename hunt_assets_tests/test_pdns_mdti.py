"""MDTI passive DNS through the real GraphClient against a fake of the documented Graph endpoints."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime

import httpx
import pytest

from hunt_assets.clients.auth import StaticTokenProvider
from hunt_assets.clients.graph import GraphClient
from hunt_assets.clients.http import MalformedResponseError, RetryPolicy, ServerError
from hunt_assets.entities import parse_entity
from hunt_assets.intel.pdns.fakes import FakeMdti, graph_error, mdti_record
from hunt_assets.intel.pdns.mdti import MdtiAccessError, MdtiProvider

# verbatim from security-host-list-passivedns.md (api-contracts.md §3)
DOC_FORWARD = {
    "@odata.type": "#microsoft.graph.security.passiveDnsRecord",
    "id": "Y29udG9zby5jb20kJDIwLjEwMy44NS4zMyQkZmFsc2U=",
    "firstSeenDateTime": "2022-04-18T10:31:12Z",
    "lastSeenDateTime": "2023-03-07T13:19:35Z",
    "collectedDateTime": "2023-03-07T13:59:34.735Z",
    "recordType": "A",
    "parentHost": {"id": "contoso.com"},
    "artifact": {"@odata.type": "#microsoft.graph.security.ipAddress", "id": "20.103.85.33"},
}
DOC_REVERSE = {**DOC_FORWARD, "id": "bWljcm9zb2Z0LmNvbTcxNDA5MjAuMTAzLjg1LjMz", "recordType": "CNAME",
               "artifact": {"@odata.type": "#microsoft.graph.security.hostname", "id": "www.contoso.com"}}
DOC_REPUTATION = {"id": "contoso.com", "classification": "malicious", "score": 100, "rules": [
    {"name": "Microsoft Defender Threat Intelligence Intel Article", "description": "Domain is in an article",
     "severity": "high", "relatedDetailsUrl": "https://ti.defender.microsoft.com/articles/x"}]}


def provider(fake: FakeMdti, sleeps: list[float] | None = None, **kw) -> MdtiProvider:
    tokens = StaticTokenProvider(fake.token)
    sleeps = sleeps if sleeps is not None else []
    graph = GraphClient(tokens, transport=httpx.MockTransport(fake), sleep=sleeps.append,
                        policy=RetryPolicy(max_attempts=3))
    return MdtiProvider(graph, **kw)


def test_documented_forward_sample():
    fake = FakeMdti(forward={"contoso.com": [DOC_FORWARD]})
    result = provider(fake).lookup(parse_entity("contoso.com"))
    [record] = result.records
    assert (record.rrname, record.rrtype, record.rdata) == ("contoso.com", "A", ("20.103.85.33",))
    assert record.first_seen == datetime(2022, 4, 18, 10, 31, 12)
    assert record.last_seen == datetime(2023, 3, 7, 13, 19, 35)
    assert record.collected_at == datetime(2023, 3, 7, 13, 59, 34, 735000)
    assert record.source == "mdti"
    assert record.count is None
    assert fake.requests[0].url.path == "/v1.0/security/threatIntelligence/hosts/contoso.com/passiveDns"


def test_documented_reverse_sample_reads_owner_to_answer():
    fake = FakeMdti(reverse={"contoso.com": [DOC_REVERSE]})
    result = provider(fake).history("contoso.com", reverse=True)
    [record] = result.records
    assert (record.rrname, record.rrtype, record.rdata) == ("www.contoso.com", "CNAME", ("contoso.com",))


def test_ip_investigation_uses_passive_dns_reverse():
    row = mdti_record("20.103.85.33", "evil.example.com", "A", datetime(2024, 1, 1), datetime(2024, 2, 1),
                      artifact_kind="hostname")
    fake = FakeMdti(reverse={"20.103.85.33": [row]})
    result = provider(fake).lookup(parse_entity("20.103.85.33"))
    assert fake.requests[0].url.path.endswith("/hosts/20.103.85.33/passiveDnsReverse")
    assert (result.records[0].rrname, result.records[0].rdata) == ("evil.example.com", ("20.103.85.33",))


def test_follows_next_link_across_pages_and_survives_429_and_503():
    rows = [mdti_record("evil.example.com", f"10.0.0.{i}", "A", datetime(2024, 1, 1, tzinfo=UTC),
                        datetime(2024, 1, 2 + i % 20, tzinfo=UTC)) for i in range(25)]
    fake = FakeMdti(forward={"evil.example.com": rows}, page_size=10)
    sleeps: list[float] = []
    p = provider(fake, sleeps)
    fake.faults.extend([graph_error(429, "TooManyRequests", "Too many requests", {"Retry-After": "3"})])
    it_result = p.lookup(parse_entity("evil.example.com"))
    assert len(it_result.records) == 25
    assert len({r.rdata for r in it_result.records}) == 25
    assert sleeps == [3.0]
    pages = [r for r in fake.requests if r.url.params.get("$skiptoken")]
    assert len(pages) == 2  # 25 records at 10 per page: the first page plus two nextLinks
    # a persistent 5xx after the first page raises: the asset then keeps the stored history unchanged
    fake2 = FakeMdti(forward={"evil.example.com": rows}, page_size=10)
    p2 = provider(fake2)
    original = fake2.__call__

    def flaky(request):
        if request.url.params.get("$skiptoken"):
            return graph_error(503, "ServiceUnavailable", "try later")
        return original(request)

    p2.graph._http = httpx.Client(transport=httpx.MockTransport(flaky))
    with pytest.raises(ServerError):
        p2.lookup(parse_entity("evil.example.com"))


def test_max_records_stops_paging_and_flags_truncation():
    rows = [mdti_record("evil.example.com", f"10.0.1.{i}", "A", datetime(2024, 1, 1), datetime(2024, 1, 3))
            for i in range(30)]
    fake = FakeMdti(forward={"evil.example.com": rows}, page_size=10)
    result = provider(fake, max_records=15).lookup(parse_entity("evil.example.com"))
    assert result.truncated
    assert len(result.records) == 15
    assert len(fake.requests) == 2


@pytest.mark.parametrize(("message", "cause"), [
    ("The tenant does not have a valid license for this API.", "not licensed"),
    ("Missing role permissions on the request. API requires one of 'ThreatIntelligence.Read.All'.",
     "lacks ThreatIntelligence.Read.All"),
])
def test_403_is_explained(message, cause):
    fake = FakeMdti(faults=deque([graph_error(403, "Forbidden", message)]))
    with pytest.raises(MdtiAccessError) as err:
        provider(fake).lookup(parse_entity("contoso.com"))
    text = str(err.value)
    assert cause in text
    assert "ThreatIntelligence.Read.All" in text
    assert "contoso.com" in text
    assert fake.token not in text


def test_expired_token_is_refreshed_once():
    fake = FakeMdti(forward={"contoso.com": [DOC_FORWARD]},
                    faults=deque([graph_error(401, "InvalidAuthenticationToken", "Lifetime validation failed")]))
    p = provider(fake)
    result = p.lookup(parse_entity("contoso.com"))
    assert len(result.records) == 1
    assert p.graph.token_provider.invalidations == 1


def test_unknown_host_is_empty_history_not_failure():
    result = provider(FakeMdti()).lookup(parse_entity("unknown.example.org"))
    assert result.records == []
    assert result.error is None
    assert "404" in result.warnings[0]


def test_html_body_is_malformed_response():
    html = [httpx.Response(200, text="<html>login</html>", headers={"content-type": "text/html"})
            for _ in range(5)]
    fake = FakeMdti(forward={"contoso.com": [DOC_FORWARD]}, faults=deque(html))
    with pytest.raises(MalformedResponseError, match="text/html"):
        provider(fake).lookup(parse_entity("contoso.com"))


def test_malformed_items_are_skipped_and_counted():
    broken = [{**DOC_FORWARD, "artifact": None}, {**DOC_FORWARD, "firstSeenDateTime": "last tuesday"},
              {**DOC_FORWARD, "recordType": None}, DOC_FORWARD, "not an object"]
    result = provider(FakeMdti(forward={"contoso.com": broken})).lookup(parse_entity("contoso.com"))
    assert len(result.records) == 1
    assert result.skipped == 4
    assert any("no artifact" in w for w in result.warnings)


def test_reputation_documented_sample_and_unknown_host():
    p = provider(FakeMdti(reputation={"contoso.com": DOC_REPUTATION}))
    rep = p.reputation("contoso.com")
    assert rep is not None
    assert (rep.classification, rep.score) == ("malicious", 100)
    assert rep.rules[0]["severity"] == "high"
    assert p.reputation("other.example.com") is None
