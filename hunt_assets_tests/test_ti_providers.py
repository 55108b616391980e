"""Each provider's request contract and its parser, against the documented response shapes."""

from __future__ import annotations

import base64
import json
import urllib.parse

import httpx
import pytest

from hunt_assets.clients.auth import StaticTokenProvider
from hunt_assets.clients.graph import GraphClient
from hunt_assets.clients.http import Limit, RateLimiter, RetryPolicy
from hunt_assets.intel.ti.base import ProviderConfig
from hunt_assets.intel.ti.engine import TIEngine
from hunt_assets.intel.ti.mdti import MDTIReputation
from hunt_assets.intel.ti.model import Indicator, parse_indicator
from hunt_assets.intel.ti.registry import PROVIDER_CLASSES, make_providers
from hunt_assets_tests import ti_fakes as tf


def _req(name, value, kind=None):
    (p,) = make_providers(tf.configs([name]), only=[name])
    return p, p.request([parse_indicator(value, kind)])


def test_virustotal_url_ids_are_unpadded_urlsafe_base64_and_key_in_header():
    _, req = _req("virustotal", "http://evil.example.com/a?b=c")
    ident = req.url.path.rsplit("/", 1)[1]
    assert base64.urlsafe_b64decode(ident + "=" * (-len(ident) % 4)).decode() == "http://evil.example.com/a?b=c"
    assert req.headers["x-apikey"] == tf.KEY
    assert "/api/v3/urls/" in req.url.path


@pytest.mark.parametrize(
    ("value", "section"),
    [
        ("evil.example.com", "hostname"),
        ("example.com", "domain"),
        ("2001:4860::8888", "IPv6"),
        ("203.0.113.66", "IPv4"),
    ],
)
def test_otx_sections(value, section):
    _, req = _req("otx", value)
    assert req.url.path.split("/")[4] == section
    assert req.headers["X-OTX-API-KEY"] == tf.KEY


def test_xforce_basic_auth_and_paths():
    _, req = _req("xforce", "203.0.113.66")
    user, _, pw = base64.b64decode(req.headers["authorization"].split()[1]).decode().partition(":")
    assert (user, pw) == (tf.KEY, tf.KEY)
    assert req.url.path == "/api/ipr/203.0.113.66"


def test_shodan_ipv4_only_key_in_query():
    p, req = _req("shodan", "203.0.113.66")
    assert req.url.params["key"] == tf.KEY
    assert not p.accepts(Indicator("ip", "2001:db8::1"))


def test_urlhaus_form_posts_and_threatfox_json():
    _, req = _req("urlhaus", "http://evil.example.com/x")
    assert req.method == "POST"
    assert dict(urllib.parse.parse_qsl(req.content.decode())) == {"url": "http://evil.example.com/x"}
    assert req.headers["Auth-Key"] == tf.KEY
    _, req = _req("threatfox", "44d88612fea8a8f36de82e1278abb02f")
    assert json.loads(req.content) == {"query": "search_hash", "hash": "44d88612fea8a8f36de82e1278abb02f"}


def test_openpagerank_batches_100_domains_per_call(tmp_path):
    names = ["openpagerank"]
    fake = tf.Faulty(tf.api(names))
    providers = make_providers(tf.configs(names), only=names)
    engine = TIEngine(
        providers, None, transport=fake.transport(), limiters={"openpagerank": RateLimiter("opr", (Limit(1000, 1),))}
    )
    inds = [parse_indicator(f"site{i}.example.com") for i in range(250)] + [parse_indicator("microsoft.com")]
    report = engine.enrich(inds)
    assert report.calls == 3
    assert len(report.verdicts) == 251
    by = {v.indicator: v for v in report.verdicts}
    assert by["microsoft.com"].severity.label == "information"
    assert by["site7.example.com"].severity.label == "low"


@pytest.mark.parametrize("name", sorted(set(PROVIDER_CLASSES) - {"mdti", "tor", "sslbl"}))
def test_every_http_provider_flags_the_planted_entities(name):
    fake = tf.Faulty(tf.api([name]))
    providers = make_providers(tf.configs([name]), only=[name])
    engine = TIEngine(
        providers, None, transport=fake.transport(), limiters={name: RateLimiter(name, (Limit(1000, 1),))}
    )
    evil = [parse_indicator(e["value"]) for e in tf.EVIL]
    report = engine.enrich(evil)
    assert report.verdicts, name
    assert all(v.status == "ok" for v in report.verdicts), [(v.indicator, v.status, v.detail) for v in report.verdicts]
    if name != "openpagerank":  # popularity, not reputation: unknown domains are only 'low'
        assert max(v.severity for v in report.verdicts).label in {"medium", "high"}


def test_sslbl_lists_the_sample_certificate_and_rejects_html():
    import hashlib

    from hunt_assets.intel.context.tls import sample_certificate

    sha1 = hashlib.sha1(sample_certificate("update-check.example-c2.xyz")).hexdigest()  # noqa: S324
    fast = {"sslbl": RateLimiter("sslbl", (Limit(1000, 1),))}
    engine = TIEngine(make_providers({}, only=["sslbl"]), None, transport=tf.api(["sslbl"]).transport(), limiters=fast)
    (v,) = engine.enrich([Indicator("cert_sha1", sha1)]).verdicts
    assert v.status == "ok"
    assert v.severity.label == "high"
    bad = tf.Faulty(tf.api(["sslbl"])).forever("sslbl", tf.html_200)
    engine = TIEngine(make_providers({}, only=["sslbl"]), None, transport=bad.transport(), limiters=fast)
    (v,) = engine.enrich([Indicator("cert_sha1", sha1)]).verdicts
    assert v.status == "malformed"
    assert "HTML" in v.detail


def _graph(handler):
    return GraphClient(
        StaticTokenProvider("tok-abcdef123456"),
        transport=httpx.MockTransport(handler),
        sleep=lambda s: None,
        policy=RetryPolicy(max_attempts=2),
    )


def test_mdti_reputation_through_graph_and_403_stops_the_provider():
    api = tf.api(["mdti"])
    provider = MDTIReputation(ProviderConfig(), graph=_graph(api.handle))
    engine = TIEngine([provider], None)
    (v,) = engine.enrich([parse_indicator("update-check.example-c2.xyz")]).verdicts
    assert v.status == "ok"
    assert v.severity.label == "high"
    assert "malicious" in v.detail

    calls = []

    def forbidden(request):
        calls.append(request)
        return httpx.Response(403, json={"error": {"code": "Forbidden", "message": "Missing role"}})

    provider = MDTIReputation(ProviderConfig(), graph=_graph(forbidden))
    report = TIEngine([provider], None).enrich([parse_indicator(f"h{i}.example.com") for i in range(6)])
    assert {v.status for v in report.verdicts} == {"auth_error"}
    assert "ThreatIntelligence.Read.All" in report.verdicts[0].detail
    assert len(calls) < 6
    assert report.stats["mdti"].calls == len(calls)


def test_mdti_without_graph_is_skipped():
    report = TIEngine(make_providers({}, only=["mdti"]), None).enrich([parse_indicator("example.com")])
    assert "mdti" in report.skipped
    assert report.verdicts == []
