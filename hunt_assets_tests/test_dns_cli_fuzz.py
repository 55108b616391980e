"""``score-dns`` on random hostile input: every file is read, and every distinct name comes out once.

Seeded random mixes of names, raw bytes, CSV syntax and broken field values (the fuzzing that
found a malformed CSV row with non-UTF-8 bytes losing its file, and a year-9999 timestamp failing
the batch). The oracle is independent of the scorer: the distinct names the input holds, read
back from the output CSV, four columns, a known verdict and a score in [0, 1].
"""

from __future__ import annotations

import collections
import csv
import io
import itertools
import random
import re
from pathlib import Path

import pytest

from hunt_assets.analytics.dns.cli import score_dns_main

VERDICTS = {"tunnel", "dga", "suspicious", "benign", "invalid"}
_PIECES = [
    b"a.com", b"xkqjvbztrwqplmnb.net", b"\xff\xfe", b"\x00", b'"', b"..", b".", b"-", b"_", b"/", b"=", b"+",
    "b\u00fccher.de".encode(), "\u0414\u041e\u041c\u0415\u041d.\u0440\u0444".encode(), b"xn--", b"xn--zz", b"\\x41",
    b"\\", b"A" * 64, b"b" * 254, b"c" * 63 + b".", b"1.2.3.4.in-addr.arpa", b"\xc3", b"\xed\xa0\x80", b" ", b"*",
    b"%", b"\x1b[31m", b"\x7f", b"_dmarc", b"=auth", b"\xe2\x80\x8b", b"\xef\xbc\x8e", b"COM", b"onion", b"0" * 40,
]
_TIMES = ["2024-06-01T00:00:00Z", "2024-06-01 00:00:01", "", "not a time", "1717200000", "1717200000.5",
          "2024-06-01T00:00:00+02:00", "2024-13-45T99:99:99Z", "0", "-1", "9999-12-31T23:59:59Z",
          "2024-06-01T00:00:00.1234567Z", "NaT", "1e300"]
_QTYPES = ["A", "AAAA", "TXT", "NULL", "16", "", "txt", "ANY", "*", "999999", "-1", "A,AAAA", "\u00e9"]
_CLIENTS = ["pc1", "pc2", "", "10.0.0.1", "::1", "\u0414\u041e\u041c", "pc1 ", "\x00x", "null"]


def _score(path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> list[list[str]]:
    assert score_dns_main(["--no-progress", str(path)]) == 0
    captured = capsysbinary.readouterr()
    assert b"Traceback" not in captured.err
    rows = list(csv.reader(io.StringIO(captured.out.decode("utf-8"), newline="")))
    assert rows[0] == ["name", "verdict", "score", "reasons"]
    for r in rows[1:]:
        assert len(r) == 4
        assert r[1] in VERDICTS
        assert 0.0 <= float(r[2]) <= 1.0
    return rows[1:]


def _read_or_refused(path: Path, data: bytes | bytearray, capsysbinary: pytest.CaptureFixture[bytes]
                     ) -> tuple[int, pytest.CaptureResult[bytes]]:
    """``data`` written to ``path`` and scored: read (exit 0) or refused with a reason (exit 2),
    never a traceback. (Exit code, what it printed.)"""
    path.write_bytes(bytes(data))
    rc = score_dns_main(["--no-progress", str(path)])
    captured = capsysbinary.readouterr()
    assert b"Traceback" not in captured.err
    assert rc in (0, 2), captured.err
    return rc, captured


def _keeps_every_name(path: Path, lines: list[str], names: list[str],
                      capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    """The lines written as a file, scored: every distinct name of the input comes out once."""
    path.write_text("\n".join(lines) + "\n")
    assert sorted(r[0] for r in _score(path, capsysbinary)) == sorted(set(names))


@pytest.mark.parametrize("seed", range(12))
def test_plain_lists_of_hostile_lines_keep_every_distinct_line(
    seed: int, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    rng = random.Random(seed)
    lines = [b"".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 8))) for _ in range(rng.randint(1, 150))]
    lines = [b"x" + ln if b"," in ln.split(b"\n")[0] or b"\t" in ln else ln for ln in lines]
    # a first line that cannot read as a CSV header; on odd seeds one that starts like JSON
    lines[0] = b"{" + lines[0] if seed % 2 else b"first.example.com"
    sep = rng.choice([b"\n", b"\r\n", b"\r"])
    body = sep.join(lines) + rng.choice([b"", sep])
    p = tmp_path / "names.txt"
    p.write_bytes(body)
    text = body.decode("utf-8", "backslashreplace")
    expected = list(dict.fromkeys(ln for ln in re.split(r"\r\n|\r|\n", text) if ln))
    assert [r[0] for r in _score(p, capsysbinary)] == expected


@pytest.mark.parametrize("seed", range(12))
def test_event_csvs_with_broken_fields_keep_every_name(
    seed: int, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    rng = random.Random(1000 + seed)
    header = rng.choice([["name", "client", "timestamp", "qtype"], ["timestamp", "name"],
                         ["QueryName", "DeviceName", "Timestamp"], ["ts", "query", "id.orig_h", "qtype_name"]])
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    names: list[str] = []
    for _ in range(rng.randint(1, 120)):
        name = rng.choice(["a.com", "xkqjvbztrwqplmnb.net", "..", "b\u00fccher.de", "x" * 300 + ".com", "q,w.com",
                           'quo"te.com', "new\nline.com", "_dmarc.example.com"]) if rng.random() < 0.4 else (
            "".join(rng.choice("abcdefghijklmnop0123") for _ in range(rng.randint(1, 30))) + ".ex.com")
        row = []
        for c in header:
            lc = c.lower()
            if lc in ("name", "queryname", "query"):
                row.append(name)
                names.append(name)
            elif lc in ("client", "devicename", "id.orig_h"):
                row.append(rng.choice(_CLIENTS))
            elif lc in ("timestamp", "ts"):
                row.append(rng.choice(_TIMES))
            else:
                row.append(rng.choice(_QTYPES))
        w.writerow(row)
    raw = buf.getvalue().encode("utf-8")
    if seed % 3 == 0:  # a malformed row with bytes that are not UTF-8, among the others
        at = next(i for i, c in enumerate(header) if c.lower() in ("name", "queryname", "query"))
        fields = [b"x"] * (len(header) + 2)  # too many fields
        fields[at] = b"bad\xff.example.com"
        raw += b",".join(fields) + b"\n"
        names.append("bad\\xff.example.com")
    p = tmp_path / "events.csv"
    p.write_bytes(raw)
    assert sorted(r[0] for r in _score(p, capsysbinary)) == sorted(set(names))


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _presentation(name: str) -> str:
    """A name in presentation format, as named and miekg/dns (CoreDNS) write it in their logs."""
    return "".join(f"\\{chr(c)}" if chr(c) in '"();\\@$' else chr(c) if 0x21 <= c <= 0x7E else f"\\{c:03d}"
                   for c in name.encode())


def _hostile_name(rng: random.Random) -> str:
    pool = ["a.com", "xkqjvbztrwqplmnb.net", "..", "b\u00fccher.de", "x" * 300 + ".com", "q,w.com", 'quo"te.com',
            "_dmarc.example.com", "\\x41.example.com", "\u202egnp.example.com", "{}.example.com", "#fields", "-",
            "(empty)", "\x00nul.example.com", "\u0001ctrl.com"]
    if rng.random() < 0.5:
        return rng.choice(pool)
    return "".join(rng.choice("abcdefghijklmnop0123-_.") for _ in range(rng.randint(1, 40))) + ".ex.com"


@pytest.mark.parametrize("seed", range(6))
def test_json_lines_of_hostile_names_keep_every_name(
    seed: int, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    import json

    rng = random.Random(2000 + seed)
    names = [_hostile_name(rng) for _ in range(rng.randint(1, 80))]
    lines = [json.dumps({"ts": rng.choice([1717200000.5, "2024-06-01T00:00:00Z", "bad", None]),
                         "id.orig_h": rng.choice(_CLIENTS), "query": n, "qtype": rng.choice([1, 16, "TXT", None])})
             for n in names]
    _keeps_every_name(tmp_path / "log.json", lines, names, capsysbinary)


@pytest.mark.parametrize("seed", range(6))
def test_suricata_8_logs_of_hostile_names_keep_every_question(
    seed: int, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Requests of one to three questions, responses with or without records, ids that are
    sometimes text (the line-by-line path), and a non-DNS event now and then."""
    import json

    rng = random.Random(4000 + seed)
    names: list[str] = []
    lines = []
    for i in range(rng.randint(1, 40)):
        asked = [{"rrname": _hostile_name(rng), "rrtype": rng.choice(["A", "TXT", 16, None])}
                 for _ in range(rng.randint(1, 3))]
        names += [q["rrname"] for q in asked]
        dns_id = rng.choice([i, i, str(i)])
        base = {"timestamp": rng.choice(["2024-06-01T00:00:00.000000+0000", "bad"]), "flow_id": i, "event_type": "dns"}
        lines.append({**base, "src_ip": rng.choice(_CLIENTS), "dns": {"version": 3, "type": "request", "id": dns_id,
                                                                       "queries": asked}})
        if rng.random() < 0.6:
            records = rng.choice([[], [{"rrname": asked[0]["rrname"], "rrtype": "A", "rdata": "10.1.1.1"}]])
            lines.append({**base, "src_ip": "10.0.0.1", "src_port": 53, "dns": {
                "version": 3, "type": "response", "id": dns_id, "rcode": rng.choice(["NOERROR", "NXDOMAIN"]),
                "queries": asked, "answers": records}})
        if rng.random() < 0.2:
            lines.append({**base, "event_type": "flow", "flow": {"pkts_toserver": 1}})
    p = tmp_path / "eve.json"
    p.write_text("".join(json.dumps(r) + "\n" for r in lines))
    assert sorted(r[0] for r in _score(p, capsysbinary)) == sorted(set(names))


@pytest.mark.parametrize("seed", range(6))
def test_zeek_logs_of_hostile_names_keep_every_name(
    seed: int, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    rng = random.Random(3000 + seed)
    # Zeek escapes the separator and line ends inside a field; '-' and '(empty)' are its own markers
    names = [n for n in (_hostile_name(rng) for _ in range(rng.randint(1, 80))) if n not in ("-", "(empty)")]
    rows = [f"{rng.choice(['1717200000.5', '-', 'x'])}\t{rng.choice(_CLIENTS)}\t{n}\t{rng.choice(['1', '16', '-'])}"
            for n in names]
    text = ("#separator \\x09\n#unset_field\t-\n#empty_field\t(empty)\n#fields\tts\tid.orig_h\tquery\tqtype\n"
            "#types\ttime\taddr\tstring\tcount\n" + "\n".join(rows) + "\n#close\t2024-06-01-01-00-00\n")
    p = tmp_path / "dns.log"
    p.write_bytes(text.encode("utf-8"))
    assert sorted(r[0] for r in _score(p, capsysbinary)) == sorted(set(names))


@pytest.mark.parametrize("seed", range(10))
def test_dns_server_query_logs_of_hostile_names_keep_every_query(
    seed: int, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """BIND, Infoblox and CoreDNS (names escaped as named and miekg/dns escape them), dnsmasq and Unbound
    lines of hostile names (without whitespace: the servers escape it), with outcomes, noise lines
    and broken stamps."""
    rng = random.Random(5000 + seed)
    server = ["bind", "dnsmasq", "unbound", "coredns", "infoblox"][seed % 5]
    names = [n for n in (_hostile_name(rng) for _ in range(rng.randint(1, 60))) if n and not re.search(r"\s", n)]
    if server == "coredns":  # CoreDNS lowers the name's ASCII letters before it logs it
        names = [n.translate(_ASCII_LOWER) for n in names]
    lines = []
    for n in names:
        client = rng.choice(["10.0.0.5", "fe80::1", "192.168.1.77"])
        stamp = rng.choice(["07-Dec-2026 01:02:03.004", "Dec  7 01:02:03", "Feb 30 01:02:03", "[1796605140]",
                            "2026-12-07T01:02:03.123456+01:00"])
        b = _presentation(n)
        if server == "bind":
            qtype = rng.choice(["A", "TXT"])
            lines.append(f"{stamp} client @0x7f0 {client}#5353 ({b}): query: {b} IN {qtype} + (10.0.0.1)")
        elif server == "infoblox":
            rcode = rng.choice(["NOERROR", "NXDOMAIN", "SERVFAIL"])
            records = f" {b}. 300 IN A 192.0.2.1;" if rcode == "NOERROR" and rng.random() < 0.7 else ""
            lines.append(f"{stamp} infoblox-responses: client {client}#5353 {rng.choice(['UDP', 'TCP'])}: query: {b} "
                         f"IN {rng.choice(['A', 'TXT'])} response: {rcode} +ED{records}")
        elif server == "coredns":
            remote = f"[{client}]" if ":" in client else client
            when = rng.choice(["", "[07/Dec/2026:01:02:03 +0100] ", "[30/Feb/2026:01:02:03 +0000] "])
            lines.append(f'{stamp} [INFO] {remote}:5353 - {when}{rng.randint(0, 65535)} "A IN {b}. udp 41 false 512" '
                         f"{rng.choice(['NXDOMAIN', 'NOERROR', 'SERVFAIL'])} qr,rd 41 0.0001s")
        elif server == "dnsmasq":
            lines.append(f"{stamp} dnsmasq[7]: query[{rng.choice(['A', 'TXT'])}] {n} from {client}")
            if rng.random() < 0.7:
                lines.append(f"{stamp} dnsmasq[7]: {rng.choice(['reply', 'cached', 'config'])} {n} is "
                             f"{rng.choice(['NXDOMAIN', '1.2.3.4', '<CNAME>', 'NODATA'])}")
        else:
            lines.append(f"{stamp} unbound[7:0] info: {client} {n}. A IN")
            if rng.random() < 0.7:
                lines.append(f"{stamp} unbound[7:0] info: {client} {n}. A IN {rng.choice(['NXDOMAIN', 'NOERROR'])} "
                             "0.000100 0 60")
        if rng.random() < 0.2:
            lines.append(f"{stamp} {server}[7]: some other message about {n}")
    if not names:
        return
    _keeps_every_name(tmp_path / "query.log", lines, names, capsysbinary)


@pytest.mark.parametrize("seed", range(6))
def test_windows_dns_analytic_events_of_hostile_names_keep_every_query(
    seed: int, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Winlogbeat's or NXLog's events: queries received among responses, the server's recursion,
    transaction ids that repeat, event ids as text or numbers, and now and then a broken record
    (the line-by-line path). Every received query's name comes out, no other event's."""
    import json

    rng = random.Random(6000 + seed)
    nxlog = seed % 2 == 1
    names: list[str] = []
    lines = []
    for _ in range(rng.randint(1, 40)):
        n, client, xid = _hostile_name(rng), rng.choice(["10.0.0.5", "fe80::1", ""]), str(rng.randint(1, 4))
        events = [(256, {"Source": client, "QNAME": n + ".", "QTYPE": rng.choice(["1", "16", ""]), "XID": xid})]
        if rng.random() < 0.5:
            events.append((260, {"Destination": "8.8.8.8", "QNAME": _hostile_name(rng) + ".", "XID": xid}))
        if rng.random() < 0.7:
            eid = rng.choice([257, 258])
            events.append((eid, {"Destination": client, "QNAME": n + ".", "XID": xid,
                                 "RCODE": rng.choice(["0", "3", "2", ""])}))
        names.append(n)
        for eid, data in events:
            stamp = rng.choice(["2026-12-07T05:00:00.000Z", "bad", ""])
            if nxlog:
                rec = {"EventTime": stamp, "EventID": rng.choice([eid, str(eid)]), "Hostname": "DC01", **data}
            else:
                rec = {"@timestamp": stamp, "host": {"name": "DC01"},
                       "winlog": {"event_id": str(eid), "event_data": data}}
            lines.append(json.dumps(rec))
        if rng.random() < 0.1:
            lines.append('{"winlog": {"event_id": "256", "event_data": {"QNAME": "cut')
    _keeps_every_name(tmp_path / "dns.json", lines, names, capsysbinary)


@pytest.mark.parametrize("seed", range(4))
def test_docker_json_logs_of_hostile_names_keep_every_query(
    seed: int, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """CoreDNS lines in Docker's ``json-file`` records, each line cut into up to three records at
    random points (as Docker cuts a long line), stderr records between them, and on odd seeds a
    broken record now and then."""
    import json

    rng = random.Random(7000 + seed)
    names = [n.translate(_ASCII_LOWER) for n in (_hostile_name(rng) for _ in range(rng.randint(1, 40)))
             if n and not re.search(r"\s", n)]
    records = []
    for i, n in enumerate(names):
        b = _presentation(n)
        line = f'[INFO] 10.0.0.5:5353 - {i} "A IN {b}. udp 41 false 512" NXDOMAIN qr,rd 41 0.0001s\n'
        cuts = sorted(rng.sample(range(1, len(line) - 1), k=min(rng.randint(0, 2), len(line) - 2)))
        for a, z in zip([0, *cuts], [*cuts, len(line)], strict=True):
            records.append(json.dumps({"log": line[a:z], "stream": "stdout",
                                       "time": f"2026-12-07T05:00:{i % 60:02d}Z"}))
        if rng.random() < 0.2:
            records.append(json.dumps({"log": "[ERROR] plugin/errors: timeout\n", "stream": "stderr",
                                       "time": "2026-12-07T05:00:00Z"}))
        if seed % 2 and rng.random() < 0.1:  # odd seeds: the line-by-line path
            records.append('{"log": "[INFO] cut')
    if not names:
        return
    _keeps_every_name(tmp_path / "coredns-json.log", records, names, capsysbinary)


@pytest.mark.parametrize("seed", range(4))
def test_journal_exports_of_hostile_names_keep_every_query(
    seed: int, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """CoreDNS lines as Docker's ``journald`` driver leaves them in ``journalctl -o json``: each line
    cut into up to three entries flagged ``CONTAINER_PARTIAL_MESSAGE`` at random points, other
    services' entries between lines, and on odd seeds a message as an array of bytes (the
    record-by-record path) and a broken record now and then."""
    import json

    rng = random.Random(8000 + seed)
    names = [n.translate(_ASCII_LOWER) for n in (_hostile_name(rng) for _ in range(rng.randint(1, 40)))
             if n and not re.search(r"\s", n)]
    records = []
    usec = 1_796_619_600_000_000
    for i, n in enumerate(names):
        b = _presentation(n)
        line = f'[INFO] 10.0.0.5:5353 - {i} "A IN {b}. udp 41 false 512" NXDOMAIN qr,rd 41 0.0001s'
        cuts = sorted(rng.sample(range(1, len(line) - 1), k=min(rng.randint(0, 2), len(line) - 2)))
        pieces = [line[a:z] for a, z in zip([0, *cuts], [*cuts, len(line)], strict=True)]
        for k, piece in enumerate(pieces):
            usec += rng.randint(1, 2_000_000)
            rec: dict[str, object] = {"__REALTIME_TIMESTAMP": str(usec), "_HOSTNAME": "node1", "_PID": "1501",
                                      "SYSLOG_IDENTIFIER": "3f2a9c1b7d4e", "CONTAINER_NAME": "coredns",
                                      "MESSAGE": piece}
            if k < len(pieces) - 1:
                rec["CONTAINER_PARTIAL_MESSAGE"] = "true"
            if seed % 2 and rng.random() < 0.15:
                rec["MESSAGE"] = list(piece.encode())
            records.append(json.dumps(rec))
        if rng.random() < 0.2:  # another service's entry between two lines
            records.append(json.dumps({"__REALTIME_TIMESTAMP": str(usec), "_HOSTNAME": "node1",
                                       "SYSLOG_IDENTIFIER": "kubelet", "MESSAGE": "I1207 probe ok"}))
        if seed % 2 and rng.random() < 0.1:
            records.append('{"__REALTIME_TIMESTAMP": "1796", "MESSAGE": "[INFO] cut')
    if not names:
        return
    _keeps_every_name(tmp_path / "coredns.journal.json", records, names, capsysbinary)


def _json_document(rng: random.Random, recs: list[dict]) -> tuple[str, list[tuple[int, int]]]:
    """``recs`` in a random one of the JSON documents ``jsondoc`` reads, with the text span of each
    record (``None`` for shapes whose records are not written as objects)."""
    import json

    indent = rng.choice([None, 1, 2, 4])
    shape = rng.choice(["array", "graph", "objects", "es"])
    if shape == "es":
        recs = [{"_index": "pb", "_id": str(i), "_source": r} for i, r in enumerate(recs)]
    texts = [json.dumps(r, indent=indent) for r in recs]
    sep = "\n" if shape == "objects" else ("," + ("\n" if indent is not None else ""))
    head = {"array": "[", "objects": "", "graph": '{"@odata.context": "x", "schema": [{"name": "QueryName"}], '
            '"results": [', "es": '{"took": 3, "hits": {"total": {"value": 1}, "hits": ['}[shape]
    tail = {"array": "]", "objects": "\n", "graph": "]}", "es": "]}}"}[shape]
    out, spans = head, []
    for i, t in enumerate(texts):
        if i:
            out += sep
        spans.append((len(out), len(out) + len(t)))
        out += t
    return out + tail, spans


@pytest.mark.parametrize("seed", range(8))
def test_json_documents_of_hostile_names_keep_every_intact_record(
    seed: int, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Arrays, API responses and pretty-printed objects of hostile names, with values of mixed
    types, one record broken or the document cut inside one: every record before the cut and not
    broken comes out, and nothing that is not in the input does."""
    rng = random.Random(3000 + seed)
    names = [_hostile_name(rng) for _ in range(rng.randint(2, 60))]
    recs = [{"Timestamp": rng.choice([*_TIMES, None, 1717200000]), "DeviceName": rng.choice(_CLIENTS),
             "QueryName": n, "QueryType": rng.choice([*_QTYPES, 16, None])} for n in names]
    text, spans = _json_document(rng, recs)
    lost: set[int] = set()
    damage = rng.choice(["none", "broken", "cut"])
    k = rng.randrange(len(recs))
    a, b = spans[k]
    if damage == "broken":  # a stray comma after the record's first member
        at = text.index(",", a, b) if "," in text[a:b] else a + 1
        text = text[:at] + ",," + text[at:]
        lost.add(k)
    elif damage == "cut":
        text = text[: rng.randint(a + 1, b - 1)]
        lost.update(range(k, len(recs)))
    p = tmp_path / "doc.json"
    p.write_text(text)
    if damage == "cut" and k == 0 and score_dns_main(["--no-progress", str(p)]) != 0:
        # nothing before the cut: refused, with the reason (unless a search hit's _source came out
        # whole before the cut, which is then read; the check below)
        assert b"ends inside its first record (cut short?)" in capsysbinary.readouterr().err
        return
    capsysbinary.readouterr()
    out = {r[0] for r in _score(p, capsysbinary)}
    assert {n for i, n in enumerate(names) if i not in lost} <= out <= set(names)


def _wire_names(rng: random.Random) -> list[str]:
    """Hostile names that a DNS packet can carry (no escapes, labels of 1 to 63 bytes)."""
    names = [n for n in (_hostile_name(rng) for _ in range(rng.randint(1, 40))) if "\\" not in n
             and n.isascii() and len(n) <= 253 and all(0 < len(lab) <= 63 for lab in n.split("."))]
    return names or ["a.com"]


def _damage(rng: random.Random, data: bytearray, start: int) -> int | None:
    """Overwrite random bytes after ``start`` (and return None), or cut the data somewhere after it
    (and return where)."""
    if rng.random() < 0.5:
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(start, len(data))] = rng.randrange(256)
        return None
    cut = rng.randrange(start, len(data))
    del data[cut:]
    return cut


def _shown(name: str) -> str:
    """A name as a capture or dnstap shows it: bytes outside printable ASCII as \\xNN."""
    return "".join(c if 0x21 <= ord(c) <= 0x7E else f"\\x{ord(c):02x}" for c in name)


def _score_damaged(path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> set[str]:
    """The names read from a damaged binary input, which must be read (exit 0), never crash."""
    rc = score_dns_main(["--no-progress", str(path)])
    captured = capsysbinary.readouterr()
    assert b"Traceback" not in captured.err
    assert rc == 0, captured.err
    rows = list(csv.reader(io.StringIO(captured.out.decode("utf-8"), newline="")))
    assert rows[0] == ["name", "verdict", "score", "reasons"]
    assert all(len(r) == 4 and r[1] in VERDICTS for r in rows[1:])
    return {r[0] for r in rows[1:]}


@pytest.mark.parametrize("seed", range(8))
def test_damaged_captures_never_end_in_a_traceback(
    seed: int, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """A capture of hostile names with random bytes overwritten (record headers, link, IP, UDP and
    DNS fields alike) or cut anywhere: read, never a crash; when only cut, every query before the
    cut comes out and nothing else."""
    from hunt_assets_tests import test_dns_pcap as P

    rng = random.Random(4000 + seed)
    names = _wire_names(rng)
    frames = P._exchange(names, outcome=rng.choice(["NXDOMAIN", "NOERROR"]))
    data = bytearray(P._pcap(frames))
    cut = _damage(rng, data, 24)
    p = tmp_path / "cap.pcap"
    p.write_bytes(bytes(data))
    got = _score_damaged(p, capsysbinary)
    if cut is not None:
        whole = sum(1 for i in range(0, len(frames), 2) if len(P._pcap(frames[: i + 1])) <= cut)
        assert {_shown(n) for n in names[:whole]} <= got <= {_shown(n) for n in names}


@pytest.mark.parametrize("seed", range(8))
def test_damaged_dnstap_files_never_end_in_a_traceback(
    seed: int, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """A resolver's dnstap of hostile names with random bytes overwritten after its START frame
    (frame lengths, protobuf keys and lengths, fields of the wrong wire type, the DNS messages), or
    cut anywhere: read, never a crash; only cut, every query before the cut comes out."""
    from hunt_assets_tests import test_dns_dnstap as D
    from hunt_assets_tests import test_dns_pcap as P

    rng = random.Random(5000 + seed)
    names = _wire_names(rng)
    payloads = [D._message(5, "10.0.0.66", 40000 + i, P.T0 + i, P._query(n, xid=i)) for i, n in enumerate(names)]
    data = bytearray(D._fstrm(payloads, stop=False))
    cut = _damage(rng, data, len(D._fstrm([], stop=False)))
    p = tmp_path / "resolver.dnstap"
    p.write_bytes(bytes(data))
    got = _score_damaged(p, capsysbinary)
    if cut is not None:
        whole = sum(1 for i in range(len(payloads)) if len(D._fstrm(payloads[: i + 1], stop=False)) <= cut)
        assert {_shown(n) for n in names[:whole]} <= got <= {_shown(n) for n in names}


@pytest.mark.parametrize("seed", range(8))
def test_damaged_archives_are_read_or_refused_never_a_traceback(
    seed: int, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Zips (a Zeek log, a gzipped one) and tars, plain or gzipped, with random bytes overwritten:
    their members read or the archive refused with a reason (exit 2), never a crash; every third
    one also cut short. The first 3,000 seeds found corrupt deflate data and a bad version field
    ending in a traceback."""
    import gzip

    from hunt_assets_tests import test_dns_archives as A
    from hunt_assets_tests import test_dns_querylogs as Q

    rng = random.Random(6000 + seed)
    first, second = A._zeek(Q.DICTIONARY[:20]), gzip.compress(A._zeek(Q.DICTIONARY[20:]))
    blob = (A._zip({"a.log": first, "b.log.gz": second}) if seed % 2
            else A._tar({"a.log": first, "b.log.gz": second}, gz=bool(seed % 4)))
    data = bytearray(blob)
    for _ in range(rng.randint(0 if seed % 3 else 1, 8)):
        data[rng.randrange(4, len(data))] = rng.randrange(256)
    if seed % 3 == 0:  # and cut short, as a download that stopped
        del data[rng.randrange(4, len(data)) :]
    rc, captured = _read_or_refused(tmp_path / "bundle.bin", data, capsysbinary)
    if rc == 2:
        assert b"score-dns: cannot read" in captured.err


@pytest.mark.parametrize("seed", range(8))
def test_get_winevent_exports_of_hostile_names_keep_every_query(
    seed: int, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """PowerShell's exports of Sysmon and DNS Client events (JSON arrays, one object, or
    ``Export-Csv``), fields in ``Properties`` or only in the message, ids as numbers or text, other
    events between them: every query event's name comes out, no other event's (3006 only where no
    3008 of the same name completes it); then cut anywhere."""
    import json

    from hunt_assets_tests.test_dns_winevent import _client, _sysmon

    rng = random.Random(9000 + seed)
    shape = ("array", "csv", "object", "array")[seed % 4]
    recs, names, called, all_names = [], [], [], []
    for i in range(1 if shape == "object" else rng.randint(1, 40)):
        n, props = _hostile_name(rng), shape != "csv" and rng.random() < 0.7
        all_names.append(n)
        kind = rng.choice([22, 3008, 3006, 1, 3020])
        if kind == 22:
            rec = _sysmon(i % 10, n, props=props, ps5=rng.random() < 0.5)
        elif kind in (3008, 3006):
            rec = _client(kind, n, rng.choice([0, 9003, 9501, 87, 1460]), props=props)
        else:
            rec = {"Message": f"Process Create: {n}", "Id": kind, "ProviderName": "Microsoft-Windows-Sysmon",
                   "MachineName": "ws-1"}
        if rng.random() < 0.3:
            rec["Id"] = str(rec["Id"])
        recs.append(rec)
        (names if kind in (22, 3008) else called if kind == 3006 else []).append(n)
    completed = collections.Counter(n.lower() for r, n in zip(recs, all_names, strict=True) if str(r["Id"]) == "3008")
    by_name: dict[str, list[str]] = {}
    for n in called:
        by_name.setdefault(n.lower(), []).append(n)
    for low, same in by_name.items():  # the 3006 that no 3008 of the same name (and type) completes
        surplus = len(same) - completed[low]
        names += same[len(same) - surplus :] if surplus > 0 else []
    if shape == "csv":
        buf = io.StringIO()
        buf.write("#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\r\n")
        out = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        out.writerow(["Message", "Id", "ProviderName", "MachineName", "TimeCreated"])
        for r in recs:
            out.writerow([r["Message"], r["Id"], r["ProviderName"], r["MachineName"], "12/7/2026 5:00:00 AM"])
        text = buf.getvalue()
    else:
        text = json.dumps(recs[0] if shape == "object" else recs, indent=rng.choice([None, 2, 4]))
    path = tmp_path / "events.json"
    path.write_text(text)
    if names:
        assert sorted(r[0] for r in _score(path, capsysbinary)) == sorted(set(names))
    data = bytearray(text.encode())
    if len(data) > 40:  # then cut anywhere (a download that stopped): read or refused, never a traceback
        del data[rng.randrange(20, len(data)) :]
        _read_or_refused(path, data, capsysbinary)


@pytest.mark.parametrize("seed", range(6))
def test_displaydns_output_of_hostile_names_keeps_every_entry(
    seed: int, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """``ipconfig /displaydns`` with hostile cached names (no whitespace: Windows prints a name as
    one token), records or none, CRLF or LF: every entry's name comes out once."""
    rng = random.Random(11000 + seed)
    names, blocks = [], []
    for _ in range(rng.randint(1, 40)):
        n = "".join(_hostile_name(rng).split()) or "x.example"
        names.append(n)
        body = rng.choice(["    Name does not exist.\n", "    No records of type AAAA\n",
                           f"    Record Name . . . . . : {_hostile_name(rng)}\n    Record Type . . . . . : 1\n"])
        blocks.append(f"    {n}\n    {'-' * 40}\n{body}\n")
    text = "\nWindows IP Configuration\n\n" + "\n".join(blocks)
    path = tmp_path / "cache.txt"
    path.write_bytes(text.replace("\n", "\r\n" if seed % 2 else "\n").encode())
    assert sorted(r[0] for r in _score(path, capsysbinary)) == sorted(set(names))


@pytest.mark.parametrize("seed", range(8))
def test_tcp_dns_streams_cut_reordered_and_repeated_keep_every_query(
    seed: int, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Connections of pipelined queries of hostile names and their responses, each direction's
    stream cut into segments at random bytes, neighbours swapped, some sent twice, sequence numbers
    anywhere (wrapping too), the handshake captured or not: every query comes out, with its
    response's outcome. Then the same capture damaged or cut: read, never a crash."""
    from hunt_assets_tests import test_dns_pcap as P

    rng = random.Random(12000 + seed)
    frames: list[tuple[float, bytes]] = []
    names: list[str] = []
    for conn in range(rng.randint(1, 4)):
        asked = _wire_names(rng)[:12]
        names += asked
        client, sport = f"10.0.{conn}.9", 41000 + conn
        queries = P._framed(*(P._query(n, "A", i) for i, n in enumerate(asked)))
        replies = P._framed(*(P._response(n, "A", i, rcode="NXDOMAIN") for i, n in enumerate(asked)))
        for src, sp, dst, dp, stream in ((client, sport, P.RESOLVER, 53, queries),
                                         (P.RESOLVER, 53, client, sport, replies)):
            isn = rng.randrange(1 << 32)
            cuts = sorted({0, len(stream), *(rng.randrange(1, len(stream)) for _ in range(rng.randint(0, 6)))})
            segs = [(isn + 1 + a, stream[a:b]) for a, b in itertools.pairwise(cuts)]
            handshake = seed % 2 == 0  # without it the stream is read from its first segment on: keep that first
            for i in range(0 if handshake else 1, len(segs) - 1):
                if rng.random() < 0.3:
                    segs[i], segs[i + 1] = segs[i + 1], segs[i]
            segs += [s for s in segs if rng.random() < 0.2]  # retransmissions, late
            if handshake:
                frames.append((P.T0 + len(frames), P._seg(src, sp, dst, dp, isn, b"", 0x02)))
            frames += [(P.T0 + len(frames), P._seg(src, sp, dst, dp, s, b)) for s, b in segs]
    path = tmp_path / "tcp.pcap"
    data = bytearray(P._pcap(frames, link=101))
    path.write_bytes(bytes(data))
    tbl = read_input_table(path)
    assert sorted(set(tbl["name"])) == sorted({_shown(n) for n in names})
    assert set(tbl["answers"]) == {""}
    _damage(rng, data, 24)
    path.write_bytes(bytes(data))
    _score_damaged(path, capsysbinary)


def read_input_table(path: Path) -> dict[str, list]:
    from hunt_assets.analytics.dns.cli import read_input

    with path.open("rb") as f:
        return read_input(f).to_pydict()


@pytest.mark.parametrize("seed", range(8))
def test_damaged_evtx_files_never_end_in_a_traceback(
    seed: int, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Event log files of hostile names (Sysmon 22) with random bytes overwritten (headers, chunk
    tables, binary XML tokens and lengths) or cut: read or refused with a reason, never a crash
    (the Rust reader's errors and panics included); from a cut file only the file's names, from the
    undamaged one every name."""
    import datetime as dt

    from hunt_assets_tests.evtx_writer import event, evtx
    from hunt_assets_tests.test_dns_winevent import _sysmon_data

    rng = random.Random(13000 + seed)
    when = dt.datetime(2026, 12, 7, 5, tzinfo=dt.UTC)
    names = [n for n in (_hostile_name(rng) for _ in range(rng.randint(1, 30))) if "\x00" not in n and len(n) < 200]
    names = names or ["a.com"]
    recs = [(when, event("Microsoft-Windows-Sysmon", 22, "ws-1", _sysmon_data(i % 10, n))) for i, n in enumerate(names)]
    data = bytearray(evtx(recs, per_chunk=10))
    path = tmp_path / "damaged.evtx"
    path.write_bytes(bytes(data))
    assert sorted(r[0] for r in _score(path, capsysbinary)) == sorted(set(names))  # undamaged: every name
    cut = _damage(rng, data, 8)
    rc, captured = _read_or_refused(path, data, capsysbinary)
    if rc == 0 and cut is not None:  # overwritten bytes may change a name (the reader checks no checksum)
        rows = list(csv.reader(io.StringIO(captured.out.decode("utf-8"), newline="")))
        assert {r[0] for r in rows[1:]} <= set(names)


@pytest.mark.parametrize("seed", range(8))
def test_event_xml_of_hostile_names_is_read_or_refused_never_a_traceback(
    seed: int, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """``wevtutil /f:xml`` output of Sysmon 22 events with hostile names (markup escaped as XML
    requires; control characters XML cannot hold break the document), then damaged or cut: read
    or refused with a reason, never a crash; undamaged, every name that XML can hold comes out."""
    from hunt_assets_tests.test_dns_winevent import _sysmon_data, _xml_events

    rng = random.Random(14000 + seed)
    names = [_hostile_name(rng) for _ in range(rng.randint(1, 30))]
    text = _xml_events([("Microsoft-Windows-Sysmon", 22, _sysmon_data(i % 10, n)) for i, n in enumerate(names)])
    data = bytearray(text.encode())
    path = tmp_path / "events.xml"
    if all(ch >= " " for n in names for ch in n):  # XML 1.0 holds none of the C0 controls
        path.write_bytes(bytes(data))
        got = _score(path, capsysbinary)
        assert sorted(r[0] for r in got) == sorted(set(names))
    _damage(rng, data, 10)
    _read_or_refused(path, data, capsysbinary)


@pytest.mark.parametrize("seed", range(6))
def test_docker_local_logs_of_hostile_names_keep_every_query(
    seed: int, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """CoreDNS lines in Docker's ``local`` driver's entries, some split into partial entries, stderr
    entries between them: every query comes out; then the file damaged or cut: read (the entries
    before the damage) or refused, never a crash."""
    from hunt_assets_tests.test_dns_querylogs import _docker_local

    rng = random.Random(15000 + seed)
    names = [n.translate(_ASCII_LOWER) for n in (_hostile_name(rng) for _ in range(rng.randint(1, 40)))
             if n and not re.search(r"\s", n)] or ["a.example.com"]
    lines = []
    for i, n in enumerate(names):
        lines.append(("stdout", f'[INFO] 10.0.0.5:5353 - {i} "A IN {_presentation(n)}. udp 41 false 512" '
                                "NXDOMAIN qr,rd 41 0.0001s"))
        if rng.random() < 0.2:
            lines.append(("stderr", "[ERROR] plugin/errors: timeout"))
    data = bytearray(_docker_local(lines, split=rng.randrange(len(lines))))
    path = tmp_path / "container.log"
    path.write_bytes(bytes(data))
    assert sorted(r[0] for r in _score(path, capsysbinary)) == sorted(set(names))
    _damage(rng, data, 12)
    _read_or_refused(path, data, capsysbinary)
