"""``score-dns`` on a DNS server's log exported from the systemd journal (``journalctl -o json``):
BIND, Unbound and dnsmasq run as services, CoreDNS under Docker's ``journald`` log driver; and
Unbound's lines as journalctl prints them (``unbound[812]: [812:0] info: …``)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from hunt_assets.analytics.dns import logs
from hunt_assets.analytics.dns.cli import read_input
from hunt_assets.analytics.dns.times import to_ns
from hunt_assets_tests.test_dns_logs import DICTIONARY, assert_dictionary_burst  # each alone reads as a real domain

T0 = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)


def _entry(i: int, message: object, ident: str | None, pid: str | None = "812", **extra: object) -> dict:
    """One journal entry as ``journalctl -o json`` writes it: every value text, the time in
    microseconds since the epoch; a second apart, with a microsecond part."""
    usec = int(T0.timestamp()) * 1_000_000 + i * 1_000_000 + 123_456
    rec: dict[str, object] = {
        "__CURSOR": f"s=6b3c;i={i:x};b=1f0e;m={i:x};t=5f;x=9a", "__REALTIME_TIMESTAMP": str(usec),
        "__MONOTONIC_TIMESTAMP": str(8_000_000 + i), "_BOOT_ID": "1f0e", "PRIORITY": "6",
        "_HOSTNAME": "ns1", "_TRANSPORT": "syslog", "MESSAGE": message,
    }
    if ident is not None:
        rec["SYSLOG_IDENTIFIER"] = ident
    if pid is not None:
        rec["_PID"] = pid
    rec.update(extra)
    return rec


def _journal(entries: list[dict]) -> bytes:
    return "".join(json.dumps(e) + "\n" for e in entries).encode()


def _stamps(tbl: dict) -> list[str]:
    return [str(t) for t in pd.to_datetime(to_ns(pd.Series(tbl["timestamp"])), utc=True)]


def test_bind_as_a_service_is_read_with_the_journals_times() -> None:
    """``journalctl -u named -o json``: BIND's query lines in MESSAGE, the time in the entry (UTC,
    to the microsecond: no year or zone to guess, unlike a syslog file)."""
    names = ["www.example.com", *DICTIONARY[:3]]
    entries = [_entry(0, "zone example.com/IN: loaded serial 2026120701", "named")]
    entries += [_entry(i + 1, f"client @0x7ff5b8000cd0 10.0.0.66#51530 ({n}): query: {n} IN A + (10.0.0.1)",
                       "named") for i, n in enumerate(names)]
    text = _journal(entries)
    assert logs.is_journal_json(text[:4096])
    assert not logs.is_docker_json_log(text[:4096])
    tbl = read_input(io.BytesIO(text)).to_pydict()
    assert tbl["name"] == names
    assert set(tbl["client"]) == {"10.0.0.66"}
    assert _stamps(tbl)[:2] == ["2026-12-07 05:00:01.123456+00:00", "2026-12-07 05:00:02.123456+00:00"]


def test_unbound_and_dnsmasq_are_known_by_their_syslog_identifier() -> None:
    """Their lines name the server only in the syslog identifier (``dnsmasq[812]: query[A] …``),
    so the entry's identifier and PID are put back in front of the message, as journalctl does;
    their outcomes become the queries' answers."""
    unbound = []
    for i, n in enumerate(DICTIONARY[:3]):
        unbound.append(_entry(2 * i, f"[812:0] info: 10.0.0.66 {n}. A IN", "unbound"))
        unbound.append(_entry(2 * i + 1, f"[812:0] reply: 10.0.0.66 {n}. A IN NXDOMAIN 0.012000 0 48", "unbound"))
    tbl = read_input(io.BytesIO(_journal(unbound))).to_pydict()
    assert tbl["name"] == DICTIONARY[:3]
    assert tbl["answers"] == ["", "", ""]  # NXDOMAIN: dead look-ups
    dnsmasq = []
    for i, n in enumerate(DICTIONARY[:3]):
        # SYSLOG_PID only (a sender's own claim): journalctl shows it when _PID is missing
        dnsmasq.append(_entry(2 * i, f"query[A] {n} from 192.168.1.5", "dnsmasq", pid=None, SYSLOG_PID="77"))
        dnsmasq.append(_entry(2 * i + 1, f"reply {n} is 192.0.2.7", "dnsmasq", pid=None, SYSLOG_PID="77"))
    tbl = read_input(io.BytesIO(_journal(dnsmasq))).to_pydict()
    assert tbl["name"] == DICTIONARY[:3]
    assert set(tbl["client"]) == {"192.168.1.5"}
    assert tbl["answers"] == ["(answered)"] * 3


def test_unbound_lines_as_journalctl_prints_them() -> None:
    """``journalctl -u unbound`` (text): Unbound logs through syslog without a PID of its own, and
    journalctl adds the sender's; those lines were read as one invalid name each."""
    text = "".join(f"Dec 07 05:00:{i:02d} ns1 unbound[812]: [812:0] info: 10.0.0.66 {n}. A IN\n"
                   for i, n in enumerate(DICTIONARY[:3])).encode()
    tbl = read_input(io.BytesIO(text)).to_pydict()
    assert tbl["name"] == DICTIONARY[:3]
    assert set(tbl["client"]) == {"10.0.0.66"}


def test_coredns_under_dockers_journald_driver_joins_a_cut_line() -> None:
    """Docker's ``journald`` driver: CoreDNS's lines in MESSAGE, the container's tag as identifier;
    a line over 16 KiB comes in pieces flagged ``CONTAINER_PARTIAL_MESSAGE``, joined here with the
    first piece's time."""
    tunnel = "aGVsbG8gd29ybGQgdGhpcyBpcyBhIHRlc3Qgb2YgdGhl.bG9uZyBsaW5lcw.t.example.org"
    line = f'[INFO] 10.244.0.9:50759 - 4242 "TXT IN {tunnel}. udp 41 false 4096" NXDOMAIN qr,rd,ra 68 0.0001s'
    docker = {"CONTAINER_NAME": "coredns", "CONTAINER_ID": "3f2a9c1b7d4e", "IMAGE_NAME": "coredns/coredns:1.11.1",
              "_TRANSPORT": "journal"}
    entries = [
        _entry(0, '[INFO] 10.244.0.5:41234 - 17 "A IN www.example.com. udp 41 false 4096" NOERROR qr,rd,ra 68 '
                  "0.0001s", "3f2a9c1b7d4e", pid="1501", **docker),
        _entry(1, line[:50], "3f2a9c1b7d4e", pid="1501", CONTAINER_PARTIAL_MESSAGE="true", **docker),
        _entry(2, line[50:], "3f2a9c1b7d4e", pid="1501", **docker),
    ]
    tbl = read_input(io.BytesIO(_journal(entries))).to_pydict()
    assert tbl["name"] == ["www.example.com", tunnel]
    assert tbl["client"] == ["10.244.0.5", "10.244.0.9"]
    assert tbl["answers"] == ["(answered)", ""]
    assert _stamps(tbl) == ["2026-12-07 05:00:00.123456+00:00", "2026-12-07 05:00:01.123456+00:00"]


def test_bytes_arrays_nulls_and_broken_records_lose_no_other_query() -> None:
    """journalctl writes a value that is not printable UTF-8 as an array of bytes (a TTY's trailing
    ``\\r``), one of 4096 bytes or more as null, a field given twice as an array; a record cut off
    is not JSON. Those go record by record: the arrays are read, the others skipped and counted."""
    names = [f"host{i}.example.com" for i in range(4)]
    msg = [f"client 10.0.0.66#5353: query: {n} IN A + (10.0.0.1)" for n in names]
    entries = [
        _entry(0, msg[0], "named"),
        _entry(1, list((msg[1] + "\r").encode()), "named"),
        _entry(2, None, "named"),  # over 4096 bytes
        _entry(3, msg[2], ["named", "named-extra"]),  # a field given twice
    ]
    text = _journal(entries) + b'{"__REALTIME_TIMESTAMP": "1796", "MESSAGE": "client 10.0.0.66#5\n' \
        + _journal([_entry(5, msg[3], "named")])
    warnings: list[str] = []
    tbl = read_input(io.BytesIO(text), warnings.append).to_pydict()
    assert tbl["name"] == names
    assert any("1 journal entries without their MESSAGE" in w for w in warnings)
    assert any("1 line(s) that are not journal entries" in w for w in warnings)


def test_the_fast_path_warns_of_null_messages_too() -> None:
    entries = [_entry(0, "client 10.0.0.66#5353: query: a.example.com IN A + (10.0.0.1)", "named"),
               _entry(1, None, "named"), _entry(2, None, "named")]
    warnings: list[str] = []
    tbl = read_input(io.BytesIO(_journal(entries)), warnings.append).to_pydict()
    assert tbl["name"] == ["a.example.com"]
    assert any("2 journal entries without their MESSAGE" in w for w in warnings)


def test_both_paths_unwrap_the_same_bytes() -> None:
    """The Arrow path and the record-by-record one agree, entry for entry (stamps included)."""
    entries = [_entry(i, f"[812:0] info: 10.0.0.{i % 7} {n}. A IN", "unbound", pid=None if i % 3 else "812")
               for i, n in enumerate(DICTIONARY[:12])]
    for e in entries[1::4]:  # no host in some entries
        del e["_HOSTNAME"]
    text = _journal(entries)
    fast = logs.unwrap_journal_json(text)
    slow = logs._unwrap_journal_slowly(text, None)
    assert bytes(fast) == bytes(slow)
    assert bytes(fast).splitlines()[0] == b"2026-12-07T05:00:00.123456Z ns1 unbound[812]: [812:0] info: " \
        + f"10.0.0.0 {DICTIONARY[0]}. A IN".encode()
    assert bytes(fast).splitlines()[1].startswith(b"2026-12-07T05:00:01.123456Z unbound: [812:0]")


def test_the_shipped_command_scores_a_journal_export(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
                                                     ) -> None:
    """``journalctl -u dnsmasq -o json > dns.json``: a dictionary DGA's dead look-ups burst, and
    ``--hosts`` names the client that made them."""
    entries = []
    for i, n in enumerate(DICTIONARY):
        entries.append(_entry(2 * i, f"query[A] {n} from 192.168.1.66", "dnsmasq", pid=None, SYSLOG_PID="77"))
        entries.append(_entry(2 * i + 1, f"reply {n} is NXDOMAIN", "dnsmasq", pid=None, SYSLOG_PID="77"))
    entries.append(_entry(999, "query[A] www.example.com from 192.168.1.5", "dnsmasq", pid=None, SYSLOG_PID="77"))
    p = tmp_path / "dns.json"
    p.write_bytes(_journal(entries))
    assert_dictionary_burst(p, "192.168.1.66", capsysbinary)


def test_a_stamp_that_is_no_number_sends_the_file_record_by_record_and_warns_once() -> None:
    """An entry whose time is not microseconds fails the Arrow path's cast; the file is then read
    record by record, which counts the null messages itself: one warning, not two."""
    good = _entry(0, "client 10.0.0.66#5353: query: a.example.com IN A + (10.0.0.1)", "named")
    odd = {**_entry(2, "client 10.0.0.66#5353: query: b.example.com IN A + (10.0.0.1)", "named"),
           "__REALTIME_TIMESTAMP": "yesterday"}
    warnings: list[str] = []
    tbl = read_input(io.BytesIO(_journal([good, _entry(1, None, "named"), odd])), warnings.append).to_pydict()
    assert tbl["name"] == ["a.example.com", "b.example.com"]
    assert sum("journal entries without their MESSAGE" in w for w in warnings) == 1


def _export(entries: list[dict]) -> bytes:
    """Entries in the journal's export format (systemd.io "Journal Export Formats"): ``KEY=value``
    lines and an empty line after each entry; a value with a line break or bytes that are not
    UTF-8 (given here as a list of byte values, as ``-o json`` gives it) in the binary form: the key,
    a newline, the length as 64-bit little-endian, the bytes, a newline."""
    out = b""
    for e in entries:
        for k, v in e.items():
            raw = bytes(v) if isinstance(v, list) else str(v).encode()
            if b"\n" in raw or isinstance(v, list):
                out += k.encode() + b"\n" + len(raw).to_bytes(8, "little") + raw + b"\n"
            else:
                out += k.encode() + b"=" + raw + b"\n"
        out += b"\n"
    return out


def test_the_export_format_reads_as_the_json_export() -> None:
    """``journalctl -u unbound -o export``: the same queries, clients and times as ``-o json`` of
    the same entries, messages in binary form (a line break, a carriage return) included;
    cut inside an entry, the entries before it are read and stderr says so."""
    names = ["www.example.com", *DICTIONARY[:4]]
    entries = [_entry(i, f"[812:0] info: 10.0.0.{60 + i} {n}. A IN", "unbound") for i, n in enumerate(names)]
    entries[2]["MESSAGE"] = list(f"[812:0] info: 10.0.0.62 {names[2]}. A IN\r".encode())  # journalctl: not printable
    entries.insert(1, _entry(9, "notice: init module 0: validator\nsecond line", "unbound"))
    as_json = read_input(io.BytesIO(_journal(entries))).to_pydict()
    export = _export(entries)
    assert logs.is_journal_export(export[:4096])
    assert read_input(io.BytesIO(export)).to_pydict() == as_json
    assert as_json["name"] == names
    warnings: list[str] = []
    cut = export[: export.index(b"__CURSOR", export.index(names[3].encode())) + 40]
    tbl = read_input(io.BytesIO(cut), warnings.append).to_pydict()
    assert tbl["name"] == names[:4]
    assert warnings == ["the journal export is cut inside an entry; the 5 entries before it are read"]
