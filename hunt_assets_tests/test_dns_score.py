"""Verdicts, reasons, bad input, suppressions and the dev-set fixture slice."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hunt_assets.analytics.dns.score import score_names

FIX = Path(__file__).parent / "fixtures" / "dns"
FLAGGED = {"tunnel", "dga", "suspicious"}


def _by_name(names: list[str]) -> pd.DataFrame:
    return score_names(names).set_index("name")


def test_one_row_per_distinct_name_and_columns() -> None:
    r = score_names(["www.google.com", "www.google.com", "mail.google.com"])
    assert sorted(r["name"]) == ["mail.google.com", "www.google.com"]
    assert list(r.columns[:5]) == ["name", "registered_domain", "verdict", "score", "reasons"]
    assert r["score"].between(0, 1).all()


BAD = [
    "",
    "   ",
    "a..b.com",
    "tab\there.com",
    "x" * 300 + ".com",
    ("a" * 70) + ".example.com",
    "\\xc3\\xa9t\\xe9.example.com",
    "caf\u00e9.example.com",
    "TRAILING.DOT.COM.",
    "UPPER.CASE.EXAMPLE.COM",
    "\\000\\001.example.com",
    "....",
]


def test_bad_input_never_crashes_and_keeps_other_rows() -> None:
    good = ["www.google.com", "aGVsbG8gd29ybGQgdGhpcyBpcyBhIHRlc3Qgb2YgYmFzZTY0.t.evil-tunnel.com"]
    r = _by_name(BAD + good)
    assert len(r) == len(set(BAD + good))
    assert r.loc["", "verdict"] == "invalid"
    assert "empty name" in r.loc["", "reasons"]
    assert r.loc["   ", "verdict"] == "invalid"
    assert r.loc["a..b.com", "verdict"] == "invalid"
    assert "empty label" in r.loc["a..b.com", "reasons"]
    assert r.loc["tab\there.com", "verdict"] == "invalid"
    assert r.loc["....", "verdict"] == "invalid"
    long_name = "x" * 300 + ".com"
    assert r.loc[long_name, "verdict"] != "benign"
    assert "exceeds DNS limits" in r.loc[long_name, "reasons"]
    assert "exceeds DNS limits" in r.loc[("a" * 70) + ".example.com", "reasons"]
    assert "non-ASCII" in r.loc["\\xc3\\xa9t\\xe9.example.com", "reasons"]
    assert r.loc["TRAILING.DOT.COM.", "registered_domain"] == "dot.com"
    assert r.loc["UPPER.CASE.EXAMPLE.COM", "verdict"] == "benign"
    # the good rows are still scored normally
    assert r.loc["www.google.com", "verdict"] == "benign"
    assert r.loc[good[1], "verdict"] == "tunnel"


def test_encoding_reasons_are_given_only_where_their_own_evidence_holds() -> None:
    # a 300-byte run of 'a' is a tunnel by the DNS-limit rule alone: neither random nor hex
    run = "a" * 300 + ".example.com"
    # short hex polls are suspected for their alphabet; their likelihood under the model is no evidence
    poll = "0123456789abcdef0123.example.com"
    b64 = "aGVsbG8gd29ybGQgdGhpcyBpcyBhIHRlc3Qgb2YgYmFzZTY0.t.evil-tunnel.com"
    r = _by_name([run, poll, b64])
    assert r.loc[run, "verdict"] == "tunnel"
    assert r.loc[run, "reasons"] == "exceeds DNS limits (name of 312 bytes, longest label 300; at most 253 and 63)"
    assert r.loc[poll, "verdict"] == "suspicious"
    hex_reason = "subdomain is pure hex (dnscat2-style encoding)"
    assert r.loc[poll, "reasons"] == "subdomain of 20 chars looks encoded; " + hex_reason
    assert r.loc[poll, "sub_bits"] < 0
    assert r.loc[b64, "verdict"] == "tunnel"
    assert r.loc[b64, "reasons"].startswith("subdomain payload of 49 chars in 2 label(s) is ")
    assert "bits/char more random than popular names" in r.loc[b64, "reasons"]
    assert "base64-style encoding" in r.loc[b64, "reasons"]


def test_none_and_nan_are_dropped_not_fatal() -> None:
    r = score_names(pd.Series(["www.google.com", None, float("nan")]))
    assert list(r["name"]) == ["www.google.com"]


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("44.163.81.172.in-addr.arpa", "reverse_dns"),
        (".".join("0123456789abcdef0123456789abcdef") + ".ip6.arpa", "reverse_dns"),
        ("0.0.0.0.1.0.0.4e.13cavfa9clbg5s6g3n2qoeq3.avqs.mcafee.com", "av_reputation"),
        ("d41d8cd98f00b204e9800998ecf8427e.malware.hash.cymru.com", "av_reputation"),
        ("4.3.2.1.zen.spamhaus.org", "av_reputation"),
        ("4.3.2.1.bl.unknown-rbl.example.net", "av_reputation"),  # structural: reversed IPv4 prefix
        ("d1a2b3c4d5e6f7.cloudfront.net", "cdn_cloud_edge"),
        ("e1234.dscb.akamaiedge.net", "cdn_cloud_edge"),
        ("rr3---sn-4g5e6nzz.googlevideo.com", "cdn_cloud_edge"),
        ("selector1._domainkey.contoso.com", "service_record"),
        ("k9x2m4q7w1z8c3v6b5n0._domainkey.contoso.com", "service_record"),
        ("_dmarc.contoso.com", "service_record"),
        ("_ldap._tcp.dc._msdcs.corp.contoso.com", "service_record"),
        ("qzkxjvbwpt", "single_label"),
        ("DESKTOP-4F7K2JQ.corp.local", "internal_zone"),
        ("nginx-deployment-5d8f7c9b6-x7k2p.default.svc.cluster.local", "internal_zone"),
        ("kq7xz2vbnm4p.home.arpa", "internal_zone"),
        ("WIN-8QJ2K4L1M9P.contoso.com", "windows_hostname"),
        ("laptop-7h3kq9zx.ad.example.org", "windows_hostname"),
        ("WSAMZN-8K2J4QX1.corp.example.org", "windows_hostname"),
        ("BRW3C2AF41A2B3C.contoso.com", "windows_hostname"),
        ("brn30055c9f8e7d.ad.example.org", "windows_hostname"),
        ("SEP00562B1A2B3C.voice.contoso.com", "windows_hostname"),
        # organisations' naming conventions: site/type codes and a serial number or asset tag
        ("NYC-LT-7K2J9QX.corp.contoso.com", "windows_hostname"),
        ("LT-5CG7844SYP.ad.example.org", "windows_hostname"),
        ("LT-5CG7844SYPQA.ad.example.org", "windows_hostname"),  # a 12-character tag
        ("hqd-4k7q2zp.example.org", "windows_hostname"),
        ("CPC-jdoe-AB12C.contoso.com", "windows_hostname"),
        ("NYC-FIN-LT-8F3K.corp.contoso.com", "windows_hostname"),
        ("f7d2e9c1-3b4a-4c5d-8e6f-7a8b9c0d1e2f.queue.example-saas.io", "resource_id"),
        # hex ids under private suffixes that are not a hosting platform's own zone (Replit's PSL
        # entries include short names, which read as open registration)
        ("5c2a3b4d9e1f.repl.co", "resource_id"),
        # hosting platforms' zones of the PSL private section: project refs, app ids, tunnel ids
        ("kemubcrdlsbqgbcnnchc.supabase.co", "cdn_cloud_edge"),
        ("main.d4q1rj9p6f6c7i.amplifyapp.com", "cdn_cloud_edge"),
        ("22a6-227-9-35-157.ngrok-free.app", "cdn_cloud_edge"),
        ("5c2a3b4d9e1f.ngrok.io", "cdn_cloud_edge"),
        ("brave-meadow-38547-e0dbd73e6afa.herokuapp.com", "cdn_cloud_edge"),
        ("c-73-12-34-56.hsd1.ca.comcast.net", "address_host"),
        ("pool-71-105-12-34.nycmny.fios.verizon.net", "address_host"),
        ("ip68-100-12-34.ph.ph.cox.net", "address_host"),
        ("cpe-24-93-118-3.rochester.res.rr.com", "address_host"),
        ("ip-144-217-85.net", "address_host"),
        ("ns5012345.ip-144-217-85.net", "address_host"),
        ("vps-3f2a.ip-51-77-3.eu", "address_host"),
        ("n2t3qhfktcnujfpwz6dtqlbz299pg3gi.lambda-url.us-east-1.on.aws", "cdn_cloud_edge"),
        # cloud dev environments and tunnels: HTTP through the operator's edge, its DNS answers
        ("fnop6dpe-8080.usw2.devtunnels.ms", "cdn_cloud_edge"),
        ("meadow-lima-z1u80yjyy0jap6-8080.app.github.dev", "cdn_cloud_edge"),
        ("8080-sand-tango-ywuav4vo.ws-eu100.gitpod.io", "cdn_cloud_edge"),
        # DNS-leak tests: random probes under the tester's zone, which only reports resolver addresses
        ("4148d3eddac8164b6b1bb59d6a38fda9.test.dnsleaktest.com", "cdn_cloud_edge"),
        ("qgcqn6iktnwof17gxssj06rdseidsx1hu9sgy9h2.ipleak.net", "cdn_cloud_edge"),
        ("1hjhur0zd7odu8cv.test.nextdns.io", "cdn_cloud_edge"),
        # Microsoft 365 / Front Door edge domains: each is its own registered domain under .net
        ("fdv2-t-msedge.net", "cdn_cloud_edge"),
        ("afdxtest.z01.dual-s-dc-msedge.net", "cdn_cloud_edge"),
        ("quiet-xjtvwu.ojnsmyna.workers.dev", "cdn_cloud_edge"),
        ("ucuowjun-my.sharepoint.com", "cdn_cloud_edge"),
        ("uc4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4.dl.dropboxusercontent.com", "cdn_cloud_edge"),
        ("3f1c9a7e2b8d4e6f9a0b1c2d3e4f5a6b.us-east-1.aws.found.io", "cdn_cloud_edge"),
        ("8f14e45fceea167a5a36dedd4bea2543.r2.cloudflarestorage.com", "cdn_cloud_edge"),
        ("ocsp-certum.com", "cdn_cloud_edge"),
        # home media and router remote access: names the operator assigns and its own DNS answers
        ("192-168-1-20.a86a4abcce7a96f1ca91e6ec7755ad92.plex.direct", "cdn_cloud_edge"),
        ("2a02-8070-1234-0-0-0-0-5.a86a4abcce7a96f1ca91e6ec7755ad92.plex.direct", "cdn_cloud_edge"),
        ("a86a4abcce7a96f1ca91e6ec7755ad92.plex.direct", "cdn_cloud_edge"),
        ("k3q9x2m7p4w8z1tb.myfritz.net", "cdn_cloud_edge"),
        ("raspberrypi.k3q9x2m7p4w8z1tb.myfritz.net", "cdn_cloud_edge"),
        ("grafana.10.0.0.5.nip.io", "cdn_cloud_edge"),
        # hosting platforms that assign random ids, under a short brand zone that reads as a registry
        ("q7m2kz-5173.csb.app", "cdn_cloud_edge"),
        ("08173443.csb.app", "cdn_cloud_edge"),
        ("main-bvxea6i-k3r8uyw2zqpla.eu-3.platformsh.site", "cdn_cloud_edge"),
        ("shop-api--x8k2mq4zpt.expo.app", "cdn_cloud_edge"),
        ("todo-api-w3k8z2q9m1xr.deno.dev", "cdn_cloud_edge"),
        ("nas.tail4f2a9.ts.net", "cdn_cloud_edge"),
        # encrypted-DNS services' per-customer endpoints, resolved in the clear to bootstrap DoH / DoT
        ("k7q2xw9m4p.cloudflare-gateway.com", "cdn_cloud_edge"),
        ("3f9a2c71.d.adguard-dns.com", "cdn_cloud_edge"),
        ("x4k9q2m7zt1.dns.controld.com", "cdn_cloud_edge"),
        ("7a6b5c4d3e2f1a0b.query.avira.com", "av_reputation"),
    ],
)
def test_suppressions_are_benign_with_reason(name: str, family: str) -> None:
    r = _by_name([name])
    assert r.loc[name, "verdict"] == "benign"
    assert r.loc[name, "suppressed_family"] == family
    assert r.loc[name, "reasons"].startswith("benign family:")


@pytest.mark.parametrize(
    "name",
    [
        "DESKTOP-4F7K2JQX.contoso.com",  # 16 characters: not a generated Windows name
        "WIN-8QJ2K4L1M9P",  # single label: suppressed as such, not as a host name
        "f7d2e9c1-3b4a-4c5d-8e6f-7a8b9c0d1e2.example.com",  # one hex digit short of a UUID
        "5c2a3b4d9e1fxz.ngrok.io",  # not hex
        "5c2a3b4d9e1f.com",  # hex label under a public (ICANN) suffix is a registered domain
    ],
)
def test_enterprise_suppressions_need_the_exact_shape(name: str) -> None:
    r = _by_name([name])
    assert r.loc[name, "suppressed_family"] not in {"internal_zone", "windows_hostname", "resource_id"}


@pytest.mark.parametrize(
    "name",
    [
        "nyc-lt-7k2j9qx.com",  # the registered label is not a host name
        "NYC-LT-7K2J9QXAB.contoso.com",  # 16 characters, over the NetBIOS limit
        "NY1-LT-7K2J9QX.contoso.com",  # a digit in a site code
        "NYC-Lt-7K2J9QX.contoso.com",  # a token mixing upper and lower case
        "NYC-LT-7k2J9QX.contoso.com",  # so is the tag
        "aGVsbG8-d29ybGQ.evil.com",  # base64 with a hyphen in it
        "NYC--7K2J9QX.contoso.com",  # an empty code
        "-NYC-7K2J9QX.contoso.com",  # a leading hyphen
        "NYC-LT-.contoso.com",  # no tag
        "NYC-7K2.contoso.com",  # a tag too short to be one
        "L-5CG7844SYPQAB.contoso.com",  # a 13-character tag
        "A-B-C-D-7K2J9.contoso.com",  # five tokens
        "LONGSITE-7K2J9.contoso.com",  # a code over six letters
        "NYC-LT-7K2_9QX.contoso.com",  # not letters and digits
        "7K2J9QX-NYC.contoso.com",  # the tag first
    ],
)
def test_asset_tag_host_names_need_the_exact_shape(name: str) -> None:
    r = _by_name([name])
    assert "asset-tag" not in r.loc[name, "reasons"]
    assert r.loc[name, "suppressed_family"] != "windows_hostname"


def test_a_fleet_named_by_convention_is_not_a_tunnel() -> None:
    import random

    rng = random.Random(3)
    tag = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    # 1,800 laptops named site-type-serial under one corporate zone, and its servers: the shape of
    # the low-and-slow and unique-subdomain rules, but every name is a computer the organisation owns
    laptops = {
        f"{rng.choice(['NYC', 'LON', 'SIN', 'FRA'])}-{rng.choice(['LT', 'WS', 'VDI'])}-"
        + "".join(rng.choice(tag) for _ in range(7))
        + ".corp.contoso.com"
        for _ in range(1800)
    }
    servers = [f"nyc-{kind}{i:02d}.corp.contoso.com" for kind in ("dc", "fs", "sql", "exch") for i in range(1, 50)]
    r = _by_name(sorted(laptops) + servers)
    assert (r.loc[sorted(laptops), "suppressed_family"] == "windows_hostname").all()
    assert (r["verdict"] == "benign").all(), r[r["verdict"] != "benign"].head()


@pytest.mark.parametrize(
    "name",
    [
        "1-2-3-256.hsd1.ca.comcast.net",  # not an address
        "c-73-12-34.hsd1.ca.comcast.net",  # three octets
        "1-2-3-4.k5j3h2g1f0a9s8d7f6g5.evil.com",  # a label too long to be a place name after it
        "1-2-3-4.aaaa.bbbb.cccc.dddd.evil.com",  # too many labels after it
        "x1-2-3-4y.k5j3.evil.com",  # no '-' before the suffix word
        "1-2-3.net",  # a network domain needs its letter prefix
        "ip-1-2-3-4-5.net",  # five octets
        "ip-1-2-256.net",  # not an address
        "ip-1-2-3x.net",  # something after the octets
        "k9x2m4q7w1z8c3v6b5n0.ip-144-217-85.net",  # a host label too long to be a host name
        "a.b.c.d.ip-144-217-85.net",  # too many host labels
    ],
)
def test_address_host_names_need_the_exact_shape(name: str) -> None:
    assert _by_name([name]).loc[name, "suppressed_family"] != "address_host"


def test_a_day_of_isp_customer_names_is_not_a_tunnel() -> None:
    import random

    rng = random.Random(2)
    # hundreds of unique, digit-heavy subdomains under one registered domain: the batch rules' shape,
    # but each is a customer address named by the ISP
    names = [
        f"c-{rng.randint(1, 254)}-{rng.randint(0, 255)}-{rng.randint(0, 255)}-{rng.randint(1, 254)}"
        f".hsd1.{rng.choice(['ca', 'ma', 'il', 'wa'])}.comcast.net"
        for _ in range(300)
    ]
    r = score_names(names)
    assert (r["verdict"] == "benign").all()
    assert (r["suppressed_family"] == "address_host").all()


def test_all_digit_registered_labels_are_numbers_not_generated_names() -> None:
    # numeric domains are common among popular Chinese sites; hex and alphanumeric labels stay judged
    names = ["227237.com", "912482.com", "www.693836.com", "5c2a3b4d9e1f7a8b6c5d.com"]
    r = _by_name(names)
    assert (r.loc[names[:3], "verdict"] == "benign").all()
    assert (r.loc[names[:3], "dga_score"] == 0).all()
    assert r.loc["5c2a3b4d9e1f7a8b6c5d.com", "verdict"] == "dga"


def test_hex_dga_under_public_suffix_still_flagged() -> None:
    r = _by_name(["5c2a3b4d9e1f7a8b6c5d.com"])
    assert r.loc["5c2a3b4d9e1f7a8b6c5d.com", "verdict"] == "dga"


def test_malformed_reverse_name_is_not_suppressed() -> None:
    name = "6e6f74206120505452207265636f7264206174206c6c.in-addr.arpa"
    r = _by_name([name])
    assert r.loc[name, "suppressed_family"] == ""


def test_dnscat_prefix_and_obvious_dga() -> None:
    r = _by_name(["dnscat.3f10011d7c5faae4da7e4eb3ff1ee3", "xkqjvbztrwqplmnb.net"])
    assert r.loc["dnscat.3f10011d7c5faae4da7e4eb3ff1ee3", "verdict"] == "tunnel"
    assert r.loc["dnscat.3f10011d7c5faae4da7e4eb3ff1ee3", "reasons"].startswith(
        "first label is 'dnscat' (dnscat2 without a domain; Sigma rule)"
    )
    assert r.loc["xkqjvbztrwqplmnb.net", "verdict"] == "dga"
    assert "bits less likely" in r.loc["xkqjvbztrwqplmnb.net", "reasons"]


@pytest.fixture(scope="module")
def devset() -> pd.DataFrame:
    d = pd.read_csv(FIX / "devset_slice.csv", keep_default_na=False)
    r = score_names(d["name"]).set_index("name")
    d["verdict"] = r.loc[d["name"], "verdict"].to_numpy()
    d["reasons"] = r.loc[d["name"], "reasons"].to_numpy()
    return d


def test_fixture_tunnels_flagged(devset: pd.DataFrame) -> None:
    t = devset[devset["group"] == "tunnel"]
    assert (t["verdict"] == "tunnel").all(), t[t["verdict"] != "tunnel"][["name", "verdict"]]
    assert (t["reasons"] != "").all()


def test_fixture_random_dga_flagged(devset: pd.DataFrame) -> None:
    random_fams = {"ramnit", "cryptolocker", "necurs", "qakbot", "gameover_zeus", "bamital", "dyre", "corebot"}
    d = devset[devset["family"].isin(random_fams)]
    assert d["verdict"].isin(FLAGGED).mean() >= 0.8


def test_fixture_benign_not_flagged(devset: pd.DataFrame) -> None:
    look = devset[devset["group"] == "lookalike"]
    assert not look["verdict"].isin(FLAGGED).any(), look[look["verdict"].isin(FLAGGED)]
    pop = devset[devset["group"] == "popular"]
    assert pop["verdict"].isin(FLAGGED).mean() <= 0.04
    assert not (pop["verdict"] == "tunnel").any()


POPULAR_IN_BATCH = ("www.microsoft.com", "login.live.com", "outlook.office365.com")


def _one_session_batch(
    monkeypatch: pytest.MonkeyPatch, tool: str, seed: int, domain: str, n: int
) -> tuple[list[str], pd.DataFrame, pd.DataFrame]:
    """(queries, their rows, every row) of one dev-set tunnel session scored as one batch with a
    few popular names, as ``score-dns`` would score a day's list."""
    import random

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1]))
    from bench.devset import tunnels

    gen = tunnels.LATER_TOOLS[tool][0]
    queries = [q for _, q, _ in gen(random.Random(seed), domain, n)]
    r = score_names([*queries, *POPULAR_IN_BATCH]).set_index("name")
    return queries, r.loc[list(dict.fromkeys(queries))], r


def test_a_cobalt_strike_dns_beacon_session_is_a_tunnel_down_to_its_heartbeats(monkeypatch: pytest.MonkeyPatch) -> None:
    # out of sample: Beacon's layouts were added to the dev set after every rule was written. Its
    # uploads are long hex; its task fetches and decimal-id heartbeats are short, and are convicted
    # by the registered domain's many encoded-looking subdomains, which the reason says
    _, beacon, r = _one_session_batch(monkeypatch, "cobalt_strike_dns", 3, "ns1.update-check.net", 150)
    assert (beacon["verdict"] == "tunnel").all(), beacon[beacon["verdict"] != "tunnel"]
    heartbeat = next(q for q in beacon.index if q.split(".", 1)[0].isdigit())
    assert "unique subdomains in this batch" in beacon.loc[heartbeat, "reasons"]
    assert "payload" in beacon.loc[next(q for q in beacon.index if q.startswith("post.")), "reasons"]
    assert (r.loc[list(POPULAR_IN_BATCH), "verdict"] == "benign").all()
    # alone, a heartbeat is just a number under a domain: no verdict without its context
    assert score_names([heartbeat])["verdict"].iloc[0] == "benign"


def test_seed_mutation_cluster_lifts_banjori_style_names() -> None:
    # Banjori mutates the first four letters of a seed domain: a batch full of near-copies
    seeds = ["kwto", "rvcx", "abqe", "zzmo", "pqrs", "hgfd", "mnbv", "lkjh", "tyui", "qazx", "wsxe"]
    names = [f"{s}estnessbiophysicalohax.com" for s in seeds] + ["www.google.com"]
    r = _by_name(names)
    assert (r.loc[names[:-1], "verdict"] == "dga").all()
    assert r.loc[names[0], "reasons"].count("seed-mutation") == 1
    assert r.loc["www.google.com", "verdict"] == "benign"


@pytest.mark.parametrize("seed", ["rsensinaix", "rsensinaixq", "earnestnessbio"])
def test_a_short_seed_label_keeps_its_mutations_together(seed: str) -> None:
    """Seed labels of 14 and 15 characters: their last 12 held some of the four changed ones, so
    their near-copies never shared a key. The key leaves the first four out."""
    from hunt_assets.analytics.dns import features as F

    assert len(seed) + 4 >= F.TAIL_LEN + 2
    rng = __import__("random").Random(len(seed))
    heads = {"".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(4)) for _ in range(12)}
    names = [f"{h}{seed}.com" for h in sorted(heads)]
    r = _by_name(names)
    assert r.loc[names, "reasons"].str.count("seed-mutation").eq(1).all()
    assert (r.loc[names, "verdict"] == "dga").all()
    # nine are not a cluster; nor, in a 14-character label, are twelve whose fifth character differs too
    assert not _by_name(names[:9])["reasons"].str.contains("seed-mutation").any()
    if len(seed) + 4 == F.TAIL_LEN + 2:
        other = [f"{h}{c}{seed[1:]}.com" for h, c in zip(sorted(heads), "xyz" * 4, strict=False)]
        assert not _by_name(other)["reasons"].str.contains("seed-mutation").any()


def test_batch_rules_judge_a_domain_by_all_its_rows_whatever_the_order() -> None:
    """A registered domain's batch evidence is the domain's, not its first row's: a suppressed or
    invalid name under it must neither take it out of a cluster or cohort (when it comes first)
    nor be lifted with it (when it comes after)."""
    import random

    seeds = ["kwto", "rvcx", "abqe", "zzmo", "pqrs", "hgfd", "mnbv", "lkjh", "tyui", "qazx"]
    banjori = [f"{s}estnessbiophysicalohax.com" for s in seeds]  # exactly MUTATION_CLUSTER of them
    rng = random.Random(11)
    cohort = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(10)) + ".net" for _ in range(20)]
    left_out = {  # the name, its verdict in every order
        f"a b.{banjori[0]}": "invalid",
        f"x..{banjori[0]}": "invalid",
        f"_dmarc.{banjori[1]}": "benign",
        f"_dmarc.{cohort[0]}": "benign",
    }
    names = [*banjori, *cohort, f"www.{cohort[0]}"]
    verdicts = []
    for order in range(4):
        batch = list(left_out) + names if order % 2 == 0 else names + list(left_out)
        if order >= 2:
            rng.shuffle(batch)
        r = _by_name(batch)
        verdicts.append(r.loc[list(left_out) + names, "verdict"].tolist())
        for name, verdict in left_out.items():
            assert r.loc[name, "verdict"] == verdict, (order, name)
        assert (r.loc[banjori, "verdict"] == "dga").all(), order
        assert (r.loc[[*cohort, f"www.{cohort[0]}"], "verdict"] == "dga").all(), order
        assert r.loc[f"_dmarc.{cohort[0]}", "suppressed_family"] == "service_record"
    assert all(v == verdicts[0] for v in verdicts)


def test_stem_key_is_shared_by_names_that_differ_only_in_their_last_letter() -> None:
    from hunt_assets.analytics.dns.score import score_arrays

    names = ["koohoavab.net", "KOOHOAVAC.net.", "www.koohoavad.net", "koohoavab.com", "koohoavxb.net",
             "koohoava7.net", "kooha.net", "net"]
    _, cols, _ = score_arrays(names)
    key = dict(zip(names, cols["stem_key"].tolist(), strict=True))
    assert key["koohoavab.net"] == key["KOOHOAVAC.net."] == key["www.koohoavad.net"] != 0
    assert len({key["koohoavab.net"], key["koohoavab.com"], key["koohoavxb.net"]}) == 3
    # a digit at the end (numbered hosts: awsdns-41), a label under 6 characters, no registered label
    assert key["koohoava7.net"] == key["kooha.net"] == key["net"] == 0


def test_enumerated_last_letter_cluster_lifts_pitou_style_names() -> None:
    # Pitou keeps a day's stem and runs the last letter through the consonants
    day = [f"koohoava{c}.net" for c in "bcdfghjklmnpqrstvwxz"]
    numbered = [f"awsdns-{i}.net" for i in range(40, 50)]  # Route 53's name servers: numbered, benign
    short = [f"iit{c}.ac.in" for c in "bdgkmr"]  # institutes' abbreviations: short labels
    few = [f"wiasoala{c}.info" for c in "bcdfghj"]  # 7 of a stem: under the bar
    r = _by_name(day + numbered + short + few)
    assert (r.loc[day, "verdict"] == "dga").all()
    assert "differ only in their last letter" in r.loc[day[0], "reasons"]
    assert "one of 20 registered domains" in r.loc[day[0], "reasons"]
    assert not r.loc[numbered + short + few, "verdict"].isin(FLAGGED).any()


def test_anagram_key_is_shared_by_labels_that_are_the_same_letters_shuffled() -> None:
    from hunt_assets.analytics.dns.score import score_arrays

    names = ["ddknt.github.io", "DDTKN.github.io.", "www.ktndd.github.io", "ddknt.com", "ddkns.github.io",
             "e1234.dscb.akamaiedge.net", "e4321.dscb.akamaiedge.net", "dknt.github.io", "io"]
    _, cols, _ = score_arrays(names)
    key = dict(zip(names, cols["anagram_key"].tolist(), strict=True))
    assert key["ddknt.github.io"] == key["DDTKN.github.io."] == key["www.ktndd.github.io"] != 0
    # another suffix, other letters
    assert len({key["ddknt.github.io"], key["ddknt.com"], key["ddkns.github.io"]}) == 3
    # digits (numbered edge hosts shuffle by chance), a label under 5 characters, no registered label
    assert key["e1234.dscb.akamaiedge.net"] == key["e4321.dscb.akamaiedge.net"] == 0
    assert key["dknt.github.io"] == key["io"] == 0


def test_a_permutation_dga_is_flagged_even_under_a_platform_zone() -> None:
    """Bader's unnamed downloader shuffles one seed's letters into GitHub Pages user names. One
    user page is nobody's business; a batch of pages that are all the same letters is a DGA's list."""
    import itertools

    perms = ["".join(t) for t in itertools.permutations("dknta")]
    pages, com = [f"{x}.github.io" for x in perms[:12]], [f"{x}.com" for x in perms[12:24]]
    few = [f"{''.join(t)}.github.io" for t in itertools.permutations("mlqrs")][:5]  # under the bar
    users = ["octocat.github.io", "pallets.github.io", "kubernetes-sigs.github.io", "torvalds.github.io"]
    r = _by_name(pages + com + few + users)
    assert (r.loc[pages + com, "verdict"] == "dga").all()
    reasons = r.loc[pages[0], "reasons"]
    assert "one of 12 registered domains in this batch whose labels are the same letters shuffled" in reasons
    assert "benign family" not in reasons
    assert r.loc[pages[0], "suppressed_family"] == ""
    assert (r.loc[few + users, "verdict"] == "benign").all()
    assert (r.loc[few + users, "suppressed_family"] == "cdn_cloud_edge").all()


def test_a_permutation_cluster_split_between_chunks_counts_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Names are scored in chunks; the cluster is the batch's, so the verdicts must not depend on
    where the chunks cut it."""
    import itertools

    from hunt_assets.analytics.dns import score as score_mod

    pages = [f"{''.join(t)}.github.io" for t in itertools.permutations("dknta")][:8]
    filler = [f"site{i}.example.org" for i in range(40)]
    batch = [x for pair in itertools.zip_longest(pages, filler[:8]) for x in pair if x] + filler[8:]
    whole = _by_name(batch)
    monkeypatch.setattr(score_mod, "CHUNK", 5)  # about two pages per chunk, fewer than ANAGRAM_CLUSTER
    cut = _by_name(batch)
    assert (cut.loc[pages, "verdict"] == "dga").all()
    assert cut[["verdict", "score", "reasons"]].equals(whole[["verdict", "score", "reasons"]])
    assert "platform_anagram_key" not in cut.columns


@pytest.mark.parametrize("chunk", [97, 13])
def test_no_verdict_depends_on_where_the_scoring_chunks_cut_the_batch(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Every batch rule (clusters, cohorts, unique subdomains, the platform's permutation clusters)
    judges the whole batch: the dev-set slice, a permutation DGA's pages and bad input scored in
    chunks of ``chunk`` names read exactly as in one chunk."""
    import itertools

    from hunt_assets.analytics.dns import score as score_mod

    d = pd.read_csv(FIX / "devset_slice.csv", keep_default_na=False)
    pages = [f"{''.join(t)}.github.io" for t in itertools.permutations("qhvrb")][:9]
    names = [*d["name"], *pages, *BAD]
    whole = score_names(names)
    monkeypatch.setattr(score_mod, "CHUNK", chunk)
    cut = score_names(names)
    assert (whole.set_index("name").loc[pages, "verdict"] == "dga").all()
    pd.testing.assert_frame_equal(cut, whole)


def test_low_and_slow_chunks_lift_their_domain_but_human_host_names_do_not() -> None:
    import base64
    import random

    rng = random.Random(7)
    chunks = [
        base64.b32encode(rng.randbytes(6)).decode().lower().rstrip("=") + f".{i}.logs.weatherupdate.info"
        for i in range(60)
    ]
    words = ["mail", "vpn", "portal", "intranet", "files", "build", "git", "wiki", "hr", "crm", "erp", "sso"]
    hosts = [f"{w}{i}.{rng.choice(['eu', 'us', 'apac'])}.contoso-corp.com" for i, w in enumerate(words * 5)]
    r = _by_name(chunks + hosts)
    assert (r.loc[chunks, "verdict"] == "tunnel").all()
    assert r.loc[chunks, "reasons"].str.contains("low-and-slow").all()
    assert not r.loc[hosts, "verdict"].isin(FLAGGED).any()


def test_short_fixed_length_chunks_lift_their_domain_but_numbered_hosts_do_not() -> None:
    import base64
    import random

    rng = random.Random(11)
    chunks = [base64.b32encode(rng.randbytes(5)).decode().lower() + f".{i}.ns.newspaper-prove.xyz" for i in range(40)]
    printers = [f"printer{i:02d}.floor{i % 4}.contoso-corp.com" for i in range(40)]
    r = _by_name(chunks + printers)
    assert (r.loc[chunks, "verdict"] == "tunnel").all()
    assert r.loc[chunks, "reasons"].str.contains("unique subdomains in this batch").all()
    assert not r.loc[printers, "verdict"].isin(FLAGGED).any()


def test_chunks_of_encoded_text_are_caught_by_their_shape() -> None:
    """base32 of plain text is barely less likely than names: batch context catches it (the
    average-randomness rule or, when that average is too low, the fixed-length chunk rule)."""
    import base64

    text = (
        b"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
        b"bin:x:2:2:bin:/bin:/usr/sbin/nologin\nsys:x:3:3:sys:/dev:/usr/sbin/nologin\n"
    )
    chunks = [
        base64.b32encode(text[i : i + 5]).decode().lower() + f".{i // 5}.logs.ns.newspaper-prove.xyz"
        for i in range(0, 150, 5)
    ]
    r = _by_name(chunks)
    assert (r.loc[chunks, "verdict"] == "tunnel").all()
    reasons = r.loc[chunks, "reasons"]
    assert (reasons.str.contains("low-and-slow") | reasons.str.contains("8-character hex or base32 chunks")).all()


def test_lean_scoring_matches_full_columns_and_reasons(monkeypatch: pytest.MonkeyPatch) -> None:
    """``score_arrays(lean=True)`` (the CLI) decides and explains exactly like the full path."""
    import numpy as np

    from hunt_assets.analytics.dns import score as S
    from hunt_assets.analytics.dns.domain_stats import apply_batch_context

    d = pd.read_csv(FIX / "devset_slice.csv", keep_default_na=False)
    names = list(d["name"]) + BAD + ["a" * 600 + ".b.example.com", "_dmarc.contoso.com", "4.3.2.1.in-addr.arpa"]
    monkeypatch.setattr(S, "CHUNK", 97)  # several chunks, some with a segment longer than 512 bytes
    uniq = S.unique_names(names)
    full = S.score_arrays(uniq)
    lean = S.score_arrays(uniq, lean=True)
    early = S.score_arrays(uniq, lean=True)
    early[2][0].join_early()  # the CLI: chunks' own reasons joined while batch context runs
    for arr, cols, reasons in (full, lean, early):
        apply_batch_context(arr, cols, reasons, None)
    # batch context added reasons, to rows that had some of their own and to rows that had none
    added = np.unique(np.concatenate([idx for idx, _ in lean[2][1:]]))
    own = np.zeros(len(uniq), dtype=bool)
    for start, part in zip(lean[2][0].starts, lean[2][0].parts, strict=True):
        for idx, _ in part:
            own[idx + start] = True
    assert own[added].any()
    assert not own[added].all()
    assert S.join_reasons_arrow(early[2], len(uniq)).equals(S.join_reasons_arrow(lean[2], len(uniq)))
    (_, fc, fr), (_, lc, lr) = full, lean
    assert set(lc) == set(S.LEAN_COLUMNS)
    assert S.verdict_array(lc["verdict"]).equals(S.verdict_array(fc["verdict"]))
    assert np.array_equal(lc["suppressed"], fc["suppressed_family"] != "")
    for k in ("score", "tunnel_score", "popular_domain", "reg_hash", "mutation_key", "stem_key", "sub_len"):
        assert np.array_equal(lc[k], fc[k]), k
    lean_text = S.join_reasons_arrow(lr, len(uniq))
    assert isinstance(lr[0], S.ChunkReasons)
    assert lean_text.combine_chunks().equals(S.join_reasons_arrow(fr, len(uniq)))
    assert S.join_reasons(lr, len(uniq)).tolist() == S.join_reasons(fr, len(uniq)).tolist()


def test_vetted_government_and_education_zones_are_never_dga_but_open_tlds_are() -> None:
    # registration under gov.xx / edu.xx / ac.xx / k12 is vetted; the .ac TLD itself is open to anyone
    vetted = ["pgdkienxuongtbh.edu.vn", "tnvelaivaaippu.gov.in", "uinjkt.ac.id", "zzqxkvwp.k12.ca.us"]
    r = _by_name([*vetted, "xkqjvbztrwq.ac", "xkqjvbztrwq.com"])
    assert (r.loc[vetted, "verdict"] == "benign").all()
    assert r.loc["pgdkienxuongtbh.edu.vn", "reasons"].startswith("registered under a vetted government")
    assert r.loc["xkqjvbztrwq.ac", "verdict"] == "dga"
    assert r.loc["xkqjvbztrwq.com", "verdict"] == "dga"


def test_user_pages_on_content_platforms_are_a_benign_family() -> None:
    r = _by_name(["jiashigrsyt.github.io", "uwagababciagotuje.blogspot.com"])
    assert (r["verdict"] == "benign").all()
    assert r["reasons"].str.contains("content-platform zone").all()


def test_platform_zones_from_the_public_suffix_list_say_where_they_come_from() -> None:
    from hunt_assets.analytics.dns import accel

    # on-acorn.io is a wildcard rule's parent (*.on-acorn.io): the public suffix is one label longer
    platform_only = [
        "kemubcrdlsbqgbcnnchc.supabase.co",
        "q9z8x7w6k.herokuapp.com",
        "supabase.co",
        "abc123xyz.foo.on-acorn.io",
    ]
    # listed zones keep their text, and so do PSL zones under a listed one (windows.net is listed)
    listed = ["d1234abcdef.cloudfront.net", "x7k2p9qz.blogspot.com", "a8f3k2.web.core.windows.net"]
    for enabled in (True, False):
        prev, accel.ENABLED = accel.ENABLED, enabled
        try:
            r = _by_name(platform_only + listed)
        finally:
            accel.ENABLED = prev
        assert (r["verdict"] == "benign").all()
        assert (r["suppressed_family"] == "cdn_cloud_edge").all()
        assert r.loc[platform_only, "reasons"].str.contains("public suffix list, private section").all()
        assert r.loc[listed, "reasons"].str.contains("content-platform zone").all()
        assert not r.loc[listed, "reasons"].str.contains("public suffix list").any()


@pytest.mark.parametrize(
    "zone",
    # dynamic DNS, free subdomains and second-level registries of the PSL private section: anyone
    # picks the name there, so a DGA can use them and a platform-zone suppression must not hide it
    ["duckdns.org", "dedyn.io", "spdns.de", "synology.me", "us.kg", "pp.ua", "us.com", "za.net", "is-a.dev"],
)
def test_random_labels_under_open_private_zones_keep_dga_detection(zone: str) -> None:
    name = f"xjqzkvwpbtrmhgfdyc.{zone}"
    r = _by_name([name])
    assert r.loc[name, "suppressed_family"] == ""
    assert r.loc[name, "verdict"] == "dga", r.loc[name, "reasons"]


def test_private_section_providers_are_open_by_their_own_lines_not_the_submitter_address() -> None:
    from hunt_assets.analytics.dns.names import _open_registration, suffix_rules

    heroku = ["// Heroku : https://www.heroku.com/", "// Submitted by Shumon Huque <public-dns@salesforce.com>"]
    assert not _open_registration(heroku, ["herokuapp.com"])
    assert _open_registration(["// DuckDNS : http://www.duckdns.org/"], ["duckdns.org"])
    assert _open_registration(["// Service Online LLC : http://drs.ua/"], ["biz.ua", "co.ua", "pp.ua"])
    assert _open_registration(["// Some Host : https://example.net"], ["myhost-dyn.example"])
    # NAS names are picked by their users (open); AVM assigns MyFRITZ! names itself (a platform)
    assert _open_registration(["// Synology, Inc. : https://www.synology.com/"], ["synology.me", "myds.me"])
    avm = ["// AVM : https://avm.de", "// Submitted by Andreas Weise <a.weise@avm.de>"]
    assert not _open_registration(avm, ["myfritz.link", "myfritz.net"])
    platform = set(suffix_rules(True).platform)
    assert {"supabase.co", "herokuapp.com", "ngrok-free.app", "amplifyapp.com", "myfritz.net", "myfritz.link"} <= (
        platform
    )
    assert not {"duckdns.org", "us.kg", "pp.ua", "us.com", "dedyn.io", "synology.me"} & platform


def test_operator_assigned_home_access_names_stay_benign_in_a_batch() -> None:
    import random

    rng = random.Random(8)
    hexd, alnum = "0123456789abcdef", "abcdefghijklmnopqrstuvwxyz0123456789"

    def some(alphabet: str, n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    # Plex: <address with dashes>.<server certificate hash>.plex.direct, IPv4 and IPv6, ten servers;
    # MyFRITZ!: AVM's 16 random characters per router, with or without a device name in front
    servers = [some(hexd, 32) for _ in range(10)]
    plex = [
        f"{rng.randint(1, 254)}-{rng.randint(0, 254)}-{rng.randint(0, 254)}-{rng.randint(1, 254)}.{s}.plex.direct"
        for s in servers for _ in range(2)
    ] + [f"2a02-{some(hexd, 4)}-{some(hexd, 3)}-0-0-0-0-{some(hexd, 2)}.{s}.plex.direct" for s in servers]
    fritz = [f"{some(alnum, 16)}.myfritz.net" for _ in range(20)]
    fritz += [f"nas.{some(alnum, 16)}.myfritz.net" for _ in range(10)]
    # the same labels under a zone of their own are not cleared: a look-alike zone is judged
    fake = [f"{some(hexd, 32)}.plex.direct.example-cdn.net" for _ in range(30)]
    r = _by_name(plex + fritz + fake)
    assert (r.loc[plex + fritz, "verdict"] == "benign").all(), r.loc[plex + fritz].query("verdict != 'benign'")
    assert (r.loc[plex + fritz, "suppressed_family"] == "cdn_cloud_edge").all()
    assert (r.loc[fake, "verdict"] == "tunnel").all()


def test_random_label_under_an_alternative_root_is_a_dga_candidate_not_a_tunnel() -> None:
    # Necurs also draws from Namecoin's .bit; a hex blob under an unknown "TLD" is still a tunnel server
    r = _by_name(["elyspvfhyoabqmdbfit.bit", "3f10011d7c5faae4da7e4eb3ff1ee3aa.7c5faae4da"])
    assert r.loc["elyspvfhyoabqmdbfit.bit", "verdict"] == "dga"
    assert r.loc["3f10011d7c5faae4da7e4eb3ff1ee3aa.7c5faae4da", "verdict"] == "tunnel"
    assert "payload of 0 chars" not in r.loc["3f10011d7c5faae4da7e4eb3ff1ee3aa.7c5faae4da", "reasons"]


def test_alternative_root_tlds_used_by_malware_are_suspicious_at_least() -> None:
    r = _by_name(["qecoonom.bazar", "elyspvfhyoabqmdbfit.bit", "www.example.com"])
    assert r.loc["qecoonom.bazar", "verdict"] == "suspicious"
    assert "alternative root" in r.loc["qecoonom.bazar", "reasons"]
    assert r.loc["elyspvfhyoabqmdbfit.bit", "verdict"] == "dga"
    assert r.loc["www.example.com", "verdict"] == "benign"


def test_free_subdomain_zones_are_suffixes_and_dynamic_dns_hex_labels_are_not_resource_ids() -> None:
    import random

    rng = random.Random(3)
    # a DGA registering names under a FreeDNS shared zone: each one is its own registered domain,
    # so the batch does not see one domain with many random subdomains (a tunnel)
    dga = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(12)) + ".yi.org" for _ in range(40)]
    r = _by_name([*dga, "a1b2c3d4e5f6.duckdns.org", "a1b2c3d4e5f6.ngrok.io"])
    assert (r.loc[dga, "registered_domain"] == r.loc[dga].index).all()
    assert not (r.loc[dga, "verdict"] == "tunnel").any()
    assert (r.loc[dga, "verdict"] == "dga").mean() > 0.8
    assert r.loc["a1b2c3d4e5f6.duckdns.org", "verdict"] == "dga"
    assert r.loc["a1b2c3d4e5f6.ngrok.io", "verdict"] == "benign"


def test_iodine_version_handshake_is_a_signature() -> None:
    # the version request of a real iodine session (Suricata/Wireshark sample captures) and ours
    r = _by_name(["vaaaakardli.pirate.sea", "VAAAAKAS4WY.t.example.com", "vaaaakardlix.pirate.sea"])
    assert (r.loc[["vaaaakardli.pirate.sea", "VAAAAKAS4WY.t.example.com"], "verdict"] == "tunnel").all()
    assert "iodine's version handshake" in r.loc["vaaaakardli.pirate.sea", "reasons"]
    assert "payload of" not in r.loc["vaaaakardli.pirate.sea", "reasons"]
    assert r.loc["vaaaakardlix.pirate.sea", "verdict"] != "tunnel"  # 12 characters: not the handshake


def test_dga_shaped_cohort_lifts_borderline_names_but_not_popular_lists() -> None:
    import random

    from hunt_assets.analytics.dns import ngram

    rng = random.Random(5)
    # a DGA's day: 60 random 7-letter labels under one TLD; alone many are only borderline
    dga = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(7)) + ".biz" for _ in range(60)]
    from hunt_assets.analytics.dns import score as S

    arr, cols, _ = S.score_arrays(S.unique_names(dga))  # per-name verdicts, no batch context
    per_name = pd.Series(cols["verdict"], index=arr.to_pylist())
    r = score_names(dga + ngram.load_training_domains()[:3000]).set_index("name")
    lifted = r.loc[dga, "reasons"].str.contains("the shape of a DGA's daily list")
    assert lifted.sum() >= 20
    assert (r.loc[dga, "verdict"] != "benign").mean() > (per_name.loc[dga] != "benign").mean()
    popular_only = score_names(ngram.load_training_domains())
    assert not popular_only["reasons"].str.contains("DGA's daily list").any()


def test_a_convicted_cohort_takes_in_its_word_like_members_down_to_the_member_bar() -> None:
    import random

    from hunt_assets.analytics.dns import domain_stats as D
    from hunt_assets.analytics.dns import ngram

    rng = random.Random(11)
    # a random-letter DGA's day: its labels that happen to read well are not random-looking on
    # their own (reg_bits < DGA_BURST_BITS), but they share the cohort that convicted itself
    dga = sorted({"".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(9)) + ".biz" for _ in range(400)})
    popular = ngram.load_training_domains()[:3000]
    r = score_names(dga + popular).set_index("name")
    alone = score_names(dga[:1] + popular).set_index("name")  # no cohort without the rest of the day
    bits = r.loc[dga, "reg_bits"]
    in_cohort = r.loc[dga, "reasons"].str.contains("the shape of a DGA's daily list")
    between = (bits >= D.COHORT_MEMBER_BITS) & (bits < D.DGA_BURST_BITS)
    below = bits < D.COHORT_MEMBER_BITS
    # the draw has members on both sides of the bar
    assert between.sum() >= 5
    assert below.sum() >= 2
    assert in_cohort[between].all()
    # a convicted cohort's members are the day's names: dga, not merely suspicious
    assert (r.loc[bits[between].index, "verdict"] == "dga").all()
    assert (r.loc[dga, "verdict"][in_cohort] == "dga").all()
    assert not in_cohort[below].any()
    assert (r.loc[bits[below].index, "verdict"] == "benign").all()
    assert not alone["reasons"].str.contains("DGA's daily list").any()
    assert not r.loc[popular, "reasons"].str.contains("DGA's daily list").any()


def test_five_letter_labels_are_judged_only_as_a_cohort() -> None:
    import random

    from hunt_assets.analytics.dns import ngram
    from hunt_assets.analytics.dns import score as S

    rng = random.Random(3)
    # m0yv's shape: a day of 5-letter random labels under .biz; one such label alone is too short
    # to judge by its characters (DGA_MIN_LEN), a batch of them is a cohort (COHORT_MIN_LEN)
    assert S.COHORT_MIN_LEN == 5 < S.DGA_MIN_LEN
    dga = sorted({"".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(5)) + ".biz" for _ in range(80)})
    popular = ngram.load_training_domains()[:3000]
    alone = score_names(dga[:1] + popular).set_index("name")
    assert alone.loc[dga[0], "verdict"] == "benign"
    r = score_names(dga + popular).set_index("name")
    in_cohort = r.loc[dga, "reasons"].str.contains("the shape of a DGA's daily list")
    assert in_cohort.mean() > 0.8
    assert (r.loc[dga, "verdict"][in_cohort] == "dga").all()
    assert not r.loc[popular, "reasons"].str.contains("DGA's daily list").any()
    # four letters form no cohort
    four = sorted({"".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(4)) + ".biz" for _ in range(80)})
    assert not score_names(four + popular)["reasons"].str.contains("DGA's daily list").any()


def test_syllable_template_cohort_lifts_pronounceable_dga_names() -> None:
    import random

    from hunt_assets.analytics.dns import ngram
    from hunt_assets.analytics.dns import score as S

    rng = random.Random(8)
    # Simda's shape: consonant, vowel (y included), consonant ... 7 letters, .com; word-like enough
    # that most pass one by one, and the random-letter cohort (all 7-letter .com names) is mostly benign
    cons, vow = "qwrtpsdfghjklzxcvbnm", "eyuioa"
    dga = sorted({"".join(rng.choice(vow if i % 2 else cons) for i in range(7)) + ".com" for _ in range(120)})
    arr, cols, _ = S.score_arrays(S.unique_names(dga))
    per_name = pd.Series(cols["verdict"], index=arr.to_pylist())
    popular = ngram.load_training_domains()[:20000]
    r = score_names(dga + popular).set_index("name")
    lifted = r.loc[dga, "reasons"].str.contains("vowel/consonant pattern")
    assert lifted.sum() >= 20
    assert (r.loc[dga, "verdict"] != "benign").mean() > (per_name.loc[dga] != "benign").mean() + 0.2
    assert not r.loc[popular, "reasons"].str.contains("vowel/consonant pattern").any()
    # labels without vowels share no template: random consonant strings are not lifted by it
    flat = ["".join(rng.choice(cons) for _ in range(7)) + ".com" for _ in range(60)]
    assert not score_names(flat + popular)["reasons"].str.contains("vowel/consonant pattern").any()


def test_scores_fall_in_their_verdicts_band_also_after_batch_and_event_lifts() -> None:
    """Sorting by score never puts a weaker verdict above a stronger one (see ``SCORE_BANDS``)."""
    from hunt_assets.analytics.dns.events import score_events
    from hunt_assets.analytics.dns.score import SCORE_BANDS

    names = pd.read_csv(FIX / "devset_slice.csv", keep_default_na=False)["name"].tolist()
    events = pd.read_csv(FIX / "events_slice.csv", keep_default_na=False)
    # short, and very unlike names people choose
    iodine_poll = "\\xbc\\xc1\\xe9\\xfd\\xd0\\xbe\\xf1\\xda\\xe0\\xc5\\xd9.t.tun.example.com"
    frames = [score_names([*names, iodine_poll, "", "a..b.com"]), score_events(events)[0]]
    assert set(frames[0]["verdict"]) | set(frames[1]["verdict"]) >= {"tunnel", "dga", "benign", "suspicious"}
    for flags in frames:
        for verdict, (lo, hi) in SCORE_BANDS.items():
            s = flags.loc[flags["verdict"] == verdict, "score"]
            assert s.between(lo, hi).all(), (verdict, s.min(), s.max())
            if hi < 1.0:
                assert (s < hi).all(), verdict
        assert (flags.loc[flags["verdict"] == "invalid", "score"] == 0).all()
    assert frames[0].set_index("name").loc[iodine_poll, "score"] < 0.7


def test_shipped_popular_hashes_are_the_training_lists() -> None:
    """``data/popular_hashes.npy`` is a cache of the list's hashes: it must not drift from the list."""
    import numpy as np

    from hunt_assets.analytics.dns import ngram
    from hunt_assets.analytics.dns import score as S
    from hunt_assets.analytics.dns.names import hash_name

    S._popular_hashes.cache_clear()
    shipped = S._popular_hashes()
    assert shipped.dtype == np.uint64
    assert np.array_equal(shipped, S.popular_hashes_from_list())
    assert shipped.size == len(set(ngram.load_training_domains()))
    assert np.isin(np.array([hash_name("google.com"), hash_name("wikipedia.org")], np.uint64), shipped).all()


@pytest.mark.parametrize(
    "name",
    [
        "DC01.corp.contoso.com",
        "SRV-SQL01.corp.contoso.com",
        "NYC-FS02.corp.contoso.com",
        "Galaxy-S21.contoso.com",
        "MacBook-Pro-3.contoso.com",
        "iPad-Pro-2.corp.contoso.com",
        "SurfaceLaptop4.corp.contoso.com",
        "ThinkPad-X1-Carbon.corp.contoso.com",
        "Lenovo-T14s-Gen3.corp.contoso.com",
        "DAL-ADFS07.ad.badwhatever.org",
        "SEP3C22FB9A1E5D.corp.contoso.com",  # as its lower-case form: case alone is no evidence here
    ],
)
def test_host_names_cased_like_words_are_not_a_case_mix(name: str) -> None:
    # Windows and DHCP-registered names keep their case in DNS logs; base64 mixes case at random
    r = _by_name([name])
    assert r.loc[name, "verdict"] == "benign", r.loc[name, "reasons"]


@pytest.mark.parametrize(
    "name",
    [
        "aGVsbG8x9QzR.t.evil-tunnel.com",  # a short base64 poll as sent on the wire
        "x7KqP2mZ.t.evil-tunnel.com",
        "H3Xhe23WAQA.ns.music-example.info",  # dns2tcp: word-cased runs, reads badly
    ],
)
def test_case_mixed_at_random_keeps_its_evidence(name: str) -> None:
    assert _by_name([name]).loc[name, "verdict"] != "benign"


def test_word_cased_matches_its_definition() -> None:
    import random
    import re

    import numpy as np

    from hunt_assets.analytics.dns.features import word_cased

    word = re.compile(r"[a-z]*(?:[A-Z][a-z]{2,})+")

    def reference(s: str) -> bool:
        return all(r.islower() or r.isupper() or word.fullmatch(r) for r in re.findall(r"[A-Za-z]+", s))

    rng = random.Random(7)
    spans = ["".join(rng.choice("aAbBcdXYz09-._+/") for _ in range(rng.randint(0, 14))) for _ in range(5000)]
    spans += ["MacBook-Pro-3", "iPhone", "DC01.corp", "Ab", "aBC", "HTTPServer", ""]
    data = np.frombuffer("".join(spans).encode(), dtype=np.uint8)
    lens = np.array([len(x) for x in spans])
    start = np.concatenate(([0], np.cumsum(lens)[:-1]))
    got, label_mix = word_cased(data, start, start + lens)
    assert got.tolist() == [reference(x) for x in spans]
    assert got[-7:].tolist() == [True, True, True, False, False, False, True]
    mixes = [any(lab != lab.lower() and lab != lab.upper() for lab in x.split(".")) for x in spans]
    assert label_mix.tolist() == mixes
    assert label_mix[-7:].tolist() == [True, True, False, True, True, True, False]


@pytest.mark.parametrize(
    "name",
    [
        "init.NFSF64TTMF6DENY.base64.main-discuss.com",
        "init.nfsf64ttmf6demy.base32.d.knowserve.info",  # folded to lower case by the sensor
        "INIT.ABCDEFGHIJ.BASE32.x.org",
    ],
)
def test_dnsexfiltrator_init_request_is_a_tunnel_on_its_own(name: str) -> None:
    r = _by_name([name])
    assert r.loc[name, "verdict"] == "tunnel"
    assert "DNSExfiltrator's init request" in r.loc[name, "reasons"]


@pytest.mark.parametrize(
    "name",
    [
        "init.NFSF64TTMF6DO.base64.com",  # base64.com is the registered domain, not the tool's label
        "init.short.base64.x.com",  # too short for base32 of 'file|chunks'
        "init.NFSF64TTMF6D1.base64.x.com",  # '1' is not base32
        "www.init.abcdefghij.base64.x.com",  # not the first label
        "init.abcdefghij.base16.x.com",
    ],
)
def test_dnsexfiltrator_init_needs_the_exact_layout(name: str) -> None:
    assert "DNSExfiltrator" not in _by_name([name]).loc[name, "reasons"]


def test_a_sliver_dns_session_is_a_tunnel_from_its_first_query(monkeypatch: pytest.MonkeyPatch) -> None:
    # out of sample: Sliver's DNS C2 was added to the dev set after every rule was written. Its polls
    # are 24 characters of its own base32 and its session opens with a 4-character TOTP request; the
    # uploads are near the 253-byte limit
    queries, session, r = _one_session_batch(monkeypatch, "sliver_dns", 4, "c2.cdn-metrics.net", 120)
    assert (session["verdict"] == "tunnel").all(), session[session["verdict"] != "tunnel"]
    assert "unique subdomains in this batch" in session.loc[queries[0], "reasons"]
    assert (r.loc[list(POPULAR_IN_BATCH), "verdict"] == "benign").all()


@pytest.mark.parametrize(
    "name",
    [
        "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi.ipfs.dweb.link",
        "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4.ipfs.cf-ipfs.com",
        "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi.ipfs.4everland.io",
        "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi.ipfs.inbrowser.link",
    ],
)
def test_ipfs_subdomain_gateway_names_are_content_hashes_under_the_gateway(name: str) -> None:
    # a subdomain gateway puts the content id (CIDv1, base32: 59 random-looking characters) in front
    # of its own zone and answers for it itself: no DGA registered it, no tunnel can be delegated there
    r = _by_name([name])
    assert r.loc[name, "verdict"] == "benign"
    assert r.loc[name, "suppressed_family"] == "cdn_cloud_edge"
    # the same label under a zone nobody lists is a 59-character base32 payload
    other = name.split(".ipfs.")[0] + ".ipfs.cdn-gw-assets.net"
    assert _by_name([other]).loc[other, "verdict"] == "tunnel"


def test_microsoft_edge_domains_are_listed_exactly_not_by_pattern() -> None:
    """Anyone can register ``<anything>-msedge.net``: only Microsoft's own edge domains are cleared."""
    r = score_names(["x7kq2v9d4m1c8z3b.t-msedge.net", "x7kq2v9d4m1c8z3b.tunnel-msedge.net"]).set_index("name")
    assert r.loc["x7kq2v9d4m1c8z3b.t-msedge.net", "suppressed_family"] == "cdn_cloud_edge"
    assert r.loc["x7kq2v9d4m1c8z3b.tunnel-msedge.net", "suppressed_family"] == ""
