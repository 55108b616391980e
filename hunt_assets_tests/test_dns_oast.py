"""Look-ups under public out-of-band interaction services (interactsh, Burp Collaborator, DNSLog ...)
are tunnels by what the service does, on both scoring paths, with events and through the CLI."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pandas as pd
import pytest

from hunt_assets.analytics.dns.cli import score_dns_main
from hunt_assets.analytics.dns.events import score_events
from hunt_assets.analytics.dns.oast import ZONES
from hunt_assets.analytics.dns.score import score_names

# what exploitation leaves in DNS logs: a Log4Shell string resolving the user name under a DNSLog
# id, an interactsh correlation id (20 + 13 characters), a Burp Collaborator payload with a host name
CALLBACKS = {
    "root.abc123.dnslog.cn": "DNSLog",
    "ROOT.ABC123.DNSLOG.CN.": "DNSLog",
    "c7a8ktc2vtc0000xzbf0grg3jmoyyyyyb.oast.fun": "interactsh",
    "svc-web.c7a8ktc2vtc0000xzbf0grg3jmoyyyyyb.oast.online": "interactsh",
    "hostname.k3j2h1.oastify.com": "Burp Collaborator",
    "x7k2.ceye.io": "CEYE",
    "a1b2c3.bxss.me": "Acunetix AcuMonitor",
}


def test_every_zone_is_a_registrable_domain_of_the_public_suffix_list(scoring_path: bool) -> None:
    r = score_names([f"probe.{z}" for z in ZONES]).set_index("name")
    assert list(r["registered_domain"]) == list(ZONES)
    assert (r["verdict"] == "tunnel").all(), r["verdict"].value_counts()


def test_a_single_callback_is_a_tunnel_that_names_the_service(scoring_path: bool) -> None:
    r = score_names(list(CALLBACKS))
    assert len(r) == len(CALLBACKS)
    for (name, service), (_, row) in zip(CALLBACKS.items(), r.iterrows(), strict=True):
        assert row["verdict"] == "tunnel", (name, row["reasons"])
        assert f"out-of-band interaction service ({service})" in row["reasons"]
        assert "Log4Shell" in row["reasons"]
        assert row["score"] >= 0.9
        assert row["suppressed_family"] == ""


# a DNS canary token, and a Windows-folder token with the reader's user, host and domain in front
CANARIES = [
    "wum4tq19yd0qhzmg4p3brkqn5.canarytokens.com",
    "alice.WS-FIN-007.CORP.INI.wum4tq19yd0qhzmg4p3brkqn5.canarytokens.com",
    "x.canarytokens.net",
]


def test_a_canary_token_firing_is_a_tunnel_that_says_a_tripwire_fired(scoring_path: bool) -> None:
    r = score_names([*CANARIES, "root.abc123.dnslog.cn"])
    canary, oast = r.iloc[:3], r.iloc[3]
    assert (canary["verdict"] == "tunnel").all(), canary[["name", "reasons"]]
    assert (canary["score"] >= 0.9).all()
    assert canary["reasons"].str.contains(r"honeytoken service \(Thinkst Canarytokens\): a canary token fired").all()
    assert not canary["reasons"].str.contains("Log4Shell|out-of-band interaction").any()
    assert "honeytoken" not in oast["reasons"]
    assert "out-of-band interaction service (DNSLog)" in oast["reasons"]
    site = score_names(["canarytokens.com", "www.canarytokens.com"])
    assert (site["verdict"] == "benign").all()
    assert not site["reasons"].str.contains("honeytoken").any()


def test_front_ends_bare_zones_and_look_alikes_are_left_to_the_other_rules(scoring_path: bool) -> None:
    names = ["dnslog.cn", "www.dnslog.cn", "app.interact.sh", "oast.fun", "dnslog.cn.example.com", "notdnslog.cn"]
    r = score_names(names).set_index("name")
    assert (r["verdict"] == "benign").all(), r[["verdict", "reasons"]]
    assert not r["reasons"].str.contains("out-of-band").any()
    # two labels in front of a front-end label are a callback again
    assert score_names(["www.k3j2h1.oastify.com"]).loc[0, "verdict"] == "tunnel"


def test_invalid_names_stay_invalid(scoring_path: bool) -> None:
    r = score_names(["a..dnslog.cn", "x\x01y.dnslog.cn"]).set_index("name")
    assert (r["verdict"] == "invalid").all()


def test_events_keep_the_verdict_and_the_domain_is_a_tunnel() -> None:
    rng = random.Random(3)
    # a Log4Shell scan of one server: a few callbacks among its ordinary look-ups
    ordinary = ["www.microsoft.com", "login.microsoftonline.com", "github.com", "pypi.org"] * 20
    callbacks = ["root.x9f2k1.dnslog.cn", "tomcat.x9f2k1.dnslog.cn"]
    names = ordinary + callbacks
    rng.shuffle(names)
    ev = pd.DataFrame(
        {
            "name": names,
            "client": "srv-app-07",
            "qtype": "A",
            "timestamp": pd.date_range("2024-06-01 03:00", periods=len(names), freq="31s", tz="UTC"),
        }
    )
    flags, domains = score_events(ev)
    by = flags.set_index("name")
    for name in callbacks:
        assert by.loc[name, "verdict"] == "tunnel"
        assert "DNSLog" in by.loc[name, "reasons"]
    assert set(by.index[by["verdict"] != "benign"]) == set(callbacks)
    dom = domains.set_index("registered_domain")
    assert dom.loc["dnslog.cn", "verdict"] == "tunnel"


def test_score_dns_cli_writes_the_verdict(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    src = tmp_path / "names.txt"
    src.write_text("root.abc123.dnslog.cn\nwww.dnslog.cn\n", encoding="utf-8")
    assert score_dns_main([str(src)]) == 0
    out = pd.read_csv(io.StringIO(capsysbinary.readouterr().out.decode("utf-8")))
    assert list(out.columns) == ["name", "verdict", "score", "reasons"]
    got = dict(zip(out["name"], out["verdict"], strict=True))
    assert got == {"root.abc123.dnslog.cn": "tunnel", "www.dnslog.cn": "benign"}


def test_the_demo_summary_says_which_service_a_tunnel_domain_is(tmp_path: Path) -> None:
    """In the demo's summary a callback or honeytoken service's domain is named with its service, so
    ``canarytokens.com`` does not read like the C2 domain beside it."""
    from datetime import date

    import pyarrow as pa

    from hunt_assets.report_summary import summary_lines
    from hunt_assets.warehouse.store import Warehouse

    day = date(2026, 11, 18)
    wh = Warehouse(tmp_path / "wh.duckdb")
    flags = pd.DataFrame({
        "partition_date": pd.Series([day] * 4, dtype=pd.ArrowDtype(pa.date32())),
        "registered_domain": ["cdn-telemetry-sync.com", "canarytokens.com", "oast.fun", "example.com"],
        "verdict": ["tunnel", "tunnel", "tunnel", "benign"],
    })
    wh.replace_partition("analytics.dns_domain_flags", flags, "partition_date", day)
    lines = summary_lines(tmp_path / "wh.duckdb", tmp_path)
    assert ("    tunnel: canarytokens.com (Thinkst Canarytokens: a honeytoken fired), cdn-telemetry-sync.com, "
            "oast.fun (interactsh: an out-of-band callback)") in lines
