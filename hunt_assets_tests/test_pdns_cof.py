"""COF providers against fakes of CIRCL (NDJSON, string numbers) and DNSDB (SAF framing, limit/offset)."""

from __future__ import annotations

import json
from collections import deque
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from hunt_assets.clients.http import AuthenticationError, PermissionDeniedError, RateLimitedError, RetryPolicy
from hunt_assets.entities import parse_entity
from hunt_assets.intel.pdns.cof import CofConfig, CofProvider, parse_cof_lines
from hunt_assets.intel.pdns.fakes import FakeCof, cof_line

# verbatim from the COF JSON schema and the pdns-qof test data (api-contracts.md §7)
SCHEMA_EXAMPLE = ('{"count":962,"time_first":1522998917,"time_last":1619613241,"rrname":"westernunion.com.ph.",'
                  '"rrtype":"A","bailiwick":"westernunion.com.ph.","rdata":["66.218.161.27","66.218.170.77"]}')
TESTDATA_EXAMPLE = ('{"count":1909,"rdata":["cpa.circl.lu"],"rrname":"www.circl.lu","rrtype":"CNAME",'
                    '"time_first":1315586409,"time_last":1449566799}')
CIRCL_EXAMPLE = ('{"rrtype":"A","rrname":"circl.lu","rdata":"185.194.93.14","count":"19",'
                 '"time_first":"1696798385","time_last":"1697890824"}')


def test_parses_schema_testdata_and_circl_string_variants():
    parsed = parse_cof_lines([SCHEMA_EXAMPLE, TESTDATA_EXAMPLE, CIRCL_EXAMPLE], "cof:circl")
    assert not parsed.framed
    assert not parsed.truncated
    a, cname, circl = parsed.records
    assert a.rrname == "westernunion.com.ph"
    assert a.bailiwick == "westernunion.com.ph"
    assert a.rdata == ("66.218.161.27", "66.218.170.77")
    assert a.count == 962
    assert a.first_seen == datetime.fromtimestamp(1522998917, UTC).replace(tzinfo=None)
    assert cname.rrtype == "CNAME"
    assert cname.rdata == ("cpa.circl.lu",)
    assert circl.count == 19
    assert circl.rdata == ("185.194.93.14",)
    assert circl.last_seen == datetime(1970, 1, 1) + timedelta(seconds=1697890824)


def test_dnsdb_framing_succeeded_and_truncated_without_terminal_cond():
    obj = json.dumps({"obj": json.loads(TESTDATA_EXAMPLE)})
    complete = parse_cof_lines(['{"cond":"begin"}', obj, '{"cond":"succeeded"}'], "cof:dnsdb")
    assert complete.framed
    assert complete.terminal == "succeeded"
    assert not complete.truncated
    assert len(complete.records) == 1
    cut = parse_cof_lines(['{"cond":"begin"}', obj, obj.replace("circl", "circl2")], "cof:dnsdb")
    assert cut.truncated
    assert cut.terminal is None
    assert len(cut.records) == 2  # what arrived is kept


def test_cut_off_last_line_is_truncation_but_bad_middle_line_is_skipped():
    parsed = parse_cof_lines([CIRCL_EXAMPLE, "{not json", SCHEMA_EXAMPLE, TESTDATA_EXAMPLE[:40]], "cof:circl")
    assert parsed.truncated
    assert len(parsed.records) == 2
    assert parsed.warnings.skipped == 2
    assert any("line 2 is not JSON" in m for m in parsed.warnings.messages)
    assert any("line 4 is cut off" in m for m in parsed.warnings.messages)


def test_circl_backwards_a_record_is_turned_round():
    line = json.dumps({"rrtype": "A", "rrname": "185.194.93.14", "rdata": ["circl.lu", "www.circl.lu"],
                       "time_first": 1, "time_last": 2})
    records = parse_cof_lines([line], "cof:circl").records
    assert {(r.rrname, r.rdata) for r in records} == {("circl.lu", ("185.194.93.14",)),
                                                       ("www.circl.lu", ("185.194.93.14",))}


@pytest.mark.parametrize("bad", [
    '{"rrname":"a.example.com","rrtype":"A","rdata":"1.2.3.4","time_first":"yesterday","time_last":2}',
    '{"rrname":"a.example.com","rrtype":"A","time_first":1,"time_last":2}',
    '{"rrtype":"A","rdata":"1.2.3.4","time_first":1,"time_last":2}',
    '{"rrname":"a.example.com","rrtype":"A","rdata":"1.2.3.4","time_first":5,"time_last":2}',
    '["a", 1]',
])
def test_malformed_objects_are_skipped_and_named(bad):
    parsed = parse_cof_lines([bad, CIRCL_EXAMPLE], "cof:circl")
    assert len(parsed.records) == 1
    assert parsed.warnings.skipped >= 1
    assert parsed.warnings.messages[0].startswith("cof:circl")


def _circl(fake: FakeCof, sleeps: list[float] | None = None) -> CofProvider:
    sleeps = sleeps if sleeps is not None else []
    cfg = CofConfig(flavor="circl", base_url="https://pdns.test/pdns/query", username=fake.username,
                    password=fake.password)
    return CofProvider(cfg, transport=httpx.MockTransport(fake), sleep=sleeps.append)


def test_circl_provider_basic_auth_and_retry_after():
    fake = FakeCof(flavor="circl", data={"evil.example.com": [
        cof_line("evil.example.com", "A", "10.0.0.1", 1700000000, 1700500000, 4, as_strings=True),
        cof_line("evil.example.com", "NS", ["ns1.bad.net.", "ns2.bad.net."], 1690000000, 1700500000)]})
    fake.faults.append(httpx.Response(429, headers={"Retry-After": "7"}, text="slow down"))
    sleeps: list[float] = []
    provider = _circl(fake, sleeps)
    result = provider.lookup(parse_entity("evil.example.com"))
    assert sleeps == [7.0]
    assert len(fake.requests) == 2
    assert {r.rrtype for r in result.records} == {"A", "NS"}
    assert not result.truncated
    assert result.error is None
    assert fake.requests[-1].url.path == "/pdns/query/evil.example.com"


def test_circl_wrong_password_is_authentication_error_without_secret():
    fake = FakeCof(flavor="circl")
    cfg = CofConfig(flavor="circl", base_url="https://pdns.test/pdns/query", username="hunter",
                    password="wrong-password-zz")
    provider = CofProvider(cfg, transport=httpx.MockTransport(fake), sleep=lambda s: None)
    with pytest.raises(AuthenticationError) as err:
        provider.lookup(parse_entity("evil.example.com"))
    assert "wrong-password-zz" not in str(err.value)
    assert "wrong-password-zz" not in repr(provider)
    assert "wrong-password-zz" not in repr(cfg)


def test_circl_throttling_that_never_ends_raises_after_bounded_retries():
    fake = FakeCof(flavor="circl", faults=deque(httpx.Response(429, headers={"Retry-After": "1"})
                                                for _ in range(10)))
    cfg = CofConfig(flavor="circl", base_url="https://pdns.test/pdns/query", username=fake.username,
                    password=fake.password)
    provider = CofProvider(cfg, transport=httpx.MockTransport(fake), sleep=lambda s: None,
                           policy=RetryPolicy(max_attempts=3))
    with pytest.raises(RateLimitedError):
        provider.lookup(parse_entity("evil.example.com"))
    assert len(fake.requests) == 3


def _dnsdb(fake: FakeCof, page_size: int, max_records: int = 1000) -> CofProvider:
    cfg = CofConfig(flavor="dnsdb", base_url="https://api.dnsdb.test/dnsdb/v2", api_key=fake.api_key,
                    page_size=page_size, max_records=max_records)
    return CofProvider(cfg, transport=httpx.MockTransport(fake), sleep=lambda s: None)


def _rows(n: int, name: str = "evil.example.com"):
    return [cof_line(name, "A", f"10.0.{i // 256}.{i % 256}", 1600000000 + i, 1600100000 + i, i + 1)
            for i in range(n)]


def test_dnsdb_pages_with_offset_while_limited():
    fake = FakeCof(flavor="dnsdb", data={"evil.example.com": _rows(25)})
    result = _dnsdb(fake, page_size=10).lookup(parse_entity("evil.example.com"))
    assert len(result.records) == 25
    assert len({r.rdata for r in result.records}) == 25
    assert not result.truncated
    assert [r.url.params.get("offset") for r in fake.requests] == [None, "10", "20"]
    assert all(r.headers["X-API-Key"] == fake.api_key for r in fake.requests)


def test_dnsdb_ip_goes_to_rdata_lookup():
    fake = FakeCof(flavor="dnsdb", data={"10.0.0.5": [cof_line("evil.example.com", "A", "10.0.0.5", 1, 2)]})
    result = _dnsdb(fake, page_size=10).lookup(parse_entity("10.0.0.5"))
    assert fake.requests[0].url.path == "/dnsdb/v2/lookup/rdata/ip/10.0.0.5"
    assert result.records[0].rrname == "evil.example.com"


def test_dnsdb_stream_cut_off_is_reported_truncated():
    fake = FakeCof(flavor="dnsdb", data={"evil.example.com": _rows(5)}, drop_terminal=True)
    result = _dnsdb(fake, page_size=10).lookup(parse_entity("evil.example.com"))
    assert result.truncated
    assert len(result.records) == 5
    assert any("cut off" in w for w in result.warnings)


def test_dnsdb_server_limit_and_max_records_flag_truncation():
    fake = FakeCof(flavor="dnsdb", data={"evil.example.com": _rows(30)}, server_limit=8)
    result = _dnsdb(fake, page_size=10).lookup(parse_entity("evil.example.com"))
    assert result.truncated
    assert len(result.records) == 8
    capped = _dnsdb(FakeCof(flavor="dnsdb", data={"evil.example.com": _rows(30)}), page_size=10,
                    max_records=20).lookup(parse_entity("evil.example.com"))
    assert capped.truncated
    assert len(capped.records) == 20


def test_dnsdb_failed_cond_is_an_error_with_partial_records():
    text = "\n".join([json.dumps({"cond": "begin"}), json.dumps({"obj": json.loads(TESTDATA_EXAMPLE)}),
                      json.dumps({"cond": "failed", "msg": "Query timed out"})])
    fake = FakeCof(flavor="dnsdb", faults=deque([httpx.Response(200, text=text)]))
    result = _dnsdb(fake, page_size=10).lookup(parse_entity("www.circl.lu"))
    assert result.error
    assert "Query timed out" in result.error
    assert result.truncated
    assert len(result.records) == 1


def test_dnsdb_bad_key_is_permission_error_naming_the_variable():
    fake = FakeCof(flavor="dnsdb")
    cfg = CofConfig(flavor="dnsdb", base_url="https://api.dnsdb.test/dnsdb/v2", api_key="not-the-key-123")
    provider = CofProvider(cfg, transport=httpx.MockTransport(fake), sleep=lambda s: None)
    with pytest.raises(PermissionDeniedError) as err:
        provider.lookup(parse_entity("evil.example.com"))
    assert "HUNT_PDNS_COF_API_KEY" in str(err.value)
    assert "not-the-key-123" not in str(err.value)
