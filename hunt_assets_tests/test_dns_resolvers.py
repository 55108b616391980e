"""Encrypted-DNS resolvers in the host summary: the hosts whose later look-ups the log may not see."""

import re
from datetime import date
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa
import pytest

from hunt_assets.analytics.dns.events import (
    BYPASS_PRIORITY,
    OTHER_PROCESS_PRIORITY,
    encrypted_dns_by_client,
    score_events,
    summarize_hosts,
)
from hunt_assets.analytics.dns.names import binary_to_str, parse, registered_domains, to_binary_array
from hunt_assets.analytics.dns.resolvers import (
    BROWSER,
    DNS_SOFTWARE,
    OTHER_PROCESS,
    connection_label,
    endpoint_labels,
    endpoint_of,
    process_kind,
    provider_of_address,
)

_CONNECTIONS_KQL = Path(__file__).resolve().parents[1] / "queries" / "encrypted_dns_connections.kql"


@pytest.mark.parametrize(
    ("name", "provider", "kind"),
    [
        ("dns.google", "Google Public DNS", "resolver"),
        ("DNS.Google.", "Google Public DNS", "resolver"),  # as a sensor may log it
        ("mozilla.cloudflare-dns.com", "Cloudflare 1.1.1.1", "resolver"),
        ("cloudflare-dns.com", "Cloudflare 1.1.1.1", "resolver"),
        ("one.one.one.one", "Cloudflare 1.1.1.1", "resolver"),
        ("dns.quad9.net", "Quad9", "resolver"),
        ("45bd7c.dns.nextdns.io", "NextDNS", "resolver"),  # a customer's configuration id
        ("c3a9f1e2.d.adguard-dns.com", "AdGuard DNS", "resolver"),
        ("abcd1234.cloudflare-gateway.com", "Cloudflare Zero Trust", "resolver"),
        ("doh.opendns.com", "Cisco OpenDNS / Umbrella", "resolver"),
        ("use-application-dns.net", "Firefox DoH canary", "canary"),
        ("mask.icloud.com", "iCloud Private Relay canary", "canary"),
    ],
)
def test_endpoints_and_canaries_are_recognised(name: str, provider: str, kind: str) -> None:
    assert endpoint_of(name) == (provider, kind)


@pytest.mark.parametrize(
    "name",
    [
        "www.quad9.net",  # the provider's web site, not its resolver
        "quad9.net",
        "nextdns.io",
        "test.nextdns.io",  # NextDNS's own leak test
        "google.com",
        "evil-cloudflare-dns.com",  # a look-alike, not under the zone
        "cloudflare-dns.com.evil.net",
        "dns.google.evil.net",
        "icloud.com",
        "",
        "a..b",
    ],
)
def test_names_that_only_resemble_them_are_not(name: str) -> None:
    assert endpoint_of(name) is None


def _registered(names: list[str]) -> list[str]:
    p = parse(to_binary_array(pa.array(names, pa.large_string())))
    return binary_to_str(registered_domains(p)).to_pylist()


def test_labels_name_the_endpoint_and_provider_and_leave_the_rest_blank() -> None:
    names = ["www.example.com", "Dns.Google.", "x1.dns.nextdns.io", "www.quad9.net", "use-application-dns.net"]
    labels = endpoint_labels(names, _registered(names))
    assert list(labels) == [
        "",
        "dns.google (Google Public DNS)",
        "x1.dns.nextdns.io (NextDNS)",
        "",
        "use-application-dns.net (Firefox DoH canary)",
    ]


def _events(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """(client, name, time) rows as scoring events."""
    return pd.DataFrame(
        {
            "client": [c for c, _, _ in rows],
            "name": [n for _, n, _ in rows],
            "qtype": "A",
            "timestamp": pd.to_datetime([t for _, _, t in rows], utc=True),
        }
    )


def _day() -> pd.DataFrame:
    dga = [f"{w}.com" for w in ("xkqzvbwtrplmhd", "qwpzmxkvbtrhjl", "zvkxqwbmtrplhd", "mqzxkvwbtrhpld")]
    rows = [("ws-1", n, f"2024-06-01T09:{i:02d}:00Z") for i, n in enumerate(dga * 3)]
    rows += [
        ("ws-2", "mozilla.cloudflare-dns.com", "2024-06-01T08:00:00Z"),
        ("ws-2", "mozilla.cloudflare-dns.com", "2024-06-01T12:00:00Z"),
        ("ws-2", "use-application-dns.net", "2024-06-01T07:59:59Z"),
        ("ws-2", "www.example.com", "2024-06-01T06:00:00Z"),
        ("ws-3", "www.example.com", "2024-06-01T10:00:00Z"),
        ("ws-4", "45bd7c.dns.nextdns.io", "2024-06-01T11:00:00Z"),
        ("", "dns.google", "2024-06-01T11:00:00Z"),  # no client: cannot be listed
    ]
    rows += [("ws-1", "dns.quad9.net", "2024-06-01T10:30:00Z")]
    return _events(rows)


def test_per_client_counts_endpoints_busiest_first_and_the_time_span() -> None:
    by = encrypted_dns_by_client(_day()).set_index("client")
    assert set(by.index) == {"ws-1", "ws-2", "ws-4"}
    ws2 = by.loc["ws-2"]
    assert ws2["encrypted_dns_lookups"] == 3
    assert ws2["encrypted_dns"] == (
        "mozilla.cloudflare-dns.com (Cloudflare 1.1.1.1), use-application-dns.net (Firefox DoH canary)"
    )
    assert ws2["first_seen"] == pd.Timestamp("2024-06-01T07:59:59Z")
    assert ws2["last_seen"] == pd.Timestamp("2024-06-01T12:00:00Z")


def test_host_summary_lists_bypass_hosts_below_flagged_ones() -> None:
    ev = _day()
    _, doms = score_events(ev)
    assert set(doms.loc[doms["verdict"] == "dga", "registered_domain"]) >= {"xkqzvbwtrplmhd.com"}
    hosts = summarize_hosts(ev, doms).set_index("client")
    assert list(hosts.index[:1]) == ["ws-1"]  # a DGA host first, whatever else it resolved
    assert "ws-3" not in hosts.index  # nothing flagged, nothing bypassed
    ws1, ws2, ws4 = hosts.loc["ws-1"], hosts.loc["ws-2"], hosts.loc["ws-4"]
    assert ws1["dga_domains"] >= 1
    assert ws1["encrypted_dns"] == "dns.quad9.net (Quad9)"
    assert ws1["priority"] > ws2["priority"]
    assert ws2["lookups_flagged"] == 0
    assert ws2["top_domains"] == ""
    assert ws2["priority"] == pytest.approx(BYPASS_PRIORITY)
    assert ws4["encrypted_dns_lookups"] == 1
    assert ws4["priority"] == pytest.approx(BYPASS_PRIORITY)
    assert ws2["first_seen"] == pd.Timestamp("2024-06-01T07:59:59Z")  # its bypass look-ups' span
    # a host in both parts spans both: its first DGA look-up at 09:00, its resolver at 10:30
    assert ws1["first_seen"] == pd.Timestamp("2024-06-01T09:00:00Z")
    assert ws1["last_seen"] == pd.Timestamp("2024-06-01T10:30:00Z")


def test_host_summary_is_the_same_from_categorical_events() -> None:
    ev = _day()
    _, doms = score_events(ev)
    cat = ev.astype({"client": "category", "name": "category"})
    pd.testing.assert_frame_equal(summarize_hosts(ev, doms), summarize_hosts(cat, doms))


def test_a_day_with_only_bypass_hosts_and_no_flags_still_lists_them() -> None:
    ev = _events([("ws-9", "dns.google", "2024-06-01T01:00:00Z"), ("ws-8", "www.example.com", "2024-06-01T01:00:00Z")])
    _, doms = score_events(ev)
    hosts = summarize_hosts(ev, doms)
    assert list(hosts["client"]) == ["ws-9"]
    assert hosts["encrypted_dns"].iloc[0] == "dns.google (Google Public DNS)"
    assert summarize_hosts(ev, doms.iloc[0:0])["client"].tolist() == ["ws-9"]  # no domain flags at all


def test_the_host_summary_asset_writes_the_bypass_columns(tmp_path) -> None:
    """Through the assets and a real DuckDB file: the hunt's rows in, the summary's columns out."""
    from hunt_assets.assets.detections import DNS_HUNT, HOST_SUMMARY, dns_flags, host_summary
    from hunt_assets.assets.hunts import PARTITION_COLUMN
    from hunt_assets.resources import DnsScoringResource, WarehouseResource
    from hunt_assets.warehouse.store import Warehouse

    day = date(2026, 11, 20)  # a partition of the daily definition
    ev = _day()
    ev["timestamp"] += pd.Timestamp("2026-11-20", tz="UTC") - pd.Timestamp("2024-06-01", tz="UTC")
    hunt = pd.DataFrame(
        {
            PARTITION_COLUMN: pd.Series([day] * len(ev), dtype=pd.ArrowDtype(pa.date32())),
            "Timestamp": ev["timestamp"],
            "DeviceName": ev["client"],
            "ClientIP": "",
            "QueryName": ev["name"],
            "QueryType": "A",
            "Answers": "[]",
        }
    )
    path = tmp_path / "wh.duckdb"
    wh = Warehouse(path)
    wh.replace_partition(DNS_HUNT, hunt, PARTITION_COLUMN, day)
    # the connections hunt: a process that reaches a resolver by address (DoT), no look-up at all
    conns = pd.DataFrame({
        PARTITION_COLUMN: pd.Series([day] * 3, dtype=pd.ArrowDtype(pa.date32())),
        "DeviceName": ["ws-5", "ws-5", "ws-2"], "FileName": ["svc-update.exe", "svc-update.exe", "firefox.exe"],
        "RemoteIP": ["1.1.1.1", "1.0.0.1", "162.159.61.4"], "RemotePort": [853, 853, 443],
        "Connections": [40, 2, 7], "Timestamp": pd.Timestamp("2026-11-20T10:00:00Z"),
        "FirstSeen": pd.to_datetime(["2026-11-20T10:07:00Z", "2026-11-20T10:31:00Z", "2026-11-20T10:02:00Z"]),
        "LastSeen": pd.to_datetime(["2026-11-20T10:50:00Z", "2026-11-20T10:32:00Z", "2026-11-20T10:40:00Z"]),
    })
    wh.replace_partition("hunts.encrypted_dns_connections", conns, PARTITION_COLUMN, day)
    result = dg.materialize(
        [dns_flags, host_summary],
        partition_key=day.isoformat(),
        resources={"warehouse": WarehouseResource(path=str(path)), "dns_scoring": DnsScoringResource()},
    )
    assert result.success
    meta = next(m.materialization.metadata for m in result.get_asset_materialization_events()
                if m.asset_key == dg.AssetKey(["analytics", "host_summary"]))
    listed = {r["client"]: r for r in meta["encrypted_dns_hosts"].value}
    assert listed["ws-4"]["encrypted_dns"] == "45bd7c.dns.nextdns.io (NextDNS)"
    assert listed["ws-5"] == {"client": "ws-5", "encrypted_dns": "",
                              "encrypted_dns_connected_to": "Cloudflare 1.1.1.1 over TLS (42)",
                              "encrypted_dns_processes": "svc-update.exe (42)",
                              "encrypted_dns_other_processes": "svc-update.exe (42 to Cloudflare 1.1.1.1 over TLS)"}
    assert "ws-2" not in meta["flagged_hosts"].value  # it resolved nothing flagged
    header = meta["top_hosts"].value.splitlines()[0]  # the UI shows the first columns: rank and reasons
    assert [c.strip().replace("\\_", "_") for c in header.strip("|").split("|")][:7] == [
        "client", "priority", "tunnel_domains", "dga_domains", "alerts", "top_domains", "encrypted_dns_other_processes"]
    hosts = wh.read_partition(HOST_SUMMARY, PARTITION_COLUMN, day).set_index("client")
    assert hosts.loc["ws-2", "encrypted_dns"].startswith("mozilla.cloudflare-dns.com (Cloudflare 1.1.1.1)")
    assert hosts.loc["ws-2", "encrypted_dns_lookups"] == 3
    assert hosts.loc["ws-4", "encrypted_dns"] == "45bd7c.dns.nextdns.io (NextDNS)"
    assert hosts.loc["ws-1", "dga_domains"] >= 1
    assert hosts.loc["ws-5", "encrypted_dns_connections"] == 42
    assert hosts.loc["ws-5", "priority"] == pytest.approx(BYPASS_PRIORITY + OTHER_PROCESS_PRIORITY)
    assert hosts.loc["ws-5", "first_seen"] == pd.Timestamp("2026-11-20T10:07:00Z")  # the hunt's own times
    assert hosts.loc["ws-5", "last_seen"] == pd.Timestamp("2026-11-20T10:50:00Z")
    assert hosts.loc["ws-2", "encrypted_dns_processes"] == "firefox.exe (7)"
    assert hosts.loc["ws-2", "priority"] == pytest.approx(BYPASS_PRIORITY)  # look-ups and connections: one bonus


def test_connections_without_a_look_up_list_the_host_and_bad_rows_are_skipped() -> None:
    ev = _events([("ws-8", "www.example.com", "2024-06-01T01:00:00Z")])
    _, doms = score_events(ev)
    conns = pd.DataFrame({
        "DeviceName": ["ws-7", "ws-7", "", None, "ws-7"],
        "FileName": ["python.exe", None, "x.exe", "y.exe", "python.exe"],
        "Connections": [5, 1, 9, 9, 2],
    })
    hosts = summarize_hosts(ev, doms, None, conns)
    assert hosts["client"].tolist() == ["ws-7"]  # rows without a device cannot be listed
    row = hosts.iloc[0]
    assert row["encrypted_dns_connections"] == 8
    assert row["encrypted_dns_processes"] == "python.exe (7), unknown process (1)"
    assert row["encrypted_dns"] == ""
    assert row["encrypted_dns_other_processes"] == "python.exe (7), unknown process (1)"
    assert row["priority"] == pytest.approx(BYPASS_PRIORITY + OTHER_PROCESS_PRIORITY)
    # a hunt table of another shape (an older warehouse) is ignored, not a crash
    assert summarize_hosts(ev, doms, None, pd.DataFrame({"DeviceName": ["ws-7"]})).empty


def test_the_demo_summary_names_the_hosts_resolving_past_the_log(tmp_path) -> None:
    from hunt_assets.report_summary import summary_lines
    from hunt_assets.warehouse.store import Warehouse

    day = date(2026, 11, 16)
    wh = Warehouse(tmp_path / "wh.duckdb")
    old = pd.DataFrame({"partition_date": pd.Series([day], dtype=pd.ArrowDtype(pa.date32())), "client": ["ws-1"],
                        "priority": [5.0], "tunnel_domains": [0], "dga_domains": [3]})
    wh.replace_partition("analytics.host_summary", old, "partition_date", day)
    lines = summary_lines(tmp_path / "wh.duckdb", tmp_path)
    assert not [x for x in lines if "encrypted DNS" in x]  # a warehouse from before the columns: no line
    new = old.assign(encrypted_dns_lookups=[0], encrypted_dns_connections=[0])
    new = pd.concat([new, new.assign(client="ws-ops-009", priority=1.0, dga_domains=0, encrypted_dns_lookups=2,
                                     encrypted_dns_connections=120)])
    wh.replace_partition("analytics.host_summary", new, "partition_date", day)
    lines = summary_lines(tmp_path / "wh.duckdb", tmp_path)
    assert "  resolving past the DNS log (encrypted DNS): ws-ops-009 (2 look-up(s), 120 connection(s))" in lines
    # with the process column: a non-browser process is named, and its host comes first
    newer = pd.concat([new.assign(encrypted_dns_other_processes=""),
                       new.iloc[:1].assign(client="ws-legal-003", encrypted_dns_connections=40,
                                           encrypted_dns_other_processes="OneDriveSync.exe (40)")])
    wh.replace_partition("analytics.host_summary", newer, "partition_date", day)
    lines = summary_lines(tmp_path / "wh.duckdb", tmp_path)
    assert ("  resolving past the DNS log (encrypted DNS): ws-legal-003 (0 look-up(s), 40 connection(s); "
            "not a browser: OneDriveSync.exe (40)), ws-ops-009 (2 look-up(s), 120 connection(s))") in lines
    # with where the connections went: said for a host whose process text does not say it already
    newest = newer.assign(encrypted_dns_connected_to=["", "Cloudflare 1.1.1.1 over HTTPS (120)",
                                                      "Google Public DNS over HTTPS (40)"])
    wh.replace_partition("analytics.host_summary", newest, "partition_date", day)
    lines = summary_lines(tmp_path / "wh.duckdb", tmp_path)
    assert ("  resolving past the DNS log (encrypted DNS): ws-legal-003 (0 look-up(s), 40 connection(s); "
            "not a browser: OneDriveSync.exe (40)), ws-ops-009 (2 look-up(s), 120 connection(s); "
            "connected to: Cloudflare 1.1.1.1 over HTTPS (120))") in lines


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("chrome.exe", BROWSER),
        ("MSEDGE.EXE", BROWSER),
        ("Google Chrome Helper (Renderer)", BROWSER),  # macOS helper processes are the browser's
        ("firefox", BROWSER),
        (r"C:\Program Files\Mozilla Firefox\firefox.exe", BROWSER),
        ("svchost.exe", DNS_SOFTWARE),  # Windows' DNS client when the OS itself is set to DoH
        ("mDNSResponder", DNS_SOFTWARE),
        ("systemd-resolved", DNS_SOFTWARE),
        ("cloudflared", DNS_SOFTWARE),
        ("dnscrypt-proxy.exe", DNS_SOFTWARE),
        ("rundll32.exe", OTHER_PROCESS),
        ("powershell.exe", OTHER_PROCESS),
        ("chrome_update.exe", OTHER_PROCESS),  # near a browser's name is not a browser
        ("chromehelper.exe", OTHER_PROCESS),
        ("", OTHER_PROCESS),
        (None, OTHER_PROCESS),
        (float("nan"), OTHER_PROCESS),
    ],
)
def test_process_kind(name: object, kind: str) -> None:
    assert process_kind(name) == kind


def test_a_process_resolving_by_itself_ranks_above_browsers_and_below_a_dga_host() -> None:
    """A non-browser process on DoH is the shape of a tunnel: above a browser's secure DNS and DNS software,
    below a host with a flagged DGA day; only that process is named as 'other'."""
    ev = _day()
    _, doms = score_events(ev)
    conns = pd.DataFrame({
        "DeviceName": ["ws-7", "ws-7", "ws-8", "ws-9", "ws-9"],
        "FileName": ["SearchIndexerHelper.exe", "chrome.exe", "msedge.exe", "svchost.exe", "cloudflared.exe"],
        "RemoteIP": ["8.8.8.8", "1.1.1.1", "1.1.1.1", "9.9.9.9", "1.1.1.1"],
        "RemotePort": [443, 443, 443, 853, 443],
        "Connections": [300, 12, 40, 5, 9],
    })
    hosts = summarize_hosts(ev, doms, None, conns).set_index("client")
    # the process, how often, and whose resolver it reached (the hunt matched it by address only)
    assert hosts.loc["ws-7", "encrypted_dns_other_processes"] == (
        "SearchIndexerHelper.exe (300 to Google Public DNS over HTTPS)")
    assert hosts.loc["ws-7", "encrypted_dns_processes"] == "SearchIndexerHelper.exe (300), chrome.exe (12)"
    assert hosts.loc["ws-7", "encrypted_dns_connected_to"] == (
        "Google Public DNS over HTTPS (300), Cloudflare 1.1.1.1 over HTTPS (12)")
    assert hosts.loc["ws-9", "encrypted_dns_connected_to"] == "Cloudflare 1.1.1.1 over HTTPS (9), Quad9 over TLS (5)"
    assert hosts.loc["ws-8", "encrypted_dns_other_processes"] == ""
    assert hosts.loc["ws-9", "encrypted_dns_other_processes"] == ""
    assert hosts.loc["ws-7", "priority"] == pytest.approx(BYPASS_PRIORITY + OTHER_PROCESS_PRIORITY)
    assert hosts.loc["ws-8", "priority"] == pytest.approx(BYPASS_PRIORITY)
    assert hosts.loc["ws-9", "priority"] == pytest.approx(BYPASS_PRIORITY)
    assert hosts.loc["ws-1", "priority"] > hosts.loc["ws-7", "priority"] > hosts.loc["ws-8", "priority"]


_CHROME = r"C:\Program Files\Google\Chrome\Application\chrome.exe"


@pytest.mark.parametrize(
    ("name", "path", "company", "kind"),
    [
        ("chrome.exe", _CHROME, "Google LLC", BROWSER),
        ("chrome.exe", _CHROME, "", OTHER_PROCESS),  # no version info
        ("chrome.exe", r"C:\Users\ann\AppData\Local\Temp\chrome.exe", "", OTHER_PROCESS),
        # Google's own binary carried to Temp (to side-load a DLL beside it) is not a browser install
        ("chrome.exe", r"C:\Users\ann\AppData\Local\Temp\chrome.exe", "Google LLC", OTHER_PROCESS),
        ("chrome.exe", r"C:\Users\ann\AppData\Local\Google\Chrome\Application\chrome.exe", "Google LLC",
         BROWSER),  # a per-user install
        ("msedge.exe", r"C:\Users\Public\Downloads\msedge.exe", "Microsoft Corporation", OTHER_PROCESS),
        ("svchost.exe", r"C:\Windows\Temp\svchost.exe", "Microsoft Corporation", OTHER_PROCESS),
        ("chrome.exe", _CHROME, "Contoso Ltd", OTHER_PROCESS),  # a well-known name from the wrong vendor
        ("msedge.exe", r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe", "Microsoft Corporation",
         BROWSER),
        ("svchost.exe", r"C:\Windows\System32\svchost.exe", "Microsoft Corporation", DNS_SOFTWARE),
        ("svchost.exe", r"C:\Users\Public\svchost.exe", "Microsoft Corporation", OTHER_PROCESS),  # not System32
        ("cloudflared.exe", r"C:\Program Files (x86)\cloudflared\cloudflared.exe", "Cloudflare, Inc.", DNS_SOFTWARE),
        ("firefox", "/usr/lib/firefox/firefox", "", BROWSER),  # no version info off Windows: the name decides
        ("Google Chrome Helper", "/Applications/Google Chrome.app/Contents/Frameworks/x/Google Chrome Helper", None,
         BROWSER),
        ("chrome.exe", None, None, BROWSER),  # a table without the columns: the name decides
        # Linux: installs live under /usr, /opt, /snap, /var/lib/flatpak, /nix, or ~/.local for one user
        ("firefox", "/snap/firefox/4336/usr/lib/firefox/firefox", None, BROWSER),
        ("chrome", "/opt/google/chrome/chrome", None, BROWSER),
        ("firefox", "/home/bob/.local/share/flatpak/app/org.mozilla.firefox/x86_64/stable/active/files/lib/firefox/"
         "firefox", None, BROWSER),
        ("firefox", "/home/bob/firefox/firefox", None, BROWSER),  # the unpacked tarball
        ("systemd-resolved", "/usr/lib/systemd/systemd-resolved", None, DNS_SOFTWARE),
        ("firefox", "/tmp/firefox", None, OTHER_PROCESS),
        ("firefox", "/dev/shm/firefox", "", OTHER_PROCESS),
        ("systemd-resolved", "/var/tmp/systemd-resolved", None, OTHER_PROCESS),
        ("firefox", "/home/bob/.cache/x/firefox", None, OTHER_PROCESS),  # a hidden folder
        ("cloudflared", "/usr/local/bin/.hidden/cloudflared", None, OTHER_PROCESS),
        # macOS: a browser is an app bundle, WebKit's networking process an XPC bundle
        ("Safari", "/Applications/Safari.app/Contents/MacOS/Safari", None, BROWSER),
        ("com.apple.WebKit.Networking", "/System/Library/Frameworks/WebKit.framework/Versions/A/XPCServices/"
         "com.apple.WebKit.Networking.xpc/Contents/MacOS/com.apple.WebKit.Networking", None, BROWSER),
        ("firefox", "/private/var/folders/xy/abc123/T/AppTranslocation/0F2B/d/Firefox.app/Contents/MacOS/firefox",
         None, BROWSER),  # a quarantined app runs translocated from the temp folder
        ("mDNSResponder", "/usr/sbin/mDNSResponder", None, DNS_SOFTWARE),
        ("Google Chrome", "/Users/ann/Library/Application Support/Google Chrome", None, OTHER_PROCESS),
        ("firefox", "/private/var/folders/xy/abc123/T/firefox", None, OTHER_PROCESS),
        ("Safari", "/Users/Shared/Safari", None, OTHER_PROCESS),
        ("rundll32.exe", r"C:\Windows\System32\rundll32.exe", "Microsoft Corporation", OTHER_PROCESS),
    ],
)
def test_process_kind_checks_path_and_company_when_given(name: str, path: object, company: object,
                                                         kind: str) -> None:
    assert process_kind(name, path, company) == kind


def test_a_browser_name_from_the_wrong_place_is_listed_by_its_path() -> None:
    """One device, two chrome.exe images: Google's stays a browser, the unsigned copy in Temp is named by
    its path and ranks the host; a hunt table without the columns still judges by name."""
    ev = _events([("ws-8", "www.example.com", "2024-06-01T01:00:00Z")])
    _, doms = score_events(ev)
    fake = r"C:\Users\ann\AppData\Local\Temp\chrome.exe"
    conns = pd.DataFrame({
        "DeviceName": ["ws-7", "ws-7", "ws-6"],
        "FileName": ["chrome.exe", "chrome.exe", "chrome.exe"],
        "FolderPath": [_CHROME, fake, _CHROME],
        "Company": ["Google LLC", None, "Google LLC"],
        "Connections": [12, 300, 5],
    })
    hosts = summarize_hosts(ev, doms, None, conns).set_index("client")
    assert hosts.loc["ws-7", "encrypted_dns_processes"] == "chrome.exe (312)"
    assert hosts.loc["ws-7", "encrypted_dns_other_processes"] == f"{fake} (300)"
    assert hosts.loc["ws-7", "priority"] == pytest.approx(BYPASS_PRIORITY + OTHER_PROCESS_PRIORITY)
    assert hosts.loc["ws-6", "encrypted_dns_other_processes"] == ""
    assert hosts.loc["ws-6", "priority"] == pytest.approx(BYPASS_PRIORITY)
    by_name = summarize_hosts(ev, doms, None, conns.drop(columns=["FolderPath", "Company"])).set_index("client")
    assert by_name.loc["ws-7", "encrypted_dns_other_processes"] == ""


def _hourly(device: str, name: str, counts: list[int], start: str = "2024-06-01T08:00:00Z") -> pd.DataFrame:
    hours = pd.date_range(start, periods=len(counts), freq="h")
    return pd.DataFrame({"DeviceName": device, "FileName": name, "Connections": counts, "Timestamp": hours})


def test_a_process_polling_at_a_steady_rate_is_called_steady() -> None:
    """An implant's timer shows as the same count every whole hour; a user's bursts do not. The first and
    last hours are cut by the start and the end and do not count; an empty hour between breaks the rate."""
    ev = _events([("ws-8", "www.example.com", "2024-06-01T01:00:00Z")])
    _, doms = score_events(ev)
    conns = pd.concat([
        _hourly("ws-1", "implant.exe", [17, 60, 58, 63, 61, 59, 23]),  # 60/h between a late start and an early stop
        _hourly("ws-2", "updater.exe", [40, 5, 80, 3, 40]),  # bursts
        _hourly("ws-3", "poller.exe", [30, 30, 0, 30, 30]),  # a pause: not steady
        _hourly("ws-4", "slow.exe", [4, 4, 4, 4, 4]),  # steady but too few to call a beacon
        _hourly("ws-5", "short.exe", [60, 60, 60]),  # three hours are not enough
    ])
    other = summarize_hosts(ev, doms, None, conns).set_index("client")["encrypted_dns_other_processes"]
    assert other["ws-1"] == "implant.exe (341; steady ~60/h over 7 h)"
    assert other["ws-2"] == "updater.exe (168)"
    assert other["ws-3"] == "poller.exe (120)"
    assert other["ws-4"] == "slow.exe (20)"
    assert other["ws-5"] == "short.exe (180)"
    # the hunt's hourly rows without their hour: counted, never called steady
    assert summarize_hosts(ev, doms, None, conns.drop(columns=["Timestamp"])).set_index("client").loc[
        "ws-1", "encrypted_dns_other_processes"] == "implant.exe (341)"


def test_every_address_the_hunt_matches_is_named_by_its_provider() -> None:
    """The hunt finds DoH by address; the host summary must say whose resolver each address is. The KQL's
    list and ``resolvers``' table are kept by hand, so this keeps them in step."""
    kql = _CONNECTIONS_KQL.read_text()
    listed = re.search(r"RemoteIP in \((.*?)\)\)", kql, re.S)
    assert listed is not None
    addresses = re.findall(r'"([^"]+)"', listed.group(1))
    assert len(addresses) >= 50
    unnamed = [a for a in addresses if provider_of_address(a) is None]
    assert unnamed == []
    assert provider_of_address("8.8.8.8") == "Google Public DNS"
    assert provider_of_address("2620:00fe:0000::00fe") == "Quad9"  # any IPv6 spelling
    assert provider_of_address("[2001:4860:4860::8888]") == "Google Public DNS"
    assert provider_of_address("203.0.113.9") is None
    assert provider_of_address("not an address") is None
    assert provider_of_address(None) is None


@pytest.mark.parametrize(
    ("address", "url", "port", "label"),
    [
        ("8.8.8.8", "", 443, "Google Public DNS over HTTPS"),
        ("1.1.1.1", None, "853", "Cloudflare 1.1.1.1 over TLS"),
        ("203.0.113.9", "", 853.0, "203.0.113.9 over TLS"),  # DoT to a resolver nobody listed
        ("203.0.113.9", "DoT.Example.org", 853, "dot.example.org (203.0.113.9) over TLS"),  # its TLS name
        ("203.0.113.9", "203.0.113.9", 853, "203.0.113.9 over TLS"),
        ("8.8.8.8", "www.example.com", 443, "Google Public DNS over HTTPS"),  # the address vouches
        ("104.18.1.1", "chrome.cloudflare-dns.com", 443, "Cloudflare 1.1.1.1 over HTTPS"),  # the URL names it
        ("", "https://DNS.Google:443/dns-query?dns=AAAB", 443, "Google Public DNS over HTTPS"),  # a whole URL
        ("", "https://doh.example.net/dns-query", 443, "doh.example.net over HTTPS"),  # nobody's list: its host
        ("", "https://[2620:fe::fe]/dns-query", 443, "Quad9 over HTTPS"),
        ("", "1.1.1.1", 853, "Cloudflare 1.1.1.1 over TLS"),
        ("45.90.28.0", "", None, "NextDNS"),  # no port: no protocol claimed
        ("9.9.9.9", "", 5053, "Quad9 on port 5053"),
        ("", "", "", ""),
        (None, None, None, ""),
    ],
)
def test_connection_label(address: object, url: object, port: object, label: str) -> None:
    assert connection_label(address, url, port) == label


def test_a_hunt_table_without_addresses_names_no_resolver() -> None:
    """An older warehouse's hunt rows have no RemoteIP / RemoteUrl: the host is listed, nothing invented."""
    ev = _events([("ws-8", "www.example.com", "2024-06-01T01:00:00Z")])
    _, doms = score_events(ev)
    conns = pd.DataFrame({"DeviceName": ["ws-7"], "FileName": ["implant.exe"], "Connections": [30]})
    row = summarize_hosts(ev, doms, None, conns).set_index("client").loc["ws-7"]
    assert row["encrypted_dns_connected_to"] == ""
    assert row["encrypted_dns_other_processes"] == "implant.exe (30)"
    with_ip = conns.assign(RemoteIP=[None], RemotePort=[853])
    row = summarize_hosts(ev, doms, None, with_ip).set_index("client").loc["ws-7"]
    assert row["encrypted_dns_connected_to"] == ""  # a row with no address names nothing


def test_a_process_reaching_several_resolvers_names_the_busiest_three() -> None:
    ev = _events([("ws-8", "www.example.com", "2024-06-01T01:00:00Z")])
    _, doms = score_events(ev)
    conns = pd.DataFrame({
        "DeviceName": ["ws-7"] * 4, "FileName": ["x.exe"] * 4,
        "RemoteIP": ["9.9.9.9", "8.8.8.8", "203.0.113.9", "1.1.1.1"], "RemotePort": [443, 443, 853, 443],
        "Connections": [5, 7, 5, 1],
    })
    row = summarize_hosts(ev, doms, None, conns).set_index("client").loc["ws-7"]
    # most connections first, ties by name, the fourth left out
    assert row["encrypted_dns_other_processes"] == (
        "x.exe (18 to Google Public DNS over HTTPS, 203.0.113.9 over TLS, Quad9 over HTTPS)")
    assert row["encrypted_dns_connected_to"] == (
        "Google Public DNS over HTTPS (7), 203.0.113.9 over TLS (5), Quad9 over HTTPS (5)")


def test_connection_label_takes_a_server_name_as_it_is() -> None:
    """A sensor's server name (a TLS hello's, a reverse name) is a host name, not a URL: punctuation a URL
    would be cut at stays, so a hostile name shows whole; a resolver's name still names its provider."""
    assert connection_label("203.0.113.9", port=853, server_name='=X("http://y/z")') == (
        '=x("http://y/z") (203.0.113.9) over TLS')
    assert connection_label("198.51.100.7", port=443, server_name="abc.dns.nextdns.io.") == "NextDNS over HTTPS"
    assert connection_label("8.8.8.8", "https://other.example/dns-query", 443, server_name="") == (
        "Google Public DNS over HTTPS")
