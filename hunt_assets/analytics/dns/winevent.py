"""DNS look-ups in a Windows endpoint's events: its event log files (``.evtx``), the same events as
XML (``wevtutil qe … /f:xml``) and PowerShell's exports of them (``Get-WinEvent … | ConvertTo-Json``
or ``Export-Csv``). The endpoint's DNS client cache is read by ``dnscache``.

Why: on an endpoint the quickest way to a host's DNS history is its Sysmon log (event 22) or the
DNS Client's operational log (events 3006 / 3008), taken with ``Get-WinEvent``. PowerShell writes
each event as its ``EventLogRecord``: the DNS fields are not named there, only in the rendered
``Message`` text and, by position, in ``Properties``. Such a file had no name column; it was
refused ("no query-name field"), so the hunter had to write the parsing in PowerShell first.

What is read, per event: Sysmon 22 (``QueryName``, ``QueryResults``, ``UtcTime``), DNS Client 3008
("query is completed": name, type, status) and 3006 ("query is called": name and type; no
outcome) where no 3008 of the same machine, name and type completes it (a look-up still pending
when the log was taken). Fields come from ``Properties`` by the event's documented order (any
language of Windows), else from the English ``Message``. The client is the event's ``MachineName`` (the
endpoint that asked). 3008's status becomes the outcome as a response code would: the name errors
(9003 NXDOMAIN, 9002 SERVFAIL, 9005 REFUSED) are dead look-ups; 0 and 9501 (no records of that
type: the name exists) answered; others (a time-out, a local error) say nothing. An event log file
or XML names its events' data, which is then read by name. On a DNS server, its analytic events
(256 received, 257 / 258 answered) are read by ``logs``' reader of Winlogbeat's, from the
message's ``Key=value`` pairs (``server_events``) or the named data.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zlib
from collections.abc import Callable, Iterable

import pyarrow as pa

RECORD_FIELDS = ("message", "id", "machinename")  # every EventLogRecord has them
WANTED = ("message", "id", "machinename", "providername", "timecreated", "properties")
SYSMON_DNS, CLIENT_CALLED, CLIENT_COMPLETED = 22, 3006, 3008
SYSMON_NET = 3  # Sysmon's network connection: read for its connections to encrypted-DNS resolvers
# Sysmon 3's Properties (its manifest): RuleName, UtcTime, ProcessGuid, ProcessId, Image, User, Protocol,
# Initiated, SourceIsIpv6, SourceIp, SourceHostname, SourcePort, SourcePortName, DestinationIsIpv6,
# DestinationIp, DestinationHostname, DestinationPort, DestinationPortName
_NET_AT = {"utctime": 1, "image": 4, "protocol": 6, "initiated": 7, "destinationip": 14,
           "destinationhostname": 15, "destinationport": 16}
_NET_LINE = re.compile(r"^(UtcTime|Image|Protocol|Initiated|DestinationIp|DestinationHostname|DestinationPort): ?"
                       r"(.*?)\r?$", re.M)
_DEAD_STATUS = (9002, 9003, 9005)  # DNS_ERROR_RCODE_SERVER_FAILURE / NAME_ERROR / REFUSED
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


def _values(col: pa.ChunkedArray) -> list[object]:
    """A column as Python values; ``Properties`` read as Arrow holds it (a list of ``{Value}``
    structs) becomes a list of values per row from the flattened child, a few times faster than
    converting each struct to a dict."""
    import pyarrow.compute as pc

    typ = col.type
    if not (pa.types.is_list(typ) or pa.types.is_large_list(typ)) or not pa.types.is_struct(typ.value_type):
        return col.to_pylist()
    field = next((f.name for f in typ.value_type if f.name.lower() == "value"), None)
    if field is None:
        return col.to_pylist()
    out: list[object] = []
    for chunk in col.chunks:
        values = pc.struct_field(chunk.flatten(), field).to_pylist()
        offsets = pc.subtract(chunk.offsets, chunk.offsets[0]).to_pylist()
        valid = chunk.is_valid().to_pylist()
        out += [values[offsets[i] : offsets[i + 1]] if valid[i] else None for i in range(len(chunk))]
    return out


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
    if not any(isinstance(p, dict) for p in value):  # values already (``_values``)
        return value
    out: list[object] = []
    for p in value:
        if isinstance(p, dict):
            out.append(next((v for k, v in p.items() if k.lower() == "value"), None))
        else:
            out.append(p)
    return out


def as_text(value: object) -> str | None:
    """A field's value as text (numbers too), None for nothing or a nested object."""
    if value is None or isinstance(value, (dict, list)):
        return None
    return value if isinstance(value, str) else str(value)


def _time(value: object) -> str | None:
    """``TimeCreated`` as text ``times`` reads: PowerShell 5's ``/Date(ms)/`` as epoch
    milliseconds, PowerShell 7's ISO text as it is."""
    text = as_text(value)
    if text is None:
        return None
    m = _DATE.match(text.strip())
    return m.group(1) if m else text


def status_outcome(status: object) -> str | None:
    """A Windows DNS status code (3008's ``QueryStatus``, the cache's ``Status``) as ``answers``:
    "" for a dead look-up, "(answered)", or None where the code says nothing of the name."""
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
    seen = _LookUps()
    for start in range(0, max(tbl.num_rows, 1), _SLICE):  # as Python values a slice at a time: ~1.7 KB an event
        part = tbl.slice(start, _SLICE)
        n = part.num_rows
        cols = {c: _values(part.column(c)) if c in part.column_names else [None] * n for c in WANTED}
        named_cols = {c.removeprefix("eventdata."): part.column(c).to_pylist() for c in part.column_names
                      if c.removeprefix("eventdata.") in _NAMED}
        seen.feed(cols, named_cols, n)
    return seen.table()


_SLICE = 1 << 14  # events turned into Python values at once by read_winevents


SERVER_EVENTS = (256, 257, 258)  # the DNS Server's analytic QUERY_RECEIVED, RESPONSE_SUCCESS, RESPONSE_FAILURE
_SERVER_FIELD = re.compile(r"\b(TCP|Source|Destination|QNAME|QTYPE|XID|RCODE|Port)=([^;]*)")


def server_events(tbl: pa.Table) -> pa.Table | None:
    """The DNS Server's analytic events among ``tbl``'s (``Get-WinEvent -LogName
    Microsoft-Windows-DNSServer/Analytical``) as the fields ``logs.records_table`` pairs for
    Winlogbeat's events: ``eventid``, ``timestamp`` and each ``Key=value`` of the message (its keys
    are the event's field names in every language of Windows); None when there are none."""
    ids = [_event_id(v) for v in tbl.column("id").to_pylist()]
    picked = [i for i, eid in enumerate(ids) if eid in SERVER_EVENTS]
    if not picked:  # a Sysmon or DNS Client export: its messages are not converted here
        return None
    tbl = tbl.take(pa.array(picked, pa.int64()))
    n = tbl.num_rows
    cols = {c: tbl.column(c).to_pylist() if c in tbl.column_names else [None] * n
            for c in ("providername", "message", "timecreated")}
    rows: list[dict[str, str | None]] = []
    for i in range(n):
        eid = ids[picked[i]]
        provider = (as_text(cols["providername"][i]) or "").lower()
        if eid not in SERVER_EVENTS or (provider and "dnsserver" not in provider.replace("-", "")):
            continue
        fields = {k.lower(): v.strip() for k, v in _SERVER_FIELD.findall(as_text(cols["message"][i]) or "")}
        if "qname" in fields:
            rows.append({"eventid": str(eid), "timestamp": _time(cols["timecreated"][i]), **fields})
    if not rows:
        return None
    keys = sorted({k for r in rows for k in r})
    return pa.table({k: pa.array([r.get(k) for r in rows], pa.large_string()) for k in keys})


def _look_ups(cols: dict[str, list[object]], named_cols: dict[str, list[object]], n: int) -> pa.Table:
    """``read_winevents`` on columns as Python lists (``WANTED``; the named data, where an event
    log gives it, in ``named_cols``)."""
    seen = _LookUps()
    seen.feed(cols, named_cols, n)
    return seen.table()


class _LookUps:
    """The look-ups and connections of a log's events, fed a slice of its columns at a time: what pairs
    3006 with 3008 spans the whole log, so it is kept here from slice to slice."""

    def __init__(self) -> None:
        self.conns: list[list] = []  # Sysmon 3's connections to encrypted-DNS resolvers
        self.looked_up: list[_Seen] = []  # Sysmon 22 and 3008: (machine, fields)
        self.called: list[_Seen] = []  # 3006, paired with 3008 in ``table``
        self.completed: dict[_Key, int] = {}  # 3008 per look-up key

    def table(self) -> pa.Table:
        from hunt_assets.analytics.dns import connections

        rows: dict[str, list[str | None]] = {k: [] for k in ("name", "client", "timestamp", "qtype", "answers")}
        for machine, fields in self.looked_up + _pending(self.called, self.completed):
            rows["client"].append(machine)
            for k in ("name", "timestamp", "qtype", "answers"):
                rows[k].append(fields.get(k))
        text = pa.large_string()
        return connections.attach(pa.table({k: pa.array(v, text) for k, v in rows.items()}), self.conns)

    def feed(self, cols: dict[str, list[object]], named_cols: dict[str, list[object]], n: int) -> None:
        """Events 0 to ``n`` of columns as Python lists (``_look_ups``)."""
        conns, looked_up, called, completed = self.conns, self.looked_up, self.called, self.completed
        ids = [_event_id(v) for v in cols["id"]]
        for i in range(n):
            eid = ids[i]
            if eid == SYSMON_NET:
                row = _connection(cols, named_cols, i)
                if row is not None:
                    conns.append(row)
                continue
            if eid not in (SYSMON_DNS, CLIENT_COMPLETED, CLIENT_CALLED):
                continue
            provider = (as_text(cols["providername"][i]) or "").lower()
            if eid == SYSMON_DNS and provider and "sysmon" not in provider:
                continue
            if eid != SYSMON_DNS and provider and "dns-client" not in provider:
                continue
            named = {k: named_cols[k][i] for k in named_cols}
            if named.get("queryname") is not None:  # an event log's named data: no positions needed
                fields = _named(named, eid)
            else:
                props = _properties(cols["properties"][i])
                message = as_text(cols["message"][i]) or ""
                fields = _sysmon(props, message) if eid == SYSMON_DNS else _client(props, message, eid)
            if fields is None or not fields.get("name"):
                continue
            if not fields.get("timestamp"):
                fields["timestamp"] = _time(cols["timecreated"][i])
            machine = as_text(cols["machinename"][i])
            if eid == CLIENT_CALLED:
                called.append((machine, fields))
                continue
            if eid == CLIENT_COMPLETED:
                key = _look_up_key(machine, fields)
                completed[key] = completed.get(key, 0) + 1
            looked_up.append((machine, fields))


def _connection(cols: dict[str, list[object]], named_cols: dict[str, list[object]], i: int) -> list | None:
    """Event ``i``, a Sysmon 3 (network connection), as a row of ``connections.FIELDS`` when the machine
    opened it to an encrypted-DNS resolver (``connections.Watch``; Sysmon's ``DestinationHostname``, the
    address's reverse name, stands for a server name), else None. The image is kept: a program that is
    neither a browser nor DNS software resolving over HTTPS is how a DoH tunnel looks. Fields by name
    (an event log file), else by ``Properties``' order when the provider is Sysmon, else from the English
    ``Message``."""
    from hunt_assets.analytics.dns import connections

    provider = (as_text(cols["providername"][i]) or "").lower()
    if provider and "sysmon" not in provider:
        return None
    named = {k: named_cols[k][i] for k in named_cols}
    if named.get("destinationport") is not None:
        f = {k: as_text(named.get(k)) for k in _NET_AT}
    else:
        props = _properties(cols["properties"][i])
        if provider and len(props) > max(_NET_AT.values()):
            f = {k: as_text(props[at]) for k, at in _NET_AT.items()}
        else:
            f = {k.lower(): v for k, v in _NET_LINE.findall(as_text(cols["message"][i]) or "")}
    port = (f.get("destinationport") or "").strip()
    if not port.isdigit() or (f.get("initiated") or "").strip().lower() not in ("true", "1"):
        return None
    dst, host = (f.get("destinationip") or "").strip(), (f.get("destinationhostname") or "").strip().lower()
    w = connections.watch()
    if not (w.watches(dst, int(port)) or w.names_resolver(host)):
        return None
    when = f.get("utctime") or _time(cols["timecreated"][i])
    image = (f.get("image") or "").strip()
    return [as_text(cols["machinename"][i]), dst, int(port), (f.get("protocol") or "tcp").strip().lower(), 1,
            when, when, host if host and host != "-" else None, None, image or "unknown process"]


_Key = tuple[str | None, str, str | None]  # a DNS Client look-up: machine, name (lower case), type
_Seen = tuple[str | None, dict[str, str | None]]  # an event read: its machine and fields


def _look_up_key(machine: str | None, fields: dict[str, str | None]) -> _Key:
    return machine, (fields.get("name") or "").lower(), fields.get("qtype")


def _pending(called: list[_Seen], completed: dict[_Key, int]) -> list[_Seen]:
    """The 3006 events ("query is called") that no 3008 ("query is completed") of the same machine,
    name and type answers: look-ups still pending when the log was taken, or whose 3008 was lost.

    Why: both events describe one look-up, so a 3006 with its 3008 is read once (as 3008, which
    has the outcome); but keeping only 3008 lost every look-up caught in flight, which a hunter
    taking a log during an outbreak sees most. Pairing is by counts: of a key's n 3006 and m 3008
    events, the latest n - m 3006 (by time; the log's order is newest first from ``Get-WinEvent``
    and oldest first from ``wevtutil``) are kept."""
    by_key: dict[_Key, list[int]] = {}
    for j, (machine, fields) in enumerate(called):
        by_key.setdefault(_look_up_key(machine, fields), []).append(j)
    keep: list[int] = []
    for key, js in by_key.items():
        surplus = len(js) - completed.get(key, 0)
        if surplus > 0:
            keep += sorted(js, key=lambda j: called[j][1].get("timestamp") or "")[-surplus:]
    return [called[j] for j in sorted(keep)]


_NAMED = ("queryname", "utctime", "queryresults", "querytype", "querystatus",  # eventdata.<name> columns
          *_NET_AT)


def _named(named: dict[str, object], eid: int) -> dict[str, str | None]:
    if eid == SYSMON_DNS:
        return {"name": as_text(named.get("queryname")), "timestamp": as_text(named.get("utctime")) or None,
                "answers": as_text(named.get("queryresults"))}
    status = named.get("querystatus") if eid == CLIENT_COMPLETED else None
    return {"name": as_text(named.get("queryname")), "qtype": as_text(named.get("querytype")),
            "answers": status_outcome(status) if status is not None else None}


def _sysmon(props: list[object], message: str) -> dict[str, str | None] | None:
    if len(props) > max(_SYSMON_AT.values()):
        return {k: as_text(props[at]) for k, at in _SYSMON_AT.items()}
    found = dict(_SYSMON_LINE.findall(message))
    if "QueryName" not in found:
        return None
    return {"name": found["QueryName"], "timestamp": found.get("UtcTime") or None,
            "answers": found.get("QueryResults")}


def _client(props: list[object], message: str, eid: int) -> dict[str, str | None] | None:
    if len(props) > (_CLIENT_AT["status"] if eid == CLIENT_COMPLETED else _CLIENT_AT["qtype"]):
        status = props[_CLIENT_AT["status"]] if eid == CLIENT_COMPLETED else None
        return {"name": as_text(props[_CLIENT_AT["name"]]), "qtype": as_text(props[_CLIENT_AT["qtype"]]),
                "answers": status_outcome(status) if status is not None else None}
    m = _CLIENT_MESSAGE.match(message)
    if m is None:
        return None
    return {"name": m.group(2), "qtype": m.group(3), "answers": status_outcome(m.group(4)) if m.group(4) else None}


# Windows event log files (.evtx), as a collection (KAPE, Velociraptor) or wevtutil epl gives them
EVTX_MAGIC = b"ElfFile\x00"
_EVTX_CHUNK = 1 << 16


def is_evtx(head: bytes) -> bool:
    return head[:8] == EVTX_MAGIC


def _evtx_id(system: dict) -> int | None:
    value = system.get("EventID")
    if isinstance(value, dict):  # with its Qualifiers attribute: the number is the element's text
        value = value.get("#text")
    return _event_id(value)


def _attribute(value: object, name: str) -> object:
    return value.get("#attributes", {}).get(name) if isinstance(value, dict) else None


def _event_data(event: dict) -> dict[str, object]:
    """An event's named data (``EventData``'s ``Data Name=…`` elements; a ``UserData`` payload's
    fields), in order; ``{}`` for unnamed data."""
    data = event.get("EventData")
    if not isinstance(data, dict):
        user = event.get("UserData")
        data = next(iter(user.values()), None) if isinstance(user, dict) and user else None
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if k != "#attributes" and not isinstance(v, (dict, list))}


def read_evtx(data: bytes | bytearray, warn: Callable[[str], None] | None = None) -> pa.Table:
    """The DNS look-ups in a Windows event log file: Sysmon 22 and DNS Client 3006 / 3008 as
    ``read_winevents`` reads them from PowerShell, the DNS Server's analytic events (saved as
    .evtx) as ``logs.records_table`` reads Winlogbeat's. The binary XML is read by the ``evtx``
    package (Rust); damaged chunks are skipped and counted, as Windows' own reader skips them."""
    from hunt_assets.analytics.dns import logs

    try:
        from evtx import PyEvtxParser
    except ImportError:  # pragma: no cover - a dependency of the package
        raise logs.LogFormatError("reading .evtx files needs the 'evtx' package (pip install evtx)") from None
    try:
        records = PyEvtxParser(_ViewReader(memoryview(data)), number_of_threads=1).records_json()
    except (RuntimeError, OSError, ValueError) as exc:
        raise logs.LogFormatError(f"an .evtx file that does not open: {exc}") from None
    rows: list[dict[str, object]] = []
    bad, limit = 0, len(data) // _EVTX_CHUNK + 64  # an error per damaged chunk or record, then the end
    while bad <= limit:
        try:
            rec = next(records)
        except StopIteration:
            break
        except (RuntimeError, OSError, ValueError):
            bad += 1
            continue
        except BaseException as exc:  # a panic in the Rust reader (pyo3's PanicException is a BaseException)
            if type(exc).__name__ != "PanicException":
                raise
            bad += 1
            continue
        try:
            event = json.loads(rec["data"]).get("Event", {})
        except (ValueError, KeyError, TypeError, AttributeError):
            bad += 1
            continue
        rows.append(_event_row(event))
    if bad and warn is not None:
        warn(f"{bad} damaged record(s) or chunk(s) of the event log skipped")
    altered, dirty = evtx_checksums(data)
    if altered and warn is not None:
        why = ("the log was copied while Windows had it open (its header says so), or it was changed after"
               if dirty else "changed or damaged after Windows wrote them")
        warn(f"{altered} chunk(s) of the event log whose checksums do not match ({why}): their events are read as "
             "they are, and may not be what Windows logged")
    return _events_table(rows, warn)


_EVTX_FILE_HEADER = 4096


def evtx_checksums(data: bytes | bytearray) -> tuple[int, bool]:
    """(chunks whose header or records checksum does not match, whether the file header says the
    log is dirty). Why: an event log's chunks carry CRC32s of their header and of their records,
    and Windows' reader checks them; the ``evtx`` package does not, so a byte overwritten inside a
    record could change a name with no word. A chunk that does not match is still read (a log
    copied while open, as a live triage collection copies it, can hold a chunk written after its
    checksum), and the hunter is told."""
    dirty = len(data) >= 124 and bool(struct.unpack_from("<I", data, 120)[0] & 1)
    altered = 0
    for at in range(_EVTX_FILE_HEADER, len(data) - 512 + 1, _EVTX_CHUNK):
        head = bytes(data[at : at + 512])
        if head[:8] != b"ElfChnk\x00":
            continue  # an empty or damaged chunk: the reader skips and counts it
        free = struct.unpack_from("<I", head, 48)[0]
        records = bytes(data[at + 512 : at + min(max(free, 512), _EVTX_CHUNK)])
        if (zlib.crc32(head[:120] + head[128:]) != struct.unpack_from("<I", head, 124)[0]
                or zlib.crc32(records) != struct.unpack_from("<I", head, 52)[0]):
            altered += 1
    return altered, dirty


class _ViewReader(io.RawIOBase):
    """A seekable file over a buffer, without copying it. Why: the parser reads its file in small
    pieces, and ``io.BytesIO(bytes(data))`` copied the whole log first (250 MiB more at the peak
    for a 250 MiB log)."""

    def __init__(self, view: memoryview) -> None:
        self.view, self.pos = view, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        n = max(0, min(len(b), len(self.view) - self.pos))
        b[:n] = self.view[self.pos : self.pos + n]
        self.pos += n
        return n

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: len(self.view)}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def tell(self) -> int:
        return self.pos


def _event_row(event: object) -> dict[str, object]:
    """An event (``Event`` as the ``evtx`` package renders it in JSON) as a row of the columns
    ``read_winevents`` reads, plus its named data as ``eventdata.<name>``."""
    if not isinstance(event, dict):
        event = {}
    system = event.get("System", {})
    system = system if isinstance(system, dict) else {}
    fields = _event_data(event)
    return {
        "id": _evtx_id(system), "providername": _attribute(system.get("Provider"), "Name"),
        "machinename": system.get("Computer"), "timecreated": _attribute(system.get("TimeCreated"), "SystemTime"),
        "message": "", "properties": list(fields.values()),
        **{f"eventdata.{k.lower()}": v for k, v in fields.items()},
    }


def _events_table(rows: list[dict[str, object]], warn: Callable[[str], None] | None) -> pa.Table:
    """The DNS look-ups of events read from a log file (binary or XML): Sysmon's and the DNS
    Client's through ``read_winevents``, the DNS Server's analytic ones through
    ``logs.records_table``; an error naming the providers when there are none."""
    from hunt_assets.analytics.dns import connections, logs

    ids = {r["id"] for r in rows}
    text = pa.large_string()

    def column(key: str) -> pa.Array:
        return pa.array([None if (v := r.get(key)) is None else str(v) for r in rows], text)

    if ids & {SYSMON_DNS, CLIENT_COMPLETED, CLIENT_CALLED, SYSMON_NET}:
        named = {k: [r.get(f"eventdata.{k}") for r in rows] for k in _NAMED}
        found = _look_ups({k: [r.get(k) for r in rows] for k in WANTED}, named, len(rows))
        if found.num_rows:
            return found
        if held := connections.carried(found):  # Sysmon 3 only: connections for --hosts, no look-ups
            if warn is not None:
                warn(f"no DNS look-ups: {len(held):,} Sysmon network connection(s) to encrypted-DNS resolvers "
                     "(listed by --hosts)")
            return found
    keys = sorted({k for r in rows for k in r if k.startswith("eventdata.")})
    table = pa.table({"eventid": column("id"), "computer": column("machinename"),
                      "timecreated": column("timecreated"), **{k: column(k) for k in keys}})
    try:
        out = logs.records_table(table, warn)
    except (pa.ArrowInvalid, logs.LogFormatError):
        out = pa.table({})
    if "name" not in out.column_names:
        seen = ", ".join(sorted({str(r["providername"]) for r in rows}))[:200] or "none"
        raise logs.LogFormatError(f"an event log without DNS query events (Sysmon 22, DNS Client 3006 / 3008, "
                                  f"DNS Server analytic 256); its providers: {seen}")
    return out


# events as XML: ``wevtutil qe <log> /f:xml`` (one <Event> after another, no root element) and
# Event Viewer's "Save as XML" (<Events> around them); a DOCTYPE is matched here to be refused later
_XML_EVENT = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!DOCTYPE[^[>]*(?:\[[^\]]*\])?\s*>\s*)?"
                        rb"(?:<Events>\s*)?<Event[\s>]")
_EVENT_NS = "{http://schemas.microsoft.com/win/2004/08/events/event}"


def is_event_xml(head: bytes) -> bool:
    return _XML_EVENT.match(head.lstrip(b"\xef\xbb\xbf")) is not None


def _xml_event(elem: object) -> dict[str, object]:
    """An <Event> element in the shape the ``evtx`` package gives in JSON."""
    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    out: dict[str, object] = {}
    for part in elem:  # type: ignore[attr-defined]
        name = local(part.tag)
        if name == "System":
            system: dict[str, object] = {}
            for f in part:
                system[local(f.tag)] = {"#attributes": dict(f.attrib)} if f.attrib and not (f.text or "").strip() \
                    else (f.text or "")
            out["System"] = system
        elif name in ("EventData", "UserData"):
            holder = part if name == "EventData" else next(iter(part), None)
            data = {}
            for i, f in enumerate(holder if holder is not None else []):
                key = f.attrib.get("Name") or (local(f.tag) if name == "UserData" else f"Data{i}")
                data[key] = f.text or ""
            out[name] = data if name == "EventData" else {"x": data}
    return out


def read_event_xml(data: bytes | bytearray, warn: Callable[[str], None] | None = None) -> pa.Table:
    """Events as XML (``wevtutil qe … /f:xml``, Event Viewer's "Save as XML"), read as .evtx files
    are (``read_evtx``). The events are parsed under a root of our own, element by element; a
    document that breaks keeps the events before the break, and ``warn`` says so."""
    import xml.etree.ElementTree as ET

    from hunt_assets.analytics.dns import logs

    text = bytes(data).lstrip(b"\xef\xbb\xbf")
    text = re.sub(rb"^\s*<\?xml[^>]*>", b"", text)
    if b"<!DOCTYPE" in text[:1 << 16] or b"<!ENTITY" in text[:1 << 16]:  # no event export has them: entities
        raise logs.LogFormatError("XML with a DOCTYPE or entities is not read (Windows' event exports have none)")
    parser = ET.XMLPullParser(events=("end",))
    rows: list[dict[str, object]] = []

    def take() -> None:
        for _, elem in parser.read_events():
            if elem.tag in ("Event", f"{_EVENT_NS}Event"):
                rows.append(_event_row(_xml_event(elem)))
                elem.clear()

    try:  # a break is raised by feed, close or, for what feed read, by read_events after the events before it
        parser.feed(b"<root>")
        for at in range(0, len(text), 1 << 20):  # in pieces: the events read so far are turned into rows
            parser.feed(text[at : at + (1 << 20)])
            take()
        parser.feed(b"</root>")
        take()
        parser.close()
    except ET.ParseError as exc:
        if warn is not None:
            warn(f"the XML breaks ({exc}); the {len(rows):,} events before the break are read")
    if not rows:
        raise logs.LogFormatError("XML without Windows events")
    return _events_table(rows, warn)
