"""Suricata alerts on DNS in an ``eve.json`` of alerts only (a SIEM's alert export, ``jq 'select(.event_type ==
"alert")'``): each alert's DNS transaction read as its look-up, in Suricata 7's form (``dns.query`` list on a
request, ``dns.answer`` object on a response) and Suricata 8's (the dns event's own version 3), as Suricata's
upgrade notes for 8.0 show them. Beside dns events an alert is not read again."""

from __future__ import annotations

import io
import json

from hunt_assets.analytics.dns.cli import read_input
from hunt_assets_tests.test_dns_logs import _eve, _read

WHEN = "2026-12-07T05:00:01.000000+0000"
ALERT = {"action": "allowed", "signature_id": 2027863, "signature": "ET INFO Observed DNS Query to .top TLD"}


def _alert(flow: int, client: str, dns: dict, **more: object) -> dict:
    return {"timestamp": WHEN, "flow_id": flow, "event_type": "alert", "src_ip": client, "src_port": 50000 + flow,
            "dest_ip": "10.0.0.1", "dest_port": 53, "proto": "UDP", "alert": ALERT, "dns": dns, "app_proto": "dns",
            **more}


def _lines(*records: dict) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


TLS_ALERT = {"timestamp": WHEN, "flow_id": 99, "event_type": "alert", "src_ip": "10.0.0.9", "src_port": 51000,
             "dest_ip": "93.184.216.34", "dest_port": 443, "proto": "TCP", "alert": ALERT,
             "flow": {"pkts_toserver": 3, "pkts_toclient": 2, "start": WHEN}}


def test_suricata_7_alerts_on_requests_are_read_as_their_lookups() -> None:
    """Version 2 in an alert: the ``dns.query`` list, every question a row with its client and type; an
    alert on the web (no DNS) is no look-up; stderr says where the look-ups came from."""
    text = _lines(
        _alert(1, "10.0.0.5", {"query": [{"type": "query", "id": 7, "rrname": "kq3v9x7zp2m.top", "rrtype": "A",
                                          "tx_id": 0, "opcode": 0}]}),
        _alert(2, "10.0.0.6", {"query": [{"type": "query", "id": 8, "rrname": "a.example.org", "rrtype": "TXT",
                                          "tx_id": 0}, {"type": "query", "id": 8, "rrname": "b.example.org",
                                                        "rrtype": "A", "tx_id": 0}]}),
        TLS_ALERT)
    said: list[str] = []
    from hunt_assets.analytics.dns.logs import read_json_lines

    tbl = read_json_lines(text.encode(), said.append)
    rows = tbl.select(["name", "client", "qtype"]).to_pylist()
    assert rows == [{"name": "kq3v9x7zp2m.top", "client": "10.0.0.5", "qtype": "A"},
                    {"name": "a.example.org", "client": "10.0.0.6", "qtype": "TXT"},
                    {"name": "b.example.org", "client": "10.0.0.6", "qtype": "A"}]
    # two alerts (three questions): stderr counts the alerts
    assert said == ["2 Suricata alerts on DNS read as their look-ups (the file holds no dns events)"]
    assert not [c for c in tbl.column_names if "\x00" in c]  # the alert-row column is gone


def test_one_suricata_8_alert_with_two_questions_is_one_alert_and_two_lookups() -> None:
    """Suricata 8 keeps an alert's questions in one ``queries`` list, split into rows after the alerts are
    counted: one alert, two look-ups."""
    text = _lines(_alert(1, "10.0.0.5", {"version": 3, "type": "request", "tx_id": 0, "id": 7, "rd": True,
                                         "queries": [{"rrname": "a.kq3v9x7zp2m.top", "rrtype": "A"},
                                                     {"rrname": "b.kq3v9x7zp2m.top", "rrtype": "AAAA"}]}))
    said: list[str] = []
    from hunt_assets.analytics.dns.logs import read_json_lines

    rows = read_json_lines(text.encode(), said.append).select(["name", "qtype"]).to_pylist()
    assert rows == [{"name": "a.kq3v9x7zp2m.top", "qtype": "A"}, {"name": "b.kq3v9x7zp2m.top", "qtype": "AAAA"}]
    assert said == ["1 Suricata alert on DNS read as its look-ups (the file holds no dns events)"]


def test_suricata_8_alerts_and_responses_only() -> None:
    """Version 3 in an alert (the dns event's own form, a ``queries`` list) reads as the dns event would;
    Suricata 7's alerts on responses only (a ``dns.answer`` object) are read from the responses, the client
    the side away from port 53."""
    v3 = _lines(_alert(1, "10.0.0.5", {"version": 3, "type": "request", "tx_id": 0, "id": 7, "flags": "100",
                                       "rd": True, "opcode": 0, "rcode": "NOERROR",
                                       "queries": [{"rrname": "xkqjvbztrwqplmnb.net", "rrtype": "A"}]}), TLS_ALERT)
    assert _read(v3) == [{"name": "xkqjvbztrwqplmnb.net", "client": "10.0.0.5", "timestamp": WHEN, "qtype": "A"}]
    answer = _alert(3, "10.0.0.1", {"answer": {"version": 2, "type": "answer", "id": 9, "flags": "8180", "qr": True,
                                               "rrname": "c2.evil.example", "rrtype": "TXT", "rcode": "NXDOMAIN"}},
                    src_port=53, dest_ip="10.0.0.7", dest_port=50003)
    rows = read_input(io.BytesIO(_lines(answer).encode()))
    assert rows.select(["name", "client", "qtype"]).to_pylist() == [
        {"name": "c2.evil.example", "client": "10.0.0.7", "qtype": "TXT"}]


def test_an_alert_beside_dns_events_is_not_read_again_and_alerts_without_dns_are_no_lookups() -> None:
    """The dns events hold every transaction: an alert on one of them adds no row. A file of alerts none of
    which is on DNS is still read as a connection log with no look-ups, as before."""
    events = [(1_796_619_600.0 + k, "10.0.0.5", f"n{k}.example.com", "A") for k in range(3)]
    beside = _eve(events) + _lines(_alert(0, "10.0.0.5", {"query": [{"type": "query", "id": 0,
                                                                       "rrname": "n0.example.com", "rrtype": "A"}]}))
    assert [r["name"] for r in _read(beside)] == ["n0.example.com", "n1.example.com", "n2.example.com"]
    tbl = read_input(io.BytesIO(_lines(TLS_ALERT).encode()))
    assert tbl.num_rows == 0
