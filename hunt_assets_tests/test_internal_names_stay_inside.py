"""Internal-only names and private addresses never reach a third party: threat intel or passive DNS.

An investigation of ``nas.home.arpa`` (typed by a hunter, or taken from an alert) used to send that
name to every TI provider and to MDTI / COF passive DNS. Our own data (the sample lake, the
warehouse) is still read; the third parties are not asked, and the metadata says why.
"""

from __future__ import annotations

from datetime import datetime

import dagster as dg
import httpx
import pandas as pd
import pytest

from hunt_assets.analytics.dns.score import score_names
from hunt_assets.assets.intel import domain_context, investigation_indicators, ti_verdicts
from hunt_assets.assets.investigations import PassiveDnsResource, passive_dns
from hunt_assets.entities import Entity, InvalidEntity, parse_entity
from hunt_assets.intel.extract import extract_indicators
from hunt_assets.intel.pdns.cof import CofConfig, CofProvider
from hunt_assets.intel.pdns.fakes import FakeCof, cof_line
from hunt_assets.intel.pdns.providers import collect, not_asked
from hunt_assets.intel.pdns.sample import SampleProvider
from hunt_assets.intel.pdns.store import load_history
from hunt_assets.intel.ti.model import Indicator, parse_indicator
from hunt_assets.special_names import anonymity_network, internal_only, never_delegated
from hunt_assets.warehouse.store import Warehouse
from hunt_assets_tests.test_investigations import resources as pdns_resources
from hunt_assets_tests.test_pdns_sample import ROWS, make_lake
from hunt_assets_tests.test_ti_assets import _resources as ti_resources

ONION = "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion"
INTERNAL_ROWS = [
    *ROWS,
    ("nas.home.arpa", "A", ["192.168.1.20"], datetime(2026, 10, 1), datetime(2026, 11, 20), 88, None),
]


def test_the_two_kinds_of_names_outside_the_public_dns():
    assert internal_only("nas.home.arpa") == "an internal-only zone (.home.arpa)"
    assert internal_only("printer.corp") == "an internal-only zone (.corp)"
    assert internal_only("wallet.example.alt") == "a non-DNS namespace (.alt, RFC 9476)"
    assert internal_only(ONION) == ""
    assert anonymity_network(ONION).startswith("an anonymity network's name (.onion)")
    assert anonymity_network("nas.home.arpa") == ""
    assert never_delegated("wallet.example.alt") == internal_only("wallet.example.alt")
    for public in ("example.com", "alt.example.com", "home.arpa.example.net", "corp.example.org"):
        assert internal_only(public) == ""
        assert never_delegated(public) == ""


def test_the_dns_scorer_does_not_clear_encoded_labels_under_alt():
    """.alt stays inside investigations, but a tunnel client talking to its own server can use any TLD."""
    row = score_names(pd.Series(["n5qk2x8vz7wq4jr9.gnu.alt"])).iloc[0]
    assert row["verdict"] == "tunnel"
    assert row["suppressed_family"] == ""


@pytest.mark.parametrize(
    ("value", "kind"),
    [("nas.home.arpa", None), ("NAS.Home.Arpa.", "domain"), ("https://printer.home.arpa/admin?x=1", "url")],
)
def test_threat_intel_refuses_internal_names_with_a_reason(value, kind):
    with pytest.raises(InvalidEntity) as err:
        parse_indicator(value, kind)
    assert "internal-only zone (.home.arpa)" in err.value.reason
    assert "leaks" in err.value.reason


def test_threat_intel_still_takes_onion_addresses_and_public_names():
    assert parse_indicator(ONION) == Indicator("domain", ONION)
    assert parse_indicator("https://Evil-C2.example.net/gate") == Indicator("url", "https://evil-c2.example.net/gate")


def test_extraction_keeps_the_internal_name_as_a_rejected_row():
    found = extract_indicators("curl http://nas.home.arpa/backup.tar && curl hxxp://evil-c2[.]example[.]net/p")
    accepted = {e.indicator for e in found if not e.reason}
    rejected = {e.raw: e.reason for e in found if e.reason}
    assert "http://evil-c2.example.net/p" in accepted
    assert not any("home.arpa" in v for v in accepted)
    assert any("internal-only zone" in why for raw, why in rejected.items() if "nas.home.arpa" in raw)


def test_investigation_indicators_say_what_was_not_sent(tmp_path):
    wh = Warehouse(tmp_path / "w.duckdb")
    indicators, not_sent = investigation_indicators("nas.home.arpa", wh)
    assert indicators == []
    assert "internal-only zone (.home.arpa)" in not_sent["nas.home.arpa"]
    indicators, not_sent = investigation_indicators("evil-c2.example.net", wh)
    assert indicators == [Indicator("domain", "evil-c2.example.net"), Indicator("domain", "example.net")]
    assert not_sent == {}


def test_ti_verdicts_of_an_internal_investigation_call_no_provider(tmp_path):
    lake = make_lake(tmp_path / "lake.duckdb", INTERNAL_ROWS)
    res = ti_resources(tmp_path, lake, active=True)
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("investigated_domains", ["nas.home.arpa"])
    result = dg.materialize([domain_context, ti_verdicts], resources=res, partition_key="nas.home.arpa",
                            instance=instance)
    assert result.success
    meta = result.asset_materializations_for_node("intel__ti_verdicts")[0].metadata
    assert meta["provider_calls"].value == 0
    assert meta["indicators"].value == 0
    assert "internal-only zone" in meta["not_sent"].value["nas.home.arpa"]
    wh = Warehouse(tmp_path / "hunt_warehouse.duckdb")
    rows = wh.query("SELECT count(*) AS n FROM intel.ti_verdicts WHERE indicator LIKE '%home.arpa%'")
    assert int(rows["n"].iloc[0]) == 0


def _cof() -> tuple[FakeCof, CofProvider]:
    fake = FakeCof(flavor="circl", data={
        "evil-c2.example.net": [cof_line("evil-c2.example.net", "A", "203.0.113.9", 1700000000, 1700500000, 5)],
        "nas.home.arpa": [cof_line("nas.home.arpa", "A", "192.168.1.20", 1700000000, 1700500000, 5)],
    })
    cfg = CofConfig(flavor="circl", base_url="https://pdns.test/pdns/query", username=fake.username,
                    password=fake.password)
    return fake, CofProvider(cfg, transport=httpx.MockTransport(fake), sleep=lambda s: None)


def _entity(value: str) -> Entity:
    """``.corp`` is not in the public suffix list, so the entity gate refuses it; it is built by hand
    here to show that ``collect`` does not lean on the gate."""
    if value.endswith(".corp"):
        return Entity("domain", value, value, "")
    return parse_entity(value)


@pytest.mark.parametrize("value", ["nas.home.arpa", ONION, "10.1.2.3", "fe80::1", "printer.corp"])
def test_third_party_passive_dns_is_not_asked_but_our_lake_is(tmp_path, value):
    fake, cof = _cof()
    lake = SampleProvider(make_lake(tmp_path / "lake.duckdb", INTERNAL_ROWS))
    entity = _entity(value)
    cof_result, lake_result = collect([cof, lake], entity)
    assert fake.requests == []
    assert cof_result.records == []
    assert cof_result.error is None
    assert cof_result.not_asked == f"not asked: {not_asked(entity)}"
    assert lake_result.not_asked == ""
    if value == "nas.home.arpa":
        assert [r.rdata for r in lake_result.records] == [("192.168.1.20",)]


def test_a_url_on_a_private_address_is_not_asked_either():
    """The address rule keys on the host, not on the entity kind: a URL's host counts like an IP."""
    url = Entity("url", "http://10.1.2.3/admin", "10.1.2.3", "")
    assert not_asked(url) == "a private, loopback, link-local or reserved address"
    assert not_asked(parse_entity("http://203.0.113.7/gate")) == ""


@pytest.mark.parametrize("value", ["evil-c2.example.net", "203.0.113.7"])
def test_public_names_and_documentation_addresses_are_still_asked(value):
    fake, cof = _cof()
    (result,) = collect([cof], parse_entity(value))
    assert len(fake.requests) == 1
    assert result.not_asked == ""
    if value == "evil-c2.example.net":
        assert [r.rdata for r in result.records] == [("203.0.113.9",)]


def test_passive_dns_asset_reads_our_lake_and_reports_the_provider_not_asked(tmp_path, monkeypatch):
    fake, cof = _cof()
    lake_path = make_lake(tmp_path / "lake.duckdb", INTERNAL_ROWS)
    monkeypatch.setattr(PassiveDnsResource, "build_providers",
                        lambda self, settings, hunting: [cof, SampleProvider(lake_path)])
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("investigated_domains", ["nas.home.arpa"])
    res = pdns_resources(tmp_path, lake_path)
    result = dg.materialize([passive_dns], partition_key="nas.home.arpa", instance=instance, resources=res)
    assert result.success
    assert fake.requests == []
    meta = result.asset_materializations_for_node("intel__passive_dns")[0].metadata
    assert "not asked: an internal-only zone (.home.arpa)" in meta["providers"].value
    assert meta["new_rows"].value == 1
    history = load_history(Warehouse(tmp_path / "hunt_warehouse.duckdb"), "nas.home.arpa")
    assert set(history["source"]) == {"sample"}


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        ("http://10.1.2.3/admin", False),
        ("http://100.64.0.9/gate", False),  # carrier-grade NAT: not "private" to Python, not global either
        ("http://[fe80::1]/x", False),
        ("http://203.0.113.7/gate", True),  # documentation range: sent, as for a bare IP
        ("http://[2001:db8::7]/gate", True),
    ],
)
def test_a_urls_address_follows_the_same_rule_as_a_bare_address(value, sent):
    """parse_indicator used Python's ``is_private`` for URLs but ``is_public_address`` for IPs: a
    CGNAT URL went out, and a documentation-range URL was refused while the same bare IP was asked."""
    host = parse_entity(value).host
    try:
        bare = parse_indicator(host)
    except InvalidEntity:
        bare = None
    if sent:
        assert parse_indicator(value).type == "url"
        assert bare is not None
    else:
        with pytest.raises(InvalidEntity, match="private, loopback, link-local or reserved"):
            parse_indicator(value)
        assert bare is None
