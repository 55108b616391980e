"""``score-dns`` on Windows DNS Server's analytic events (Microsoft-Windows-DNSServer/Analytical),
as Winlogbeat and NXLog ship them (``logs._windows_dns_events``)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from hunt_assets.analytics.dns.cli import read_input
from hunt_assets_tests.test_dns_logs import DICTIONARY, assert_dictionary_burst  # each alone reads as a real domain

SERVER, FORWARDER = "10.0.0.10", "8.8.8.8"


def _event(eid: int, data: dict[str, str], when: str, shape: str) -> str:
    """One analytic event: Winlogbeat's (``winlog.event_data``, the DNS server as ``host.name``)
    or NXLog's (``EventID`` and the event's fields at the top)."""
    if shape == "winlogbeat":
        return json.dumps({
            "@timestamp": f"2026-12-07T{when}Z", "host": {"name": "DC01"},
            "event": {"code": str(eid), "provider": "Microsoft-Windows-DNSServer"},
            "winlog": {"channel": "Microsoft-Windows-DNSServer/Analytical", "event_id": str(eid),
                       "computer_name": "DC01.corp.example", "provider_name": "Microsoft-Windows-DNSServer",
                       "event_data": data}})
    return json.dumps({"EventTime": f"2026-12-07 {when}", "Hostname": "DC01.corp.example", "EventID": eid,
                       "SourceName": "Microsoft-Windows-DNSServer",
                       "Channel": "Microsoft-Windows-DNSServer/Analytical", **data})


def _exchange(i: int, client: str, name: str, qtype: str, outcome: str | None, shape: str) -> list[str]:
    """A client's query as the server logs it: received (256), the server's own recursion to its
    forwarder (260, 261), then its answer (257) or failure (258) unless ``outcome`` is None."""
    when = f"05:{i // 60:02d}:{i % 60:02d}.{i:03d}"
    xid, qname = str(1000 + i), name + "."
    out = [_event(256, {"TCP": "0", "InterfaceIP": SERVER, "Source": client, "RD": "1", "QNAME": qname,
                        "QTYPE": qtype, "XID": xid, "Port": "50000", "Flags": "256"}, when, shape),
           _event(260, {"TCP": "0", "Destination": FORWARDER, "InterfaceIP": SERVER, "RD": "1", "QNAME": qname,
                        "QTYPE": qtype, "XID": str(9000 + i), "Port": "53", "Flags": "256"}, when, shape),
           _event(261, {"TCP": "0", "Source": FORWARDER, "InterfaceIP": SERVER, "AA": "0", "AD": "0", "QNAME": qname,
                        "QTYPE": qtype, "XID": str(9000 + i), "Port": "53"}, when, shape)]
    if outcome == "answer":
        out.append(_event(257, {"TCP": "0", "InterfaceIP": SERVER, "Destination": client, "AA": "0", "AD": "0",
                                "QNAME": qname, "QTYPE": qtype, "XID": xid, "DNSSEC": "0", "RCODE": "0",
                                "Port": "50000"}, when, shape))
    elif outcome is not None:  # "3": NXDOMAIN; "": a failure event without a code
        data = {"TCP": "0", "InterfaceIP": SERVER, "Destination": client, "QNAME": qname, "QTYPE": qtype, "XID": xid,
                "Port": "50000"}
        out.append(_event(258, {**data, "RCODE": outcome} if outcome else data, when, shape))
    return out


@pytest.mark.parametrize("shape", ["winlogbeat", "nxlog"])
def test_client_queries_with_their_clients_types_times_and_outcomes(shape: str) -> None:
    """Only the received queries are queries (not the responses, not the server's recursion);
    the client is the event's Source, not the server that logged it; each outcome is its
    response's (same client, transaction id and name)."""
    lines = (_exchange(0, "10.0.0.66", "www.example.com", "1", "answer", shape)
             + _exchange(1, "10.0.0.77", "xkqjvbztrwqplmnb.net", "16", "3", shape)
             + _exchange(2, "10.0.0.78", "_ldap._tcp.dc._msdcs.corp.example", "33", None, shape)
             + _exchange(3, "fe80::1", "broken.example", "28", "", shape))
    tbl = read_input(io.BytesIO("\n".join(lines).encode() + b"\n")).to_pydict()
    assert tbl["name"] == ["www.example.com", "xkqjvbztrwqplmnb.net", "_ldap._tcp.dc._msdcs.corp.example",
                           "broken.example"]
    assert tbl["client"] == ["10.0.0.66", "10.0.0.77", "10.0.0.78", "fe80::1"]
    assert tbl["qtype"] == ["1", "16", "33", "28"]
    assert tbl["answers"] == ["(answered)", "", "(not logged)", ""]
    assert [t[11:19] for t in tbl["timestamp"]] == ["05:00:00", "05:00:01", "05:00:02", "05:00:03"]


def test_a_transaction_id_used_again_pairs_each_query_with_an_outcome() -> None:
    """XIDs are 16 bits: over a long log one client reuses them. Two look-ups of one name with one
    id, one answered and one not: both are read, and neither is called dead."""
    lines = (_exchange(0, "10.0.0.66", "a.example.com", "1", "answer", "winlogbeat")
             + _exchange(0, "10.0.0.66", "a.example.com", "1", "3", "winlogbeat"))
    tbl = read_input(io.BytesIO("\n".join(lines).encode() + b"\n")).to_pydict()
    assert tbl["name"] == ["a.example.com"] * 2
    assert tbl["answers"] == ["(answered)"] * 2


def test_a_broken_record_costs_only_itself() -> None:
    lines = _exchange(0, "10.0.0.66", "www.example.com", "1", "answer", "winlogbeat")
    lines += ['{"winlog": {"event_id": "256", "event_data": {"QNAME": "cut.off', "not json"]
    lines += _exchange(1, "10.0.0.77", "xkqjvbztrwqplmnb.net", "16", "3", "winlogbeat")
    warnings: list[str] = []
    tbl = read_input(io.BytesIO("\n".join(lines).encode() + b"\n"), warnings.append).to_pydict()
    assert tbl["name"] == ["www.example.com", "xkqjvbztrwqplmnb.net"]
    assert tbl["client"] == ["10.0.0.66", "10.0.0.77"]
    assert tbl["answers"] == ["(answered)", ""]
    assert len(warnings) == 1
    assert "2 line(s) that are not JSON objects" in warnings[0]


@pytest.mark.parametrize("shape", ["winlogbeat", "nxlog"])
def test_a_dictionary_dga_behind_the_dns_server_names_the_workstation(
    shape: str, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """The dead look-ups burst, and ``--hosts`` names the client that made them, not the domain
    controller whose event log they came from (``host.name``, the only client field the generic
    aliases know in these events)."""
    lines = [line for i, n in enumerate(DICTIONARY) for line in _exchange(i, "10.0.0.66", n, "1", "3", shape)]
    lines += _exchange(len(DICTIONARY), "10.0.0.5", "www.example.com", "1", "answer", shape)
    p = tmp_path / "dns.json"
    p.write_text("\n".join(lines) + "\n")
    assert_dictionary_burst(p, "10.0.0.66", capsysbinary)
