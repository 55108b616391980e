"""DNS look-ups in PowerShell's exports of Windows events: ``Get-WinEvent … | ConvertTo-Json``.

Why: on an endpoint the quickest way to a host's DNS history is its Sysmon log (event 22) or the
DNS Client's operational log (events 3006 / 3008), taken with ``Get-WinEvent``. PowerShell writes
each event as its ``EventLogRecord``: the DNS fields are not named there, only in the rendered
``Message`` text and, by position, in ``Properties``. Such a file had no name column; it was
refused ("no query-name field"), so the hunter had to write the parsing in PowerShell first.

What is read, per event: Sysmon 22 (``QueryName``, ``QueryResults``, ``UtcTime``), DNS Client 3008
("query is completed": name, type, status) and, where a file holds no 3008 at all, 3006 ("query
is called": name and type; no outcome). 3008 and 3006 describe the same look-up, so a file with
both keeps 3008's. Fields come from ``Properties`` by the event's documented order (any language
of Windows), else from the English ``Message``. The client is the event's ``MachineName`` (the
endpoint that asked). 3008's status becomes the outcome as a response code would: the name errors
(9003 NXDOMAIN, 9002 SERVFAIL, 9005 REFUSED) are dead look-ups; 0 and 9501 (no records of that
type: the name exists) answered; others (a time-out, a local error) say nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import pyarrow as pa

RECORD_FIELDS = ("message", "id", "machinename")  # every EventLogRecord has them
WANTED = ("message", "id", "machinename", "providername", "timecreated", "properties")
SYSMON_DNS, CLIENT_CALLED, CLIENT_COMPLETED = 22, 3006, 3008
_DEAD_STATUS = {9002: "", 9003: "", 9005: ""}  # DNS_ERROR_RCODE_SERVER_FAILURE / NAME_ERROR / REFUSED
_ANSWERED_STATUS = (0, 9501)  # success; DNS_INFO_NO_RECORDS
# Properties' order (the events' manifests): Sysmon 22 RuleName, UtcTime, ProcessGuid, ProcessId,
# QueryName, QueryStatus, QueryResults, Image, User; DNS Client 3006 / 3008 QueryName, QueryType,
# QueryOptions, then 3008's QueryStatus, QueryResults
_SYSMON_AT = {"timestamp": 1, "name": 4, "answers": 6}
_CLIENT_AT = {"name": 0, "qtype": 1, "status": 3}
_SYSMON_LINE = re.compile(r"^(UtcTime|QueryName|QueryResults): ?(.*?)\r?$", re.M)
_CLIENT_MESSAGE = re.compile(
    r"^DNS query is (called|completed) for the name (.*), type (\d+), query options \d+"
    r"(?: with status (\d+))?", re.S)
_DATE = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")  # Windows PowerShell 5: epoch milliseconds


def is_winevent(columns: Iterable[str]) -> bool:
    """The records are ``EventLogRecord``s as PowerShell writes them (lower-cased field names)."""
    return set(RECORD_FIELDS) <= set(columns)


def _event_id(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _properties(value: object) -> list[object]:
    """``Properties`` as a list of values: a list of ``{"Value": …}`` objects, or its JSON text (the
    line-by-line reader keeps it so)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if not isinstance(value, list):
        return []
    out: list[object] = []
    for p in value:
        if isinstance(p, dict):
            out.append(next((v for k, v in p.items() if k.lower() == "value"), None))
        else:
            out.append(p)
    return out


def _text(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return value if isinstance(value, str) else str(value)


def _time(value: object) -> str | None:
    """``TimeCreated`` as text ``times`` reads: PowerShell 5's ``/Date(ms)/`` as epoch
    milliseconds, PowerShell 7's ISO text as it is."""
    text = _text(value)
    if text is None:
        return None
    m = _DATE.match(text.strip())
    return m.group(1) if m else text


def _outcome(status: object) -> str | None:
    try:
        code = int(str(status).strip())
    except ValueError:
        return None
    if code in _DEAD_STATUS:
        return ""
    return "(answered)" if code in _ANSWERED_STATUS else None


def read_winevents(tbl: pa.Table) -> pa.Table:
    """The DNS look-ups of ``tbl``'s events (see the module docstring) as ``name``, ``client``,
    ``timestamp``, ``qtype``, ``answers``; other events are left out."""
    cols = {c: tbl.column(c).to_pylist() for c in WANTED if c in tbl.column_names}
    n = tbl.num_rows
    ids = [_event_id(v) for v in cols["id"]]
    has_completed = CLIENT_COMPLETED in ids
    rows: dict[str, list[str | None]] = {k: [] for k in ("name", "client", "timestamp", "qtype", "answers")}
    for i in range(n):
        eid = ids[i]
        if eid not in (SYSMON_DNS, CLIENT_COMPLETED, CLIENT_CALLED) or (eid == CLIENT_CALLED and has_completed):
            continue
        provider = (_text(cols.get("providername", [None] * n)[i]) or "").lower()
        if eid == SYSMON_DNS and provider and "sysmon" not in provider:
            continue
        if eid != SYSMON_DNS and provider and "dns-client" not in provider:
            continue
        props = _properties(cols.get("properties", [None] * n)[i])
        message = _text(cols["message"][i]) or ""
        fields = _sysmon(props, message) if eid == SYSMON_DNS else _client(props, message, eid)
        if fields is None or not fields.get("name"):
            continue
        if not fields.get("timestamp"):
            fields["timestamp"] = _time(cols.get("timecreated", [None] * n)[i])
        rows["client"].append(_text(cols["machinename"][i]))
        for k in ("name", "timestamp", "qtype", "answers"):
            rows[k].append(fields.get(k))
    text = pa.large_string()
    return pa.table({k: pa.array(v, text) for k, v in rows.items()})


def _sysmon(props: list[object], message: str) -> dict[str, str | None] | None:
    if len(props) > max(_SYSMON_AT.values()):
        return {k: _text(props[at]) for k, at in _SYSMON_AT.items()}
    found = dict(_SYSMON_LINE.findall(message))
    if "QueryName" not in found:
        return None
    return {"name": found["QueryName"], "timestamp": found.get("UtcTime") or None,
            "answers": found.get("QueryResults")}


def _client(props: list[object], message: str, eid: int) -> dict[str, str | None] | None:
    if len(props) > (_CLIENT_AT["status"] if eid == CLIENT_COMPLETED else _CLIENT_AT["qtype"]):
        status = props[_CLIENT_AT["status"]] if eid == CLIENT_COMPLETED else None
        return {"name": _text(props[_CLIENT_AT["name"]]), "qtype": _text(props[_CLIENT_AT["qtype"]]),
                "answers": _outcome(status) if status is not None else None}
    m = _CLIENT_MESSAGE.match(message)
    if m is None:
        return None
    return {"name": m.group(2), "qtype": m.group(3), "answers": _outcome(m.group(4)) if m.group(4) else None}
