"""Sysmon's network events (event 3) beside its DNS events (22): the connections to encrypted-DNS resolvers
and the images that made them, through ``score-dns --hosts``, in every shape a Windows event reaches us:
an ``.evtx`` file, ``wevtutil``'s XML, and ``Get-WinEvent | ConvertTo-Json`` (Properties by the manifest's
order, or only the English Message). The fields follow Sysmon's manifest (event 3, version 5)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from hunt_assets.analytics.dns.cli import score_dns_main
from hunt_assets_tests.test_dns_winevent import _sysmon_data, _xml_events

NET_FIELDS = ["RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "User", "Protocol", "Initiated",
              "SourceIsIpv6", "SourceIp", "SourceHostname", "SourcePort", "SourcePortName", "DestinationIsIpv6",
              "DestinationIp", "DestinationHostname", "DestinationPort", "DestinationPortName"]
SYSMON = "Microsoft-Windows-Sysmon"

# (machine, image, destination, its reverse name, port, protocol, initiated)
CONNECTIONS = [
    ("ws-1.corp", "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "8.8.8.8", "dns.google", 443, "tcp",
     "true"),
    ("ws-1.corp", "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "8.8.8.8", "dns.google", 443, "tcp",
     "true"),
    ("ws-2.corp", "C:\\Users\\jdoe\\AppData\\Local\\Temp\\OneDriveSync.exe", "1.1.1.1", "one.one.one.one", 443,
     "tcp", "true"),  # a program from a scratch folder on DoH: the tunnel's shape
    ("ws-3.corp", "C:\\Windows\\System32\\svchost.exe", "203.0.113.53", "dot.corp-example.net", 853, "tcp", "true"),
    ("ws-4.corp", "C:\\x\\updater.exe", "198.51.100.7", "c0ffee.dns.nextdns.io", 443, "tcp", "true"),  # by its name
    ("ws-5.corp", "C:\\x\\chrome.exe", "93.184.216.34", "www.example.com", 443, "tcp", "true"),  # the web
    ("ws-6.corp", "C:\\x\\server.exe", "8.8.8.8", "dns.google", 443, "tcp", "false"),  # inbound: not counted
]


def _net_data(k: int, c: tuple) -> dict[str, str]:
    _machine, image, dst, host, port, proto, initiated = c
    return {"RuleName": "-", "UtcTime": f"2026-12-07 05:00:{10 + k:02d}.000", "ProcessGuid": "{5f1c}",
            "ProcessId": str(4000 + k), "Image": image, "User": "CORP\\jdoe", "Protocol": proto,
            "Initiated": initiated, "SourceIsIpv6": "false", "SourceIp": f"10.0.0.{k + 1}", "SourceHostname": "-",
            "SourcePort": str(50000 + k), "SourcePortName": "-", "DestinationIsIpv6": "false",
            "DestinationIp": dst, "DestinationHostname": host, "DestinationPort": str(port),
            "DestinationPortName": "https" if port == 443 else "-"}


EXPECTED = {  # machine -> (connections, where, processes, other processes)
    "ws-1.corp": ("2", "Google Public DNS over HTTPS (2)", "chrome.exe (2)", ""),
    "ws-2.corp": ("1", "Cloudflare 1.1.1.1 over HTTPS (1)", "OneDriveSync.exe (1)",
                  "C:\\Users\\jdoe\\AppData\\Local\\Temp\\OneDriveSync.exe (1 to Cloudflare 1.1.1.1 over HTTPS)"),
    "ws-3.corp": ("1", "dot.corp-example.net (203.0.113.53) over TLS (1)", "svchost.exe (1)", ""),
    "ws-4.corp": ("1", "NextDNS over HTTPS (1)", "updater.exe (1)", "C:\\x\\updater.exe (1 to NextDNS over HTTPS)"),
}


def _hosts(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], path: Path) -> tuple[dict, str]:
    out = tmp_path / "hosts.csv"
    assert score_dns_main(["--no-progress", "--hosts", str(out), str(path)]) == 0
    err = capsysbinary.readouterr().err.decode()
    with out.open(newline="") as f:
        return {r["client"]: r for r in csv.DictReader(f)}, err


def _check(by: dict) -> None:
    got = {c: (r["encrypted_dns_connections"], r["encrypted_dns_connected_to"], r["encrypted_dns_processes"],
               r["encrypted_dns_other_processes"]) for c, r in by.items() if r["encrypted_dns_connections"] != "0"}
    assert got == EXPECTED
    assert "ws-5.corp" not in by
    assert "ws-6.corp" not in by
    assert float(by["ws-2.corp"]["priority"]) == 3.5  # bypass 1.0 + another program 2.5
    assert by["ws-1.corp"]["priority"] == "1.0"  # Chrome's secure DNS: the bypass only
    assert by["ws-1.corp"]["first_seen"].startswith("2026-12-07T05:00:10")


def test_sysmon_network_events_in_an_evtx_file(tmp_path: Path, capsysbinary) -> None:
    """The Sysmon log as a collection holds it: DNS events and network events of the same machines."""
    from hunt_assets_tests.evtx_writer import event, evtx

    when = dt.datetime(2026, 12, 7, 5, tzinfo=dt.UTC)
    recs = [(when, event(SYSMON, 22, "ws-1.corp", _sysmon_data(0, "login.example.com")))]
    recs += [(when, event(SYSMON, 3, c[0], _net_data(k, c))) for k, c in enumerate(CONNECTIONS)]
    p = tmp_path / "Microsoft-Windows-Sysmon%4Operational.evtx"
    p.write_bytes(evtx(recs))
    by, _ = _hosts(tmp_path, capsysbinary, p)
    _check(by)


def test_sysmon_network_events_alone_as_xml(tmp_path: Path, capsysbinary) -> None:
    """``wevtutil qe … /q:"*[System[EventID=3]]" /f:xml``: no look-ups (said on stderr), the hosts listed."""
    p = tmp_path / "net.xml"
    p.write_text(_xml_events([(SYSMON, 3, _net_data(k, c)) for k, c in enumerate(CONNECTIONS)]).replace(
        "<Computer>ws-9.corp</Computer>", "<Computer>MACHINE</Computer>"))
    text = p.read_text()
    for c in CONNECTIONS:  # each event's own machine
        text = text.replace("<Computer>MACHINE</Computer>", f"<Computer>{c[0]}</Computer>", 1)
    p.write_text(text)
    by, err = _hosts(tmp_path, capsysbinary, p)
    _check(by)
    assert "no DNS look-ups: 5 Sysmon network connection(s)" in err


@pytest.mark.parametrize("shape", ["properties", "message"])
def test_sysmon_network_events_from_get_winevent_json(tmp_path: Path, capsysbinary, shape: str) -> None:
    """``Get-WinEvent … | ConvertTo-Json``: by Properties' order, or (another exporter) the Message only."""
    records = [{"Message": "Dns query:\r\nRuleName: -\r\nUtcTime: 2026-12-07 05:00:00.123\r\nQueryName: a.example.com"
                           "\r\nQueryStatus: 0\r\nQueryResults: ::ffff:192.0.2.1;", "Id": 22,
                "ProviderName": SYSMON, "MachineName": "ws-1.corp", "TimeCreated": "2026-12-07T05:00:00Z"}]
    for k, c in enumerate(CONNECTIONS):
        data = _net_data(k, c)
        rec = {"Message": "Network connection detected:\r\n" + "\r\n".join(f"{f}: {data[f]}" for f in NET_FIELDS),
               "Id": 3, "ProviderName": SYSMON, "MachineName": c[0], "TimeCreated": "2026-12-07T05:00:10Z"}
        if shape == "properties":
            rec["Properties"] = [{"Value": data[f]} for f in NET_FIELDS]
            rec["Message"] = "Netzwerkverbindung erkannt"  # a localized message: the order decides
        records.append(rec)
    p = tmp_path / "sysmon.json"
    p.write_text(json.dumps(records, indent=2))
    by, _ = _hosts(tmp_path, capsysbinary, p)
    _check(by)


def test_another_providers_event_3_is_not_a_connection(tmp_path: Path, capsysbinary) -> None:
    """Event id 3 belongs to many providers: only Sysmon's is read (by its provider, or with none named, by
    its named data or its message)."""
    records = [{"Message": "Dns query:\r\nUtcTime: 2026-12-07 05:00:00.123\r\nQueryName: a.example.com", "Id": 22,
                "ProviderName": SYSMON, "MachineName": "ws-1.corp", "TimeCreated": "2026-12-07T05:00:00Z"},
               {"Message": "The service started", "Id": 3, "ProviderName": "Microsoft-Windows-Kernel-Boot",
                "MachineName": "ws-7.corp", "TimeCreated": "2026-12-07T05:00:10Z",
                "Properties": [{"Value": v} for v in _net_data(0, CONNECTIONS[0]).values()]}]
    p = tmp_path / "mixed.json"
    p.write_text(json.dumps(records))
    by, _ = _hosts(tmp_path, capsysbinary, p)
    assert "ws-7.corp" not in by


def test_a_program_polling_a_resolver_on_a_timer_is_marked_steady(tmp_path: Path, capsysbinary) -> None:
    """godoh's shape in a Sysmon log: a program from AppData connecting to Google's resolver once a minute
    for eight hours, next to Chrome's bursts to the same resolver; the program is listed with its steady
    rate, Chrome is not listed at all among the other processes."""
    from hunt_assets_tests.evtx_writer import event, evtx

    start = dt.datetime(2026, 12, 7, 1, tzinfo=dt.UTC)
    implant = "C:\\Users\\jdoe\\AppData\\Roaming\\sync\\sync.exe"
    chrome = "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"
    recs = []
    for minute in range(8 * 60):
        when = start + dt.timedelta(minutes=minute, seconds=7)
        data = _net_data(0, ("ws-9.corp", implant, "8.8.8.8", "dns.google", 443, "tcp", "true"))
        data["UtcTime"] = when.strftime("%Y-%m-%d %H:%M:%S.000")
        recs.append((when, event(SYSMON, 3, "ws-9.corp", data)))
        if minute % 97 < 5:  # the user's browsing: bursts
            later = (when + dt.timedelta(seconds=3)).strftime("%Y-%m-%d %H:%M:%S.000")
            data = {**data, "Image": chrome, "UtcTime": later}
            recs.append((when, event(SYSMON, 3, "ws-9.corp", data)))
    p = tmp_path / "sysmon.evtx"
    p.write_bytes(evtx(recs, per_chunk=20))
    by, _ = _hosts(tmp_path, capsysbinary, p)
    row = by["ws-9.corp"]
    assert row["encrypted_dns_other_processes"] == (
        f"{implant} (480 to Google Public DNS over HTTPS; steady ~60/h over 8 h)")
    assert row["encrypted_dns_processes"].startswith("sync.exe (480), chrome.exe (")
    assert float(row["priority"]) == 3.5


def test_the_connections_file_names_each_image(tmp_path: Path, capsysbinary) -> None:
    """``--connections`` on the Sysmon log: one row per machine, resolver and image, the image's full path."""
    p = tmp_path / "net.xml"
    events = [(SYSMON, 3, _net_data(k, c)) for k, c in enumerate(CONNECTIONS)]
    p.write_text(_xml_events(events))
    out = tmp_path / "connections.csv"
    assert score_dns_main(["--no-progress", "--connections", str(out), str(p)]) == 0
    capsysbinary.readouterr()
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["resolver"], r["process"], r["connections"]) for r in rows] == [
        ("Google Public DNS over HTTPS", CONNECTIONS[0][1], "2"),
        ("Cloudflare 1.1.1.1 over HTTPS", CONNECTIONS[2][1], "1"),
        ("NextDNS over HTTPS", CONNECTIONS[4][1], "1"),
        ("dot.corp-example.net (203.0.113.53) over TLS", CONNECTIONS[3][1], "1")]  # busiest, then by address
    assert {r["client"] for r in rows} == {"ws-9.corp"}  # _xml_events names one machine


def test_a_sensors_capture_beside_an_endpoints_log_keeps_both_kinds_of_rows(tmp_path: Path, capsysbinary) -> None:
    """A Sysmon log (processes named) and a sensor's capture (none) in one run: the Sysmon hosts keep their
    processes, as alone; the capture's hosts are listed without one (not as an "unknown process") and a host
    on DoH at a steady rate is marked by its rate, as in a capture alone. Before, the processes were
    dropped for every host when one source named none."""
    from hunt_assets_tests.evtx_writer import event, evtx
    from hunt_assets_tests.test_dns_pcap import _pcap
    from hunt_assets_tests.test_dns_pcap_encrypted import SYN, _tcp_to

    when = dt.datetime(2026, 12, 7, 5, tzinfo=dt.UTC)
    log = tmp_path / "sysmon.evtx"
    log.write_bytes(evtx([(when, event(SYSMON, 3, c[0], _net_data(k, c))) for k, c in enumerate(CONNECTIONS)]))
    start = when.timestamp() - 4 * 3600
    frames = [(start + 60 * m + 7, _tcp_to("10.0.0.71", 20000 + m, "8.8.8.8", 443, SYN)) for m in range(8 * 60)]
    frames += [(start + 30, _tcp_to("10.0.0.72", 30000, "1.1.1.1", 443, SYN)),
               (start + 90, _tcp_to("10.0.0.72", 30001, "1.1.1.1", 443, SYN))]
    cap = tmp_path / "sensor.pcap"
    cap.write_bytes(_pcap(sorted(frames, key=lambda f: f[0])))
    out = tmp_path / "hosts.csv"
    assert score_dns_main(["--no-progress", "--hosts", str(out), str(log), str(cap)]) == 0
    capsysbinary.readouterr()
    with out.open(newline="") as f:
        by = {r["client"]: r for r in csv.DictReader(f)}
    _check({c: r for c, r in by.items() if c.endswith(".corp")})
    beacon, browser = by["10.0.0.71"], by["10.0.0.72"]
    assert (beacon["encrypted_dns_connected_to"], beacon["encrypted_dns_processes"],
            beacon["encrypted_dns_other_processes"]) == ("Google Public DNS over HTTPS (480; steady ~60/h over 8 h)",
                                                         "", "")
    assert float(beacon["priority"]) == 3.5  # bypass 1.0 + the steady rate 2.5, as another program
    assert (browser["encrypted_dns_connected_to"], browser["encrypted_dns_processes"]) == (
        "Cloudflare 1.1.1.1 over HTTPS (2)", "")
    assert browser["priority"] == "1.0"
