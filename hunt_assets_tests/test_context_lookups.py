"""Context look-ups: RDAP (bootstrap, 404, 429, garbage), ASN, live DNS and TLS, all without network."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pandas as pd
import pytest

from hunt_assets.intel.context.asn import FakeRdapIp, lookup_asn
from hunt_assets.intel.context.dns_live import FakeResolver, resolve_all
from hunt_assets.intel.context.domain import ACTIVE_OFF, ContextLookups, build_context
from hunt_assets.intel.context.rdap import FakeRegistry, RdapClient, load_bootstrap, rdap_domain_document
from hunt_assets.intel.context.tls import fetch_certificate, sample_certificate
from hunt_assets.special_names import never_delegated

CREATED = datetime(2026, 11, 14, tzinfo=UTC)


def test_bundled_bootstrap_routes_real_registries():
    boot = load_bootstrap()
    assert boot["com"] == "https://rdap.verisign.com/com/v1/"
    assert boot["org"] == "https://rdap.publicinterestregistry.net/rdap/org/"


def test_rdap_registration_age_and_registrar():
    registry = FakeRegistry({"example-c2.xyz": rdap_domain_document("example-c2.xyz", created=CREATED)})
    client = RdapClient(transport=registry.transport(), sleep=lambda s: None)
    reg = client.domain("update-check.example-c2.xyz")
    assert reg.domain == "example-c2.xyz"
    assert reg.registrar == "Sample Registrar, Inc."
    assert reg.age_days(datetime(2026, 11, 20, tzinfo=UTC)) == 6
    assert registry.requests[0].url.host == "rdap.centralnic.com"
    assert client.domain("never-registered.com").error == "not registered (RDAP 404)"
    assert "no RDAP server" in client.domain("x.unknowntld").error


def test_rdap_retries_429_and_reports_garbage():
    answers = [
        httpx.Response(429, headers={"Retry-After": "3"}),
        httpx.Response(200, text="<html>maintenance</html>", headers={"content-type": "text/html"}),
    ]
    slept = []
    client = RdapClient(transport=httpx.MockTransport(lambda r: answers.pop(0)), sleep=slept.append)
    reg = client.domain("example.com")
    assert slept == [3.0]
    assert "expected JSON" in reg.error


def test_asn_lookup_private_and_failures_never_raise():
    fake = FakeRdapIp(
        {
            "203.0.113.66": {
                "asn": "64501",
                "asn_description": "EVIL-AS",
                "asn_country_code": "NL",
                "asn_cidr": "203.0.113.0/24",
                "asn_registry": "ripencc",
            }
        }
    )
    info = lookup_asn("203.0.113.66", rdap=fake)
    assert (info.asn, info.country, info.cidr) == ("64501", "NL", "203.0.113.0/24")
    assert "private" in lookup_asn("10.1.2.3", rdap=fake).error
    assert fake.calls == ["203.0.113.66"]

    def broken(ip):
        raise OSError("connection reset")

    assert "connection reset" in lookup_asn("8.8.8.8", rdap=broken).error


def test_live_dns_records_nxdomain_and_timeouts():
    resolver = FakeResolver(
        {("a.example.com", "A"): ["203.0.113.5"], ("a.example.com", "TXT"): ['"v=spf1 -all"']},
        timeouts=["slow.example.com"],
    )
    ctx = resolve_all("a.example.com", resolver=resolver)
    assert ctx.records["A"] == ["203.0.113.5"]
    assert ctx.records["MX"] == []
    assert ctx.records["TXT"] == ["v=spf1 -all"]
    assert resolve_all("nope.example.com", resolver=resolver).errors == {"A": "NXDOMAIN"}
    assert "timeout" in resolve_all("slow.example.com", resolver=resolver).errors["A"]


def test_tls_certificate_parsing_and_failures():
    info = fetch_certificate("evil.example-c2.xyz", connect=lambda h, p, t: sample_certificate(h))
    assert info.self_signed
    assert len(info.sha1) == 40
    assert info.san == ("evil.example-c2.xyz",)
    assert "not an X.509" in fetch_certificate("x", connect=lambda h, p, t: b"garbage").error

    # a host name over X.509's 64-character common-name cap goes in the SAN only, as CAs issue it
    long_host = "o.kim.ws-it-002.contoso.ini.q7m2vx9k4t1bzr8hn5cw3yfd6.canarytokens.com"
    long_info = fetch_certificate(long_host, connect=lambda h, p, t: sample_certificate(h))
    assert long_info.error == ""
    assert long_info.san == (long_host,)
    assert long_info.subject == ""
    assert long_info.self_signed

    def refused(h, p, t):
        raise ConnectionRefusedError("refused")

    assert "refused" in fetch_certificate("x", connect=refused).error


def _lookups(active):
    registry = FakeRegistry({"example-c2.xyz": rdap_domain_document("example-c2.xyz", created=CREATED)})
    rdap = RdapClient(transport=registry.transport(), sleep=lambda s: None)
    resolver = FakeResolver({("update.example-c2.xyz", "A"): ["203.0.113.9"]})
    touched = []

    def tls(h):
        touched.append(h)
        return fetch_certificate(h, connect=lambda host, p, t: sample_certificate(host))

    return ContextLookups(
        registration=rdap.domain,
        asn=lambda ip: lookup_asn(ip, rdap=FakeRdapIp()),
        dns=lambda h: (touched.append(h), resolve_all(h, resolver=resolver))[1],
        tls=tls,
        active=active,
    ), touched


def test_passive_only_context_never_touches_the_suspect():
    lookups, touched = _lookups(active=False)
    ctx = build_context("update.example-c2.xyz", lookups, passive_ips=["203.0.113.7"], now=CREATED)
    df = ctx.frame()
    assert touched == []
    assert df[df["source"].isin(["rdap", "rdap-ip", "pdns"])]["passive"].all()
    assert set(df[~df["passive"]]["value"]) == {ACTIVE_OFF}
    assert ctx.ips == ["203.0.113.7"]
    assert ctx.cert_sha1 == ""


def test_active_context_adds_live_dns_and_certificate():
    lookups, touched = _lookups(active=True)
    ctx = build_context("update.example-c2.xyz", lookups, now=CREATED)
    df = ctx.frame()
    assert touched == ["update.example-c2.xyz", "update.example-c2.xyz"]
    assert "203.0.113.9" in ctx.ips
    assert len(ctx.cert_sha1) == 40
    assert not df[df["source"].isin(["dns-live", "tls-live"])]["passive"].any()


@pytest.mark.parametrize(
    ("host", "why"),
    [
        ("duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion", "anonymity network's name (.onion)"),
        ("nas.home.arpa", "internal-only zone (.home.arpa)"),
        ("build-07.corp", "internal-only zone (.corp)"),
    ],
)
def test_names_outside_the_public_dns_are_never_looked_up(host: str, why: str) -> None:
    # an onion address from alert evidence, or an internal name: even with active look-ups on, no
    # registry, resolver or TLS handshake is asked; what our own passive DNS saw is kept
    lookups, touched = _lookups(active=True)
    lookups.registration = lambda h: (touched.append(("rdap", h)), pytest.fail("registry asked"))[1]
    ctx = build_context(host, lookups, passive_ips=["203.0.113.7"], now=CREATED)
    df = ctx.frame()
    assert touched == []
    scope = df[df["facet"] == "scope"]
    assert len(scope) == 1
    assert why in scope["value"].iloc[0]
    assert set(df["source"]) == {"policy", "pdns", "rdap-ip"}
    assert ctx.ips == ["203.0.113.7"]
    assert ctx.cert_sha1 == ""


def test_public_names_that_merely_mention_onion_are_looked_up() -> None:
    lookups, touched = _lookups(active=True)
    build_context("update.example-c2.xyz", lookups, now=CREATED)
    assert touched  # the ordinary path still runs (the list above is not a blanket skip)
    assert never_delegated("onion.example-c2.xyz") == ""
    assert never_delegated("tor.onion.ly") == ""
    assert never_delegated("arpa") == ""
    assert never_delegated("1.0.0.127.in-addr.arpa") == ""


def test_the_report_says_why_an_onion_address_has_no_registration(tmp_path) -> None:
    from hunt_assets.reports.gather import gather
    from hunt_assets.reports.render import render_markdown
    from hunt_assets.warehouse.store import Warehouse

    host = "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion"
    lookups, _ = _lookups(active=True)
    df = build_context(host, lookups, now=CREATED).frame()
    df.insert(0, "investigation", host)
    df["collected_at"] = pd.Timestamp(CREATED)
    wh = Warehouse(tmp_path / "wh.duckdb")
    wh.replace_partition("intel.domain_context", df, "investigation", host)
    data = gather(wh, host, now=CREATED)
    assert "never resolves in the DNS" in data.registration["outside the public DNS"]
    assert "not looked up" in render_markdown(data)
