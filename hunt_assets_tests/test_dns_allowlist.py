"""The user's DNS allowlist (HUNT_DNS_ALLOWLIST / score-dns --allow): formats, bad lines, what it stops."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import dagster as dg
import numpy as np
import pytest

from hunt_assets.analytics.dns import allowlist as A
from hunt_assets.analytics.dns.cli import score_dns_main
from hunt_assets.analytics.dns.events import score_events
from hunt_assets.analytics.dns.score import score_names

# machine-looking but legitimate: a Commission Junction tracking domain and a brand abbreviation
TRACKER = "tkqlhce.com"
BRAND = "lgtvsdp.com"
DGA = "kajxushwnds.com"
TUNNEL = "aGVsbG8gd29ybGQgdGhpcyBpcyBhIHRlc3Qgb2YgYmFzZTY0IGVuY29kaW5n.t.tunnel-ops.net"


def _hashes_of(*names: str) -> set[int]:
    h, has = A.registered_hashes(list(names))
    assert has.all()
    return {int(x) for x in h}


@pytest.mark.parametrize(
    "text",
    [
        "jdoqocy.com\n",
        "1,jdoqocy.com\n",  # Tranco / Umbrella
        "rank,domain\n1,JDOQOCY.COM.\n",  # header, upper case, trailing dot
        "GlobalRank,TldRank,Domain,TLD\n1,1,jdoqocy.com,com\n",  # Majestic
        "origin,rank\nhttps://www.jdoqocy.com,1000\n",  # CrUX: an origin, reduced to its registered domain
        "0.0.0.0 ads.jdoqocy.com  # hosts-file style\n",
        "*.jdoqocy.com\n",
        "http://jdoqocy.com:8080/path?q=1\n",
    ],
)
def test_published_list_formats_allow_the_registered_domain(text: str) -> None:
    al = A.from_lines(text.splitlines(), "list.csv")
    assert al.rejected == 0
    assert al.domains == 1
    assert {int(x) for x in al.hashes} == _hashes_of("jdoqocy.com")


def test_bad_lines_are_reported_by_line_and_lose_nothing_else() -> None:
    lines = [
        "# our partners",
        "partner-one.example.org",
        "1.2.3.4",  # an address, not a name
        "bad name!.com",
        "a" * 64 + ".com",  # a label over 63
        ".".join(["abcdefghi"] * 30) + ".com",  # a name over 253
        "bücher.de",  # an IDN: allowed by its punycode form
        "\u00ff\ufffd.\u0301",  # not a valid IDN
        "co.uk",  # a public suffix would allow every domain under it
        "partner-two.co.uk",
    ]
    al = A.from_lines(lines, "partners.txt")
    assert al.entries == 3
    assert al.domains == 3
    assert {int(x) for x in al.hashes} == _hashes_of("partner-one.example.org", "xn--bcher-kva.de", "partner-two.co.uk")
    assert al.suffixes == ("co.uk",)
    assert al.rejected == 5
    by_line = {r.line: r.reason for r in al.examples}
    assert by_line[3] == "no domain name in the line"
    assert "host name" in by_line[4]
    assert "63" in by_line[5]
    summary = al.summary()
    assert "3 registered domains from partners.txt" in summary
    assert "co.uk" in summary
    assert "partners.txt:3" in summary


def test_files_gzip_and_path_lists(tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    a.write_text("jdoqocy.com\n", encoding="utf-8")
    b = tmp_path / "b.csv.gz"
    b.write_bytes(gzip.compress(b"1,lgtvsdp.com\n2,jdoqocy.com\n"))
    al = A.load(f"{a}:{b}")
    assert al.domains == 2
    assert al.entries == 3
    assert al.sources == (str(a), str(b))
    assert A.load(None).domains == 0
    assert A.load("").domains == 0
    with pytest.raises(A.AllowlistError, match="not found"):
        A.load(str(tmp_path / "missing.txt"))
    bad = tmp_path / "bad.gz"
    bad.write_bytes(b"\x1f\x8b" + b"garbage")
    with pytest.raises(A.AllowlistError, match="gzip"):
        A.load(str(bad))


def test_allowlist_stops_dga_verdicts_but_not_tunnels() -> None:
    names = [TRACKER, f"www.{TRACKER}", DGA, TUNNEL, "zwyr157wwiu6eior.com"]
    before = score_names(names).set_index("name")
    assert before.loc[DGA, "verdict"] == "dga"
    assert before.loc[TRACKER, "verdict"] != "benign"
    al = A.from_lines([TRACKER, DGA, "tunnel-ops.net"])
    after = score_names(names, allow=al).set_index("name")
    for n in (TRACKER, f"www.{TRACKER}", DGA):
        assert after.loc[n, "verdict"] == "benign"
        assert after.loc[n, "reasons"] == "registered domain is on the allowlist"
        assert bool(after.loc[n, "allowlisted"])
    # a payload in the subdomain is evidence whoever owns the zone
    assert after.loc[TUNNEL, "verdict"] == "tunnel"
    assert bool(after.loc[TUNNEL, "allowlisted"])
    # what is not on the list is scored as before
    assert after.loc["zwyr157wwiu6eior.com", "verdict"] == before.loc["zwyr157wwiu6eior.com", "verdict"] == "dga"
    # the shipped popular list keeps its own reason
    listed = score_names(["wikipedia.org"], allow=al)["reasons"].iloc[0]
    assert listed == "registered domain is in the popular-domain list"


def test_allowlisted_domains_join_no_dga_cohort_or_burst() -> None:
    """Context that lifts DGA verdicts (batch cohorts, per-client bursts) leaves allowlisted domains alone."""
    rng = np.random.default_rng(7)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    dgas = sorted({"".join(rng.choice(letters, 12)) + ".info" for _ in range(60)})
    keep = dgas[:5]
    ev = {"name": dgas, "client": ["ws-1"] * len(dgas),
          "timestamp": np.datetime64("2026-11-16T10:00") + np.arange(len(dgas)) * np.timedelta64(10, "s")}
    import pandas as pd

    flags, _ = score_events(pd.DataFrame(ev), allow=A.from_lines(keep))
    v = flags.set_index("name")["verdict"]
    assert (v.loc[keep] == "benign").all()
    assert (v.drop(index=keep) == "dga").mean() > 0.9


def test_score_dns_allow_option_and_environment(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    names = tmp_path / "names.txt"
    names.write_text(f"{TRACKER}\n{DGA}\n{BRAND}\n", encoding="utf-8")
    allow = tmp_path / "allow.txt"
    allow.write_text(f"1,{TRACKER}\n2,{BRAND}\nco.uk\n", encoding="utf-8")

    def run(*extra: str) -> dict[str, dict[str, str]]:
        assert score_dns_main([str(names), *extra]) == 0
        cap = capsysbinary.readouterr()
        return {r["name"]: r for r in csv.DictReader(io.StringIO(cap.out.decode()))}, cap.err.decode()

    plain, err = run()
    assert plain[TRACKER]["verdict"] != "benign"
    assert err == ""
    allowed, err = run("--allow", str(allow))
    assert allowed[TRACKER]["verdict"] == allowed[BRAND]["verdict"] == "benign"
    assert allowed[DGA]["verdict"] == "dga"
    assert "public suffixes" in err
    assert "co.uk" in err
    monkeypatch.setenv(A.ENV_VAR, str(allow))
    from_env, _ = run()
    assert from_env == allowed
    monkeypatch.setenv(A.ENV_VAR, str(tmp_path / "gone.txt"))
    assert score_dns_main([str(names)]) == 2
    assert "allowlist file not found" in capsysbinary.readouterr().err.decode()


def test_dns_flags_asset_reads_the_allowlist_from_its_resource(sample_lake: Path, tmp_path: Path) -> None:
    from hunt_assets.assets.detections import dns_flags
    from hunt_assets.assets.hunts import build_hunt_assets
    from hunt_assets.resources import DnsScoringResource, HuntingResource, WarehouseResource
    from hunt_assets.warehouse.store import Warehouse

    day = "2026-11-16"
    hunts = [a for a in build_hunt_assets() if a.key.path[-1] in ("dns_events", "device_ips")]
    wh_path = tmp_path / "wh.duckdb"
    base = {"warehouse": WarehouseResource(path=str(wh_path)),
            "hunting": HuntingResource(backend="sample", lake_path=str(sample_lake))}
    instance = dg.DagsterInstance.ephemeral()
    assert dg.materialize([*hunts, dns_flags], partition_key=day, instance=instance,
                          resources={**base, "dns_scoring": DnsScoringResource()}).success
    q = "select distinct registered_domain, verdict from analytics.dns_domain_flags where verdict in ('dga', 'tunnel')"
    flagged = dict(Warehouse(str(wh_path)).query(q).itertuples(index=False))
    dga = sorted(d for d, v in flagged.items() if v == "dga")[:3]
    tunnels = {d for d, v in flagged.items() if v == "tunnel"}
    assert dga
    assert tunnels
    allow = tmp_path / "allow.txt"
    allow.write_text("\n".join([*dga, *tunnels, "not a name"]) + "\n", encoding="utf-8")
    result = dg.materialize([dns_flags], partition_key=day, instance=instance,
                            resources={**base, "dns_scoring": DnsScoringResource(allowlist=str(allow))})
    assert result.success
    meta = result.get_asset_materialization_events()[0].materialization.metadata["allowlist"].value
    assert meta["files"] == [str(allow)]
    assert meta["registered_domains"] == len(dga) + len(tunnels)
    assert meta["rejected_lines"] == 1
    assert meta["names_under_allowlisted_domains"] > 0
    after = dict(Warehouse(str(wh_path)).query(q).itertuples(index=False))
    assert not set(dga) & set(after)
    assert {d for d, v in after.items() if v == "tunnel"} == tunnels  # tunnels stay tunnels
    # a missing file fails the run with a clear message rather than scoring without the list
    with pytest.raises(dg.Failure, match="allowlist file not found"):
        dg.materialize([dns_flags], partition_key=day, instance=instance,
                       resources={**base, "dns_scoring": DnsScoringResource(allowlist=str(tmp_path / "x.txt"))})
