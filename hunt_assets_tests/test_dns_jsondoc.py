"""``score-dns`` on JSON documents: the query APIs' responses hunters save (Graph
``runHuntingQuery``, the Defender API, Log Analytics, Azure Data Explorer, Elasticsearch, Splunk),
JSON arrays (``az monitor log-analytics query``, ``ConvertTo-Json``) and pretty-printed objects
(``jq .``, ``journalctl -o json-pretty``). Each shape is written as its documentation shows it; the
broken ones (cut short, a bad record inside) must keep every record they still hold."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from hunt_assets.analytics.dns import jsondoc
from hunt_assets.analytics.dns.cli import read_input, score_dns_main
from hunt_assets_tests.test_dns_journal import _entry
from hunt_assets_tests.test_dns_logs import DICTIONARY

NAMES = ["www.example.com", *DICTIONARY[:4]]
CLIENTS = ["ws-sales-032", "ws-fin-007", "ws-sales-032", "10.0.0.66", "ws-hr-011"]


def _hunt_rows() -> list[dict]:
    """Rows of our own ``queries/dns_events.kql`` as a hunting API returns them."""
    return [{"Timestamp": f"2026-12-07T05:00:0{i}.1234567Z", "DeviceId": f"d{i}", "DeviceName": c,
             "ClientIP": "10.0.0.66", "QueryName": n, "QueryType": "A", "Answers": "", "Source": "DeviceEvents"}
            for i, (n, c) in enumerate(zip(NAMES, CLIENTS, strict=True))]


def _graph(rows: list[dict]) -> dict:
    """Graph's ``huntingQueryResults`` (lower-case ``schema`` / ``results``, no ``Stats``)."""
    return {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults",
            "schema": [{"name": k, "type": "DateTime" if k == "Timestamp" else "String"} for k in rows[0]],
            "results": rows}


def _defender_api(rows: list[dict]) -> dict:
    """The retired Defender advanced-hunting API: ``Stats``, ``Schema`` (``Name`` / ``Type``), ``Results``."""
    return {"Stats": {"ExecutionTime": 0.1, "resourceUsage": {"TotalCpu": 0.0}, "datascanned": 1234},
            "Schema": [{"Name": k, "Type": "String"} for k in rows[0]], "Results": rows}


def _log_analytics(rows: list[dict]) -> dict:
    """The Log Analytics query API: ``tables`` of ``columns`` (``name``, ``type``) and ``rows`` of values."""
    cols = list(rows[0])
    return {"tables": [{"name": "PrimaryResult", "columns": [{"name": c, "type": "string"} for c in cols],
                        "rows": [[r[c] for c in cols] for r in rows]}]}


def _adx_v1(rows: list[dict]) -> dict:
    """Azure Data Explorer's v1 response: ``Tables`` (the primary result first), ``Columns`` with
    ``ColumnName`` / ``DataType`` / ``ColumnType``, ``Rows``; then the query's properties and status."""
    cols = list(rows[0])
    return {"Tables": [
        {"TableName": "Table_0", "Columns": [{"ColumnName": c, "DataType": "String", "ColumnType": "string"}
                                             for c in cols], "Rows": [[r[c] for c in cols] for r in rows]},
        {"TableName": "Table_1", "Columns": [{"ColumnName": "Value", "DataType": "String"}], "Rows": [["{}"]]},
        {"TableName": "Table_2", "Columns": [{"ColumnName": "Ordinal", "DataType": "Int64"},
                                             {"ColumnName": "Kind", "DataType": "String"}],
         "Rows": [[0, "QueryResult"]]},
    ]}


def _adx_v2(rows: list[dict]) -> list[dict]:
    """Azure Data Explorer's v2 response: an array of frames; the rows are the ``PrimaryResult`` table's."""
    cols = list(rows[0])
    return [
        {"FrameType": "DataSetHeader", "IsProgressive": False, "Version": "v2.0"},
        {"FrameType": "DataTable", "TableId": 0, "TableName": "@ExtendedProperties", "TableKind": "QueryProperties",
         "Columns": [{"ColumnName": "Value", "ColumnType": "dynamic"}], "Rows": [[{"Visualization": None}]]},
        {"FrameType": "DataTable", "TableId": 1, "TableName": "PrimaryResult", "TableKind": "PrimaryResult",
         "Columns": [{"ColumnName": c, "ColumnType": "string"} for c in cols],
         "Rows": [[r[c] for c in cols] for r in rows]},
        {"FrameType": "DataSetCompletion", "HasErrors": False, "Cancelled": False},
    ]


def _names(tbl: dict) -> list[str]:
    return tbl["name"]


@pytest.mark.parametrize("shape", [_graph, _defender_api, _log_analytics, _adx_v1, _adx_v2])
@pytest.mark.parametrize("indent", [None, 2])
def test_hunting_api_responses_are_read_as_events(shape, indent) -> None:
    """Our own DNS hunt saved from each API, on one line or pretty-printed: names, the device as the
    client, the time and the query type, as from the CSV export."""
    text = json.dumps(shape(_hunt_rows()), indent=indent).encode()
    tbl = read_input(io.BytesIO(text)).to_pydict()
    assert _names(tbl) == NAMES
    assert tbl["client"] == CLIENTS
    assert tbl["timestamp"][0] == "2026-12-07T05:00:00.1234567Z"
    assert tbl["qtype"] == ["A"] * len(NAMES)


def test_a_json_array_of_records_and_of_names() -> None:
    """``az monitor log-analytics query`` prints an array of records (every value text, with the
    table's name); ``ConvertTo-Json`` too. An array of strings is a list of names."""
    rows = [{"TableName": "PrimaryResult", "TimeGenerated": "2026-12-07T05:00:00Z", "ClientIP": "10.0.0.5", "Name": n}
            for n in NAMES]
    tbl = read_input(io.BytesIO(json.dumps(rows, indent=2).encode())).to_pydict()
    assert _names(tbl) == NAMES
    assert tbl["client"] == ["10.0.0.5"] * len(NAMES)
    tbl = read_input(io.BytesIO(("\ufeff" + json.dumps(NAMES, indent=4)).encode())).to_pydict()
    assert _names(tbl) == NAMES


def test_search_hits_and_splunk_export_lines_are_unwrapped() -> None:
    """Elasticsearch's search response (``hits.hits[]._source``), the same hits one per line (as
    elasticdump writes them) and Splunk's JSON export (``{"preview": false, "result": {...}}`` per line)."""
    hits = [{"_index": "packetbeat-2026.12.07", "_id": f"x{i}", "_score": 1.0,
             "_source": {"@timestamp": "2026-12-07T05:00:00Z", "source": {"ip": c},
                         "dns": {"question": {"name": n, "type": "A"}}}}
            for i, (n, c) in enumerate(zip(NAMES, CLIENTS, strict=True))]
    search = {"took": 5, "timed_out": False, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
              "hits": {"total": {"value": len(hits), "relation": "eq"}, "max_score": 1.0, "hits": hits}}
    for text in (json.dumps(search, indent=2), "".join(json.dumps(h) + "\n" for h in hits)):
        tbl = read_input(io.BytesIO(text.encode())).to_pydict()
        assert _names(tbl) == NAMES
        assert tbl["client"] == CLIENTS
        assert tbl["qtype"] == ["A"] * len(NAMES)
    splunk = "".join(json.dumps({"preview": False, "offset": i, "result": {
        "_time": f"2026-12-07T05:00:0{i}.000+00:00", "src": c, "query": [n], "record_type": "A",
        "reply_code": "NXDomain" if i % 2 else "NoError"}}) + "\n"
        for i, (n, c) in enumerate(zip(NAMES, CLIENTS, strict=True)))
    tbl = read_input(io.BytesIO(splunk.encode())).to_pydict()
    assert _names(tbl) == NAMES  # Splunk writes a multivalue field as a list
    assert tbl["client"] == CLIENTS
    assert tbl["timestamp"][1] == "2026-12-07T05:00:01.000+00:00"
    assert tbl["qtype"] == ["A"] * len(NAMES)
    assert tbl["answers"] == ["(answered)", ""] * 2 + ["(answered)"]


def test_pretty_printed_objects_one_after_another() -> None:
    """``jq . conn.json`` over Zeek's JSON log, and ``journalctl -u unbound -o json-pretty``: each
    record over several lines; the journal's are then read as Unbound's lines."""
    zeek = "".join(json.dumps({"ts": 1796619600.0 + i, "id.orig_h": "10.0.0.66", "query": n, "qtype_name": "A"},
                              indent=2) + "\n" for i, n in enumerate(NAMES))
    tbl = read_input(io.BytesIO(zeek.encode())).to_pydict()
    assert _names(tbl) == NAMES
    assert tbl["client"] == ["10.0.0.66"] * len(NAMES)
    journal = "".join(json.dumps(_entry(i, f"[812:0] info: 10.0.0.66 {n}. A IN", "unbound"), indent=8) + "\n"
                      for i, n in enumerate(NAMES))
    tbl = read_input(io.BytesIO(journal.encode())).to_pydict()
    assert _names(tbl) == NAMES
    assert tbl["client"] == ["10.0.0.66"] * len(NAMES)


def test_json_text_sequences_read_as_their_records() -> None:
    """RFC 7464's record separator before each record (``journalctl -o json-seq``, ``jq --seq``,
    compact or pretty): before, the first record's RS made the file a names list, one ``invalid``
    name per line."""
    zeek = [{"ts": 1796619600.0 + i, "id.orig_h": "10.0.0.66", "query": n} for i, n in enumerate(NAMES)]
    for indent in (None, 2):
        seq = "".join("\x1e" + json.dumps(r, indent=indent) + "\n" for r in zeek)
        tbl = read_input(io.BytesIO(seq.encode())).to_pydict()
        assert _names(tbl) == NAMES, indent
        assert tbl["client"] == ["10.0.0.66"] * len(NAMES)
    journal = "".join("\x1e" + json.dumps(_entry(i, f"[812:0] info: 10.0.0.66 {n}. A IN", "unbound")) + "\n"
                      for i, n in enumerate(NAMES))
    tbl = read_input(io.BytesIO(journal.encode())).to_pydict()
    assert _names(tbl) == NAMES
    assert tbl["client"] == ["10.0.0.66"] * len(NAMES)


def test_defender_raw_rows_give_their_query_from_additional_fields() -> None:
    """DeviceEvents' DnsQueryResponse rows as the API returns them: the query inside
    ``AdditionalFields``, as JSON text or as an object; rows of other actions have none."""
    rows = [{"Timestamp": "2026-12-07T05:00:00Z", "DeviceName": "ws-1", "ActionType": "DnsQueryResponse",
             "AdditionalFields": json.dumps({"DnsQueryString": n, "DnsQueryResult": [{"DnsQueryType": 1}]})}
            for n in NAMES[:3]]
    rows.append({"Timestamp": "2026-12-07T05:00:01Z", "DeviceName": "ws-1", "ActionType": "DnsConnectionInspected",
                 "AdditionalFields": json.dumps({"query": NAMES[3], "qtype_name": "TXT"})})
    rows.append({"Timestamp": "2026-12-07T05:00:02Z", "DeviceName": "ws-1", "ActionType": "ProcessCreated",
                 "AdditionalFields": "{}"})
    tbl = read_input(io.BytesIO(json.dumps(_graph(rows)).encode())).to_pydict()
    assert _names(tbl) == [*NAMES[:4], None]
    assert tbl["qtype"] == [None, None, None, "TXT", None]
    as_objects = [{**r, "AdditionalFields": json.loads(r["AdditionalFields"])} for r in rows[:4]]
    tbl = read_input(io.BytesIO(json.dumps(as_objects).encode())).to_pydict()
    assert _names(tbl) == NAMES[:4]
    assert tbl["client"] == ["ws-1"] * 4


def test_a_document_cut_short_keeps_every_record_before_the_cut() -> None:
    """A download that stopped mid-way: the Graph response and the Log Analytics table lose only
    the record the cut went through, and the warning says where it ended."""
    rows = _hunt_rows()
    for shape in (_graph, _log_analytics):
        text = json.dumps(shape(rows), indent=2)
        cut = text.rindex(NAMES[-1]) + 3  # inside the last record
        warnings: list[str] = []
        tbl = read_input(io.BytesIO(text[:cut].encode()), warnings.append).to_pydict()
        assert _names(tbl) == NAMES[:-1]
        assert tbl["client"] == CLIENTS[:-1]
        assert len(warnings) == 1
        assert "cut short" in warnings[0]
        assert f"the {len(NAMES) - 1} record(s)" in warnings[0]


def test_a_broken_record_costs_only_itself() -> None:
    """A record with a stray comma inside a pretty array: the reader skips to the next record (not to
    the objects nested in the broken one, whose keys differ) and counts one value skipped."""
    recs = [{"query": n, "id.orig_h": "10.0.0.66", "ts": 1796619600.0 + i, "answers": [{"rdata": "192.0.2.1"}]}
            for i, n in enumerate(NAMES)]
    parts = [json.dumps(r, indent=2) for r in recs]
    parts[2] = parts[2].replace('"id.orig_h"', ', "id.orig_h"', 1)
    text = "[\n" + ",\n".join(parts) + "\n]\n"
    with pytest.raises(json.JSONDecodeError, match="Expecting property name"):
        json.loads(text)
    warnings: list[str] = []
    tbl = read_input(io.BytesIO(text.encode()), warnings.append).to_pydict()
    assert _names(tbl) == [n for i, n in enumerate(NAMES) if i != 2]
    assert len(warnings) == 1
    assert warnings[0].startswith("1 JSON value(s) that are not records skipped")


def test_hostile_names_inside_json_stay_one_name_each(tmp_path: Path, capsysbinary) -> None:
    """Attacker-controlled query names (quotes, CSV and newline characters, escapes of control and
    non-ASCII characters, a lone surrogate) come out one row each, in valid CSV."""
    hostile = ['a"b.example.com', "x,y.example.com", "line\nbreak.example.com", "nul\u0000.example.com",
               "b\u00fccher.example", "\ud800.example.com", "=cmd|' /C calc'!A0.example.com"]
    p = tmp_path / "hostile.json"
    p.write_text(json.dumps(_graph([{"QueryName": n, "DeviceName": "ws-1"} for n in hostile])))
    assert score_dns_main(["--no-progress", str(p)]) == 0
    out = capsysbinary.readouterr().out.decode("utf-8", "backslashreplace")
    rows = list(csv.DictReader(io.StringIO(out)))
    # the lone surrogate, which UTF-8 cannot hold, is written as Python shows it (Arrow refused the
    # whole column before, and the command ended in a traceback)
    assert [r["name"] for r in rows] == [n.replace("\ud800", "\\ud800") for n in hostile]
    verdicts = {r["name"]: r["verdict"] for r in rows}
    assert verdicts["line\nbreak.example.com"] == verdicts["nul\u0000.example.com"] == "invalid"
    assert verdicts["=cmd|' /C calc'!A0.example.com"] == "invalid"


def test_what_is_not_a_document_is_not_read_as_one(tmp_path: Path, capsys) -> None:
    """Plain lists whose lines start with brackets stay names; a document of nothing but numbers is
    refused with a reason (exit 2); an empty array or a response without results is no rows (exit 0)."""
    assert not jsondoc.is_json_document(b"[2001:db8::1]\nexample.com\n")
    assert not jsondoc.is_json_document(b"{weird.example.com\n")
    assert not jsondoc.is_json_document(b"{}.example.com\n")
    assert not jsondoc.is_json_document(b"[].example.com\n")
    assert jsondoc.is_json_document(b'  [\n  {"name": "a.example"}]')
    assert jsondoc.is_json_document(b'{\n  "results": []}')
    nums = tmp_path / "nums.json"
    nums.write_text('[\n  [1, 2],\n  [3, 4]\n]\n')
    assert score_dns_main(["--no-progress", str(nums)]) == 2
    assert "JSON document without a readable record" in capsys.readouterr().err
    for body in ("[]", json.dumps(_graph([{"QueryName": "x"}]) | {"results": []}, indent=2)):
        empty = tmp_path / "empty.json"
        empty.write_text(body)
        assert score_dns_main(["--no-progress", str(empty)]) == 0
        assert capsys.readouterr().out == "name,verdict,score,reasons\n"


def test_a_document_cut_inside_its_first_record_is_refused_with_the_reason(tmp_path: Path, capsys) -> None:
    """Nothing before the cut (inside a string, an escape, between members): exit 2 and why, not
    the document's lines read as names; a list of names whose first line merely opens an object is
    still a list."""
    whole = json.dumps(_graph(_hunt_rows()))
    first = whole.index('"results": [') + len('"results": [')
    for cut in (first + 5, whole.index("\\", first) if "\\" in whole[first:] else first + 30, first + 40):
        p = tmp_path / "cut.json"
        p.write_text(whole[:cut])
        assert score_dns_main(["--no-progress", str(p)]) == 2
        assert "ends inside its first record (cut short?)" in capsys.readouterr().err
    escaped = tmp_path / "escape.json"
    escaped.write_text('[{"QueryName": "caf\\u00')
    assert score_dns_main(["--no-progress", str(escaped)]) == 2
    assert "cut short" in capsys.readouterr().err
    names = tmp_path / "names.txt"
    names.write_text('{"a": 1\nwww.example.com\n')
    assert score_dns_main(["--no-progress", str(names)]) == 0
    assert "www.example.com" in capsys.readouterr().out
