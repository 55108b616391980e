"""``score-dns`` CSV / plain-text round trips through score_dns_main."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from hunt_assets.analytics.dns.cli import score_dns_main


def _run(path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> list[dict[str, str]]:
    assert score_dns_main([str(path)]) == 0
    out = capsysbinary.readouterr().out.decode("utf-8")
    assert out.splitlines()[0] == "name,verdict,score,reasons"
    return list(csv.DictReader(io.StringIO(out)))


def test_plain_text_round_trip(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    names = [
        "www.google.com",
        "www.google.com",
        "a..b.com",
        "xkqjvbztrwqplmnb.net",
        "aGVsbG8gd29ybGQgdGhpcyBpcyBhIHRlc3Qgb2YgYmFzZTY0.t.evil-tunnel.com",
        "caf\u00e9.fr",
    ]
    p = tmp_path / "names.txt"
    p.write_text("\n".join(names) + "\n", encoding="utf-8")
    rows = _run(p, capsysbinary)
    assert sorted(r["name"] for r in rows) == sorted(set(names))
    v = {r["name"]: r for r in rows}
    assert v["a..b.com"]["verdict"] == "invalid"
    assert v["xkqjvbztrwqplmnb.net"]["verdict"] == "dga"
    assert v[names[4]]["verdict"] == "tunnel"
    assert 0.0 <= float(v["www.google.com"]["score"]) <= 1.0


def test_csv_round_trip_with_commas_and_events(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    p = tmp_path / "events.csv"
    with p.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["timestamp", "client", "name", "qtype"])
        w.writerow(["2024-06-01T00:00:00Z", "pc1", "www.google.com", "A"])
        w.writerow(["2024-06-01T00:00:01Z", "pc1", "odd,name.example.com", "A"])
        w.writerow(["2024-06-01T00:00:02Z", "pc2", "www.google.com", "A"])
        w.writerow(["2024-06-01T00:00:03Z", "pc2", "", "A"])
    rows = _run(p, capsysbinary)
    assert sorted(r["name"] for r in rows) == ["", "odd,name.example.com", "www.google.com"]
    assert next(set(r) for r in rows) == {"name", "verdict", "score", "reasons"}


def test_csv_names_only(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    p = tmp_path / "n.csv"
    p.write_text("name\nwww.google.com\n_dmarc.contoso.com\n", encoding="utf-8")
    rows = _run(p, capsysbinary)
    assert {r["name"]: r["verdict"] for r in rows} == {"www.google.com": "benign", "_dmarc.contoso.com": "benign"}


def test_missing_file_and_missing_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert score_dns_main([str(tmp_path / "nope.txt")]) == 2
    p = tmp_path / "bad.csv"
    p.write_text("name,client\n", encoding="utf-8")
    assert score_dns_main([str(p)]) == 0  # header only: zero rows, not a crash
    p2 = tmp_path / "other.csv"
    p2.write_text("host,client\nx.com,pc1\n", encoding="utf-8")
    assert score_dns_main([str(p2)]) == 2  # a CSV header without a query-name column: a clear error
    err = capsys.readouterr().err
    assert "no column holds query names" in err
    assert "'host,client'" in err
    # a first line with a comma that holds a domain name is a (bad) name, not a header: plain text
    p3 = tmp_path / "plain.txt"
    p3.write_text("a,b.example.com\nwww.google.com\n", encoding="utf-8")
    assert score_dns_main([str(p3)]) == 0


def test_tab_separated_input_is_read_like_csv(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    p = tmp_path / "in.tsv"
    p.write_text("domain\tlabel\nqwkjhzxcvbnmasd.com\tdga\nwww.google.com\tbenign\nbad\tname.com\textra\n")
    rows = _run(p, capsysbinary)
    assert {r["name"]: r["verdict"] for r in rows} == {
        "qwkjhzxcvbnmasd.com": "dga",
        "www.google.com": "benign",
        "bad": "benign",  # a row with an extra field is read field by field, not dropped
    }


def test_semicolon_separated_input_is_read_like_csv(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    """Excel saves CSV with semicolons where the decimal mark is a comma (German, French … Windows):
    each row was read as one name, dates and devices included, and came out ``tunnel``. A
    semicolon header without a query-name column is refused like a comma one."""
    p = tmp_path / "excel.csv"
    p.write_text('\ufeff"Timestamp";"DeviceName";"QueryName";"Score"\r\n'
                 '2024-06-01T00:00:00Z;ws-1;qwkjhzxcvbnmasd.com;0,5\r\n2024-06-01T00:00:01Z;ws-2;www.google.com;1,0\r\n',
                 encoding="utf-8")
    rows = _run(p, capsysbinary)
    assert {r["name"]: r["verdict"] for r in rows} == {"qwkjhzxcvbnmasd.com": "dga", "www.google.com": "benign"}
    p2 = tmp_path / "nonames.csv"
    p2.write_text("Timestamp;DeviceName;Answer\n1;2;3\n")
    assert score_dns_main([str(p2)]) == 2
    assert b"looks like a CSV header" in capsysbinary.readouterr().err


@pytest.mark.parametrize(
    ("header", "client"),
    [
        ("domain,label", None),
        ("Domain,Label", None),
        ("ts,id.orig_h,query,qtype_name", "id.orig_h"),
        ("Timestamp,DeviceName,ClientIP,QueryName,QueryType", "DeviceName"),
        ("domain,name,client", "client"),  # 'name' is preferred over 'domain'
    ],
)
def test_csv_query_name_column_aliases(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], header: str, client: str | None
) -> None:
    cols = header.split(",")
    values = {
        "domain": "qwkjhzxcvbnmasd.com",
        "query": "qwkjhzxcvbnmasd.com",
        "queryname": "qwkjhzxcvbnmasd.com",
        "name": "qwkjhzxcvbnmasd.com",
        "label": "dga",
        "ts": "1700000000.5",
        "timestamp": "2026-11-16T10:00:00Z",
        "id.orig_h": "10.0.0.5",
        "devicename": "ws-1",
        "clientip": "10.0.0.5",
        "client": "ws-1",
        "qtype_name": "A",
        "querytype": "A",
    }
    row = ",".join("12345" if c.lower() == "domain" and "name" in header else values[c.lower()] for c in cols)
    p = tmp_path / "in.csv"
    p.write_text(f"{header}\n{row}\n", encoding="utf-8")
    rows = _run(p, capsysbinary)
    assert [r["name"] for r in rows] == ["qwkjhzxcvbnmasd.com"]
    assert rows[0]["verdict"] == "dga"
    from hunt_assets.analytics.dns.cli import read_input

    with p.open("rb") as f:
        tbl = read_input(f)
    assert tbl.column("name").to_pylist() == ["qwkjhzxcvbnmasd.com"]
    assert ("client" in tbl.column_names) == (client is not None)
    assert len(set(tbl.column_names)) == len(tbl.column_names)


def _command(args: list[str], probe: str = "") -> subprocess.CompletedProcess[str]:
    """``hunt-assets`` in its own process (where allocator and import tunings apply)."""
    code = "import sys\nfrom hunt_assets.cli import main\nrc = main(sys.argv[1:])\n" + probe + "raise SystemExit(rc)\n"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, check=True)


def test_command_process_never_imports_pandas_for_plain_names(tmp_path: Path) -> None:
    p = tmp_path / "names.txt"
    p.write_text("www.google.com\nxkqjvbztrwqplmnb.net\n", encoding="utf-8")
    proc = _command(["score-dns", str(p)], probe="print('pandas' in sys.modules, file=sys.stderr)\n")
    assert proc.stderr.strip() == "False"
    assert proc.stdout.splitlines()[0] == "name,verdict,score,reasons"


def test_command_process_event_csv_same_as_in_process(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    p = tmp_path / "events.csv"
    with p.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["timestamp", "client", "name", "qtype"])
        for i in range(40):
            w.writerow([f"2024-06-01T00:{i // 60:02d}:{i % 60:02d}Z", f"pc{i % 3}", f"a{i}x9q.t.example.com", "TXT"])
        w.writerow(["2024-06-01T01:00:00Z", "pc1", "www.google.com", "A"])
    proc = _command(["score-dns", str(p)])
    assert score_dns_main([str(p)]) == 0
    assert proc.stdout == capsysbinary.readouterr().out.decode("utf-8")


@pytest.mark.parametrize("csv_input", [False, True])
def test_bytes_that_are_not_utf8_cost_no_other_row(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], csv_input: bool
) -> None:
    # raw high bytes as iodine's base128 encoding puts them on the wire, and a truncated sequence
    raw = b"\xbc\xc1\xe9\xfd\xd0\xc3\xbe\xf1\xda\xe0\xc5\xd9.t.tun.example.com"
    lines = [b"www.google.com", raw, b"bad\xff.com", b"xkqjvbztrwqplmnb.net"]
    body = b"\n".join(lines) + b"\n"
    p = tmp_path / ("n.csv" if csv_input else "n.txt")
    p.write_bytes((b"name\n" + body) if csv_input else body)
    rows = _run(p, capsysbinary)
    v = {r["name"]: r for r in rows}
    # every row is there; the undecodable bytes are shown as \xNN escapes
    assert set(v) == {"www.google.com", raw.decode("utf-8", "backslashreplace"), "bad\\xff.com", "xkqjvbztrwqplmnb.net"}
    assert v["xkqjvbztrwqplmnb.net"]["verdict"] == "dga"
    assert "non-ASCII or escaped byte" in v["bad\\xff.com"]["reasons"]
    assert v[raw.decode("utf-8", "backslashreplace")]["verdict"] in ("tunnel", "suspicious")


def test_malformed_csv_rows_are_read_field_by_field(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    p = tmp_path / "bad.csv"
    p.write_bytes(
        b"name,client,qtype\n"
        b"www.google.com,pc1,A\n"
        b"short-row.example.com\n"  # too few fields
        b"xkqjvbztrwqplmnb.net,pc2,A,extra\n"  # too many
        b'"unbalanced.example.com,pc3,A\n'  # a quote that never closes
        b"after.example.com,pc4,TXT\n"
    )
    assert score_dns_main([str(p)]) == 0
    captured = capsysbinary.readouterr()
    rows = list(csv.DictReader(io.StringIO(captured.out.decode("utf-8"))))
    got = {r["name"]: r["verdict"] for r in rows}
    # nothing is lost: every row's name is scored, the unbalanced quote stays part of its field
    assert set(got) == {"www.google.com", "short-row.example.com", "xkqjvbztrwqplmnb.net",
                        '"unbalanced.example.com', "after.example.com"}
    assert got["xkqjvbztrwqplmnb.net"] == "dga"
    assert b"3 malformed CSV row(s)" in captured.err


def test_malformed_csv_row_with_bytes_that_are_not_utf8_costs_nothing(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    # found by fuzzing: Arrow could not hand such a row's text to the salvage path, and the whole
    # file was refused ("cannot read ... CSV parse error"), with a traceback on stderr
    p = tmp_path / "bad.csv"
    p.write_bytes(
        b"name,client\n"
        b"www.google.com,pc1\n"
        b"bad\xff.example.com,pc2,A,extra\n"  # too many fields, and a byte that is not UTF-8
        b"\xed\xa0\x80x.example.com\n"  # too few, and a surrogate's encoding
        b"xkqjvbztrwqplmnb.net,pc3\n"
    )
    assert score_dns_main([str(p)]) == 0
    captured = capsysbinary.readouterr()
    got = {r["name"]: r["verdict"] for r in csv.DictReader(io.StringIO(captured.out.decode("utf-8")))}
    assert set(got) == {
        "www.google.com", "bad\\xff.example.com", "\\xed\\xa0\\x80x.example.com", "xkqjvbztrwqplmnb.net"
    }
    assert got["xkqjvbztrwqplmnb.net"] == "dga"
    assert b"2 malformed CSV row(s)" in captured.err
    assert b"Traceback" not in captured.err


def test_a_megabyte_name_is_scored_without_warnings(tmp_path: Path) -> None:
    p = tmp_path / "big.txt"
    p.write_text("x" * 1_000_000 + ".com\nok.example.com\n")
    proc = subprocess.run([sys.executable, "-m", "hunt_assets.cli", "score-dns", str(p)], capture_output=True,
                          check=True)
    old_limit = csv.field_size_limit(2_000_000)
    try:
        rows = list(csv.DictReader(io.StringIO(proc.stdout.decode())))
    finally:
        csv.field_size_limit(old_limit)
    assert [r["verdict"] for r in rows] == ["suspicious", "benign"]
    assert "exceeds DNS limits" in rows[0]["reasons"]
    assert proc.stderr == b""


def test_parallel_csv_write_keeps_row_order(monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from hunt_assets.analytics.dns import cli

    tbl = pa.table({"name": [f"n{i}.example.com" for i in range(11)], "reasons": ['a "quoted", text'] * 11})
    serial = io.BytesIO()
    pacsv.write_csv(tbl, serial, write_options=cli._CSV_OPTIONS)
    monkeypatch.setattr(cli, "PARALLEL_WRITE_ROWS", 4)
    monkeypatch.setattr(cli, "WRITE_PIECE_ROWS", 3)
    parallel = io.BytesIO()
    cli.write_csv_rows(tbl, parallel)
    assert parallel.getvalue() == serial.getvalue()


def test_command_entry_point_flushes_everything_before_its_fast_exit(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    # the console entry point skips the interpreter's teardown: all output must be out before
    p = tmp_path / "names.txt"
    p.write_text("".join(f"host{i}.xkqjvbztrwq{i % 97}.net\n" for i in range(30_000)), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "hunt_assets.cli", "score-dns", str(p)], capture_output=True,
                          timeout=120, check=True)
    assert score_dns_main([str(p)]) == 0
    assert proc.stdout == capsysbinary.readouterr().out
    assert len(proc.stdout.splitlines()) == 30_001


def test_command_reader_closing_early_is_not_an_error(tmp_path: Path) -> None:
    # `hunt-assets score-dns big.txt | head`: the pipe closes after a few rows
    p = tmp_path / "names.txt"
    p.write_text("".join(f"n{i}.example{i % 50}.com\n" for i in range(300_000)), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "hunt_assets.cli", "score-dns", str(p)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stderr is not None
    head = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0
    assert head == b"name,verdict,score,reasons\n"
    assert err == b""  # no traceback, no message


def test_prose_or_an_unknown_log_read_as_names_is_said_on_stderr(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """A file read as a list of names whose lines mostly hold spaces (a README handed over by
    mistake, a proxy log no reader knows): each line is still one name, and stderr says why the
    output is all ``invalid``. A real list with a few bad lines gets no such warning."""
    readme = tmp_path / "README.txt"
    readme.write_text("Incident 4711\n\nThe hosts below looked up odd names.\nSee the attached log.\n"
                      "1701234567.123 10.0.0.5 TCP_MISS/200 GET http://a.example/\nRegards\nthe SOC team\n")
    assert score_dns_main([str(readme)]) == 0
    out = capsysbinary.readouterr()
    assert "5 of the first 6 lines hold spaces: not a list of names" in out.err.decode()
    verdicts = [r["verdict"] for r in csv.DictReader(io.StringIO(out.out.decode()))]
    assert verdicts.count("invalid") == 5
    assert len(verdicts) == 6
    names = tmp_path / "names.txt"
    names.write_text("www.example.com\nmail.example.org\nbad name.example\ncdn.example.net\napi.example.io\n")
    assert score_dns_main([str(names)]) == 0
    assert capsysbinary.readouterr().err == b""


def test_names_a_spreadsheet_would_run_are_flagged_or_quoted(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """A query name is the attacker's to choose; ``=cmd|' /C calc'!A0`` in a CSV is a formula to
    Excel. By default names are written as they came (scripts join on them) and stderr says how
    many would be formulas; ``--spreadsheet-safe`` writes them with a leading ``'`` in the output
    and in ``--hosts`` (a client name is a log's text too)."""
    risky = ["=cmd|' /C calc'!A0.example.com", "-2+3.example.com", "+x.example.com", "@sum.example.com",
             "\tx.example.com"]
    plain = ["a.example.com", "mid=dle.example.com", "xkqjvbztrwqplmnb.net"]
    p = tmp_path / "names.txt"
    p.write_text("\n".join(risky + plain) + "\n")
    assert score_dns_main(["--no-progress", str(p)]) == 0
    got = capsysbinary.readouterr()
    rows = list(csv.DictReader(io.StringIO(got.out.decode())))
    assert sorted(r["name"] for r in rows) == sorted(risky + plain)
    assert "5 name(s) start with =, +, -, @, a tab or a carriage return" in got.err.decode()
    assert score_dns_main(["--no-progress", "--spreadsheet-safe", str(p)]) == 0
    got = capsysbinary.readouterr()
    rows = list(csv.DictReader(io.StringIO(got.out.decode())))
    assert sorted(r["name"] for r in rows) == sorted(["'" + n for n in risky] + plain)
    assert got.err == b""
    events = tmp_path / "events.csv"
    dga = [f"{w}.com" for w in ("xkqjvbztrwqplmnb", "qzxvkwjtrplmnbgh", "vbnxqzjkwtrplmhg", "jkwqzxvtrbnmplgh")]
    with events.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["name", "client", "timestamp"])
        for i, n in enumerate(dga * 5):
            out.writerow([n, "=HYPERLINK(\"http://x\")", f"2026-12-07T05:00:{i:02d}Z"])
    hosts = tmp_path / "hosts.csv"
    assert score_dns_main(["--no-progress", "--spreadsheet-safe", "--hosts", str(hosts), str(events)]) == 0
    capsysbinary.readouterr()
    listed = list(csv.DictReader(hosts.open()))
    assert listed
    assert all(r["client"] == "'=HYPERLINK(\"http://x\")" for r in listed)
