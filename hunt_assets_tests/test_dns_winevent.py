"""``score-dns`` on PowerShell's exports of Windows events (``Get-WinEvent … | ConvertTo-Json`` or
``Export-Csv``): Sysmon's DNS query events and the DNS Client's 3006 / 3008, each record written
as PowerShell writes an ``EventLogRecord`` (``Message``, ``Id``, ``MachineName``, ``TimeCreated``,
``Properties`` as ``{"Value": …}`` objects)."""

from __future__ import annotations

import collections
import csv
import datetime as dt
import io
import json
from pathlib import Path

import pyarrow as pa
import pytest

from hunt_assets.analytics.dns import winevent
from hunt_assets.analytics.dns.cli import read_input, score_dns_main

NAMES = ["login.example.com", "xkqjvbzwpt.com", "cdn.example.net"]


def _sysmon(i: int, name: str, props: bool = True, ps5: bool = False) -> dict[str, object]:
    utc = f"2026-12-07 05:00:0{i}.123"
    rec: dict[str, object] = {
        "Message": f"Dns query:\r\nRuleName: -\r\nUtcTime: {utc}\r\nProcessGuid: {{5f1c}}\r\nProcessId: 4242\r\n"
                   f"QueryName: {name}\r\nQueryStatus: 0\r\nQueryResults: ::ffff:93.184.216.{i};\r\n"
                   "Image: C:\\Program Files\\x\\chrome.exe\r\nUser: CORP\\jdoe",
        "Id": 22, "Version": 5, "ProviderName": "Microsoft-Windows-Sysmon",
        "MachineName": "ws-sales-032.corp.example",
        "TimeCreated": f"/Date(179661960{i}123)/" if ps5 else f"2026-12-07T06:00:0{i}.1234567+01:00",
    }
    if props:
        rec["Properties"] = [{"Value": v} for v in ("-", utc, "{5f1c}", 4242, name, "0", f"::ffff:93.184.216.{i};",
                                                    "C:\\x\\chrome.exe", "CORP\\jdoe")]
    return rec


def _client(eid: int, name: str, status: int | None = 0, props: bool = True, message: str | None = None,
            qtype: int = 1) -> dict[str, object]:
    if message is None:
        message = (f"DNS query is completed for the name {name}, type {qtype}, query options 140737488355328 with "
                   f"status {status} Results ") if eid == 3008 else (
            f"DNS query is called for the name {name}, type {qtype}, query options 140737488355328, Server List , "
            "isNetwork query 0, Network Index 0, Interface Index 0, is asynchronous query 0")
    rec: dict[str, object] = {"Message": message, "Id": eid, "ProviderName": "Microsoft-Windows-DNS-Client",
                              "MachineName": "ws-2", "TimeCreated": "2026-12-07T06:00:00.1234567+01:00"}
    if props:
        values: list[object] = [name, qtype, 140737488355328]
        if eid == 3008:
            values += [status, ""]
        rec["Properties"] = [{"Value": v} for v in values]
    return rec


def _read(data: bytes) -> dict[str, list[object]]:
    return read_input(io.BytesIO(data)).to_pydict()


def test_sysmon_dns_events_from_get_winevent_json() -> None:
    """PowerShell 7 (ISO times, Properties) and Windows PowerShell 5 (``/Date(ms)/``, UTF-16 from
    ``>``), an array or one object: every query with its endpoint, Sysmon's own UTC time and its
    results. Before: refused, "no query-name field"."""
    recs = [_sysmon(i, n) for i, n in enumerate(NAMES)]
    for case, data in {
        "ps7": json.dumps(recs, indent=2).encode(),
        "ps5": "\ufeff".encode("utf-16-le") + json.dumps([_sysmon(i, n, ps5=True) for i, n in enumerate(NAMES)],
                                                          indent=4).replace("\n", "\r\n").encode("utf-16-le"),
        "message only": json.dumps([_sysmon(i, n, props=False) for i, n in enumerate(NAMES)]).encode(),
    }.items():
        tbl = _read(data)
        assert tbl["name"] == NAMES, case
        assert tbl["client"] == ["ws-sales-032.corp.example"] * 3
        assert tbl["timestamp"] == [f"2026-12-07 05:00:0{i}.123" for i in range(3)], case
        assert tbl["answers"] == [f"::ffff:93.184.216.{i};" for i in range(3)]
    one = _read(json.dumps(_sysmon(0, NAMES[0])).encode())
    assert one["name"] == NAMES[:1]


def test_dns_client_events_give_name_type_and_outcome() -> None:
    """3008's status is the outcome: the name errors are dead look-ups, success and "no records"
    answered, a time-out unknown. 3006 describes the same look-ups, so it is read only from a file
    without 3008. Other events of either log are left out. A message whose name holds the
    message's own words keeps the whole name."""
    tricky = "evil, type 28, query options 1 with status 0.example.com"
    recs = [
        _client(3006, "dead.example.org"), _client(3008, "dead.example.org", 9003),
        _client(3008, "live.example.org", 0), _client(3008, "empty.example.org", 9501),
        _client(3008, "slow.example.org", 1460), _client(3008, "fail.example.org", 9002),
        _client(3008, tricky, 0, props=False),
        {"Message": "Query response for name x.example.org ...", "Id": 3020,
         "ProviderName": "Microsoft-Windows-DNS-Client", "MachineName": "ws-2"},
        {"Message": "Process Create: ...", "Id": 1, "ProviderName": "Microsoft-Windows-Sysmon", "MachineName": "ws-2"},
    ]
    tbl = _read(json.dumps(recs).encode())
    assert tbl["name"] == ["dead.example.org", "live.example.org", "empty.example.org", "slow.example.org",
                           "fail.example.org", tricky]
    assert tbl["answers"] == ["", "(answered)", "(answered)", None, "", "(answered)"]
    assert tbl["qtype"] == ["1"] * 6
    assert tbl["client"] == ["ws-2"] * 6
    called = _read(json.dumps([_client(3006, n, props=p) for n in NAMES for p in (True, False)]).encode())
    assert called["name"] == [n for n in NAMES for _ in (0, 1)]
    assert called["answers"] == [None] * 6


@pytest.mark.parametrize("per_slice", [1, 3, 1 << 14])
def test_a_look_up_still_pending_when_the_log_was_taken_is_kept(per_slice: int, monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    """3006 ("query is called") is read where no 3008 of the same machine, name and type completes
    it: a look-up still in flight when the log was taken, next to completed ones. Each completed
    look-up is read once, as its 3008 (the outcome), however often it was asked; of a name asked
    three times and completed twice, one 3006 is left, the latest. Another machine's 3008, or a
    3008 for another type, completes nothing. Before: a file with any 3008 dropped every 3006. The
    events are read a slice at a time (``winevent._SLICE``): a 3006 and its 3008 in different slices
    pair as in one."""
    from hunt_assets.analytics.dns import winevent

    monkeypatch.setattr(winevent, "_SLICE", per_slice)
    def called(name: str, second: int, machine: str = "ws-2", qtype: int = 1) -> dict:
        return {**_client(3006, name, qtype=qtype), "MachineName": machine,
                "TimeCreated": f"2026-12-07T05:00:{second:02d}.0000000Z"}

    def done(name: str, status: int, second: int, machine: str = "ws-2") -> dict:
        return {**_client(3008, name, status), "MachineName": machine,
                "TimeCreated": f"2026-12-07T05:00:{second:02d}.5000000Z"}

    recs = [  # newest first, as Get-WinEvent lists them
        called("pending.example.org", 9), called("twice.example.org", 8), done("twice.example.org", 0, 6),
        called("twice.example.org", 6), done("twice.example.org", 0, 4), called("twice.example.org", 4),
        called("elsewhere.example.org", 3), done("elsewhere.example.org", 9003, 3, machine="ws-7"),
        called("aaaa.example.org", 2, qtype=28), done("aaaa.example.org", 0, 1), called("aaaa.example.org", 1),
    ]
    tbl = _read(json.dumps(recs).encode())
    got = collections.Counter(zip(tbl["name"], tbl["client"], tbl["answers"], tbl["qtype"], tbl["timestamp"],
                                  strict=True))
    assert got == collections.Counter([
        ("twice.example.org", "ws-2", "(answered)", "1", "2026-12-07T05:00:06.5000000Z"),
        ("twice.example.org", "ws-2", "(answered)", "1", "2026-12-07T05:00:04.5000000Z"),
        ("elsewhere.example.org", "ws-7", "", "1", "2026-12-07T05:00:03.5000000Z"),
        ("aaaa.example.org", "ws-2", "(answered)", "1", "2026-12-07T05:00:01.5000000Z"),
        ("pending.example.org", "ws-2", None, "1", "2026-12-07T05:00:09.0000000Z"),
        ("twice.example.org", "ws-2", None, "1", "2026-12-07T05:00:08.0000000Z"),
        ("elsewhere.example.org", "ws-2", None, "1", "2026-12-07T05:00:03.0000000Z"),
        ("aaaa.example.org", "ws-2", None, "28", "2026-12-07T05:00:02.0000000Z"),
    ])


def test_a_localized_message_is_read_from_properties() -> None:
    """On a German Windows the message is German; ``Properties`` carry the fields in the
    manifest's order whatever the language."""
    rec = _client(3008, "login.example.com", 9003, message="Die DNS-Abfrage für den Namen login.example.com ...")
    as_text = {**rec, "Properties": [{"Value": str(p["Value"])} for p in rec["Properties"]]}  # type: ignore[union-attr]
    for case in (rec, as_text):  # mixed value types go line by line; all text through Arrow's reader
        tbl = _read(json.dumps([case, case]).encode())
        assert tbl["name"] == ["login.example.com"] * 2
        assert tbl["answers"] == [""] * 2
    unreadable = pa.table({"message": ["Die DNS-Abfrage ..."], "id": ["3008"], "machinename": ["h"]})
    assert winevent.read_winevents(unreadable).num_rows == 0


def test_export_csv_with_its_type_line_and_messages_over_several_lines(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    """``Get-WinEvent … | Export-Csv``: Windows PowerShell's ``#TYPE`` line, then each record's
    message over several lines inside its quotes. Before: every message line a name (32 of them,
    ``invalid``). Scored, the DGA-like name is flagged."""
    buf = io.StringIO()
    buf.write("#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\r\n")
    out = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    out.writerow(["Message", "Id", "ProviderName", "MachineName", "TimeCreated", "Properties"])
    for i, n in enumerate(NAMES):
        rec = _sysmon(i, n)
        out.writerow([rec["Message"], rec["Id"], rec["ProviderName"], rec["MachineName"], "12/7/2026 5:00:00 AM",
                      "System.Collections.ObjectModel.ReadOnlyCollection`1[System.Diagnostics.Eventing.Reader."
                      "EventProperty]"])
    tbl = _read(buf.getvalue().encode())
    assert tbl["name"] == NAMES
    assert tbl["client"] == ["ws-sales-032.corp.example"] * 3
    assert tbl["timestamp"][0] == "2026-12-07 05:00:00.123"
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".csv") as f:
        f.write(buf.getvalue().encode())
        f.flush()
        assert score_dns_main(["--no-progress", f.name]) == 0
    rows = {r["name"]: r["verdict"] for r in csv.DictReader(io.StringIO(capsysbinary.readouterr().out.decode()))}
    assert set(rows) == set(NAMES)
    assert rows["xkqjvbzwpt.com"] == "dga"
    assert rows["login.example.com"] == "benign"


def test_powershell_type_line_before_any_csv() -> None:
    """Any ``Export-Csv`` from Windows PowerShell starts with ``#TYPE``: the CSV after it is read
    (before: the type line was the header, and the file a names list)."""
    data = (b'#TYPE System.Management.Automation.PSCustomObject\r\n"QueryName","ClientIP"\r\n'
            b'"a.example.com","10.0.0.1"\r\n')
    tbl = _read(data)
    assert tbl["name"] == ["a.example.com"]
    assert tbl["client"] == ["10.0.0.1"]


DISPLAYDNS = """
Windows IP Configuration

    www.example.com
    ----------------------------------------
    Record Name . . . . . : www.example.com
    Record Type . . . . . : 5
    Time To Live  . . . . : 1274
    Data Length . . . . . : 8
    Section . . . . . . . : Answer
    CNAME Record  . . . . : edge.example.net


    Record Name . . . . . : edge.example.net
    Record Type . . . . . : 1
    Time To Live  . . . . : 1274
    Data Length . . . . . : 4
    Section . . . . . . . : Answer
    A (Host) Record . . . : 93.184.216.34


    xkqjvbzwpt.com
    ----------------------------------------
    Name does not exist.


    www.example.com
    ----------------------------------------
    No records of type AAAA


    wpad
    ----------------------------------------
    Name does not exist.

"""
GERMAN = """
Windows-IP-Konfiguration

    login.example.com
    ----------------------------------------
    Eintragsname . . . . : login.example.com
    Eintragstyp  . . . . : 1
    Gültigkeitsdauer . . : 300
    Datenlänge . . . . . : 4
    Abschnitt  . . . . . : Antwort
    (Host-)A-Eintrag . . : 10.1.2.3


    qwzxkvbnmtr.net
    ----------------------------------------
    Der Name existiert nicht.

"""


def test_ipconfig_displaydns_gives_each_cached_name_once() -> None:
    """``ipconfig /displaydns > cache.txt``: each entry's name (not each record's owner, so the
    CNAME target is not a look-up of its own), answered when records follow, dead on "Name does
    not exist."; in another language the layout is read and an entry without records is unknown.
    Before: every line a name, the labels and dashes ``invalid``."""
    tbl = _read(DISPLAYDNS.replace("\n", "\r\n").encode())
    assert tbl["name"] == ["www.example.com", "xkqjvbzwpt.com", "wpad"]
    assert tbl["answers"] == ["(answered)", "", ""]
    tbl = _read(GERMAN.encode())
    assert tbl["name"] == ["login.example.com", "qwzxkvbnmtr.net"]
    assert tbl["answers"] == ["(answered)", None]


def test_get_dnsclientcache_exports() -> None:
    """``Get-DnsClientCache | ConvertTo-Json`` and ``| Export-Csv``: a row per record, the name
    asked in ``Entry``; one look-up per entry with its status as the outcome, the host from
    ``PSComputerName`` where the cache was read remotely (``-CimSession``)."""
    rows = [
        {"Entry": "www.example.com", "RecordName": "www.example.com", "RecordType": 5, "Status": 0, "Section": 1,
         "TimeToLive": 1274, "DataLength": 8, "Data": "edge.example.net", "PSComputerName": "ws-9"},
        {"Entry": "www.example.com", "RecordName": "edge.example.net", "RecordType": 1, "Status": 0, "Section": 1,
         "TimeToLive": 1274, "DataLength": 4, "Data": "93.184.216.34", "PSComputerName": "ws-9"},
        {"Entry": "xkqjvbzwpt.com", "RecordName": "xkqjvbzwpt.com", "RecordType": 1, "Status": 9003, "Section": 1,
         "TimeToLive": 60, "DataLength": 0, "Data": None, "PSComputerName": "ws-9"},
    ]
    tbl = _read(json.dumps(rows, indent=4).encode())
    assert tbl["name"] == ["www.example.com", "xkqjvbzwpt.com"]
    assert tbl["answers"] == ["(answered)", ""]
    assert tbl["client"] == ["ws-9", "ws-9"]
    buf = io.StringIO()
    buf.write("#TYPE Microsoft.Management.Infrastructure.CimInstance#ROOT/StandardCimv2/MSFT_DNSClientCache\r\n")
    out = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    out.writerow(list(rows[0]))
    for r in rows:
        out.writerow(["" if v is None else v for v in r.values()])
    tbl = _read(buf.getvalue().encode())
    assert tbl["name"] == ["www.example.com", "xkqjvbzwpt.com"]
    assert tbl["answers"] == ["(answered)", ""]


def _sysmon_data(i: int, name: str) -> dict[str, str]:
    return {"RuleName": "-", "UtcTime": f"2026-12-07 05:00:0{i}.123", "ProcessGuid": "{5f1c}", "ProcessId": "4242",
            "QueryName": name, "QueryStatus": "0" if i % 2 == 0 else "9003",
            "QueryResults": f"::ffff:93.184.216.{i};" if i % 2 == 0 else "-", "Image": "C:\\x\\chrome.exe",
            "User": "CORP\\jdoe"}


def test_sysmon_and_dns_client_evtx_files() -> None:
    """``Microsoft-Windows-Sysmon%4Operational.evtx`` as a collection (KAPE, Velociraptor) holds
    it: the DNS queries among other events, over several chunks. And the DNS Client log with 3006
    and 3008 for the same look-ups. Before: the binary read as a names list, every line invalid."""
    from hunt_assets_tests.evtx_writer import event, evtx

    when = dt.datetime(2026, 12, 7, 5, tzinfo=dt.UTC)
    names = [f"host{i}.example.com" for i in range(150)] + ["xkqjvbzwpt.com"]
    recs = []
    for i, n in enumerate(names):
        recs.append((when, event("Microsoft-Windows-Sysmon", 1, "ws-9.corp", {"Image": "C:\\x.exe"})))
        recs.append((when, event("Microsoft-Windows-Sysmon", 22, "ws-9.corp", _sysmon_data(i % 10, n))))
    tbl = _read(evtx(recs, per_chunk=40))
    assert tbl["name"] == names
    assert set(tbl["client"]) == {"ws-9.corp"}
    assert tbl["timestamp"][:2] == ["2026-12-07 05:00:00.123", "2026-12-07 05:00:01.123"]
    assert tbl["answers"][:2] == ["::ffff:93.184.216.0;", "-"]
    client = []
    for status, n in ((0, "live.example.org"), (9003, "dead.example.org")):
        data = {"QueryName": n, "QueryType": "1", "QueryOptions": "140737488355328"}
        client.append((when, event("Microsoft-Windows-DNS-Client", 3006, "ws-2", data)))
        client.append((when, event("Microsoft-Windows-DNS-Client", 3008, "ws-2",
                                   {**data, "QueryStatus": str(status), "QueryResults": ""})))
    tbl = _read(evtx(client))
    assert tbl["name"] == ["live.example.org", "dead.example.org"]
    assert tbl["answers"] == ["(answered)", ""]
    assert tbl["timestamp"] == ["2026-12-07T05:00:00.1234567Z"] * 2


def test_an_evtx_chunk_whose_checksum_does_not_match_is_read_and_said() -> None:
    """A byte overwritten inside a record (a name changed after Windows wrote it, or a damaged
    copy) leaves the chunk's CRC32 of its records wrong. The ``evtx`` package reads on without a
    word; the reader now says how many chunks do not match, and why that may be when the file
    header says the log was dirty (copied while open, as live triage does). The events are still
    read: a live copy's last chunk may be newer than its checksum, and those are the freshest."""
    import struct

    from hunt_assets_tests.evtx_writer import event, evtx

    when = dt.datetime(2026, 12, 7, 5, tzinfo=dt.UTC)
    names = [f"host{i:02d}.example.com" for i in range(30)]
    data = bytearray(evtx([(when, event("Microsoft-Windows-Sysmon", 22, "ws-9", _sysmon_data(i, n)))
                           for i, n in enumerate(names)], per_chunk=10))
    clean: list[str] = []
    assert read_input(io.BytesIO(bytes(data)), clean.append).column("name").to_pylist() == names
    assert clean == []
    second = 4096 + 65536
    at = data.index("host15".encode("utf-16-le"), second)  # binary XML holds text as UTF-16
    data[at : at + 2] = "x".encode("utf-16-le")
    warnings: list[str] = []
    got = read_input(io.BytesIO(bytes(data)), warnings.append).column("name").to_pylist()
    assert got == [*names[:15], "xost15.example.com", *names[16:]]
    assert warnings == ["1 chunk(s) of the event log whose checksums do not match (changed or damaged after Windows "
                        "wrote them): their events are read as they are, and may not be what Windows logged"]
    struct.pack_into("<I", data, 120, 1)  # the file header's flags: dirty
    warnings.clear()
    read_input(io.BytesIO(bytes(data)), warnings.append)
    assert "copied while Windows had it open" in warnings[0]


def test_dns_server_analytic_events_saved_as_evtx() -> None:
    """The DNS Server's analytic log saved as .evtx: the queries received (256) with their client
    (Source) and the response's code (257), as Winlogbeat's events are read."""
    from hunt_assets_tests.evtx_writer import event, evtx

    when = dt.datetime(2026, 12, 7, 5, tzinfo=dt.UTC)
    recs = []
    for i, (n, rcode) in enumerate((("a.example.com", "0"), ("qzxkvbnwtr.net", "3"))):
        base = {"QNAME": n + ".", "QTYPE": "1", "XID": str(100 + i), "Port": "5353", "Flags": "256"}
        recs.append((when, event("Microsoft-Windows-DNSServer", 256, "dc01.corp", {"Source": "10.0.0.7", **base})))
        recs.append((when, event("Microsoft-Windows-DNSServer", 257, "dc01.corp",
                                 {"Destination": "10.0.0.7", "RCODE": rcode, **base})))
    tbl = _read(evtx(recs))
    assert tbl["name"] == ["a.example.com", "qzxkvbnwtr.net"]
    assert tbl["client"] == ["10.0.0.7", "10.0.0.7"]
    assert tbl["answers"] == ["(answered)", ""]


def test_damaged_and_foreign_evtx_files(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    """A chunk overwritten with garbage costs its records (counted on stderr); a log without DNS
    events (Security) is refused naming its providers; a header alone is refused. Inside a zip
    (a collection's folder of logs) the DNS ones are read, the others named."""
    from hunt_assets_tests.evtx_writer import CHUNK, event, evtx

    when = dt.datetime(2026, 12, 7, 5, tzinfo=dt.UTC)
    recs = [(when, event("Microsoft-Windows-Sysmon", 22, "ws-9", _sysmon_data(0, f"n{i}.example.com")))
            for i in range(30)]
    blob = bytearray(evtx(recs, per_chunk=10))
    blob[4096 + CHUNK : 4096 + CHUNK + 600] = bytes(range(256)) * 2 + bytes(88)  # the second chunk's header
    path = tmp_path / "sysmon.evtx"
    path.write_bytes(bytes(blob))
    assert score_dns_main(["--no-progress", str(path)]) == 0
    got = capsysbinary.readouterr()
    rows = {r["name"] for r in csv.DictReader(io.StringIO(got.out.decode()))}
    assert rows == {f"n{i}.example.com" for i in (*range(10), *range(20, 30))}
    assert "damaged record(s) or chunk(s) of the event log skipped" in got.err.decode()
    security = evtx([(when, event("Microsoft-Windows-Security-Auditing", 4624, "dc01", {"TargetUserName": "x"}))])
    (tmp_path / "Security.evtx").write_bytes(security)
    assert score_dns_main(["--no-progress", str(tmp_path / "Security.evtx")]) == 2
    err = capsysbinary.readouterr().err.decode()
    assert "an event log without DNS query events" in err
    assert "Microsoft-Windows-Security-Auditing" in err
    (tmp_path / "empty.evtx").write_bytes(evtx([])[:4096])
    assert score_dns_main(["--no-progress", str(tmp_path / "empty.evtx")]) == 2
    capsysbinary.readouterr()
    import zipfile

    with zipfile.ZipFile(tmp_path / "collection.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("C/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx", evtx(recs[:5]))
        zf.writestr("C/Windows/System32/winevt/Logs/Security.evtx", security)
    assert score_dns_main(["--no-progress", str(tmp_path / "collection.zip")]) == 0
    got = capsysbinary.readouterr()
    assert {r["name"] for r in csv.DictReader(io.StringIO(got.out.decode()))} == {f"n{i}.example.com" for i in range(5)}
    assert "Security.evtx (an event log without DNS query events" in got.err.decode()


def test_evtx_json_shapes_of_the_event_id() -> None:
    """Windows writes EventID typed (a number) and, for classic providers, with a Qualifiers
    attribute (the number is then the element's text): both are the event's id."""
    assert winevent._evtx_id({"EventID": 22}) == 22
    assert winevent._evtx_id({"EventID": {"#attributes": {"Qualifiers": 16384}, "#text": 3008}}) == 3008
    assert winevent._evtx_id({"EventID": "256"}) == 256
    assert winevent._evtx_id({}) is None


def _xml_events(events: list[tuple[str, int, dict[str, str]]], qualifiers: bool = False) -> str:
    ns = "http://schemas.microsoft.com/win/2004/08/events/event"
    out = []
    for provider, eid, data in events:
        q = " Qualifiers='0'" if qualifiers else ""
        fields = "".join(f"<Data Name='{k}'>{v.replace('&', '&amp;').replace('<', '&lt;')}</Data>"
                         for k, v in data.items())
        out.append(f"<Event xmlns='{ns}'><System><Provider Name='{provider}' Guid='{{5770385f}}'/>"
                   f"<EventID{q}>{eid}</EventID><Version>5</Version><Level>4</Level>"
                   f"<TimeCreated SystemTime='2026-12-07T05:00:00.1234567Z'/><EventRecordID>7</EventRecordID>"
                   f"<Computer>ws-9.corp</Computer><Security UserID='S-1-5-18'/></System>"
                   f"<EventData>{fields}</EventData></Event>")
    return "".join(out)


def test_events_as_xml_from_wevtutil_and_event_viewer(capsysbinary: pytest.CaptureFixture[bytes],
                                                      tmp_path: Path) -> None:
    """``wevtutil qe Microsoft-Windows-Sysmon/Operational /f:xml`` (events one after another, no
    root) and Event Viewer's "Save as XML" (an ``<Events>`` root, an XML declaration): read as the
    .evtx file is. A name with markup characters comes out as the event held it. A document that
    breaks keeps the events before the break; a DOCTYPE is refused."""
    names = ["a.example.com", "x<y&z.example.com", "xkqjvbzwpt.com"]
    events = [("Microsoft-Windows-Sysmon", 1, {"Image": "C:\\x.exe"})]
    events += [("Microsoft-Windows-Sysmon", 22, _sysmon_data(i, n)) for i, n in enumerate(names)]
    wevtutil = _xml_events(events, qualifiers=True)
    viewer = ('<?xml version="1.0" encoding="utf-8" standalone="yes"?>\r\n<Events>' + _xml_events(events)
              + "</Events>")
    for case, text in (("wevtutil", wevtutil), ("viewer", viewer)):
        tbl = _read(text.encode())
        assert tbl["name"] == names, case
        assert tbl["client"] == ["ws-9.corp"] * 3
        assert tbl["timestamp"][0] == "2026-12-07 05:00:00.123"
    client = _xml_events([("Microsoft-Windows-DNS-Client", 3008, {"QueryName": "dead.example.org", "QueryType": "1",
                                                                  "QueryOptions": "0", "QueryStatus": "9003",
                                                                  "QueryResults": ""})])
    assert _read(client.encode())["answers"] == [""]
    broken = tmp_path / "broken.xml"
    broken.write_text(wevtutil[: wevtutil.rindex("<Event ") + 40])
    assert score_dns_main(["--no-progress", str(broken)]) == 0
    got = capsysbinary.readouterr()
    assert {r["name"] for r in csv.DictReader(io.StringIO(got.out.decode()))} == set(names[:2])
    assert "the XML breaks" in got.err.decode()
    entities = tmp_path / "entities.xml"
    entities.write_text('<!DOCTYPE x [<!ENTITY a "aaaa">]>' + wevtutil)
    assert score_dns_main(["--no-progress", str(entities)]) == 2
    assert "DOCTYPE" in capsysbinary.readouterr().err.decode()


def test_dns_server_analytic_events_from_get_winevent() -> None:
    """``Get-WinEvent -LogName Microsoft-Windows-DNSServer/Analytical -Oldest | ConvertTo-Json`` on
    a DNS server: the queries received (256), each client from the message's ``Source``, paired
    with the response (257 success, 258 failure) to that client by transaction id and name; the
    server's own recursion (260) left out. Before: every event a look-up of nothing (no name)."""
    def ev(eid: int, message: str) -> dict[str, object]:
        return {"Message": message, "Id": eid, "ProviderName": "Microsoft-Windows-DNSServer", "MachineName": "dc01",
                "TimeCreated": "/Date(1796619600123)/"}

    recs = [
        ev(256, "QUERY_RECEIVED: TCP=0; InterfaceIP=10.0.0.1; Source=10.0.0.7; RD=1; QNAME=a.example.com.; "
                "QTYPE=1; XID=17; Port=50123; Flags=256; PacketData=0x0011; AdditionalInfo=VirtualizationInstance"),
        ev(260, "RECURSE_QUERY_OUT: TCP=0; Destination=8.8.8.8; InterfaceIP=10.0.0.1; RD=1; QNAME=a.example.com.; "
                "QTYPE=1; XID=9; Port=53; Flags=256; ServerScope=Default; CacheScope=Default; PacketData=0x00"),
        ev(257, "RESPONSE_SUCCESS: TCP=0; InterfaceIP=10.0.0.1; Destination=10.0.0.7; AA=0; AD=0; "
                "QNAME=a.example.com.; QTYPE=1; XID=17; DNSSEC=0; RCODE=0; Port=50123; Flags=33152; Scope=Default; "
                "Zone=..Cache; PolicyName=NULL; PacketData=0x00"),
        ev(256, "QUERY_RECEIVED: TCP=0; InterfaceIP=10.0.0.1; Source=10.0.0.8; RD=1; QNAME=qzxkvbnwtr.net.; "
                "QTYPE=1; XID=18; Port=50124; Flags=256; PacketData=0x00"),
        ev(258, "RESPONSE_FAILURE: TCP=0; InterfaceIP=10.0.0.1; Destination=10.0.0.8; AA=0; AD=0; "
                "QNAME=qzxkvbnwtr.net.; QTYPE=1; XID=18; DNSSEC=0; RCODE=3; Port=50124; Flags=33155; Scope=Default; "
                "Zone=..Cache; PolicyName=NULL; Reason=0; PacketData=0x00"),
    ]
    tbl = _read(json.dumps(recs, indent=2).encode())
    assert tbl["name"] == ["a.example.com", "qzxkvbnwtr.net"]
    assert tbl["client"] == ["10.0.0.7", "10.0.0.8"]
    assert tbl["answers"] == ["(answered)", ""]
    assert tbl["timestamp"] == ["1796619600123"] * 2


def test_an_export_csv_cut_inside_a_message_keeps_the_rows_before() -> None:
    """A download of ``Export-Csv`` that stopped inside a record's multi-line message: the records
    before the cut are read and the cut one counted. Before: Arrow refused the file, and with it
    every record (exit 2)."""
    buf = io.StringIO()
    out = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    out.writerow(["Message", "Id", "ProviderName", "MachineName", "TimeCreated"])
    for i, n in enumerate(NAMES):
        rec = _sysmon(i, n)
        out.writerow([rec["Message"], rec["Id"], rec["ProviderName"], rec["MachineName"], "12/7/2026 5:00:00 AM"])
    text = buf.getvalue()
    cut = text[: text.rindex("QueryName: ")]  # inside the last record's message
    warnings: list[str] = []
    tbl = read_input(io.BytesIO(cut.encode()), warnings.append).to_pydict()
    assert tbl["name"] == NAMES[:2]
    assert warnings == ["1 CSV row(s) with another number of fields than the header (a file cut short?) skipped"]
