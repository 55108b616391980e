"""Suricata alerts on DNS in an ``eve.json`` of alerts only (a SIEM's alert export, ``jq 'select(.event_type ==
"alert")'``): each alert's DNS transaction read as its look-up, in Suricata 7's form (``dns.query`` list on a
request, ``dns.answer`` object on a response) and Suricata 8's (the dns event's own version 3), as Suricata's
upgrade notes for 8.0 show them. Beside dns events, an alert on a transaction they hold is not read again; one on
a transaction they lack (a dns logger limited to some types, or to responses) is."""

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
    assert said == ["2 Suricata alerts on DNS read as 3 look-ups (the file holds no dns events)"]
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
    assert said == ["1 Suricata alert on DNS read as 2 look-ups (the file holds no dns events)"]


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


def _dns_event(flow: int, client: str, kind: str, name: str, qtype: str, **more: object) -> dict:
    return {"timestamp": WHEN, "flow_id": flow, "event_type": "dns", "src_ip": client, "src_port": 50000 + flow,
            "dest_ip": "10.0.0.1", "dest_port": 53, "proto": "UDP",
            "dns": {"type": kind, "id": flow, "rrname": name, "rrtype": qtype, **more}}


def _suricata_7_query_alert(flow: int, client: str, name: str, qtype: str) -> dict:
    return _alert(flow, client, {"query": [{"type": "query", "id": flow, "rrname": name, "rrtype": qtype, "tx_id": 0}]})


def test_alerts_on_types_the_dns_logger_leaves_out_are_read() -> None:
    """``types: [a, aaaa]`` in the dns logger's settings: the TXT tunnel an ET rule fired on is in the alerts
    only. Its look-ups are read from them; an alert on a logged A look-up (the same flow, its name in another
    case) adds nothing."""
    tunnel = [f"{k:04x}0a1b2c3d4e5f.t.example.net" for k in range(3)]
    text = _lines(
        _dns_event(1, "10.0.0.9", "query", "www.contoso.com", "A"),
        _dns_event(1, "10.0.0.9", "answer", "www.contoso.com", "A", rcode="NOERROR"),
        *[_suricata_7_query_alert(10 + k, "10.0.0.5", name, "TXT") for k, name in enumerate(tunnel)],
        _suricata_7_query_alert(1, "10.0.0.9", "WWW.CONTOSO.COM", "A"),
        TLS_ALERT)
    said: list[str] = []
    from hunt_assets.analytics.dns.logs import read_json_lines

    tbl = read_json_lines(text.encode(), said.append)
    assert tbl.select(["name", "client", "qtype"]).to_pylist() == [
        {"name": "www.contoso.com", "client": "10.0.0.9", "qtype": "A"},
        *[{"name": name, "client": "10.0.0.5", "qtype": "TXT"} for name in tunnel]]
    assert not [c for c in tbl.column_names if "\x00" in c]
    assert said == ["3 Suricata alerts on DNS read as 3 look-ups (not in the file's dns events: its dns logging"
                    " is limited)"]


def test_an_alert_on_an_unanswered_request_beside_responses_only_is_read_with_the_responses() -> None:
    """Request logging off: the queries come from the responses. A look-up that got no response (a resolver
    that dropped it) is then only in the alert on its request; it is read too, and the responses still are,
    each with the client on the side away from port 53."""
    answered = _dns_event(1, "10.0.0.1", "answer", "www.contoso.com", "A", rcode="NOERROR")
    answered.update(src_port=53, dest_ip="10.0.0.9", dest_port=50001)
    text = _lines(answered, _suricata_7_query_alert(2, "10.0.0.5", "kq3v9x7zp2m.top", "A"))
    said: list[str] = []
    from hunt_assets.analytics.dns.logs import read_json_lines

    tbl = read_json_lines(text.encode(), said.append)
    assert sorted(tbl.select(["name", "client"]).to_pylist(), key=lambda r: r["name"]) == [
        {"name": "kq3v9x7zp2m.top", "client": "10.0.0.5"}, {"name": "www.contoso.com", "client": "10.0.0.9"}]
    assert said[0].startswith("1 Suricata alert on DNS read as 1 look-up (not in the file's dns events")
    assert said[1:] == ["DNS responses only (request logging off): the queries are read from the responses"]


def test_beside_dns_events_an_alert_without_a_flow_id_is_not_read() -> None:
    """Without a ``flow_id`` an alert cannot be matched with the dns events, so it is left out rather than
    risk counting a look-up twice."""
    lone = _suricata_7_query_alert(5, "10.0.0.5", "kq3v9x7zp2m.top", "A")
    del lone["flow_id"]
    text = _lines(_dns_event(1, "10.0.0.9", "query", "www.contoso.com", "A"), lone)
    said: list[str] = []
    from hunt_assets.analytics.dns.logs import read_json_lines

    tbl = read_json_lines(text.encode(), said.append)
    assert tbl.column("name").to_pylist() == ["www.contoso.com"]
    assert said == []


def test_suricata_7_alerts_on_responses_beside_logged_requests() -> None:
    """An alert on a response (Suricata 7's ``dns.answer`` object) names the question its request asked:
    beside that request's dns event it adds nothing; on a flow the dns events lack, it is read, the client
    being the side away from port 53."""
    def answer_alert(flow: int, name: str, qtype: str) -> dict:
        return _alert(flow, "10.0.0.1", {"answer": {"version": 2, "type": "answer", "id": flow, "rrname": name,
                                                    "rrtype": qtype, "rcode": "NOERROR"}},
                      src_port=53, dest_ip="10.0.0.7", dest_port=50000 + flow)

    text = _lines(_dns_event(1, "10.0.0.7", "query", "updates.contoso.com", "A"),
                  answer_alert(1, "updates.contoso.com", "A"),
                  answer_alert(2, "0a1b2c3d4e5f6a7b.t.example.net", "TXT"))
    said: list[str] = []
    from hunt_assets.analytics.dns.logs import read_json_lines

    tbl = read_json_lines(text.encode(), said.append)
    assert tbl.select(["name", "client", "qtype"]).to_pylist() == [
        {"name": "updates.contoso.com", "client": "10.0.0.7", "qtype": "A"},
        {"name": "0a1b2c3d4e5f6a7b.t.example.net", "client": "10.0.0.7", "qtype": "TXT"}]
    assert said == ["1 Suricata alert on DNS read as 1 look-up (not in the file's dns events: its dns logging"
                    " is limited)"]


def test_alerts_on_one_transaction_are_one_lookup() -> None:
    """Two rules firing on one request, and a third on its response: one look-up (the first alert's), not
    three; an alert without a ``flow_id`` cannot be matched with any and is a look-up of its own."""
    request = _suricata_7_query_alert(1, "10.0.0.5", "kq3v9x7zp2m.top", "A")
    again = {**request, "alert": {**ALERT, "signature_id": 2027864, "signature": "ET DNS Query for .top domain"}}
    response = _alert(1, "10.0.0.1", {"answer": {"version": 2, "type": "answer", "id": 1, "rrname": "KQ3V9X7ZP2M.top",
                                                 "rrtype": "A", "rcode": "NXDOMAIN"}},
                      src_port=53, dest_ip="10.0.0.5", dest_port=50001)
    lone = _suricata_7_query_alert(7, "10.0.0.6", "kq3v9x7zp2m.top", "A")
    del lone["flow_id"]
    said: list[str] = []
    from hunt_assets.analytics.dns.logs import read_json_lines

    tbl = read_json_lines(_lines(request, again, response, lone, TLS_ALERT).encode(), said.append)
    assert tbl.select(["name", "client", "qtype"]).to_pylist() == [
        {"name": "kq3v9x7zp2m.top", "client": "10.0.0.5", "qtype": "A"},
        {"name": "kq3v9x7zp2m.top", "client": "10.0.0.6", "qtype": "A"}]
    assert said == ["4 Suricata alerts on DNS read as 2 look-ups (the file holds no dns events)"]
