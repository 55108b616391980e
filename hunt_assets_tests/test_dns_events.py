"""score_events context, host summary, volume over time and the hunt adapter."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hunt_assets.analytics.dns.events import (
    events_from_hunt,
    findings_first,
    findings_preview,
    principal_clients,
    reason_shape,
    score_events,
    summarize_hosts,
    volume_over_time,
)

FIX = Path(__file__).parent / "fixtures" / "dns"


@pytest.fixture(scope="module")
def scored() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    ev = pd.read_csv(FIX / "events_slice.csv", keep_default_na=False)
    flags, doms = score_events(ev)
    return ev, flags, doms


def test_every_tunnel_event_name_flagged(scored: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    ev, flags, _ = scored
    f = flags.set_index("name")
    tun = ev[ev["client"].str.startswith("tun-")]
    assert (f.loc[tun["name"].unique(), "verdict"] == "tunnel").all()
    ws = ev[ev["client"].str.startswith("ws-")]
    assert not (f.loc[ws["name"].unique(), "verdict"] == "tunnel").any()


def test_domain_flags_have_context(scored: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    _, _, doms = scored
    for col in (
        "registered_domain",
        "verdict",
        "score",
        "reasons",
        "queries",
        "clients",
        "unique_subdomains",
        "share_null",
        "share_txt",
        "max_bytes_client_window",
        "interarrival_cv",
        "first_seen",
    ):
        assert col in doms.columns
    top = doms.iloc[0]
    assert top["verdict"] == "tunnel"
    assert top["unique_subdomains"] >= 10


def _polls(start: str, every: str) -> pd.DataFrame:
    """40 dnscat2-style polls (18 hex chars) to one domain from one host: each alone is short."""
    polls = [f"{i:04x}01abcd{(i * 7919) % 65536:04x}{(i * 104729) % 65536:04x}.poll-example.com" for i in range(40)]
    return pd.DataFrame(
        {
            "name": polls,
            "client": "host-a",
            "qtype": "TXT",
            "timestamp": pd.date_range(start, periods=len(polls), freq=every, tz="UTC"),
        }
    )


def test_short_polls_lifted_by_domain_context() -> None:
    flags, _doms = score_events(_polls("2024-06-01", "5s"))
    assert (flags["verdict"] == "tunnel").all()
    assert flags["reasons"].str.contains("unique subdomains|TXT", regex=True).all()


def test_question_bytes_across_the_hour_are_one_window() -> None:
    """Forty polls from 00:50 to 01:10: the busiest window holds all of them, not half."""
    ev = _polls("2024-06-01 00:50", "30s")
    _, doms = score_events(ev)
    row = doms.set_index("registered_domain").loc["poll-example.com"]
    assert row["max_bytes_client_window"] == ev["name"].str.len().sum()


def test_a_domain_is_measured_whatever_name_of_it_comes_first() -> None:
    """Volume and timing are measured for domains with many subdomains; whether the domain
    qualifies must not hang on its first name in the batch (here a suppressed ``_dmarc`` look-up)."""
    hosts = ["mail", "portal", "intranet", "wiki", "jira", "build", "docs"]
    names = [f"{h}.example-corp.com" for h in hosts]
    measured = []
    for first in (["_dmarc.example-corp.com"], []):
        batch = first + names * 30 + (["_dmarc.example-corp.com"] if not first else [])
        flags, doms = score_events(_resolved_by([(n, "host-a") for n in batch]))
        assert (flags["verdict"] == "benign").all()
        row = doms.set_index("registered_domain").loc["example-corp.com"]
        measured.append((row["max_bytes_client_window"], row["interarrival_cv"]))
    assert measured[0][0] > 0
    assert measured[0] == pytest.approx(measured[1], nan_ok=True)


def test_host_summary_and_volume(scored: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    ev, _, doms = scored
    alerts = pd.DataFrame({"DeviceName": ["tun-iodine-0", "tun-iodine-0"]})
    hosts = summarize_hosts(ev, doms, alerts)
    assert list(hosts.columns[:3]) == ["client", "lookups_flagged", "distinct_flagged_domains"]
    top = hosts.head(8)["client"]
    assert top.str.startswith("tun-").all()
    assert hosts.loc[hosts["client"] == "tun-iodine-0", "alerts"].iloc[0] == 2
    vol = volume_over_time(ev, doms, freq="1h")
    assert set(vol.columns) == {"bucket", "registered_domain", "queries"}
    assert vol["queries"].sum() > 0


def test_events_from_hunt_and_missing_columns() -> None:
    hunt = pd.DataFrame(
        {
            "Timestamp": ["2024-06-01T00:00:00Z", "2024-06-01T00:00:05Z"],
            "DeviceName": ["pc1", None],
            "ClientIP": ["10.0.0.1", "10.0.0.2"],
            "QueryName": ["www.google.com", None],
            "QueryType": ["A", "AAAA"],
            "Answers": ["[]", "[]"],
        }
    )
    ev = events_from_hunt(hunt)
    assert list(ev["client"]) == ["pc1", "10.0.0.2"]
    flags, doms = score_events(ev)
    assert list(flags["name"]) == ["www.google.com"]
    only_names = pd.DataFrame({"name": ["a.example.com", "b.example.com"]})
    flags, doms = score_events(only_names)
    assert len(flags) == 2
    assert summarize_hosts(only_names, doms, None).empty


def test_events_from_hunt_reads_every_timestamp_shape() -> None:
    """Defender's text times drop trailing zeros of the fraction: a row of another precision than the
    first one kept its time only by luck of pandas' format guess. Datetimes keep their unit."""
    when = ["2024-06-01T00:00:00.1234567Z", "2024-06-01T00:00:01Z", "2024-06-01 00:00:02.5+00:00", "nonsense",
            1717200003, None]
    ev = events_from_hunt(pd.DataFrame({"Timestamp": when, "QueryName": "www.google.com"}))
    assert str(ev["timestamp"].dtype) == "datetime64[ns, UTC]"
    got = [None if pd.isna(t) else t.isoformat() for t in ev["timestamp"]]
    assert got == ["2024-06-01T00:00:00.123456700+00:00", "2024-06-01T00:00:01+00:00",
                   "2024-06-01T00:00:02.500000+00:00", None, "2024-06-01T00:00:03+00:00", None]
    stored_times = pd.to_datetime(when[:3], format="ISO8601", utc=True).astype("datetime64[us, UTC]")
    stored = pd.DataFrame({"Timestamp": stored_times, "QueryName": "www.google.com"})
    assert events_from_hunt(stored)["timestamp"].equals(stored["Timestamp"])


def _burst_events(names: list[str], client: str, qtype: str, answers: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": names,
            "client": client,
            "qtype": qtype,
            "answers": answers,
            "timestamp": pd.date_range("2024-06-01 01:00", periods=len(names), freq="7s", tz="UTC"),
        }
    )


def _dictionary_names(n: int) -> list[str]:
    """Suppobox-shaped names: two words each, every one alone reads as a real domain."""
    words = ["pleasant", "carry", "market", "winter", "garden", "silver", "mother", "yellow", "forest", "window"]
    return [f"{a}{b}.net" for a in words for b in words if a != b][:n]


def test_dictionary_dga_burst_needs_unanswered_lookups() -> None:
    names = _dictionary_names(40)
    implant = _burst_events(names, "ws-implant", "A", "")
    flags, _ = score_events(implant)
    assert (flags["verdict"] == "dga").mean() >= 0.9
    assert flags["reasons"].str.contains("DGA burst").all()
    # a mail gateway resolving as many unfamiliar partner domains gets answers (or asks MX): no burst
    gateway = pd.concat([_burst_events(names, "mail-gw", "MX", ""), _burst_events(names, "mail-gw", "A", "192.0.2.7")])
    flags, _ = score_events(gateway)
    assert not flags["reasons"].str.contains("DGA burst").any()


@pytest.mark.parametrize("start", ["00:20", "00:50", "00:59:50"])
def test_a_burst_across_the_hour_is_one_burst(start: str) -> None:
    """Thirty look-ups in twenty minutes: split 15/15 by 01:00 they were under DICT_BURST twice."""
    names = _dictionary_names(30)
    ev = _burst_events(names, "ws-implant", "A", "")
    ev["timestamp"] = pd.date_range(f"2024-06-01 {start}", periods=len(names), freq="40s", tz="UTC")
    flags, _ = score_events(ev)
    assert (flags["verdict"] == "dga").all(), flags[flags["verdict"] != "dga"]
    assert flags["reasons"].str.contains("looked up 30 distinct unanswered", regex=False).all()


def test_a_slow_trickle_is_no_burst_on_either_grid() -> None:
    """Thirty look-ups spread over five hours: no hour, aligned or shifted, holds twenty."""
    names = _dictionary_names(30)
    ev = _burst_events(names, "ws-1", "A", "")
    ev["timestamp"] = pd.date_range("2024-06-01 00:50", periods=len(names), freq="10min", tz="UTC")
    flags, _ = score_events(ev)
    assert not flags["reasons"].str.contains("DGA burst").any()


def test_an_outbreak_on_three_hosts_is_still_a_burst() -> None:
    """A date-seeded DGA makes every infected host look up the same names in the same hour."""
    for names in (_dictionary_names(40), _short_dga(60)):
        ev = pd.concat([_burst_events(names, f"ws-{i}", "A", "") for i in range(3)], ignore_index=True)
        flags, _ = score_events(ev)
        assert (flags["verdict"] == "dga").all(), flags[flags["verdict"] != "dga"]
        assert flags["reasons"].str.contains(r"client ws-\d looked up \d+ distinct", regex=True).all()


def _consonant_names(n: int, seed: int = 4) -> list[str]:
    import random

    rng = random.Random(seed)
    return ["".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(12)) + ".com" for _ in range(n)]


def _bursts_without_answers(ev: pd.DataFrame) -> pd.Series:
    flags, _ = score_events(ev.drop(columns="answers"))
    return flags.set_index("name")["reasons"].str.contains("random-looking registered domains")


def test_without_answers_three_hosts_burst_only_when_they_share_the_whole_list() -> None:
    """Without answers, names several clients share look like a web page's; an outbreak's hosts
    share every name of the list, where a page's names reach a different set of readers each."""
    names = _consonant_names(12)
    for hosts in (2, 3):  # the same 12 names on every infected host
        ev = pd.concat([_burst_events(names, f"ws-{i}", "A", "") for i in range(hosts)], ignore_index=True)
        assert _bursts_without_answers(ev).all(), hosts
    # 24 such names, each looked up by three of six readers (a different three each time, twelve
    # names per reader in the hour): as many as an outbreak's, but no two share their readers
    more = _consonant_names(24)
    readers = [[f"ws-{(i + k) % 6}" for k in (0, 1, 3)] for i in range(len(more))]
    page = pd.concat(
        [_burst_events([n], who, "A", "") for n, three in zip(more, readers, strict=True) for who in three],
        ignore_index=True,
    )
    page["timestamp"] = pd.date_range("2024-06-01 01:00", periods=len(page), freq="7s", tz="UTC")
    assert not _bursts_without_answers(page).any()
    # fewer shared names than OUTBREAK_SAME_CLIENTS make no outbreak
    few = pd.concat([_burst_events(names[:7], f"ws-{i}", "A", "") for i in range(3)], ignore_index=True)
    assert not _bursts_without_answers(few).any()


def test_without_answers_names_the_whole_fleet_shares_are_no_outbreak() -> None:
    """Every one of ten clients looking up the same names is fleet software, not an infection:
    the shared set may hold at most OUTBREAK_FLEET_SHARE of the batch's clients."""
    names = _consonant_names(12)
    others = _burst_events(_browsing(10), "ws-x", "A", "")
    for hosts, bursts in ((5, True), (6, False)):
        ev = [_burst_events(names, f"ws-{i}", "A", "") for i in range(hosts)]
        # the rest of the ten clients look up something else
        ev += [others.assign(client=f"ws-other-{i}") for i in range(10 - hosts)]
        got = _bursts_without_answers(pd.concat(ev, ignore_index=True))
        assert got.reindex(names).all() == bursts, hosts


def _browsing(n: int) -> list[str]:
    """Unfamiliar, ordinary-looking registered domains (not in the popular list), one each."""
    words = ["harbor", "maple", "copper", "meadow", "lantern", "orchard", "pebble", "saddle", "timber", "velvet"]
    return [f"{a}{b}{i}.org" for i in range(n // 90 + 1) for a in words for b in words if a != b][:n]


@pytest.mark.parametrize(
    ("browsed", "bursts"),
    [
        (60, True),  # a workstation: forty dead look-ups beside an hour of its user's browsing
        (400, False),  # a proxy logged as one client: forty dead among 440 unfamiliar domains, 9 %
    ],
)
def test_a_burst_must_be_a_good_part_of_what_its_client_looked_up(browsed: int, bursts: bool) -> None:
    dead = _burst_events(_dictionary_names(40), "host-1", "A", "")
    live = _burst_events(_browsing(browsed), "host-1", "A", "192.0.2.7")
    live["timestamp"] = pd.date_range("2024-06-01 01:00", periods=browsed, freq=f"{3300 // browsed}s", tz="UTC")
    flags, _ = score_events(pd.concat([dead, live], ignore_index=True))
    burst = flags["reasons"].str.contains("(DGA burst)", regex=False)
    assert burst.sum() == (40 if bursts else 0)
    assert not burst[~flags["name"].isin(dead["name"])].any()  # the answered names never join


def test_a_proxy_without_answers_makes_no_burst_of_its_random_looking_names() -> None:
    import random

    rng = random.Random(6)
    odd = ["".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(12)) + ".com" for _ in range(12)]
    ev = pd.concat(
        [_burst_events(odd, "proxy-1", "A", ""), _burst_events(_browsing(300), "proxy-1", "A", "")],
        ignore_index=True,
    ).drop(columns="answers")
    flags, _ = score_events(ev)
    assert not flags["reasons"].str.contains("(DGA burst)", regex=False).any()
    alone, _ = score_events(_burst_events(odd, "ws-1", "A", "").drop(columns="answers"))
    assert alone["reasons"].str.contains("(DGA burst)", regex=False).all()


def _numbered(prefix: str, stems: list[str], n: int) -> list[str]:
    """Fosniw's shape: a fixed short label in front of word stems numbered 0..n-1."""
    return [f"{prefix}.{stem}{i}.com" for stem in stems for i in range(n)]


def test_a_burst_behind_one_fixed_short_label_is_a_dga() -> None:
    names = _numbered("appx", ["koreasys", "winsoft"], 15)
    alone, _ = score_events(_burst_events(names, "ws-fosniw", "A", "192.0.2.7"))
    assert (alone["verdict"] == "benign").all()  # answered, each name reads as a word and a number
    flags, _ = score_events(_burst_events(names, "ws-fosniw", "A", ""))
    assert (flags["verdict"] == "dga").all(), flags[flags["verdict"] != "dga"]
    assert flags["reasons"].str.contains("looked up 30 distinct unanswered", regex=False).all()


@pytest.mark.parametrize(
    ("names", "why"),
    [
        (_numbered("www", ["koreasys"], 10) + [n.removeprefix("www.") for n in _numbered("www", ["koreasys"], 10)],
         "ten domains asked bare and with www. are ten registered domains, not twenty names"),
        (_numbered("content", ["koreasys", "winsoft"], 15), "a front label of seven characters is part of the name"),
        (_numbered("a.b", ["koreasys", "winsoft"], 15), "two labels in front are not one fixed prefix"),
    ],
)
def test_a_prefixed_burst_counts_registered_domains_behind_one_short_label(names: list[str], why: str) -> None:
    flags, _ = score_events(_burst_events(names, "ws-1", "A", ""))
    assert not flags["reasons"].str.contains("DGA burst").any(), why


def test_prefixed_names_join_a_burst_only_where_the_log_says_they_went_unanswered() -> None:
    import random

    rng = random.Random(3)
    labels = ["".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(12)) for _ in range(12)]
    for prefix, bursts in (("", True), ("www.", False)):
        ev = _burst_events([f"{prefix}{lab}.com" for lab in labels], "ws-1", "A", "").drop(columns="answers")
        flags, _ = score_events(ev)
        # a browser's www./cdn. names of unfamiliar sites look the same when answers are unknown
        assert flags["reasons"].str.contains("random-looking registered domains").mean() == float(bursts), prefix



def _short_dga(n: int, seed: int = 5) -> list[str]:
    """QSnatch-shaped names: 3-5 characters over many ccTLDs, each label too short to condemn."""
    import random

    rng = random.Random(seed)
    tlds = ["kr", "lv", "sg", "bt", "hk", "biz", "mo", "fm", "to", "ee", "gl", "jp", "cc", "la", "mu"]
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    names = {
        "".join(rng.choice(alphabet) for _ in range(rng.randint(3, 5))) + "." + rng.choice(tlds) for _ in range(4 * n)
    }
    return sorted(names)[:n]


def test_a_burst_of_short_unanswered_unfamiliar_domains_is_a_dga() -> None:
    names = _short_dga(60)
    alone, _ = score_events(_burst_events(names, "ws-qsnap", "A", "192.0.2.7"))
    assert (alone["verdict"] == "benign").mean() > 0.5  # answered, the names alone say little
    flags, _ = score_events(_burst_events(names, "ws-qsnap", "A", ""))
    assert (flags["verdict"] == "dga").all(), flags[flags["verdict"] != "dga"]
    assert flags["reasons"].str.contains("(DGA burst)", regex=False).all()
    # the random-looking burst (a weaker bar on the name) speaks first for the few it can convict
    text = "looked up 60 distinct unanswered, unfamiliar (not in the popular list) short"
    short = flags["reasons"].str.contains(text, regex=False)
    assert short.mean() > 0.6


@pytest.mark.parametrize(
    ("n", "clients", "why"),
    [
        (30, 1, "fewer than SHORT_BURST short names in the window"),
        (60, 20, "the same names spread over twenty clients, three each"),
    ],
)
def test_short_unanswered_names_need_one_client_and_the_count(n: int, clients: int, why: str) -> None:
    names = _short_dga(n, seed=8)
    ev = pd.concat(
        [_burst_events(names[k::clients], f"ws-{k}", "A", "") for k in range(clients)], ignore_index=True
    )
    flags, _ = score_events(ev)
    assert not flags["reasons"].str.contains("short registered domains").any(), why


def _as_categoricals(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """What the warehouse's dictionary-encoded read gives: categories in order of first appearance."""
    out = df.copy()
    for c in columns:
        codes, uniq = pd.factorize(out[c])
        out[c] = pd.Categorical.from_codes(codes, categories=pd.Index(uniq))
    return out


def test_categorical_events_score_exactly_like_plain_ones(
    scored: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> None:
    from hunt_assets.assets.detections import mark_resolved

    ev, flags, doms = scored
    ev = ev.assign(timestamp=pd.to_datetime(ev["timestamp"], utc=True, format="ISO8601"))
    flags, doms = score_events(ev)
    cat = _as_categoricals(ev, ["name", "client", "qtype", "answers"])
    cflags, cdoms = score_events(cat)
    pd.testing.assert_frame_equal(flags, cflags)
    pd.testing.assert_frame_equal(doms, cdoms)
    pd.testing.assert_frame_equal(mark_resolved(doms, ev), mark_resolved(cdoms, cat))
    pd.testing.assert_frame_equal(volume_over_time(ev, doms), volume_over_time(cat, cdoms))
    # reusing the scored names' registered domains gives the same as parsing the names again
    pd.testing.assert_frame_equal(mark_resolved(doms, ev), mark_resolved(cdoms, cat, cflags))
    pd.testing.assert_frame_equal(volume_over_time(ev, doms), volume_over_time(cat, cdoms, names=cflags))
    assert mark_resolved(doms, ev)["resolved"].any()
    pd.testing.assert_frame_equal(summarize_hosts(ev, doms), summarize_hosts(cat, cdoms))


def test_categorical_hunt_rows_attributed_and_mapped_like_plain_ones() -> None:
    from hunt_assets.analytics.hosts import attribute_clients

    hunt = pd.DataFrame(
        {
            "Timestamp": pd.to_datetime(["2024-06-01T00:00:00Z"] * 7, utc=True),
            "DeviceName": ["pc1", "", "pc2", "", "", "pc1", None],
            "ClientIP": ["10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.9", "10.0.0.3", "10.0.0.1", "10.0.0.4"],
            "QueryName": ["a.example.com"] * 7,
            "QueryType": ["A"] * 7,
            "Answers": ["", "1.2.3.4", "", "", "", "", None],
        }
    )
    cat = _as_categoricals(hunt, ["DeviceName", "ClientIP", "QueryName", "QueryType", "Answers"])
    for mapping in (None, {"10.0.0.3": "pc3", "10.0.0.1": "pc9"}):
        plain_ev = events_from_hunt(attribute_clients(hunt, mapping=mapping))
        cat_ev = events_from_hunt(attribute_clients(cat, mapping=mapping))
        assert isinstance(cat_ev["client"].dtype, pd.CategoricalDtype)
        assert cat_ev["client"].astype(object).tolist() == plain_ev["client"].astype(object).tolist()
        # attribution inside events_from_hunt (one pass over the distinct pairs) gives the same clients
        for frame in (hunt, cat):
            fused = events_from_hunt(frame, ip_map=mapping or {})
            pd.testing.assert_series_equal(fused["client"], (cat_ev if frame is cat else plain_ev)["client"])
    assert plain_ev["client"].tolist() == ["pc1", "pc9", "pc2", "10.0.0.9", "pc3", "pc1", "10.0.0.4"]


def _lookups(names: list[str], qtypes: list[str], clients: list[str], step_s: float = 1.0) -> pd.DataFrame:
    t0 = pd.Timestamp("2024-06-01 10:00", tz="UTC")
    return pd.DataFrame(
        {
            "name": names,
            "qtype": qtypes,
            "client": clients,
            "timestamp": [t0 + pd.Timedelta(seconds=i * step_s) for i in range(len(names))],
        }
    )


def test_a_payload_staged_through_numbered_aaaa_records_is_a_tunnel() -> None:
    # DNSStager: one process resolves cloud-srv-0, cloud-srv-1 ... and reads the payload from the
    # AAAA answers; no single name is odd, the walk is the evidence
    staged = [f"cloud-srv-{i}.test.mydnsserver.live" for i in range(120)]
    ev = _lookups([*staged, "www.bing.com", "www.bing.com"], ["AAAA"] * 120 + ["A", "AAAA"], ["ws-7"] * 122)
    flags, doms = score_events(ev)
    f = flags.set_index("name")
    assert (f.loc[staged, "verdict"] == "tunnel").all()
    why = f.loc[staged[5], "reasons"]
    assert "120 names under this domain that differ only in a counter" in why
    assert "'cloud-srv-0' .. 'cloud-srv-119'" in why
    assert "100% of the domain's look-ups AAAA/TXT" in why
    assert f.loc["www.bing.com", "verdict"] == "benign"
    assert doms.set_index("registered_domain").loc["mydnsserver.live", "verdict"] == "tunnel"


def test_cobalt_strike_stager_letter_counter_over_txt_is_a_tunnel() -> None:
    # the stager's TXT walk (aaa.stage.<n>.<domain>, baa..., as published detection rules show it)
    import itertools
    import string

    counters = ["".join(reversed(p)) for p in itertools.product(string.ascii_lowercase[:4], repeat=3)][:40]
    staged = [f"{c}.stage.123456.cdn-static-files.com" for c in counters]
    flags, _ = score_events(_lookups(staged, ["TXT"] * 40, ["srv-3"] * 40, 0.2))
    assert (flags.set_index("name").loc[staged, "verdict"] == "tunnel").all()


@pytest.mark.parametrize(
    ("qtypes", "clients", "why"),
    [
        (["A"] * 120, ["admin-1"] * 120, "an administrator's sweep asks A"),
        (["A", "AAAA"] * 60, ["ws-7"] * 120, "clients ask A and AAAA in pairs"),
        (["AAAA"] * 120, [f"ws-{i % 40}" for i in range(120)], "many clients, each its own few hosts"),
    ],
)
def test_numbered_hosts_are_not_staging(qtypes: list[str], clients: list[str], why: str) -> None:
    names = [f"ws-sales-{i // 2 if len(set(qtypes)) == 2 else i:03d}.corp.contoso.com" for i in range(120)]
    flags, _ = score_events(_lookups(names, qtypes, clients))
    assert not (flags["verdict"] == "tunnel").any(), why


def test_a_sparse_or_short_counter_run_is_not_staging() -> None:
    sparse = [f"img{i * 7}.photos-cdn-host.net" for i in range(60)]  # density 1/7
    short = [f"img{i}.other-cdn-host.net" for i in range(20)]  # too few to be a payload
    names = sparse + short
    flags, _ = score_events(_lookups(names, ["AAAA"] * len(names), ["ws-1"] * len(names)))
    assert not (flags["verdict"] == "tunnel").any()


def _tags(rng, n: int, zone: str, prefix: str = "") -> list[str]:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # base32: what an encoder would send
    return sorted({
        (prefix or f"{rng.choice(['NYC', 'LON'])}-LT-") + "".join(rng.choice(alphabet) for _ in range(7)) + f".{zone}"
        for _ in range(n)
    })


def _resolved_by(pairs: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": [n for n, _ in pairs],
            "client": [c for _, c in pairs],
            "qtype": "A",
            "timestamp": pd.date_range("2024-06-01", periods=len(pairs), freq="3s", tz="UTC"),
        }
    )


@pytest.mark.parametrize("prefix", ["", "DESKTOP-"])  # asset tags, Windows' default names
def test_a_tunnel_dressed_as_computer_names_is_caught_by_its_events(prefix: str) -> None:
    """Names cleared as computer names under one zone, each resolved once by one client, all but
    one of them no device of the telemetry: data, not a fleet."""
    import random

    rng = random.Random(4)
    exfil = _tags(rng, 200, "cdn-sync-metrics.com", prefix)
    fleet = [f"ws-{i:03d}.corp.contoso.com" for i in range(5)]
    # the tunnelling machine sends its own name once among its data: a decoy a client's label matches
    me = "nyc-lt-7k2j9qx.corp.contoso.com"
    exfil.append("NYC-LT-7K2J9QX.cdn-sync-metrics.com")
    ev = _resolved_by(
        [(n, me) for n in exfil] + [(n, f"ws-{i:03d}") for i, n in enumerate(fleet)]
    )
    names_only = score_events(ev[["name"]])[0].set_index("name")
    assert (names_only.loc[exfil, "suppressed_family"] == "windows_hostname").all()  # alone: host names
    flags, doms = score_events(ev)
    f = flags.set_index("name")
    assert (f.loc[exfil, "verdict"] == "tunnel").all()
    assert (f.loc[exfil, "suppressed_family"] == "").all()
    why = f.loc[exfil[0], "reasons"]
    assert why.startswith(
        "201 names under this domain are shaped like computer names, resolved by 1 client(s), each once or "
        "twice, and 1 of them a device in these events"
    )
    assert "benign family" not in why
    assert doms.set_index("registered_domain").loc["cdn-sync-metrics.com", "verdict"] == "tunnel"
    assert (f.loc[fleet, "verdict"] == "benign").all()


@pytest.mark.parametrize(
    "case",
    [
        "devices",  # the laptops are clients of the telemetry themselves
        "often",  # a management server resolves each machine again and again
        "clients",  # many clients resolve them
        "few",  # under the count: a short tunnel passes (documented)
    ],
)
def test_a_real_fleet_named_by_asset_tag_stays_benign(case: str) -> None:
    import random

    rng = random.Random(5)
    tags = _tags(rng, 20 if case == "few" else 200, "corp.contoso.com")
    sccm = "nyc-sccm01.corp.contoso.com"
    pairs = [(n, sccm) for n in tags]
    if case == "devices":
        # a fifth of the fleet is onboarded and shows up as clients (resolving something)
        pairs += [("www.microsoft.com", n.split(".")[0].lower() + ".corp.contoso.com") for n in tags[::5]]
    elif case == "often":
        pairs = pairs * 3
    elif case == "clients":
        pairs = [(n, f"helpdesk-{i % 3}.corp.contoso.com") for i, n in enumerate(tags)]
    flags, _ = score_events(_resolved_by(pairs))
    f = flags.set_index("name")
    assert (f.loc[tags, "verdict"] == "benign").all()
    assert (f.loc[tags, "suppressed_family"] == "windows_hostname").all()


def test_findings_lead_with_tunnels_then_dga_then_suspicious() -> None:
    """A 15-row preview of a day with a hundred DGA domains at 0.99 still shows its one tunnel at 0.7."""
    doms = pd.DataFrame({
        "registered_domain": ["a.com", "b.com", "c.com", "d.com", "e.com", "f.com"],
        "verdict": ["dga", "benign", "tunnel", "suspicious", "dga", "dga"],
        "score": [0.99, 0.10, 0.70, 0.95, 0.99, 0.80],
        "queries": [12, 900, 4, 3, 48, 5],
    })
    out = findings_first(doms)
    assert out["registered_domain"].tolist() == ["c.com", "e.com", "a.com", "f.com", "d.com"]  # ties: more queries
    assert findings_first(doms, ("tunnel", "dga"))["registered_domain"].tolist() == ["c.com", "e.com", "a.com", "f.com"]
    no_counts = findings_first(doms.drop(columns=["queries"]))
    assert no_counts["registered_domain"].tolist()[:3] == ["c.com", "a.com", "e.com"]
    assert findings_first(doms.iloc[:0]).empty


def test_findings_preview_lets_each_kind_of_finding_take_its_turn() -> None:
    """One host's 100 random-letter DGA domains at 0.99 and another's 64 dictionary-DGA domains at 0.7: a 15-row
    preview shows the tunnel first, then both DGAs in turn, each by its best domains; suspicious ones last."""
    random_dga = [f"r{i:03d}xqzvkw.com" for i in range(100)]
    grid = [f"word{i:02d}grid.net" for i in range(64)]
    doms = pd.DataFrame({
        "registered_domain": ["t.com", *random_dga, *grid, "s.com"],
        "verdict": ["tunnel", *["dga"] * 164, "suspicious"],
        "score": [0.6, *[0.99 - i / 1000 for i in range(100)], *[0.7] * 64, 0.9],
        "queries": [5, *[12] * 100, *range(64, 0, -1), 3],
        "reasons": [
            "subdomain of 40 chars looks encoded (20 bits less likely than popular names)",
            *[f"registered label 'r{i:03d}xqzvkw' is {30 - i % 7} bits less likely than popular domains (13 chars, "
              f"entropy 3.{i % 9}); client ws-sales-032.contoso.local looked up 100 distinct unanswered" for i in
              range(100)],
            *["one of 64 registered domains in this batch that join 8 leading words to 8 trailing words; client "
              "ws-mkt-007.contoso.local looked up 64 distinct unanswered"] * 64,
            "registered label is somewhat unlike popular domains (9 bits)",
        ],
    })
    out = findings_preview(doms, rows=15)["registered_domain"].tolist()
    assert out[0] == "t.com"
    assert out[1:15] == [x for pair in zip(random_dga[:7], grid[:7], strict=True) for x in pair]
    whole = findings_preview(doms, rows=len(doms))["registered_domain"].tolist()
    assert sorted(whole) == sorted(doms["registered_domain"])  # a reordering, nothing lost
    assert whole[-1] == "s.com"
    assert findings_preview(doms.iloc[:0]).empty
    assert findings_preview(doms.drop(columns=["reasons"]), rows=3)["registered_domain"].tolist() == [
        "t.com", *random_dga[:2]]


def test_findings_preview_by_client_alternates_the_hosts_whatever_their_reasons() -> None:
    """Grouped by who looked the domains up: one host's DGA with reasons of three shapes still takes one turn in
    two, the other host's the other."""
    events = pd.DataFrame({
        "name": ["a1.com", "a2.com", "a3.com", "a4.com", "b1.net", "b2.net", "b1.net", "x.org"],
        "client": ["pc-a", "pc-a", "pc-a", "pc-a", "pc-b", "pc-b", "pc-c", "pc-c"],
    })
    doms = pd.DataFrame({
        "registered_domain": ["a1.com", "a2.com", "a3.com", "a4.com", "b1.net", "b2.net", "x.org"],
        "verdict": ["dga"] * 6 + ["benign"],
        "score": [0.99, 0.98, 0.97, 0.96, 0.7, 0.7, 0.1],
        "queries": [1, 1, 1, 1, 2, 1, 1],
        "reasons": ["registered label 'a1' is 30 bits less likely", "burst", "registered label is somewhat unlike",
                    "burst", "word grid", "word grid", ""],
    })
    by = principal_clients(events, doms)
    assert by.to_dict() == {"a1.com": "pc-a", "a2.com": "pc-a", "a3.com": "pc-a", "a4.com": "pc-a",
                            "b1.net": "pc-b", "b2.net": "pc-b"}  # b1.net: pc-b and pc-c once each, the first wins
    assert findings_preview(doms, 4, by=by)["registered_domain"].tolist() == ["a1.com", "b1.net", "a2.com", "b2.net"]
    by_shape = findings_preview(doms, 4)["registered_domain"].tolist()
    assert by_shape == ["a1.com", "a2.com", "a3.com", "b1.net"]  # three shapes of pc-a's reasons take turns first
    assert principal_clients(events.drop(columns=["client"]), doms).empty
    # the warehouse's reader gives categorical columns: the same answer, without a day's clients as strings
    cat = events.astype({"name": "category", "client": "category"})
    assert principal_clients(cat, doms).to_dict() == by.to_dict()


def test_reason_shape_keeps_the_kind_of_evidence_not_the_values() -> None:
    a = "registered label 'qzxv' is 26 bits less likely than popular domains (14 chars, entropy 3.66)"
    b = "registered label 'kkjw' is 9 bits less likely than popular domains (8 chars, entropy 2.5)"
    shape = "registered label # is # bits less likely than popular domains (# chars, entropy #)"
    assert reason_shape(a) == reason_shape(b) == shape
    assert reason_shape(a) != reason_shape(a + "; client pc1 looked up 64 distinct unanswered")


@pytest.mark.parametrize("qtype", [16, "16", 16.0, "TYPE16", "txt"])
def test_numeric_query_types_read_as_their_mnemonics(qtype: object) -> None:
    """Zeek's dns.log has ``qtype`` (16) before ``qtype_name`` (TXT), and the CSV reader keeps the
    first: a number must count as the type it stands for, as the dns_events hunt maps it."""
    by_name, doms = score_events(_polls("2024-06-01", "5s"))
    ev = _polls("2024-06-01", "5s").assign(qtype=[qtype] * 40)
    got_names, got_doms = score_events(ev)
    pd.testing.assert_frame_equal(got_names, by_name)
    pd.testing.assert_frame_equal(got_doms, doms)
    assert got_doms.set_index("registered_domain").loc["poll-example.com", "share_txt"] == 1.0


def test_a_cohort_lifts_only_the_names_its_hosts_looked_up() -> None:
    """A day of random 9-letter ``.biz`` labels convicts its cohort; the members that read well
    (lifted only as members) are lifted with events only where the infected host looked them up."""
    import random

    from hunt_assets.analytics.dns import domain_stats as D
    from hunt_assets.analytics.dns import ngram
    from hunt_assets.analytics.dns.score import score_names

    rng = random.Random(11)
    dga = sorted({"".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(9)) + ".biz" for _ in range(400)})
    popular = ngram.load_training_domains()[:3000]
    names_only = score_names(dga + popular).set_index("name")
    in_cohort = names_only.loc[dga, "reasons"].str.contains("the shape of a DGA's daily list")
    # members lifted only by the cohort: word-like enough to pass on their own
    borrowed = [n for n in dga if in_cohort[n] and names_only.loc[n, "reg_bits"] < D.DGA_BURST_BITS]
    assert len(borrowed) >= 5
    own = [n for n in dga if n not in set(borrowed)]

    def day(rows: list[tuple[str, str]]) -> pd.DataFrame:
        t0 = pd.Timestamp("2026-12-01T00:00:00Z")
        return pd.DataFrame(
            {
                "timestamp": [t0 + pd.Timedelta(seconds=7 * i) for i in range(len(rows))],
                "client": [c for c, _ in rows],
                "name": [n for _, n in rows],
                "qtype": "A",
            }
        )

    browsing = [(f"ws-{i % 40}", n) for i, n in enumerate(popular)]
    # the borrowed names were browsed by other workstations, not by the infected host
    apart = day([("ws-infected", n) for n in own] + [(f"ws-{i % 7}", n) for i, n in enumerate(borrowed)] + browsing)
    flags, _ = score_events(apart)
    f = flags.set_index("name")
    assert (f.loc[borrowed, "verdict"] == "benign").all()
    assert not f.loc[borrowed, "reasons"].str.contains("DGA's daily list").any()
    lifted_own = f.loc[own, "reasons"].str.contains("DGA's daily list")
    assert lifted_own.sum() >= 20
    on_host = f.loc[own, "reasons"][lifted_own].str.contains(r"client ws-infected looked it up and resolved \d+ random")
    assert on_host.all()
    assert not f.loc[popular, "reasons"].str.contains("DGA's daily list").any()
    # the same names from the infected host are its list: lifted, and the reason says by whom
    together = day([("ws-infected", n) for n in dga] + browsing)
    flags2, _ = score_events(together)
    f2 = flags2.set_index("name")
    assert (f2.loc[borrowed, "verdict"] == "dga").all()
    n_hi = int((names_only.loc[dga, "reg_bits"] >= D.DGA_BURST_BITS).sum())
    said = f"client ws-infected looked it up and resolved {n_hi} random-looking names of such lists"
    assert f2.loc[borrowed[0], "reasons"].endswith(said)


def test_look_ups_that_name_no_client_leave_a_cohort_as_the_names_alone_do() -> None:
    """A client column left empty says nothing about hosts: the cohort lifts as it does names-only."""
    import random

    from hunt_assets.analytics.dns import ngram
    from hunt_assets.analytics.dns.score import score_names

    rng = random.Random(11)
    dga = sorted({"".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(9)) + ".biz" for _ in range(400)})
    popular = ngram.load_training_domains()[:3000]
    names = dga + popular
    names_only = score_names(names).set_index("name")
    ev = pd.DataFrame({"name": names, "client": [None] * len(names), "qtype": "A"})
    flags, _ = score_events(ev)
    f = flags.set_index("name")
    lifted = names_only.loc[dga, "reasons"].str.contains("DGA's daily list")
    assert lifted.sum() >= 300
    assert f.loc[dga, "reasons"].str.contains("DGA's daily list").equals(lifted)
    assert (f.loc[dga, "verdict"] == names_only.loc[dga, "verdict"]).all()
    assert not f["reasons"].str.contains("looked it up and resolved").any()  # no host to name


def test_a_cohort_reason_names_the_busiest_host_that_looked_the_domain_up() -> None:
    import random

    from hunt_assets.analytics.dns import ngram

    rng = random.Random(11)
    dga = sorted({"".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(9)) + ".biz" for _ in range(400)})
    popular = ngram.load_training_domains()[:3000]
    # two infected hosts share the day's list unevenly; a third row of the first name names no client
    rows = [("ws-a", n) for n in dga[:300]] + [("ws-b", n) for n in dga[250:]] + [(None, dga[0])]
    rows += [(f"ws-{i % 40}", n) for i, n in enumerate(popular)]
    ev = pd.DataFrame({"client": [c for c, _ in rows], "name": [n for _, n in rows], "qtype": "A"})
    f = score_events(ev)[0].set_index("name")["reasons"]
    hosts = f.loc[dga].str.extract(r"client (\S+) looked it up and resolved (\d+) random")
    in_cohort = f.loc[dga].str.contains("DGA's daily list")
    assert in_cohort.sum() >= 300
    assert hosts[0][in_cohort].notna().all()
    counts = hosts[1][in_cohort].astype(int)
    a, b = counts[hosts[0][in_cohort] == "ws-a"], counts[hosts[0][in_cohort] == "ws-b"]
    assert a.nunique() == 1
    assert b.nunique() == 1
    assert a.iloc[0] > b.iloc[0]
    # the names both hosts looked up are the busier host's; the rest are each host's own
    assert (hosts.loc[[n for n in dga[250:300] if in_cohort[n]], 0] == "ws-a").all()
    assert (hosts.loc[[n for n in dga[300:] if in_cohort[n]], 0] == "ws-b").all()


@pytest.mark.parametrize("client", [7, 3.5])
def test_clients_that_are_numbers_are_named_in_reasons(client: object) -> None:
    """A library caller's client column may hold device ids as numbers: the reasons that name a
    client (DGA burst, cohort host) write them as text instead of failing."""
    import random

    rng = random.Random(11)
    dga = sorted({"".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(9)) + ".biz" for _ in range(200)})
    ev = pd.DataFrame({
        "client": [client] * len(dga),
        "name": dga,
        "qtype": "A",
        "timestamp": pd.Timestamp("2026-12-01", tz="UTC") + pd.to_timedelta(range(len(dga)), unit="s"),
        "answers": "",
    })
    reasons = score_events(ev)[0]["reasons"]
    assert reasons.str.contains(f"client {client} looked it up and resolved").sum() >= 150
    assert reasons.str.contains(f"client {client} looked up ").sum() >= 150  # the DGA burst
