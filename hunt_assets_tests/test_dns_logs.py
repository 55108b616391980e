"""``score-dns`` on sensor logs as written: Zeek's ASCII dns.log, and gzip (``analytics.dns.logs``)."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pyarrow as pa
import pytest

from hunt_assets.analytics.dns.cli import score_dns_main

FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "trans_id", "rtt", "query",
          "qclass", "qclass_name", "qtype", "qtype_name", "rcode", "rcode_name", "AA", "TC", "RD", "RA", "Z",
          "answers", "TTLs", "rejected"]
TYPES = ["time", "string", "addr", "port", "addr", "port", "enum", "count", "interval", "string", "count", "string",
         "count", "string", "count", "string", "bool", "bool", "bool", "bool", "count", "vector[string]",
         "vector[interval]", "bool"]
QNUM = {"A": 1, "TXT": 16, "NULL": 10, "AAAA": 28}
T0 = 1_717_200_000


def _header() -> str:
    return ("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n"
            "#open\t2024-06-01-00-00-00\n#fields\t" + "\t".join(FIELDS) + "\n#types\t" + "\t".join(TYPES) + "\n")


def _events() -> list[tuple[float, str, str, str]]:
    """(epoch seconds, client, name, qtype): a dnscat2-style tunnel from one host, browsing from two."""
    polls = [f"{i:04x}01abcd{(i * 7919) % 65536:04x}{(i * 104729) % 65536:04x}.poll-example.com" for i in range(40)]
    ev = [(T0 + 5 * i + 0.25, "10.0.0.5", name, "TXT") for i, name in enumerate(polls)]
    ev += [(T0 + 7 * i + 0.5, "10.0.0.9", n, "A") for i, n in enumerate(["www.google.com", "xkqjvbztrwqplmnb.net",
                                                                          "mail.contoso.com"] * 3)]
    return ev


def _zeek_row(t: float, client: str, name: str, qtype: str) -> str:
    values = {"ts": f"{t:.6f}", "uid": "CAbc", "id.orig_h": client, "id.orig_p": "53211", "id.resp_h": "10.0.0.1",
              "id.resp_p": "53", "proto": "udp", "trans_id": "1", "rtt": "-", "query": name, "qclass": "1",
              "qclass_name": "C_INTERNET", "qtype": str(QNUM[qtype]), "qtype_name": qtype, "rcode": "0",
              "rcode_name": "NOERROR", "AA": "F", "TC": "F", "RD": "T", "RA": "T", "Z": "0", "answers": "-",
              "TTLs": "-", "rejected": "F"}
    return "\t".join(values[f] for f in FIELDS) + "\n"


def _zeek_log(events: list[tuple[float, str, str, str]]) -> str:
    return _header() + "".join(_zeek_row(*e) for e in events) + "#close\t2024-06-01-01-00-00\n"


def _csv_of(events: list[tuple[float, str, str, str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["timestamp", "client", "name", "qtype"])
    for t, client, name, qtype in events:
        w.writerow([f"{t:.6f}", client, name, qtype])
    return buf.getvalue()


def assert_dictionary_burst(path: Path, client: str, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    """``score-dns --hosts`` on a log where ``client`` looked up every ``DICTIONARY`` name, all dead,
    and another client ``www.example.com``: each dictionary name is a DGA burst, and the hosts list
    names ``client`` alone."""
    hosts = path.with_name("hosts.csv")
    assert score_dns_main(["--no-progress", "--hosts", str(hosts), str(path)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsysbinary.readouterr().out.decode())))
    assert sorted(r["name"] for r in rows) == sorted([*DICTIONARY, "www.example.com"])
    assert {r["verdict"] for r in rows if r["name"] in DICTIONARY} == {"dga"}
    assert all("DGA burst" in r["reasons"] for r in rows if r["name"] in DICTIONARY)
    assert [h["client"] for h in csv.DictReader(hosts.open())] == [client]


def _run(path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> tuple[int, str, str]:
    rc = score_dns_main(["--no-progress", str(path)])
    cap = capsysbinary.readouterr()
    return rc, cap.out.decode("utf-8"), cap.err.decode("utf-8")


def test_zeek_dns_log_scores_as_the_same_events_in_csv(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    ev = _events()
    (tmp_path / "dns.log").write_text(_zeek_log(ev))
    (tmp_path / "dns.csv").write_text(_csv_of(ev))
    rc, zeek_out, err = _run(tmp_path / "dns.log", capsysbinary)
    assert rc == 0
    assert err == ""
    rc, csv_out, _ = _run(tmp_path / "dns.csv", capsysbinary)
    assert rc == 0
    assert zeek_out == csv_out
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(zeek_out))}
    assert len(rows) == 40 + 3  # every distinct query, and no '#' directive read as a name
    assert {rows[n]["verdict"] for n in rows if n.endswith("poll-example.com")} == {"tunnel"}
    assert rows["xkqjvbztrwqplmnb.net"]["verdict"] == "dga"


def test_concatenated_logs_unset_fields_and_a_broken_row(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    first, second = _events()[:20], _events()[20:]
    broken = "1717200099.000000\tCAbc\t10.0.0.7\tbroken-row.example.org\n"  # fields missing
    unset = _zeek_row(T0, "10.0.0.8", "-", "A")  # no query at all
    empty = _zeek_row(T0, "10.0.0.8", "(empty)", "A")
    text = _zeek_log(first) + _zeek_log(second).replace("#close", broken + unset + empty + "#close")
    p = tmp_path / "dns.log"
    p.write_text(text)
    rc, out, err = _run(p, capsysbinary)
    assert rc == 0
    names = [r["name"] for r in csv.DictReader(io.StringIO(out))]
    expected = {e[2] for e in _events()}
    assert expected <= set(names)
    assert not any(n.startswith("#") for n in names)
    assert "1 Zeek row(s) with the wrong number of fields" in err
    # the short row keeps its fields in order: its 4th field sits in id.orig_p, not in query
    assert "broken-row.example.org" not in names
    assert "-" not in names


@pytest.mark.parametrize("kind", ["zeek", "plain"])
def test_gzipped_input_reads_as_its_contents(
    kind: str, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    text = _zeek_log(_events()) if kind == "zeek" else "www.google.com\nxkqjvbztrwqplmnb.net\n"
    (tmp_path / "in.txt").write_text(text)
    (tmp_path / "in.gz").write_bytes(gzip.compress(text[: len(text) // 2].encode()) + gzip.compress(
        text[len(text) // 2 :].encode()))  # two members, as `cat a.gz b.gz` makes
    plain = _run(tmp_path / "in.txt", capsysbinary)
    packed = _run(tmp_path / "in.gz", capsysbinary)
    assert plain[0] == packed[0] == 0
    assert packed[1] == plain[1]


def test_cut_off_gzip_keeps_the_whole_lines_before_the_cut(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    names = [f"host{i}.example.com" for i in range(5000)]
    packed = gzip.compress(("\n".join(names) + "\n").encode())
    p = tmp_path / "cut.gz"
    p.write_bytes(packed[: len(packed) // 2])
    rc, out, err = _run(p, capsysbinary)
    assert rc == 0
    got = [r["name"] for r in csv.DictReader(io.StringIO(out))]
    assert 0 < len(got) < len(names)
    assert got == names[: len(got)]  # whole names only, in order
    assert "gzip data is damaged or cut off" in err


def _packed(codec: str, data: bytes) -> bytes:
    """``data`` compressed as two concatenated streams (as ``cat a.xz b.xz`` or a rotated log makes)."""
    import bz2
    import lzma

    half = len(data) // 2
    if codec == "bzip2":
        return bz2.compress(data[:half]) + bz2.compress(data[half:])
    if codec == "xz":
        return lzma.compress(data[:half]) + lzma.compress(data[half:])
    return pa.compress(data[:half], codec, asbytes=True) + pa.compress(data[half:], codec, asbytes=True)


@pytest.mark.parametrize("codec", ["bzip2", "xz", "zstd", "lz4"])
def test_other_compressions_read_as_their_contents_and_keep_whole_lines_when_cut(
    codec: str, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """logrotate's other ``compresscmd``s (bzip2, xz, zstd) and lz4 frames: read as gzip is, by their
    magic bytes; cut off, the whole lines before the cut are read and stderr says so. Before, each
    was read as lines of binary names."""
    text = _zeek_log(_events())
    (tmp_path / "in.txt").write_text(text)
    (tmp_path / "in.pack").write_bytes(_packed(codec, text.encode()))
    assert _run(tmp_path / "in.pack", capsysbinary) == _run(tmp_path / "in.txt", capsysbinary)
    names = [f"host{i}.example.com" for i in range(200_000)]
    packed = _packed(codec, ("\n".join(names) + "\n").encode())
    (tmp_path / "cut.pack").write_bytes(packed[: len(packed) * 3 // 4])
    rc, out, err = _run(tmp_path / "cut.pack", capsysbinary)
    got = [r["name"] for r in csv.DictReader(io.StringIO(out))]
    assert rc == 0
    assert len(names) // 2 < len(got) < len(names)
    assert got == names[: len(got)]  # whole names only, in order
    assert f"{codec} data is damaged or cut off" in err


def test_a_list_starting_with_bzh_is_a_list(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    p = tmp_path / "names.txt"
    p.write_text("BZh9.example.com\nwww.example.com\n")
    rc, out, _ = _run(p, capsysbinary)
    assert rc == 0
    assert [r["name"] for r in csv.DictReader(io.StringIO(out))] == ["BZh9.example.com", "www.example.com"]


def test_a_log_with_no_queries_is_an_empty_result(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    p = tmp_path / "dns.log"
    p.write_text(_header() + "#close\t2024-06-01-01-00-00\n")
    assert _run(p, capsysbinary) == (0, "name,verdict,score,reasons\n", "")
    p.write_text(_header())
    assert _run(p, capsysbinary) == (0, "name,verdict,score,reasons\n", "")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x1f\x8b" + b"not really gzip" * 10, "gzip file that does not unpack"),
        (b"\xfd7zXZ\x00" + b"not really xz" * 10, "xz file that does not unpack"),
        (b"\x28\xb5\x2f\xfd" + b"not really zstd" * 10, "zstd file that does not unpack"),
        (b"#separator \\x09\n#path\tdns\nx.example.com\n", "without a '#fields' line"),
        (_header().replace("\tquery\t", "\tdest\t").encode(), "without a query-name field"),
    ],
)
def test_broken_log_formats_are_a_clear_error(
    content: bytes, message: str, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    p = tmp_path / "bad.log"
    p.write_bytes(content)
    rc, out, err = _run(p, capsysbinary)
    assert rc == 2
    assert out == ""
    assert message in err
    assert "Traceback" not in err


def _zeek_json(events: list[tuple[float, str, str, str]]) -> str:
    import json

    return "".join(json.dumps({"ts": t, "uid": "CAbc", "id.orig_h": client, "id.orig_p": 53211, "query": name,
                               "qclass": 1, "qtype": QNUM[qtype], "qtype_name": qtype, "rcode": 0,
                               "answers": ["10.1.1.1"], "rejected": False}) + "\n" for t, client, name, qtype in events)


def _eve(events: list[tuple[float, str, str, str]]) -> str:
    """Suricata eve.json: each query, its answer, and unrelated flow events between them."""
    import json
    from datetime import UTC, datetime

    out = []
    for i, (t, client, name, qtype) in enumerate(events):
        when = datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")
        base = {"timestamp": when, "flow_id": i, "src_ip": client, "dest_ip": "10.0.0.1", "proto": "UDP"}
        out.append({**base, "event_type": "dns", "dns": {"type": "query", "id": i, "rrname": name, "rrtype": qtype}})
        out.append({**base, "event_type": "dns", "src_ip": "10.0.0.1", "dns": {"type": "answer", "id": i,
                    "rrname": name, "rrtype": qtype, "rcode": "NOERROR"}})
        out.append({**base, "event_type": "flow", "flow": {"pkts_toserver": 1}})
    return "".join(json.dumps(o) + "\n" for o in out)


def _eve3(events: list[tuple[float, str, str, str]]) -> str:
    """Suricata 8's eve.json (DNS format version 3): requests and responses with a ``queries`` list,
    the response logged from the responder's side."""
    import json
    from datetime import UTC, datetime

    out = []
    for i, (t, client, name, qtype) in enumerate(events):
        when = datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")
        base = {"timestamp": when, "flow_id": i, "event_type": "dns", "proto": "UDP"}
        asked = [{"rrname": name, "rrtype": qtype}]
        out.append({**base, "src_ip": client, "src_port": 50000 + i, "dest_ip": "10.0.0.1", "dest_port": 53,
                    "dns": {"version": 3, "type": "request", "tx_id": 0, "id": i, "flags": "100", "rd": True,
                            "opcode": 0, "rcode": "NOERROR", "queries": asked}})
        out.append({**base, "src_ip": "10.0.0.1", "src_port": 53, "dest_ip": client, "dest_port": 50000 + i,
                    "dns": {"version": 3, "type": "response", "tx_id": 1, "id": i, "flags": "8180", "qr": True,
                            "rcode": "NOERROR", "queries": asked,
                            "answers": [{"rrname": name, "rrtype": "A", "ttl": 60, "rdata": "10.1.1.1"}]}})
    return "".join(json.dumps(o) + "\n" for o in out)


@pytest.mark.parametrize("fmt", ["zeek_json", "eve", "eve_gz", "eve3"])
def test_json_logs_score_as_the_same_events_in_csv(
    fmt: str, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    ev = _events()
    (tmp_path / "dns.csv").write_text(_csv_of(ev))
    text = {"zeek_json": _zeek_json, "eve3": _eve3}.get(fmt, _eve)(ev)
    p = tmp_path / "log.json"
    p.write_bytes(gzip.compress(text.encode()) if fmt.endswith("_gz") else text.encode())
    rc, out, err = _run(p, capsysbinary)
    assert (rc, err) == (0, "")
    assert out == _run(tmp_path / "dns.csv", capsysbinary)[1]


def test_json_lines_with_bad_lines_and_mixed_types_keep_the_good_records(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    p = tmp_path / "mixed.json"
    p.write_text('{"query": "www.google.com", "qtype": 1}\nnot json at all\n'
                 '{"query": "xkqjvbztrwqplmnb.net", "qtype": "TXT", "ts": "2024-06-01T00:00:00Z"}\n[1, 2]\n'
                 '{"query": 12345}\n{"query": null}\n{"qtype": "A"}\n')
    rc, out, err = _run(p, capsysbinary)
    assert rc == 0
    got = {r["name"]: r["verdict"] for r in csv.DictReader(io.StringIO(out))}
    assert set(got) == {"www.google.com", "xkqjvbztrwqplmnb.net", "12345"}
    assert got["xkqjvbztrwqplmnb.net"] == "dga"
    assert "2 line(s) that are not JSON objects skipped" in err


def test_json_lines_without_a_query_field_are_a_clear_error(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    p = tmp_path / "conn.json"
    p.write_text('{"ts": 1717200000.1, "id.orig_h": "10.0.0.5", "id.resp_h": "10.0.0.1", "proto": "tcp"}\n')
    rc, out, err = _run(p, capsysbinary)
    assert (rc, out) == (2, "")
    assert "JSON lines without a query-name field" in err


def test_a_query_that_starts_with_a_hash_is_a_row_not_a_directive(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    p = tmp_path / "custom.log"  # a log whose first field is the query itself
    p.write_text("#separator \\x09\n#fields\tquery\tqtype\n#types\tstring\tcount\n#hash.example.com\t1\n"
                 "www.example.com\t1\n#close\t2024-06-01-01-00-00\n")
    rc, out, _ = _run(p, capsysbinary)
    assert rc == 0
    assert [r["name"] for r in csv.DictReader(io.StringIO(out))] == ["#hash.example.com", "www.example.com"]


WORDS = ["pleasant", "carry", "market", "winter", "garden", "silver", "mother", "yellow", "forest", "window"]
DICTIONARY = [f"{a}{b}.net" for a in WORDS for b in WORDS if a != b][:40]  # each alone reads as a real domain


@pytest.mark.parametrize("fmt", ["zeek", "zeek_json", "zeek_json_mixed", "csv"])
def test_answers_in_a_log_let_a_dictionary_dga_burst_show(
    fmt: str, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Suppobox-shaped names from one host within the hour: a burst only when they went unanswered."""
    import json

    verdicts = {}
    for answered in (False, True):
        rows = [(T0 + 3600 + 7 * i, "10.0.0.66", n, "10.1.1.1" if answered else None) for i, n in enumerate(DICTIONARY)]
        if fmt == "zeek":
            text = _header() + "".join(
                _zeek_row(t, c, n, "A").replace("\t-\t-\tF\n", f"\t{a or '-'}\t-\tF\n") for t, c, n, a in rows)
        elif fmt.startswith("zeek_json"):
            recs = [{"ts": t, "id.orig_h": c, "query": n, "qtype_name": "A", "answers": [a] if a else []}
                    for t, c, n, a in rows]
            if fmt.endswith("mixed"):  # a field that changes type: read line by line
                recs[0]["qtype_name"] = 1
            text = "".join(json.dumps(r) + "\n" for r in recs)
        else:
            text = "timestamp,client,name,qtype,answers\n" + "".join(
                f"{t},{c},{n},A,{a or ''}\n" for t, c, n, a in rows)
        p = tmp_path / f"{answered}.log"
        p.write_text(text)
        rc, out, _ = _run(p, capsysbinary)
        assert rc == 0
        verdicts[answered] = {r["name"]: (r["verdict"], r["reasons"]) for r in csv.DictReader(io.StringIO(out))}
    assert all(v == "dga" and "DGA burst" in why for v, why in verdicts[False].values())
    assert not any("DGA burst" in why for _, why in verdicts[True].values())


def test_a_list_of_names_whose_first_line_starts_with_a_brace_stays_a_list(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    p = tmp_path / "names.txt"
    p.write_text("{}.example.com\n{\"a\": 1\nwww.example.com\n")
    rc, out, _ = _run(p, capsysbinary)
    assert rc == 0
    assert [r["name"] for r in csv.DictReader(io.StringIO(out))] == ["{}.example.com", '{"a": 1', "www.example.com"]


def _eve_answers(names: list[str], mode: str) -> str:
    """Suricata eve.json of one host's queries, each followed by its answer as ``mode`` says:
    'nxdomain', 'grouped' / 'detailed' (format 2 records), 'v1' (an event per record), 'v3_nxdomain' /
    'v3_answered' (Suricata 8's format 3), or 'none' (answer logging off)."""
    import json
    from datetime import UTC, datetime

    out = []
    for i, name in enumerate(names):
        when = datetime.fromtimestamp(T0 + 3600 + 7 * i, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")
        base = {"timestamp": when, "flow_id": 1000 + i, "event_type": "dns", "src_ip": "10.0.0.66"}
        if mode.startswith("v3_"):
            asked = {"version": 3, "id": 7, "rcode": "NOERROR", "queries": [{"rrname": name, "rrtype": "A"}]}
            out.append({**base, "dns": {**asked, "type": "request", "tx_id": 0}})
            response = {**asked, "type": "response", "tx_id": 1, "qr": True}
            if mode == "v3_nxdomain":
                response["rcode"] = "NXDOMAIN"
            else:
                response["answers"] = [{"rrname": name, "rrtype": "A", "ttl": 60, "rdata": "10.1.1.1"}]
            out.append({**base, "src_ip": "10.0.0.1", "dest_ip": "10.0.0.66", "dns": response})
            continue
        out.append({**base, "dns": {"type": "query", "id": 7, "rrname": name, "rrtype": "A", "tx_id": 0}})
        answer = {"type": "answer", "id": 7, "rrname": name, "rrtype": "A"}
        if mode == "nxdomain":
            out.append({**base, "dns": {**answer, "version": 2, "rcode": "NXDOMAIN"}})
        elif mode == "grouped":
            out.append({**base, "dns": {**answer, "version": 2, "rcode": "NOERROR", "grouped": {"A": ["10.1.1.1"]}}})
        elif mode == "detailed":
            out.append({**base, "dns": {**answer, "version": 2, "rcode": "NOERROR", "answers": [
                {"rrname": name, "rrtype": "A", "ttl": 60, "rdata": "10.1.1.1"}]}})
        elif mode == "v1":
            out.append({**base, "dns": {**answer, "rcode": "NOERROR", "ttl": 60, "rdata": "10.1.1.1"}})
    return "".join(json.dumps(o) + "\n" for o in out)


@pytest.mark.parametrize(("mode", "burst"), [("nxdomain", True), ("grouped", False), ("detailed", False),
                                             ("v1", False), ("none", False), ("v3_nxdomain", True),
                                             ("v3_answered", False)])
def test_suricata_answers_are_matched_to_their_queries(
    mode: str, burst: bool, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Without any answer event (logging off) nothing is known, so no query counts as unanswered."""
    p = tmp_path / "eve.json"
    p.write_text(_eve_answers(DICTIONARY, mode))
    rc, out, err = _run(p, capsysbinary)
    assert (rc, err) == (0, "")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sorted(r["name"] for r in rows) == sorted(DICTIONARY)
    if burst:
        assert all(r["verdict"] == "dga" and "DGA burst" in r["reasons"] for r in rows)
    else:
        assert not any("DGA burst" in r["reasons"] for r in rows)


def _eve_lines(*records: dict) -> str:
    import json

    return "".join(json.dumps({"timestamp": "2024-06-01T00:00:00.000000+0000", "event_type": "dns", **r}) + "\n"
                   for r in records)


@pytest.mark.parametrize("slowly", [False, True])
def test_suricata_8_requests_with_several_questions_and_a_log_across_the_upgrade(
    slowly: bool, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Every question of a version-3 request is a row; version-2 queries in the same file still
    count; a DNS alert (the same ``dns`` object) on a transaction the dns events hold is not a query of
    its own, one on a transaction they lack is (the dns logger was limited), and stderr says so."""
    asked = [{"rrname": "www.suricata.io", "rrtype": "A"}, {"rrname": "xkqjvbztrwqplmnb.net", "rrtype": "TXT"}]
    text = _eve_lines(
        {"src_ip": "10.0.0.5", "flow_id": 1, "dns": {"version": 3, "type": "request", "id": 1, "queries": asked}},
        {"src_ip": "10.0.0.6", "flow_id": 2, "dns": {"type": "query", "id": 2, "rrname": "mail.contoso.com",
                                                     "rrtype": "MX"}},
        {"src_ip": "10.0.0.7", "flow_id": 3, "event_type": "alert",
         "dns": {"version": 3, "type": "request", "id": 3, "queries": [{"rrname": "alert.example.com"}]}},
        {"src_ip": "10.0.0.5", "flow_id": 1, "event_type": "alert",
         "dns": {"version": 3, "type": "request", "id": 1, "queries": [{"rrname": "WWW.suricata.io", "rrtype": "A"}]}},
        {"src_ip": "10.0.0.8", "flow_id": 4, "dns": {"version": 3, "type": "request", "id": 4, "queries": []}},
    )
    if slowly:  # a field that changes type sends the file down the line-by-line path
        text += _eve_lines({"src_ip": "10.0.0.9", "flow_id": "five", "dns": {"version": 3, "type": "request",
                                                                              "queries": [{"rrname": "five.example"}]}})
    p = tmp_path / "eve.json"
    p.write_text(text)
    rc, out, err = _run(p, capsysbinary)
    assert (rc, err) == (0, f"score-dns: {p}: 1 Suricata alert on DNS read as 1 look-up (not in the file's dns"
                            " events: its dns logging is limited)\n")
    got = {r["name"]: r["verdict"] for r in csv.DictReader(io.StringIO(out))}
    assert list(got)[:3] == ["www.suricata.io", "xkqjvbztrwqplmnb.net", "mail.contoso.com"]
    assert set(got) == {"www.suricata.io", "xkqjvbztrwqplmnb.net", "mail.contoso.com", "alert.example.com",
                        *(["five.example"] * slowly)}
    assert got["xkqjvbztrwqplmnb.net"] == "dga"

    from hunt_assets.analytics.dns.logs import read_json_lines

    tbl = read_json_lines(p.read_bytes()).to_pydict()
    assert list(zip(tbl["name"][:3], tbl["client"][:3], tbl["qtype"][:3], strict=True)) == [
        ("www.suricata.io", "10.0.0.5", "A"), ("xkqjvbztrwqplmnb.net", "10.0.0.5", "TXT"),
        ("mail.contoso.com", "10.0.0.6", "MX")]
    # the alert on flow 1's logged question adds no row
    assert sorted(n.lower() for n in tbl["name"] if n) == sorted(["www.suricata.io", "xkqjvbztrwqplmnb.net",
                                                                  "mail.contoso.com", "alert.example.com",
                                                                  *(["five.example"] * slowly)])


@pytest.mark.parametrize("version", [2, 3])
def test_a_log_of_responses_only_reads_the_queries_from_the_responses(
    version: int, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Request logging off: every name would be lost. The client is the side away from port 53
    (version 3 logs a response from the responder's side), and NXDOMAIN responses still make the
    dictionary DGA's burst."""
    records = []
    for i, name in enumerate(DICTIONARY):
        when = f"2024-06-01T01:{i // 8:02d}:{i % 8 * 7:02d}.000000+0000"
        ends = {"src_ip": "10.0.0.66", "src_port": 50000 + i, "dest_ip": "10.0.0.1", "dest_port": 53}
        if version == 3:
            ends = {"src_ip": "10.0.0.1", "src_port": 53, "dest_ip": "10.0.0.66", "dest_port": 50000 + i}
            dns = {"version": 3, "type": "response", "id": i, "rcode": "NXDOMAIN",
                   "queries": [{"rrname": name, "rrtype": "A"}]}
        else:
            dns = {"version": 2, "type": "answer", "id": i, "rrname": name, "rrtype": "A", "rcode": "NXDOMAIN"}
        records.append({"timestamp": when, "flow_id": i, **ends, "dns": dns})
    p = tmp_path / "eve.json"
    p.write_text(_eve_lines(*records))
    rc, out, err = _run(p, capsysbinary)
    assert rc == 0
    assert "DNS responses only" in err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sorted(r["name"] for r in rows) == sorted(DICTIONARY)
    assert all(r["verdict"] == "dga" and "DGA burst" in r["reasons"] for r in rows)
    hosts = tmp_path / "hosts.csv"
    assert score_dns_main(["--no-progress", "--hosts", str(hosts), str(p)]) == 0
    capsysbinary.readouterr()
    assert [h["client"] for h in csv.DictReader(hosts.open())] == ["10.0.0.66"]


def test_hosts_file_ranks_the_hosts_behind_the_flags(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """``--hosts``: who looked the flagged names up, as the host_summary asset ranks them; stdout
    stays the same rows."""
    burst = [(T0 + 3600 + 7 * i, "10.0.0.66", n, "A") for i, n in enumerate(DICTIONARY)]
    # _zeek_row leaves answers unset ('-'): every look-up unanswered
    text = _header() + "".join(_zeek_row(*e) for e in [*_events(), *burst])
    p = tmp_path / "dns.log"
    p.write_text(text)
    plain = _run(p, capsysbinary)
    out_csv = tmp_path / "hosts.csv"
    rc = score_dns_main(["--no-progress", "--hosts", str(out_csv), str(p)])
    assert rc == 0
    assert capsysbinary.readouterr().out.decode() == plain[1]
    assert out_csv.read_text().splitlines()[0] == (  # an interface: the README lists these columns
        "client,priority,lookups_flagged,distinct_flagged_domains,tunnel_domains,dga_domains,first_seen,"
        "last_seen,top_domains,encrypted_dns_lookups,encrypted_dns")
    hosts = list(csv.DictReader(out_csv.open()))
    assert [h["client"] for h in hosts][:2] == ["10.0.0.66", "10.0.0.5"]  # the DGA day, then the tunnel
    by = {h["client"]: h for h in hosts}
    assert by["10.0.0.66"]["dga_domains"] == "40"
    assert by["10.0.0.5"]["tunnel_domains"] == "1"
    assert by["10.0.0.5"]["first_seen"] == "2024-06-01T00:00:00.250000Z"  # Zeek's epoch seconds, read as such
    assert "10.0.0.9" in by  # its xkqjvbztrwqplmnb.net is a DGA name
    assert [float(h["priority"]) for h in hosts] == sorted((float(h["priority"]) for h in hosts), reverse=True)


def test_hosts_file_needs_clients(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    p = tmp_path / "names.txt"
    p.write_text("www.google.com\n")
    assert score_dns_main(["--hosts", str(tmp_path / "h.csv"), str(p)]) == 2
    cap = capsysbinary.readouterr()
    assert cap.out == b""
    assert b"--hosts needs events with a client column" in cap.err
    assert not (tmp_path / "h.csv").exists()


def _read(text: str) -> list[dict]:
    from hunt_assets.analytics.dns.cli import read_input

    tbl = read_input(io.BytesIO(text.encode()))
    return tbl.select([c for c in ("name", "client", "timestamp", "qtype") if c in tbl.column_names]).to_pylist()


def test_raw_defender_export_reads_the_query_from_additional_fields() -> None:
    import json

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["Timestamp", "DeviceName", "ActionType", "AdditionalFields"])
    w.writerow(["2024-06-01T00:00:00Z", "ws-1", "DnsQueryResponse",
                json.dumps({"DnsQueryString": "xkqjvbztrwqplmnb.net", "DnsQueryResult": [{"DnsQueryType": 1}]})])
    w.writerow(["2024-06-01T00:00:01Z", "ws-1", "ProcessCreated", json.dumps({"Command": "cmd.exe"})])
    w.writerow(["2024-06-01T00:00:02Z", "ws-2", "DnsConnectionInspected",
                json.dumps({"query": "www.example.com", "qtype_name": "TXT"})])
    w.writerow(["2024-06-01T00:00:03Z", "ws-2", "DnsQueryResponse", "not json"])
    rows = _read(buf.getvalue())
    assert [(r["name"], r["client"], r["qtype"]) for r in rows] == [
        ("xkqjvbztrwqplmnb.net", "ws-1", None), (None, "ws-1", None), ("www.example.com", "ws-2", "TXT"),
        (None, "ws-2", None)]


def test_sentinel_and_ecs_exports_map_their_columns() -> None:
    sentinel = _read("TimeGenerated [UTC],Computer,ClientIP,Name,QueryType\n"
                     "2024-06-01T00:00:00Z,dns1,10.0.0.5,xkqjvbztrwqplmnb.net,16\n")
    assert [(r["name"], r["client"], r["qtype"]) for r in sentinel] == [("xkqjvbztrwqplmnb.net", "10.0.0.5", "16")]
    assert sentinel[0]["timestamp"] is not None
    ecs = _read("@timestamp,source.ip,dns.question.name,dns.question.type\n"
                "2024-06-01T00:00:00Z,10.0.0.5,xkqjvbztrwqplmnb.net,TXT\n")
    assert [(r["name"], r["client"], r["qtype"]) for r in ecs] == [("xkqjvbztrwqplmnb.net", "10.0.0.5", "TXT")]


def _ecs_exchange(i: int, name: str, answered: bool, shipper: str) -> dict:
    """One DNS exchange as Elastic's shippers write it: Packetbeat (an event per exchange, dns.type
    "answer"), Filebeat's Zeek module ("answer" with answers, "query" without) or Winlogbeat's
    Sysmon module (the endpoint's own look-up: host.name, dns.resolved_ip)."""
    when = f"2024-06-01T01:{i // 8:02d}:{i % 8 * 7:02d}.000Z"
    record = {"@timestamp": when, "dns": {"question": {"name": name, "type": "A"}}}
    if shipper == "winlogbeat":
        record["host"] = {"name": "WS-SALES-032"}
        record["dns"]["resolved_ip"] = ["10.1.1.1"] if answered else []
        return record
    record["source"] = {"ip": "10.0.0.66", "port": 50000 + i}
    record["destination"] = {"ip": "10.0.0.1", "port": 53}
    kind = "answer" if answered or shipper == "packetbeat" else "query"
    record["dns"].update({"type": kind, "id": i, "response_code": "NOERROR" if answered else "NXDOMAIN",
                          "answers": [{"name": name, "type": "A", "data": "10.1.1.1", "ttl": 60}] if answered else []})
    return record


@pytest.mark.parametrize("shipper", ["packetbeat", "filebeat_zeek", "winlogbeat"])
def test_ecs_json_events_are_whole_exchanges_answered_by_their_own_records(
    shipper: str, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """In ECS a dns.type "answer" event is a query with its answers, not Suricata's separate
    response: every exchange is a row (before, Packetbeat's came out empty, and Filebeat's Zeek
    module kept only the unanswered), and the dictionary DGA's burst shows when the answers are dead."""
    import json

    verdicts = {}
    for answered in (False, True):
        p = tmp_path / f"{shipper}_{answered}.json"
        recs = [_ecs_exchange(i, n, answered or (i % 2 == 0 and shipper == "filebeat_zeek"), shipper)
                for i, n in enumerate(DICTIONARY)]
        p.write_text("".join(json.dumps(r) + "\n" for r in recs))
        rc, out, err = _run(p, capsysbinary)
        assert (rc, err) == (0, "")
        rows = list(csv.DictReader(io.StringIO(out)))
        assert sorted(r["name"] for r in rows) == sorted(DICTIONARY)
        verdicts[answered] = [("DGA burst" in r["reasons"]) for r in rows]
    assert verdicts[True] == [False] * len(DICTIONARY)
    if shipper != "filebeat_zeek":  # there half the look-ups were answered: too few dead ones for a burst
        assert verdicts[False] == [True] * len(DICTIONARY)
    hosts = tmp_path / "hosts.csv"
    assert score_dns_main(["--no-progress", "--hosts", str(hosts), str(tmp_path / f"{shipper}_False.json")]) == 0
    capsysbinary.readouterr()
    assert [h["client"] for h in csv.DictReader(hosts.open())] == [
        "WS-SALES-032" if shipper == "winlogbeat" else "10.0.0.66"]


def _sysmon(i: int, name: str, answered: bool, shape: str) -> str:
    """Sysmon's DNS query event (ID 22) as a CSV row of Sentinel's parsed ``Event`` table, or as
    JSON from an event-log dump (``system`` / ``event_data``) or from Winlogbeat without its
    Sysmon module (``winlog.event_data``)."""
    import json

    utc = f"2024-06-01 01:{i // 8:02d}:{i % 8 * 7:02d}.739"
    data = {"RuleName": "-", "UtcTime": utc, "ProcessId": 15280, "QueryName": name,
            "QueryStatus": "0" if answered else "9003",
            "QueryResults": "type:  5 edge.example.net;::ffff:10.1.1.1;" if answered else "-",
            "Image": "C:\\Windows\\System32\\rundll32.exe"}
    if shape == "csv":
        return f'{utc},WS-SALES-032,{name},{data["QueryStatus"]},"{data["QueryResults"]}",{data["Image"]}\n'
    if shape == "evtx_json":
        record = {"system": {"event_id": 22, "computer": "WS-SALES-032"}, "event_data": data}
    else:
        record = {"@timestamp": utc.replace(" ", "T") + "Z", "winlog": {"computer_name": "WS-SALES-032",
                                                                        "event_id": 22, "event_data": data}}
    return json.dumps(record) + "\n"


@pytest.mark.parametrize("shape", ["csv", "evtx_json", "winlogbeat_raw"])
def test_sysmon_dns_events_read_with_the_endpoint_and_failed_look_ups(
    shape: str, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Sysmon's event 22 is many shops' endpoint DNS source: the query, the endpoint as client,
    the UTC time, and QueryResults ('-' when the look-up failed) as answers."""
    verdicts = {}
    for answered in (False, True):
        p = tmp_path / f"{shape}_{answered}.txt"
        head = "TimeGenerated,Computer,QueryName,QueryStatus,QueryResults,Image\n" if shape == "csv" else ""
        p.write_text(head + "".join(_sysmon(i, n, answered, shape) for i, n in enumerate(DICTIONARY)))
        rc, out, err = _run(p, capsysbinary)
        assert (rc, err) == (0, "")
        rows = list(csv.DictReader(io.StringIO(out)))
        assert sorted(r["name"] for r in rows) == sorted(DICTIONARY)
        verdicts[answered] = {("DGA burst" in r["reasons"]) for r in rows}
    assert verdicts == {False: {True}, True: {False}}
    hosts = tmp_path / "hosts.csv"
    assert score_dns_main(["--no-progress", "--hosts", str(hosts), str(tmp_path / f"{shape}_False.txt")]) == 0
    capsysbinary.readouterr()
    ranked = list(csv.DictReader(hosts.open()))
    assert [(h["client"], h["first_seen"][:19]) for h in ranked] == [("WS-SALES-032", "2024-06-01T01:00:00")]


def test_csv_client_column_is_the_first_alias_in_preference_not_in_position() -> None:
    """Sentinel's DnsEvents: Computer (the DNS server) comes before ClientIP (the client)."""
    rows = _read("Computer,TimeGenerated,Name,ClientIP\ndns1,2024-06-01T00:00:00Z,www.example.com,10.0.0.5\n")
    assert [(r["name"], r["client"]) for r in rows] == [("www.example.com", "10.0.0.5")]
    rows = _read("Computer,TimeGenerated,Name\nws-7,2024-06-01T00:00:00Z,www.example.com\n")
    assert [(r["name"], r["client"]) for r in rows] == [("www.example.com", "ws-7")]


def _windows_line(when: str, direction: str, ip: str, xid: str, response: bool, rcode: str, qtype: str,
                  name: str) -> str:
    labels = "".join(f"({len(p)}){p}" for p in name.split(".")) + "(0)"
    flags = ("8183   DR " if rcode != "NOERROR" else "8081   DR  ") if response else "0001   D   "
    return (f"{when} 0E70 PACKET  00000000033397A0 UDP {direction} {ip:<15} {xid} {'R' if response else ' '} Q "
            f"[{flags}{rcode}] {qtype:<6} {labels}\n")


WINDOWS_BANNER = ("DNS Server log file creation at 6/1/2024 12:00:00 AM\nLog file wrap at 6/1/2024 12:00:00 AM\n\n"
                  "Message logging key (for packets - other items use a subset of these fields):\n"
                  "\tField #  Information         Values\n\t   1     Date\n\n")


@pytest.mark.parametrize(("when", "iso"), [("6/1/2024 1:02:03 PM", "2024-06-01T13:02:03"),
                                           ("2024/06/01 13:02:03", "2024-06-01T13:02:03"),
                                           ("01.06.2024 13:02:03", "2024-06-01T13:02:03")])
def test_windows_dns_debug_log_reads_client_queries(when: str, iso: str) -> None:
    text = WINDOWS_BANNER + "".join([
        _windows_line(when, "Rcv", "10.0.0.5", "5b47", False, "NOERROR", "A", "www.example.com"),
        _windows_line(when, "Snd", "8.8.8.8", "9a01", False, "NOERROR", "A", "www.example.com"),  # upstream
        _windows_line(when, "Rcv", "8.8.8.8", "9a01", True, "NOERROR", "A", "www.example.com"),
        _windows_line(when, "Snd", "10.0.0.5", "5b47", True, "NOERROR", "A", "www.example.com"),
        _windows_line(when, "Rcv", "10.0.0.6", "5b48", False, "NOERROR", "TXT", "xkqjvbztrwqplmnb.net"),
        _windows_line(when, "Snd", "10.0.0.6", "5b48", True, "NXDOMAIN", "TXT", "xkqjvbztrwqplmnb.net"),
        _windows_line(when, "Rcv", "10.0.0.7", "0001", False, "NOERROR", "AAAA", "mail.contoso.com"),
    ])
    from hunt_assets.analytics.dns.cli import read_input

    rows = read_input(io.BytesIO(text.encode())).to_pylist()
    assert rows == [
        {"name": "www.example.com", "client": "10.0.0.5", "timestamp": iso, "qtype": "A", "answers": "(answered)"},
        {"name": "xkqjvbztrwqplmnb.net", "client": "10.0.0.6", "timestamp": iso, "qtype": "TXT", "answers": ""},
        {"name": "mail.contoso.com", "client": "10.0.0.7", "timestamp": iso, "qtype": "AAAA",
         "answers": "(not logged)"},
    ]


def test_windows_dns_debug_log_read_in_pieces_reads_as_in_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """A query and its response on either side of a piece boundary still pair; the last response
    of a transaction counts."""
    from hunt_assets.analytics.dns import logs

    lines = [_windows_line(WHEN_PIECES, "Rcv", "10.0.0.5", f"{i:04x}", False, "NOERROR", "A", f"n{i}.example.com")
             for i in range(7)]
    lines += [_windows_line(WHEN_PIECES, "Snd", "10.0.0.5", f"{i:04x}", True, "NXDOMAIN" if i % 2 else "NOERROR", "A",
                            f"n{i}.example.com") for i in range(6)]
    lines.append(_windows_line(WHEN_PIECES, "Snd", "10.0.0.5", "0001", True, "NOERROR", "A", "n1.example.com"))
    text = (WINDOWS_BANNER + "".join(lines)).encode()
    whole = logs.read_windows_dns_debug(text)
    assert whole.column("answers").to_pylist() == ["(answered)", "(answered)", "(answered)", "", "(answered)", "",
                                                   "(not logged)"]
    monkeypatch.setattr(logs, "PIECE_LINES", 2)
    assert logs.read_windows_dns_debug(text).equals(whole)


WHEN_PIECES = "6/1/2024 1:02:03 PM"


def test_windows_dns_debug_log_in_the_servers_time_zone() -> None:
    """The debug log stamps the server's local time: in a named zone, winter and summer offsets."""
    from hunt_assets.analytics.dns.cli import read_input
    from hunt_assets.analytics.dns.zones import parse_zone

    text = WINDOWS_BANNER + "".join(
        _windows_line(when, "Rcv", "10.0.0.5", "5b47", False, "NOERROR", "A", "www.example.com")
        for when in ("1/15/2026 9:00:00 AM", "7/15/2026 9:00:00 AM"))
    times = read_input(io.BytesIO(text.encode()), zone=parse_zone("Europe/Berlin")).column("timestamp").to_pylist()
    assert times == ["2026-01-15T09:00:00+01:00", "2026-07-15T09:00:00+02:00"]


@pytest.mark.parametrize(("rcode", "log_responses", "burst"), [("NXDOMAIN", True, True), ("NOERROR", True, False),
                                                               ("NXDOMAIN", False, False)])
def test_windows_dns_debug_log_dictionary_burst_needs_logged_dead_answers(
    rcode: str, log_responses: bool, burst: bool, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Without response lines (a log of received packets only) nothing is known about answers."""
    from datetime import UTC, datetime

    lines = []
    for i, name in enumerate(DICTIONARY):
        when = datetime.fromtimestamp(T0 + 3600 + 7 * i, UTC).strftime("%m/%d/%Y %I:%M:%S %p")
        lines.append(_windows_line(when, "Rcv", "10.0.0.66", f"{i:04x}", False, "NOERROR", "A", name))
        if log_responses:
            lines.append(_windows_line(when, "Snd", "10.0.0.66", f"{i:04x}", True, rcode, "A", name))
    p = tmp_path / "dns.log"
    p.write_text(WINDOWS_BANNER + "".join(lines))
    rc, out, _ = _run(p, capsysbinary)
    assert rc == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sorted(r["name"] for r in rows) == sorted(DICTIONARY)
    assert all("DGA burst" in r["reasons"] for r in rows) is burst
    assert any("DGA burst" in r["reasons"] for r in rows) is burst


def test_several_files_score_as_one_batch(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    """A day of rotated logs in any mix of formats scores as the same events in one file: the
    tunnel's polls split across an hourly Zeek log, Zeek JSON (epoch numbers) and CSV (text)."""
    ev = _events()
    (tmp_path / "all.csv").write_text(_csv_of(ev))
    (tmp_path / "dns.00.log").write_text(_zeek_log(ev[:15]))
    (tmp_path / "dns.01.json").write_text(_zeek_json(ev[15:30]))
    (tmp_path / "dns.02.csv").write_text(_csv_of(ev[30:]))
    parts = [str(tmp_path / n) for n in ("dns.00.log", "dns.01.json", "dns.02.csv")]
    rc = score_dns_main(["--no-progress", "--hosts", str(tmp_path / "h_parts.csv"), *parts])
    out_parts = capsysbinary.readouterr().out
    assert rc == 0
    assert score_dns_main(["--no-progress", "--hosts", str(tmp_path / "h_all.csv"), str(tmp_path / "all.csv")]) == 0
    out_all = capsysbinary.readouterr().out
    assert out_parts == out_all
    assert (tmp_path / "h_parts.csv").read_text() == (tmp_path / "h_all.csv").read_text()
    assert "tunnel" in out_all.decode()


def test_several_plain_lists_give_each_distinct_name_once_and_a_missing_file_is_an_error(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    (tmp_path / "a.txt").write_text("www.google.com\nxkqjvbztrwqplmnb.net\n")
    (tmp_path / "b.txt.gz").write_bytes(gzip.compress(b"xkqjvbztrwqplmnb.net\nmail.contoso.com\n"))
    rc, out, _ = _run(tmp_path / "a.txt", capsysbinary)  # one file: as before
    assert rc == 0
    assert [r["name"] for r in csv.DictReader(io.StringIO(out))] == ["www.google.com", "xkqjvbztrwqplmnb.net"]
    assert score_dns_main(["--no-progress", str(tmp_path / "a.txt"), str(tmp_path / "b.txt.gz")]) == 0
    rows = list(csv.DictReader(io.StringIO(capsysbinary.readouterr().out.decode())))
    assert [r["name"] for r in rows] == ["www.google.com", "xkqjvbztrwqplmnb.net", "mail.contoso.com"]
    assert score_dns_main(["--no-progress", str(tmp_path / "a.txt"), str(tmp_path / "missing.log")]) == 2
    cap = capsysbinary.readouterr()
    assert cap.out == b""
    assert b"cannot read" in cap.err
    assert b"missing.log" in cap.err


def _rcode_export(shape: str, dead: bool) -> str:
    """A day of dictionary-DGA look-ups from one host as a SIEM exports them: a response code per
    row and no answer records."""
    import json

    rows = [(f"2024-06-01T13:{i // 8:02d}:{i % 8 * 7:02d}Z", n) for i, n in enumerate(DICTIONARY)]
    if shape == "asim":  # Sentinel's normalized DNS schema (_Im_Dns), Domain being DnsQuery's alias
        code = "NXDOMAIN" if dead else "NOERROR"
        head = "TimeGenerated,EventStartTime,Dvc,SrcIpAddr,DnsQuery,Domain,DnsQueryTypeName,DnsResponseCodeName\n"
        return head + "".join(f"{t},{t},dc1,10.0.0.66,{n},{n},A,{code}\n" for t, n in rows)
    if shape == "asim_numeric":
        return "TimeGenerated,SrcIpAddr,DnsQuery,DnsQueryType,DnsResponseCode\n" + "".join(
            f"{t},10.0.0.66,{n},1,{3 if dead else 0}\n" for t, n in rows)
    if shape == "dnsevents":  # Sentinel's DnsEvents: Computer is the DNS server
        return "TimeGenerated [UTC],Computer,ClientIP,Name,QueryType,ResultCode,SubType\n" + "".join(
            f"{t},dns1,10.0.0.66,{n},1,{2 if dead else 0},LookupQuery\n" for t, n in rows)
    if shape == "ecs":  # an ECS pipeline that keeps the response code and drops the records
        return "".join(json.dumps({"@timestamp": t, "source": {"ip": "10.0.0.66"}, "dns": {
            "question": {"name": n, "type": "A"}, "response_code": "REFUSED" if dead else "NOERROR"}}) + "\n"
            for t, n in rows)
    raise AssertionError(shape)


@pytest.mark.parametrize("shape", ["asim", "asim_numeric", "dnsevents", "ecs"])
def test_response_codes_stand_in_for_answers(
    shape: str, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Exports with a response code but no records (ASIM, DnsEvents, ECS): dead look-ups make
    the dictionary DGA burst, live ones do not, and each row keeps its client and type."""
    bursts = {}
    for dead in (True, False):
        p = tmp_path / f"{shape}-{dead}.csv"
        p.write_text(_rcode_export(shape, dead))
        rc, out, err = _run(p, capsysbinary)
        assert (rc, err) == (0, "")
        rows = list(csv.DictReader(io.StringIO(out)))
        assert sorted(r["name"] for r in rows) == sorted(DICTIONARY)
        bursts[dead] = {"DGA burst" in r["reasons"] for r in rows}
    assert bursts == {True: {True}, False: {False}}
    first = _read(_rcode_export(shape, True))[0]
    assert (first["name"], first["client"]) == (DICTIONARY[0], "10.0.0.66")
    assert first["qtype"] in ("A", "1")


def test_answers_from_rcode_by_name_number_or_absence() -> None:
    from hunt_assets.analytics.dns.logs import answers_from_rcode

    codes = pa.array(["NXDOMAIN", " servfail ", "REFUSED", "3", "2", "5", "NOERROR", "0", "NOTIMP", "", None])
    assert answers_from_rcode(codes).to_pylist() == ["", "", "", "", "", "", "(answered)", "(answered)",
                                                     "(answered)", "(not logged)", "(not logged)"]
    assert answers_from_rcode(pa.array([3, 0, None])).to_pylist() == ["", "(answered)", "(not logged)"]


def test_a_logs_answer_records_win_over_its_response_codes() -> None:
    """Zeek's dns.log has both: its answers (records) are kept, the codes only stand in without them."""
    from hunt_assets.analytics.dns.cli import read_input

    tbl = read_input(io.BytesIO(b"ts,id.orig_h,query,rcode_name,answers\n1717200000,10.0.0.5,a.example,NOERROR,\n"))
    assert tbl.column("answers").to_pylist() == [""]


def test_a_lone_surrogate_escape_in_json_lines_is_a_name_not_a_crash() -> None:
    """``"\\ud800"`` is valid JSON but no UTF-8 text: Arrow's reader refuses the file, and the
    line-by-line reader then built an Arrow column from it and ended ``score-dns`` in a traceback
    (found by the JSON-document tests). The name keeps the escape as text, and the others are read."""
    from hunt_assets.analytics.dns.cli import read_input

    text = b'{"query": "a.example.com"}\n{"query": "\\ud800.example.com"}\n{"query": "b.example.com"}\n'
    names = read_input(io.BytesIO(text)).column("name").to_pylist()
    assert names == ["a.example.com", "\\ud800.example.com", "b.example.com"]


def test_bytes_that_are_not_utf8_in_json_keep_their_record() -> None:
    """A raw byte in a JSON record's name (a log written by a tool that does not escape it) was
    re-read as ``\\xNN``, which is no JSON escape: the record was lost and counted. Now it stays,
    its name written as Zeek and the plain-text path write such bytes, in JSON lines, a Graph
    response and a pretty-printed array alike; the byte in a plain list is unchanged."""
    import json

    from hunt_assets.analytics.dns.cli import read_input

    bad = b"bad\xff\xfe.example.com"
    want = ["a.example.com", "bad\\xff\\xfe.example.com", "b.example.com"]
    recs = [b'{"query": "a.example.com"}', b'{"query": "' + bad + b'"}', b'{"query": "b.example.com"}']
    graph = json.dumps({"schema": [{"name": "QueryName", "type": "String"}],
                        "results": [{"QueryName": "a.example.com"}, {"QueryName": "@BAD@"},
                                    {"QueryName": "b.example.com"}]}).encode().replace(b"@BAD@", bad)
    cases = {
        "lines": b"\n".join(recs) + b"\n",
        "array": b"[\n  " + b",\n  ".join(recs) + b"\n]\n",
        "graph": graph,
    }
    for case, data in cases.items():
        assert read_input(io.BytesIO(data)).column("name").to_pylist() == want, case
    plain = b"a.example.com\n" + bad + b"\nb.example.com\n"
    assert read_input(io.BytesIO(plain)).column("name").to_pylist() == want


def test_utf16_and_utf32_text_is_read_as_its_characters() -> None:
    """Windows PowerShell 5 writes ``>`` / ``Out-File`` as UTF-16 with a byte-order mark; its JSON,
    CSV and plain lists read as their characters (before: a NUL after each letter, every line an
    invalid name). UTF-16 without a mark, UTF-32, gzip of UTF-16 and a cut-off last byte too."""
    import gzip
    import json

    from hunt_assets.analytics.dns.cli import read_input

    recs = [{"QueryName": n, "DeviceName": "ws-1"} for n in DICTIONARY[:3]]
    pretty = json.dumps(recs, indent=2).replace("\n", "\r\n")
    cases = {
        "ps_json": "\ufeff".encode("utf-16-le") + pretty.encode("utf-16-le"),
        "bare_list": "\r\n".join(DICTIONARY[:3]).encode("utf-16-le"),
        "csv_be": "\ufeff".encode("utf-16-be") + ("name,client\r\n" + "".join(f"{n},ws-1\r\n" for n in DICTIONARY[:3]))
        .encode("utf-16-be"),
        "utf32": "\ufeff".encode("utf-32-le") + "\n".join(DICTIONARY[:3]).encode("utf-32-le"),
    }
    cases["gzip"] = gzip.compress(cases["ps_json"])
    for case, data in cases.items():
        assert read_input(io.BytesIO(data)).column("name").to_pylist() == DICTIONARY[:3], case
    cut = "\ufeff".encode("utf-16-le") + "\n".join(DICTIONARY[:3]).encode("utf-16-le") + b"x"
    assert read_input(io.BytesIO(cut)).column("name").to_pylist() == [*DICTIONARY[:2], DICTIONARY[2] + "\\x78"]


def _cloud_logs() -> dict[str, str]:
    """One look-up answered and one NXDOMAIN in each cloud resolver's query log, as documented."""
    import json

    live, dead = DICTIONARY[:2]
    route53 = [{"version": "1.100000", "account_id": "111122223333", "region": "eu-west-1", "vpc_id": "vpc-0a1b",
                "query_timestamp": f"2026-12-07T05:00:0{i}Z", "query_name": n + ".", "query_type": "A",
                "query_class": "IN", "rcode": rc, "answers": ans, "srcaddr": "10.0.3.17", "srcport": "53001",
                "transport": "UDP", "srcids": {"instance": "i-0a1b2c3d"}}
               for i, (n, rc, ans) in enumerate([(live, "NOERROR", [{"Rdata": "192.0.2.7", "Type": "A",
                                                                       "Class": "IN"}]), (dead, "NXDOMAIN", [])])]
    ocsf = [{"class_uid": 4003, "activity_id": 2, "time": 1796619600000 + i * 1000,
             "query": {"hostname": n + ".", "type": "A", "class": "IN"}, "rcode": rc, "rcode_id": rid,
             "src_endpoint": {"ip": "10.0.3.17", "port": 53001, "instance_uid": "i-0a1b2c3d"},
             "answers": [{"rdata": "192.0.2.7", "type": "A", "class": "IN"}] if rid == 0 else []}
            for i, (n, rc, rid) in enumerate([(live, "NoError", 0), (dead, "NXDomain", 3)])]
    gcp = [{"insertId": f"x{i}", "timestamp": f"2026-12-07T05:00:0{i}.5Z", "severity": "INFO",
            "logName": "projects/p/logs/dns.googleapis.com%2Fdns_queries",
            "resource": {"type": "dns_query", "labels": {"project_id": "p", "location": "europe-west1"}},
            "jsonPayload": {"queryName": n + ".", "queryType": "A", "responseCode": rc, "sourceIP": "10.128.0.5",
                            "protocol": "UDP", "vmInstanceId": 42, "rdata": rdata}}
           for i, (n, rc, rdata) in enumerate([(live, "NOERROR", f"{live}.\t300\tIN\ta\t192.0.2.7"),
                                               (dead, "NXDOMAIN", "")])]
    azfw = "TimeGenerated,SourceIp,SourcePort,QueryId,QueryType,QueryClass,QueryName,Protocol,ResponseCode\n" + "".join(
        f"2026-12-07T05:00:0{i}Z,10.1.0.4,53001,{100 + i},A,IN,{n}.,Udp,{rc}\n"
        for i, (n, rc) in enumerate([(live, "NOERROR"), (dead, "NXDOMAIN")]))
    lines = lambda recs: "".join(json.dumps(r) + "\n" for r in recs)  # noqa: E731
    return {"route53": lines(route53), "ocsf": lines(ocsf), "gcp": lines(gcp), "azfw": azfw}


@pytest.mark.parametrize("fmt", ["route53", "ocsf", "gcp", "azfw"])
def test_cloud_resolvers_query_logs_are_read_as_events(fmt: str) -> None:
    """AWS Route 53 Resolver query logs, OCSF DNS Activity (Amazon Security Lake), Google Cloud DNS
    (Cloud Logging) and Azure Firewall's DNS proxy (AZFWDnsQuery): each was refused for want of a
    name field (all but Azure's) or read without its client. Name, client, time and outcome."""
    import pandas as pd

    from hunt_assets.analytics.dns.cli import read_input
    from hunt_assets.analytics.dns.times import to_ns

    tbl = read_input(io.BytesIO(_cloud_logs()[fmt].encode())).to_pydict()
    assert [n.rstrip(".") for n in tbl["name"]] == DICTIONARY[:2]
    assert len(set(tbl["client"])) == 1
    assert tbl["client"][0] in ("10.0.3.17", "10.128.0.5", "10.1.0.4")
    assert tbl["answers"] == ["(answered)", ""]
    stamps = to_ns(pd.Series(tbl["timestamp"]))
    assert 1796619600 * 10**9 <= stamps[0] < stamps[1] <= 1796619602 * 10**9


def test_parquet_files_are_read_like_json_lines(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    """Amazon Security Lake's OCSF DNS Activity (nested columns, the time as a timestamp) and a
    Sentinel export to Parquet (``TimeGenerated``, ``ClientIP``, ``Name``, ``ResponseCode``) give
    names, clients, times and outcomes; before, the binary file was read as lines of names. A
    damaged file is refused with the reason (exit 2)."""
    from datetime import UTC, datetime

    import pandas as pd
    import pyarrow.parquet as pq

    from hunt_assets.analytics.dns.cli import read_input
    from hunt_assets.analytics.dns.times import to_ns

    when = [datetime(2026, 12, 7, 5, 0, i, tzinfo=UTC) for i in range(4)]
    names = DICTIONARY[:4]
    ocsf = pa.table({
        "class_uid": pa.array([4003] * 4, pa.int32()),
        "time": pa.array(when, pa.timestamp("ms", tz="UTC")),
        "query": pa.array([{"hostname": n + ".", "type": "A"} for n in names]),
        "rcode": ["NoError", "NXDomain", "NXDomain", "NoError"],
        "src_endpoint": pa.array([{"ip": "10.0.3.17", "port": 53001}] * 4),
    })
    sentinel = pa.table({"TimeGenerated": pa.array(when, pa.timestamp("us")), "ClientIP": ["10.1.1.9"] * 4,
                         "Name": names, "ResponseCode": pa.array([0, 3, 3, 0], pa.int64())})
    for table, client in ((ocsf, "10.0.3.17"), (sentinel, "10.1.1.9")):
        buf = io.BytesIO()
        pq.write_table(table, buf)
        tbl = read_input(io.BytesIO(buf.getvalue())).to_pydict()
        assert [n.rstrip(".") for n in tbl["name"]] == names
        assert tbl["client"] == [client] * 4
        assert list(to_ns(pd.Series(tbl["timestamp"]))) == [int(w.timestamp()) * 10**9 for w in when]
        assert tbl["answers"] == ["(answered)", "", "", "(answered)"]
    p = tmp_path / "cut.parquet"
    p.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    assert score_dns_main([str(p)]) == 2
    assert b"a Parquet file that does not read" in capsysbinary.readouterr().err


def test_a_parquet_name_column_stored_as_binary_is_read_as_text() -> None:
    """A Parquet writer without the string annotation (Impala, older Hive and Spark) stores a
    Zeek log's ``query`` as binary, nested fields too: read as text, bytes that are not UTF-8 as
    ``\\xNN`` escapes (as Zeek writes them), a null kept as a null. Before: refused, "no
    query-name field"."""
    import pyarrow.parquet as pq

    from hunt_assets.analytics.dns.cli import read_input

    raw = [b"www.example.com", b"\xff\xfeiodine.t.example.org", None, "b\xc3\xbccher.example".encode("latin-1")]
    for table in (pa.table({"query": pa.array(raw, pa.binary()), "id.orig_h": ["10.0.0.1"] * 4}),
                  pa.table({"query": pa.array([{"hostname": v} for v in raw],  # OCSF's query.hostname
                                              pa.struct([("hostname", pa.large_binary())]))})):
        buf = io.BytesIO()
        pq.write_table(table, buf)
        tbl = read_input(io.BytesIO(buf.getvalue())).to_pydict()
        assert tbl["name"] == ["www.example.com", "\\xff\\xfeiodine.t.example.org", None, "b\u00fccher.example"]
    clean = pa.table({"query": pa.array([b"a.example", "b\u00fccher.example".encode()], pa.binary())})
    buf = io.BytesIO()
    pq.write_table(clean, buf)
    assert read_input(io.BytesIO(buf.getvalue())).column("name").to_pylist() == ["a.example", "b\u00fccher.example"]


def test_zeek_json_answer_lists_are_read_when_some_hold_records() -> None:
    """Zeek's JSON ``answers`` is a list; where any list held a record, the join that reads them
    failed (a separator of the wrong string type) and the column was dropped without a word, so a
    log without ``rcode_name`` lost every outcome and a dictionary DGA's dead look-ups could not
    burst. Found when Splunk's multivalue ``query`` lists were read as no name at all."""
    import json

    from hunt_assets.analytics.dns.cli import read_input, score_table

    recs = [{"ts": T0 + 3600 + 7 * i, "id.orig_h": "10.0.0.66", "query": n, "qtype_name": "A", "answers": []}
            for i, n in enumerate(DICTIONARY)]
    recs += [{"ts": T0 + 3600 + 7 * i, "id.orig_h": "10.0.0.70", "query": n, "qtype_name": "A",
              "answers": ["edge.example.net", "192.0.2.7"]} for i, n in enumerate(("www.example.com", "example.org"))]
    tbl = read_input(io.BytesIO("".join(json.dumps(r) + "\n" for r in recs).encode()))
    assert tbl.column("answers").to_pylist() == [""] * len(DICTIONARY) + ["edge.example.net,192.0.2.7"] * 2
    verdicts = dict(zip(*score_table(tbl).select(["name", "verdict"]).to_pydict().values(), strict=True))
    assert all(verdicts[n] == "dga" for n in DICTIONARY)
