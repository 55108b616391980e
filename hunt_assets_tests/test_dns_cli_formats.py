"""Every input format through the real command, in its own process.

Why: ``hunt-assets score-dns`` defers pandas on its fast path (``cli.defer_pandas``), and only the
event path lifts that. In-process tests import pandas long before, so a reader that imported it
(through ``times``) passed them and failed every BIND, dnsmasq, Unbound and Windows debug log in
the shipped command; a mutation fuzz run as subprocesses found it. Each format is run here as a
user runs it.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from hunt_assets_tests import test_dns_dnstap as D
from hunt_assets_tests import test_dns_journal as J
from hunt_assets_tests import test_dns_logs as L
from hunt_assets_tests import test_dns_pcap as P
from hunt_assets_tests import test_dns_querylogs as Q
from hunt_assets_tests import test_dns_windows_analytic as W

WHEN = "6/1/2024 1:02:03 PM"


def _windows() -> str:
    return L.WINDOWS_BANNER + "".join(
        L._windows_line(WHEN, "Rcv", "10.0.0.66", f"{i:04x}", False, "NOERROR", "A", n)
        for i, n in enumerate(Q.DICTIONARY))


def _parquet(columns: dict[str, list]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table(columns), buf)
    return buf.getvalue()


FORMATS = {
    "plain": lambda: "".join(n + "\n" for n in Q.DICTIONARY),
    "csv": lambda: "timestamp,client,name\n" + "".join(f"2024-06-01T00:00:{i:02d}Z,pc1,{n}\n"
                                                       for i, n in enumerate(Q.DICTIONARY)),
    "zeek": lambda: L._header() + "".join(L._zeek_row(L.T0 + i, "10.0.0.66", n, "A")
                                          for i, n in enumerate(Q.DICTIONARY)),
    "zeek_json": lambda: L._zeek_json([(L.T0 + i, "10.0.0.66", n, "A") for i, n in enumerate(Q.DICTIONARY)]),
    "eve2": lambda: L._eve_answers(Q.DICTIONARY, "nxdomain"),
    "eve3": lambda: L._eve_answers(Q.DICTIONARY, "v3_nxdomain"),
    "ecs": lambda: "".join(json.dumps(L._ecs_exchange(i, n, False, "packetbeat")) + "\n"
                           for i, n in enumerate(Q.DICTIONARY)),
    "sysmon": lambda: "".join(L._sysmon(i, n, False, "evtx_json") for i, n in enumerate(Q.DICTIONARY)),
    "windows": _windows,
    "bind": lambda: Q._log("bind", Q.DICTIONARY, None),
    "dnsmasq": lambda: Q._log("dnsmasq", Q.DICTIONARY, "NXDOMAIN"),
    "unbound": lambda: Q._log("unbound", Q.DICTIONARY, "NXDOMAIN"),
    "coredns": lambda: Q._log("coredns", Q.DICTIONARY, "NXDOMAIN"),
    "infoblox": lambda: "".join(Q._infoblox(i, "10.0.0.66", n, "A", "NXDOMAIN") for i, n in enumerate(Q.DICTIONARY)),
    "coredns_docker": lambda: Q._docker([("stdout", Q._coredns_bare("10.0.0.66", n, "A", "NXDOMAIN"))
                                         for n in Q.DICTIONARY]),
    "windows_analytic": lambda: "".join(line + "\n" for i, n in enumerate(Q.DICTIONARY)
                                        for line in W._exchange(i, "10.0.0.66", n, "1", "3", "winlogbeat")),
    "graph_json": lambda: json.dumps({"schema": [{"name": "QueryName", "type": "String"}],
                                      "results": [{"Timestamp": f"2024-06-01T00:00:{i:02d}Z", "DeviceName": "pc1",
                                                   "QueryName": n} for i, n in enumerate(Q.DICTIONARY)]}, indent=2),
    "journal_pretty": lambda: "".join(json.dumps(J._entry(i, f"[812:0] info: 10.0.0.66 {n}. A IN", "unbound"),
                                                 indent=8) + "\n" for i, n in enumerate(Q.DICTIONARY)),
    "pcap": lambda: P._pcap(P._exchange(Q.DICTIONARY)),
    "dnstap": lambda: D._fstrm([D._message(5, "10.0.0.66", 40000 + i, P.T0 + i, P._query(n, xid=i))
                                for i, n in enumerate(Q.DICTIONARY)]),
    "parquet": lambda: _parquet({"TimeGenerated": [f"2024-06-01T00:00:{i:02d}Z" for i in range(len(Q.DICTIONARY))],
                                 "ClientIP": ["10.0.0.66"] * len(Q.DICTIONARY), "Name": Q.DICTIONARY}),
    "journal_export": lambda: J._export([J._entry(i, f"[812:0] info: 10.0.0.66 {n}. A IN", "unbound")
                                         for i, n in enumerate(Q.DICTIONARY)]),
    "unbound_journal": lambda: J._journal([J._entry(i, f"[812:0] info: 10.0.0.66 {n}. A IN", "unbound")
                                           for i, n in enumerate(Q.DICTIONARY)]).decode(),
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_each_format_through_the_shipped_command(fmt: str, tmp_path: Path) -> None:
    p = tmp_path / f"{fmt}.log"
    text = FORMATS[fmt]()
    p.write_bytes(text) if isinstance(text, bytes) else p.write_text(text)
    args = [] if fmt in ("plain",) else ["--hosts", str(tmp_path / "hosts.csv"), "--log-timezone=Europe/Berlin"]
    proc = subprocess.run([sys.executable, "-m", "hunt_assets.cli", "score-dns", *args, str(p)],
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"Traceback" not in proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout.decode())))
    assert sorted(r["name"] for r in rows) == sorted(Q.DICTIONARY)
