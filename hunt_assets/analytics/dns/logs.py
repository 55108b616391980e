"""DNS logs as sensors write them, for ``score-dns``: Zeek's ASCII ``dns.log``, JSON lines (Zeek's
JSON logs, Suricata's ``eve.json``), Windows DNS Server's debug log, and gzip.

Why: a hunter's first move with a sensor's log is ``hunt-assets score-dns dns.log``. Zeek's
native format is not CSV: a block of ``#`` directives (``#separator \\x09``, ``#fields ts uid
id.orig_h ...``, ``#types``), tab-separated rows without quoting, ``-`` for an unset field and
``(empty)`` for an empty one, a ``#close`` line, and a new header block wherever logs were
concatenated; rotated logs are gzipped. Read as a plain list, every row was one "name" and came out
``invalid``. Here the header gives the column names (``query``, ``id.orig_h``, ``ts``, ``qtype``
map onto ``name``, ``client``, ``timestamp``, ``qtype`` as for CSV), and a gzipped file is
unpacked first, whatever it holds. JSON lines are read by field name (``NAME_COLUMNS``, ``ALIASES``), nested
objects as dotted names (Suricata's ``dns.rrname``; Suricata 8's ``dns.queries`` list a row per
question), with Suricata's non-DNS events left out and its answer events matched to their
queries; a file Arrow's JSON reader refuses (a field that changes type, a line that is not JSON) is
read line by line, and only the lines that are not JSON objects are lost, counted.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import io
import re
import struct
import zlib
from collections.abc import Callable, Collection, Iterator
from datetime import tzinfo
from typing import TYPE_CHECKING, BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv

if TYPE_CHECKING:  # numpy is imported where it is used, as in the rest of this module
    import numpy as np

from hunt_assets.analytics.dns import connections

# the column names of every input format (CSV headers, Zeek's #fields, JSON field names with nested
# objects as dotted names), any case. The query name, in order of preference: our own, Defender's
# DeviceEvents, Zeek's dns.log, common DGA / domain lists, Suricata, the Elastic Common Schema
NAME_COLUMNS = ("name", "queryname", "query", "qname", "dnsquery", "domain", "fqdn", "rrname", "dns.rrname",
                "dns.question.name", "query_name", "query.hostname")
# the optional columns, by the names Defender, Sentinel, Zeek, Suricata and ECS give them
ALIASES = {
    "client": "client",
    "devicename": "client",
    "clientip": "client",
    "id.orig_h": "client",
    "timestamp": "timestamp",
    "ts": "timestamp",
    "qtype": "qtype",
    "querytype": "qtype",
    "qtype_name": "qtype",
    "answers": "answers",
    "timegenerated": "timestamp",
    "@timestamp": "timestamp",
    "src_ip": "client",
    "source.ip": "client",
    "client.ip": "client",
    "client_ip": "client",
    "rrtype": "qtype",
    "dns.rrtype": "qtype",
    "dns.question.type": "qtype",
    "host.name": "client",  # ECS from an endpoint (Sysmon's DNS events through Winlogbeat): the host asked
    # Sysmon's DNS query event (ID 22), as Sentinel's Event parsers or an event-log export give it:
    # the endpoint's name, UTC time, and the results ('-' when the look-up failed)
    "computer": "client",
    "utctime": "timestamp",
    "queryresults": "answers",
    # Microsoft Sentinel's normalized DNS schema (ASIM: _Im_Dns, ASimDnsActivityLogs)
    "srcipaddr": "client",
    "dnsquerytypename": "qtype",
    "dnsquerytype": "qtype",
    "eventstarttime": "timestamp",
    "eventtime": "timestamp",  # NXLog's events (the Windows host's local time)
    # the response code, where a source logs one but no answers (ASIM, Sentinel's DnsEvents, Zeek,
    # ECS): read into ``answers`` by ``answers_from_rcode``, names before numbers
    "dnsresponsecodename": "rcode",
    "eventresultdetails": "rcode",
    "rcode_name": "rcode",
    "dns.response_code": "rcode",
    "dnsresponsecode": "rcode",
    "resultcode": "rcode",
    "rcode": "rcode",
    # cloud resolvers' query logs, after every name above: AWS Route 53 Resolver (query_name, srcaddr,
    # query_timestamp), OCSF DNS Activity as Amazon Security Lake stores it (query.hostname,
    # src_endpoint.ip, time in epoch milliseconds), Google Cloud DNS through Cloud Logging
    # (jsonPayload.queryName, .sourceIP, .responseCode), Azure Firewall's DNS proxy (AZFWDnsQuery)
    "srcaddr": "client",
    "src_endpoint.ip": "client",
    "jsonpayload.sourceip": "client",
    "sourceip": "client",
    "query_timestamp": "timestamp",
    "time": "timestamp",
    "query_type": "qtype",
    "query.type": "qtype",
    "jsonpayload.querytype": "qtype",
    "jsonpayload.responsecode": "rcode",
    "responsecode": "rcode",
    # Splunk's events (its Network Resolution data model: src, record_type, reply_code; the time in _time)
    "_time": "timestamp",
    "src": "client",
    "record_type": "qtype",
    "reply_code": "rcode",
}
# JSON exports of Windows events nest Sysmon's fields under an object whose name depends on the
# tool (event_data, EventData, winlog.event_data, Event.EventData ...): these are matched by their
# last part when no field has the exact name
_NESTED_FIELDS = {"name": ("queryname",), "client": ("computer", "computer_name"), "timestamp": ("utctime",),
                  "answers": ("queryresults",)}

# Defender's raw DeviceEvents (DnsQueryResponse) and DeviceNetworkEvents (DnsConnectionInspected)
# rows: the query is inside the AdditionalFields JSON, under these keys
ADDITIONAL_FIELDS = "additionalfields"
AF_NAME_KEYS = ("DnsQueryString", "query")
AF_QTYPE_KEYS = ("qtype_name",)

GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
ZEEK_HEADER = b"#separator "
# the lines of a Zeek header block (and '#close'), by their first field: where logs were
# concatenated they reappear among the rows, and '#fields' / '#types' have the rows' width
_DIRECTIVES = ("#separator \\x09", "#set_separator", "#empty_field", "#unset_field", "#path", "#open", "#fields",
               "#types", "#close")


class LogFormatError(ValueError):
    """A file that claims a log format and breaks it (a Zeek header without ``#fields``)."""


# compressed inputs by their magic bytes: rotated logs (gzip, bzip2, xz, zstd), lz4 frames
_PACKED = ((GZIP_MAGIC, "gzip"), (b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"),
           (b"\x04\x22\x4d\x18", "lz4"))
_BZIP2 = re.compile(rb"BZh[1-9]1AY&SY")


def unpack(data: bytearray, warn: Callable[[str], None] | None = None) -> bytearray:
    """``data`` unpacked when it is gzip, bzip2, xz, zstd or lz4 (concatenated members too, as
    ``cat a.gz b.gz`` makes), else ``data`` itself. A damaged or cut-off archive keeps the whole
    lines that unpacked before the damage and ``warn`` says so; one where nothing unpacks is a
    ``LogFormatError``. (logrotate compresses with gzip unless told otherwise; ``xz``, ``bzip2`` and
    ``zstd`` are its common ``compresscmd``s.)"""
    kind = packed_kind(bytes(data[:10]))
    if kind is None:
        return data
    out = bytearray()
    try:
        if kind in ("zstd", "lz4"):  # Arrow's streams read concatenated frames
            with pa.CompressedInputStream(pa.BufferReader(pa.py_buffer(data)), kind) as stream:
                while chunk := stream.read(1 << 16):  # small reads: a cut stream keeps what came before
                    out += chunk
        else:
            rest = bytes(data)
            while rest:
                d = _decompressor(kind)
                out += d.decompress(rest)  # type: ignore[attr-defined]
                if not d.eof:  # type: ignore[attr-defined]
                    raise EOFError("the archive is cut off")
                rest = d.unused_data  # type: ignore[attr-defined]
    except _unpack_errors() as exc:
        if not out:
            raise LogFormatError(f"a {kind} file that does not unpack: {exc}") from None
        del out[out.rfind(b"\n") + 1 :]
        if warn is not None:
            warn(f"the {kind} data is damaged or cut off ({exc}); read the {len(out):,} bytes of whole lines before it")
    return out


def packed_kind(head: bytes) -> str | None:
    """The compression ``unpack`` reads that ``head`` (a stream's first bytes) starts with, or None."""
    kind = next((k for magic, k in _PACKED if head.startswith(magic)), None)
    return "bzip2" if kind is None and _BZIP2.match(head[:10]) else kind


def _decompressor(kind: str) -> object:
    """A gzip, bzip2 or xz decompressor for one member (zstd and lz4 go through Arrow's streams)."""
    import bz2  # only now: a plain list's start-up does not pay for them
    import lzma

    return (zlib.decompressobj(wbits=31) if kind == "gzip" else bz2.BZ2Decompressor() if kind == "bzip2"
            else lzma.LZMADecompressor())


def _unpack_errors() -> tuple[type[BaseException], ...]:
    """What a damaged or cut-off packed input raises, whichever its compression."""
    import lzma

    return zlib.error, EOFError, OSError, lzma.LZMAError, pa.ArrowException


def unpacked_head(head: bytes, kind: str, n: int) -> bytes:
    """Up to ``n`` bytes of what a packed stream starting with ``head`` unpacks to, from ``head``
    alone (less, or nothing, when ``head`` is too short for them: a bzip2 block, a zstd frame)."""
    try:
        if kind in ("zstd", "lz4"):
            with pa.CompressedInputStream(pa.BufferReader(pa.py_buffer(head)), kind) as stream:
                return bytes(stream.read(n))
        return bytes(_decompressor(kind).decompress(head, n))  # type: ignore[attr-defined]  # n at most: a bomb stays small
    except (*_unpack_errors(), ValueError):
        return b""


class UnpackingReader(io.RawIOBase):
    """``unpack`` as a stream: what a packed file or pipe unpacks to, read as it unpacks
    (concatenated members too), for readers that go through their input a piece at a time (a
    capture). A damaged or cut-off stream ends where the damage is, and ``warn`` says so once.

    Why: ``unpack`` holds the whole unpacked input, and a sensor's rotated captures
    (``tcpdump -G 3600 -z gzip``) are gigabytes unpacked for the few DNS packets in them."""

    _READ = 1 << 16  # packed bytes read at a time: at most ~1,000 times that unpacked (deflate's limit)

    def __init__(self, raw: BinaryIO, kind: str, warn: Callable[[str], None] | None = None) -> None:
        self.raw, self.kind, self.warn = raw, kind, warn
        self.out = b""  # unpacked, not yet read
        self.at = 0
        self.total = 0
        self.ended = False
        self.arrow = (pa.CompressedInputStream(pa.PythonFile(raw, mode="r"), kind) if kind in ("zstd", "lz4")
                      else None)
        self.d = None if self.arrow is not None else _decompressor(kind)

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        while self.at >= len(self.out) and not self.ended:
            try:
                self.out, self.at = self._unpack_more(), 0
            except _unpack_errors() as exc:
                self.out, self.at, self.ended = b"", 0, True
                if self.warn is not None:
                    self.warn(f"the {self.kind} data is damaged or cut off ({exc}); read the {self.total:,} bytes "
                              "unpacked before it")
        n = min(len(b), len(self.out) - self.at)
        b[:n] = self.out[self.at : self.at + n]
        self.at += n
        self.total += n
        return n

    def _unpack_more(self) -> bytes:
        if self.arrow is not None:
            chunk = self.arrow.read(self._READ)
            self.ended = not chunk
            return bytes(chunk)
        d = self.d
        data = self.raw.read(self._READ)
        if d.eof:  # type: ignore[union-attr]  # a member ended: the next one (``cat a.gz b.gz``)
            data = d.unused_data + data  # type: ignore[union-attr]
            if not data:
                self.ended = True
                return b""
            d = self.d = _decompressor(self.kind)
        elif not data:
            raise EOFError("the archive is cut off")
        return d.decompress(data)  # type: ignore[union-attr]


_UTF_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe", "utf-16-le"),
             (b"\xfe\xff", "utf-16-be"))


def utf16_as_utf8(data: bytearray) -> bytearray:
    """``data`` re-encoded as UTF-8 when it is UTF-16 or UTF-32 (by its byte-order mark, or UTF-16
    without one: a NUL after every character of its start), else ``data`` itself.

    Why: Windows PowerShell 5 writes ``>`` and ``Out-File`` as UTF-16 ("Unicode"), so ``Get-WinEvent
    … | ConvertTo-Json > dns.json`` or a query's output saved that way reached the readers as text
    with a NUL after every letter, and every line came out as one ``invalid`` name. Bytes that do
    not decode (a cut-off last byte, a lone surrogate) are kept as ``\\xNN`` escapes, as other bytes
    that are not UTF-8 are."""
    codec = next((c for bom, c in _UTF_BOMS if data.startswith(bom)), None)
    head = bytes(data[:64])
    if codec is None and len(head) >= 8 and len(head) % 2 == 0:
        if not any(head[1::2]) and all(head[0::2]):
            codec = "utf-16-le"
        elif not any(head[0::2]) and all(head[1::2]):
            codec = "utf-16-be"
    if codec is None:
        return data
    text = bytes(data).decode(codec, "backslashreplace").lstrip("\ufeff")
    return bytearray(text.encode("utf-8", "backslashreplace"))


_ANY_TEXT = re.compile(rb"\S")


def is_zeek_ascii(head: bytes) -> bool:
    """The file starts as a Zeek ASCII log does (``#separator \\x09``)."""
    return head.startswith(ZEEK_HEADER)


def _unescape(value: bytes) -> bytes:
    """Zeek's header values escape bytes as ``\\xNN`` (the separator is ``\\x09``)."""
    out = bytearray()
    i = 0
    while i < len(value):
        if value[i : i + 2] == b"\\x" and i + 4 <= len(value):
            try:
                out.append(int(value[i + 2 : i + 4], 16))
                i += 4
                continue
            except ValueError:
                pass
        out.append(value[i])
        i += 1
    return bytes(out)


def zeek_fields(data: bytes | bytearray) -> list[str]:
    """The ``#fields`` of a Zeek ASCII log, read from its header alone: which log it is (dns.log's ``query``,
    conn.log's ``conn_state``) decides what to read, so a large file is parsed once."""
    return _zeek_header(data)[0]


def _zeek_header(data: bytes | bytearray) -> tuple[list[str], list[str], bytes, bytes, bytes, int]:
    """(fields, types, separator, unset, empty, where the rows begin) of a Zeek ASCII log's header."""
    sep, unset, empty = b"\t", b"-", b"(empty)"
    fields: list[str] | None = None
    types: list[str] = []
    pos = 0
    while pos < len(data) and data[pos : pos + 1] == b"#":
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end
        line = bytes(data[pos:end]).rstrip(b"\r")
        if not line.startswith(ZEEK_HEADER) and line.split(sep, 1)[0].decode("latin-1") not in _DIRECTIVES:
            break  # the first row, whose first field happens to start with '#'
        pos = end + 1
        if line.startswith(ZEEK_HEADER):
            sep = _unescape(line[len(ZEEK_HEADER) :].strip()) or sep
        elif line.startswith(b"#fields" + sep):
            fields = [f.decode("utf-8", "backslashreplace") for f in line.split(sep)[1:]]
        elif line.startswith(b"#types" + sep):
            types = [t.decode("utf-8", "replace") for t in line.split(sep)[1:]]
        elif line.startswith(b"#unset_field" + sep):
            unset = line.split(sep, 1)[1]
        elif line.startswith(b"#empty_field" + sep):
            empty = line.split(sep, 1)[1]
    if not fields:
        raise LogFormatError("a Zeek log (it starts with '#separator') without a '#fields' line")
    return fields, types, sep, unset, empty, pos


def read_zeek_ascii(
    data: bytes | bytearray, warn: Callable[[str], None] | None = None, wanted: Collection[str] | None = None
) -> pa.Table:
    """A Zeek ASCII log as a table of its ``#fields`` (every column text, unset fields null, empty
    ones ""); only those whose lower-cased name is in ``wanted``, when given (a dns.log has 24
    fields and a scorer reads five: the others are not converted at all). Later header blocks and
    ``#close`` lines are skipped; a row with the wrong number of fields is split at the separator
    and padded or cut, and ``warn`` is told how many there were."""
    fields, types, sep, unset, empty, pos = _zeek_header(data)
    if len(sep) != 1:
        raise LogFormatError(f"a Zeek log whose separator is not one byte: {sep!r}")
    bad: list[str] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        if row.text.split(sep.decode("latin-1"), 1)[0] not in _DIRECTIVES:  # '#close', later headers
            bad.append(row.text)
        return "skip"

    text = pa.large_string()
    if _ANY_TEXT.search(data, pos) is None:  # an hour without queries: the header alone
        return pa.table({f: pa.array([], text) for f in fields})
    kept = [f for f in fields if wanted is None or f.lower() in wanted]
    read = list(dict.fromkeys([fields[0], *kept]))  # the first field tells header lines from rows
    tbl = pacsv.read_csv(
        pa.BufferReader(pa.py_buffer(data)[pos:]),  # no copy: a day's conn.log is gigabytes
        read_options=pacsv.ReadOptions(column_names=fields, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(
            delimiter=sep.decode("latin-1"), quote_char=False, escape_char=False, newlines_in_values=False,
            ignore_empty_lines=True, invalid_row_handler=on_invalid,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(read, text), strings_can_be_null=False, include_columns=read
        ),
    )
    if bad:
        rows = [(ln.split(sep.decode("latin-1")) + [""] * len(fields))[: len(fields)] for ln in bad]
        extra = pa.table({f: pa.array([r[fields.index(f)] for r in rows], text) for f in read})
        tbl = pa.concat_tables([tbl, extra])
        if warn is not None:
            warn(f"{len(bad)} Zeek row(s) with the wrong number of fields read field by field, e.g. {bad[0][:80]!r}")
    import pyarrow.compute as pc

    # a later header block's '#fields' / '#types' lines have the right number of fields
    keep = pc.invert(pc.is_in(tbl.column(0), pa.array(_DIRECTIVES, text)))
    if not pc.all(keep).as_py():
        tbl = tbl.filter(keep)
    null = pa.scalar(None, text)
    type_of = dict(zip(fields, types, strict=False))
    cols = []
    for f in kept:
        col = tbl.column(f)
        col = pc.if_else(pc.equal(col, unset.decode("utf-8", "replace")), null, col)
        col = pc.if_else(pc.equal(col, empty.decode("utf-8", "replace")), pa.scalar("", text), col)
        if type_of.get(f) == "time":  # epoch seconds: numbers for times.to_ns, which also reads them as text
            with contextlib.suppress(pa.ArrowInvalid, pa.ArrowNotImplementedError):
                col = pc.cast(col, pa.float64())
        cols.append(col)
    return pa.table(cols, names=kept)


_JSON_FILTERS = ("event_type", "dns.type")  # Suricata: DNS events, and their queries (not answers)
# Suricata's answer events: matched to their query by flow and DNS transaction id; records in
# ``dns.rdata`` (format 1, an event per record), ``dns.answers`` / ``dns.grouped.*`` (formats 2, 3).
# Ports and the responder tell the client of a response (a log of responses only)
_SURICATA_ANSWER = ("flow_id", "dns.id", "dns.rdata", "dns.answers", "src_port", "dest_ip", "dest_port")
# Suricata 8's DNS format (version 3): a request is type "request" with its questions in a
# ``dns.queries`` list of {rrname, rrtype}; a response is type "response", with the same list
_SURICATA_QUERIES = "dns.queries"
_SURICATA_QUERY_KINDS = ("query", "request")  # versions 1-2, version 3
_SURICATA_ANSWER_KINDS = ("answer", "response")
# the Elastic Common Schema's records of an answer: an event is one whole exchange, a query and its
# answers (``dns.type`` "answer"), or a query alone ("query")
_ECS_ANSWER = ("dns.answers", "dns.resolved_ip")


def is_json_lines(head: bytes) -> bool:
    """The first line is a JSON object with fields: one log record per line. (A list of names whose
    first line merely starts with ``{`` stays a list of names.)"""
    if head.lstrip()[:1] != b"{":
        return False
    return bool(first_record(head))


def first_record(head: bytes) -> dict | None:
    """The first line parsed as a JSON object (``None`` when it is not one): what the sniffers of
    JSON-lines shapes look at."""
    import json

    try:
        first = json.loads(head.lstrip().split(b"\n", 1)[0])
    except ValueError:
        return None
    return first if isinstance(first, dict) else None


DOCKER_FIELDS = ("log", "stream", "time")


def is_docker_json_log(head: bytes) -> bool:
    """The first record is Docker's ``json-file`` log driver's (``{"log": …, "stream": …, "time":
    …}``, ``/var/lib/docker/containers/<id>/<id>-json.log``): a DNS server's own log lines, one
    JSON record each, rather than DNS records."""
    first = first_record(head)
    return (first is not None and set(DOCKER_FIELDS) <= first.keys()
            and isinstance(first["log"], str) and isinstance(first["time"], str))


def unwrap_docker_json_log(data: bytes | bytearray, warn: Callable[[str], None] | None = None) -> bytearray:
    """The container's output as ``docker logs --timestamps`` prints it: each line after the
    ``time`` of the record that began it (RFC 3339, UTC), the stamp the query-log readers read.

    Why unwrap rather than map fields: what is inside is a DNS server's own log (CoreDNS, Unbound,
    dnsmasq in a container), which the readers of those logs already read line by line. Docker
    splits a line longer than 16 KiB over several records, only the last ending in a newline, so
    records are joined back in order and only a line's first record lends its stamp. Records that
    are not JSON objects with a text ``log`` are skipped, and counted in ``warn``."""
    import pyarrow.json as pajson

    # as text: Arrow would otherwise read ``time`` as a timestamp, in whole seconds where it can
    schema = pa.schema([("log", pa.large_string()), ("time", pa.large_string())])
    try:
        tbl = pajson.read_json(io.BytesIO(bytes(data)), read_options=pajson.ReadOptions(block_size=1 << 24),
                               parse_options=pajson.ParseOptions(explicit_schema=schema,
                                                                 unexpected_field_behavior="ignore"))
    except pa.ArrowInvalid:  # a line that is not JSON, a field of another type: record by record
        return _unwrap_docker_slowly(data, warn)
    import pyarrow.compute as pc

    text = pa.large_string()
    tbl = tbl.filter(pc.is_valid(tbl.column("log")))
    log = pc.cast(tbl.column("log"), text).combine_chunks()
    if not len(log):
        return bytearray()
    starts = _line_starts(pc.fill_null(pc.ends_with(log, "\n"), False))
    stamp = pc.cast(tbl.column("time"), text).combine_chunks()
    nothing = pa.scalar("", text)
    prefix = pc.if_else(pc.and_(starts, pc.fill_null(pc.greater(pc.utf8_length(stamp), 0), False)),
                        pc.binary_join_element_wise(stamp, pa.scalar(" ", text), nothing), nothing)
    return _back_to_back(prefix, log)


def _line_starts(ends: pa.Array) -> pa.Array:
    """Which records begin a line: the first, and each after a record that ended one."""
    return pa.concat_arrays([pa.array([True]), ends.slice(0, len(ends) - 1)])


def _back_to_back(*parts: pa.Array) -> bytearray:
    """The records' parts (large strings, nulls as nothing) joined, record after record, in one buffer."""
    import numpy as np
    import pyarrow.compute as pc

    joined = pc.binary_join_element_wise(*parts, pa.scalar("", pa.large_string()), null_handling="replace")
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64)[joined.offset:joined.offset + len(joined) + 1]
    return bytearray(memoryview(joined.buffers()[2])[offsets[0]:offsets[-1]])


def _json_objects(data: bytes | bytearray, bad: list[str]) -> Iterator[tuple[bytes, dict]]:
    """Each non-blank line that is a JSON object, with the line; the first 80 bytes of each other
    line go to ``bad`` (the record-by-record readers count them, and lose nothing else)."""
    import json

    for raw in bytes(data).splitlines():
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            yield raw, obj
        else:
            bad.append(_excerpt(raw))


def _excerpt(raw: bytes) -> str:
    return raw[:80].decode("utf-8", "backslashreplace")


_DOCKER_LOCAL_HEAD = re.compile(rb"\x00[\x00-\x0f][\x00-\xff]{2}\x0a\x06std(?:out|err)", re.S)


def is_docker_local_log(head: bytes) -> bool:
    """Docker's ``local`` log driver's file (``/var/lib/docker/containers/<id>/local-logs/container.log``):
    entries of a big-endian length, a protobuf ``LogEntry`` whose first field is its source
    (``stdout`` / ``stderr``), the length again."""
    return _DOCKER_LOCAL_HEAD.match(head[:12]) is not None


def unwrap_docker_local_log(data: bytes | bytearray, warn: Callable[[str], None] | None = None) -> bytearray:
    """The container's output as ``docker logs --timestamps`` prints it, from the ``local``
    driver's entries (moby's ``api/types/plugins/logdriver/entry.proto``: source 1, time_nano 2,
    line 3, partial 4): each line after its first entry's time (RFC 3339, UTC), the parts of a line
    Docker split (``partial``) joined. Read as ``unwrap_docker_json_log`` reads the ``json-file``
    driver's; an entry that does not parse ends the reading (the lengths are lost), and a cut last
    entry is dropped, both said in ``warn``."""
    import datetime as dt

    from hunt_assets.analytics.dns.dnstap import message_fields

    view = memoryview(data)
    out = bytearray()
    i, n, starts_line, bad = 0, len(view), True, ""
    while i + 4 <= n:
        size = struct.unpack_from(">I", view, i)[0]
        if i + 8 + size > n:
            bad = "a cut last entry"
            break
        fields = message_fields(view[i + 4 : i + 4 + size])
        if fields is None or struct.unpack_from(">I", view, i + 4 + size)[0] != size:
            bad = f"an entry that does not parse at byte {i:,}"
            break
        line, nanos = fields.get(3, b""), fields.get(2)
        if starts_line and isinstance(nanos, int):
            when = dt.datetime.fromtimestamp(nanos // 10**9, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
            out += f"{when}.{nanos % 10**9:09d}Z ".encode()
        out += bytes(line) if isinstance(line, memoryview) else b""
        starts_line = fields.get(4) != 1  # a partial entry: the line goes on in the next one
        if starts_line:
            out += b"\n"
        i += 8 + size
    if bad and warn is not None:
        warn(f"Docker local log: {bad}; the entries before it are read")
    return out


def _unwrap_docker_slowly(data: bytes | bytearray, warn: Callable[[str], None] | None) -> bytearray:
    out = bytearray()
    starts_line = True
    bad: list[str] = []
    for raw, rec in _json_objects(data, bad):
        if not isinstance(rec.get("log"), str):
            bad.append(_excerpt(raw))
            continue
        text = rec["log"]
        if starts_line and isinstance(rec.get("time"), str) and rec["time"]:
            out += rec["time"].encode("utf-8", "backslashreplace") + b" "
        out += text.encode("utf-8", "backslashreplace")
        starts_line = text.endswith("\n")
    if bad and warn is not None:
        warn(f"{len(bad)} line(s) that are not Docker log records skipped, e.g. {bad[0]!r}")
    return out


# journalctl -o json: what its short output is made of (``logs-show.c``: host, identifier or
# command, then the PID, or the one the sender claimed)
JOURNAL_FIELDS = ("__REALTIME_TIMESTAMP", "_HOSTNAME", "SYSLOG_IDENTIFIER", "_COMM", "_PID", "SYSLOG_PID",
                  "CONTAINER_PARTIAL_MESSAGE", "MESSAGE")


_EXPORT_START = re.compile(rb"__(?:CURSOR|REALTIME_TIMESTAMP)=[^\n]*\n")


def is_journal_export(head: bytes) -> bool:
    """The input is the journal's export format (``journalctl -o export``, what
    ``systemd-journal-remote`` takes): an entry's first field line is its cursor or its time."""
    return bool(_EXPORT_START.match(head))


def journal_export_as_json(data: bytes | bytearray, warn: Callable[[str], None] | None = None) -> bytearray:
    """The export format's entries as ``journalctl -o json`` writes them (one JSON object a line;
    a value that is not UTF-8 as an array of its bytes; a field's first value where it repeats), so
    ``unwrap_journal_json`` reads them.

    The format (systemd.io, "Journal Export Formats"): an entry is ``FIELD=value`` lines ended by an
    empty line; a value that is binary or holds a line break is written as ``FIELD``, a newline, its
    length as 64-bit little-endian and the bytes, then a newline. A file cut inside an entry keeps
    the entries before it.
    """
    import json

    buf = bytes(data)
    n = len(buf)
    out: list[str] = []
    rec: dict[str, object] = {}
    i, cut = 0, False

    def value(raw: bytes) -> object:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return list(raw)

    while i < n:
        nl = buf.find(b"\n", i)
        if nl < 0:  # a last line without its newline: a cut entry
            cut = True
            break
        line = buf[i:nl]
        if not line:
            if rec:
                out.append(json.dumps(rec))
                rec = {}
            i = nl + 1
            continue
        eq = line.find(b"=")
        if eq >= 0:
            key, raw, i = line[:eq], line[eq + 1 :], nl + 1
        else:  # a binary field: its length, then its bytes
            if nl + 9 > n:
                cut = True
                break
            size = int.from_bytes(buf[nl + 1 : nl + 9], "little")
            end = nl + 9 + size
            if end >= n or buf[end : end + 1] != b"\n":
                cut = True
                break
            key, raw, i = line, buf[nl + 9 : end], end + 1
        rec.setdefault(key.decode("utf-8", "backslashreplace"), value(raw))
    if rec and not cut:
        out.append(json.dumps(rec))
    if cut and warn is not None:
        warn(f"the journal export is cut inside an entry; the {len(out):,} entries before it are read")
    return bytearray("".join(line + "\n" for line in out).encode())


def is_journal_json(head: bytes) -> bool:
    """The first record is the systemd journal's as ``journalctl -o json`` writes it (a DNS server
    run as a service, or a container under Docker's ``journald`` log driver): a log line in
    ``MESSAGE``, its time in ``__REALTIME_TIMESTAMP`` (microseconds since the epoch, as text)."""
    first = first_record(head)
    return (first is not None and isinstance(first.get("__REALTIME_TIMESTAMP"), str)
            and first["__REALTIME_TIMESTAMP"].isdigit() and ("MESSAGE" in first or "__CURSOR" in first))


def unwrap_journal_json(data: bytes | bytearray, warn: Callable[[str], None] | None = None) -> bytearray:
    """The entries as ``journalctl -o short-iso-precise --utc`` prints them (``2026-12-07T05:00:01.123456Z
    ns1 unbound[812]: [812:0] info: …``), the shape the query-log readers read through syslog.

    Why rebuild the short line rather than take ``MESSAGE`` alone: dnsmasq and Unbound name
    themselves only in the syslog identifier, and the readers know their lines by it. Docker's
    ``journald`` driver marks a line it cut (over 16 KiB) with ``CONTAINER_PARTIAL_MESSAGE``: the
    pieces are joined and the first one's stamp kept (in file order: were another container's
    entry between two pieces, it would be joined into the line). journalctl writes a value of 4096
    bytes or more as ``null`` (unless run with ``--all``) and one that is not printable UTF-8 as an
    array of bytes; the first are skipped and counted in ``warn``, the second decoded (record by
    record)."""
    import pyarrow.compute as pc
    import pyarrow.json as pajson

    text = pa.large_string()
    schema = pa.schema([(f, text) for f in JOURNAL_FIELDS])
    try:
        tbl = pajson.read_json(io.BytesIO(bytes(data)), read_options=pajson.ReadOptions(block_size=1 << 24),
                               parse_options=pajson.ParseOptions(explicit_schema=schema,
                                                                 unexpected_field_behavior="ignore"))
    except pa.ArrowInvalid:  # a line that is not JSON, bytes as an array, a field given twice
        return _unwrap_journal_slowly(data, warn)
    col = {f: tbl.column(f).combine_chunks() for f in JOURNAL_FIELDS}
    try:
        col["__REALTIME_TIMESTAMP"] = pc.cast(col["__REALTIME_TIMESTAMP"], pa.int64())
    except pa.ArrowInvalid:  # not a number of microseconds (before any warning: that path warns itself)
        return _unwrap_journal_slowly(data, warn)
    kept = pc.is_valid(col["MESSAGE"])
    dropped = len(kept) - pc.sum(kept).as_py() if len(kept) else 0
    if dropped and warn is not None:
        warn(_null_messages(dropped))
    col = {f: a.filter(kept) for f, a in col.items()}
    if not len(col["MESSAGE"]):
        return bytearray()
    partial = pc.fill_null(pc.equal(col["CONTAINER_PARTIAL_MESSAGE"], "true"), False)
    starts = _line_starts(pc.invert(partial))
    usec = col["__REALTIME_TIMESTAMP"]
    # 2026-12-07 05:00:01.123456 -> ...T...Z (a cast: strftime took 1.1 s a million)
    stamp = pc.binary_join_element_wise(
        pc.replace_substring(pc.cast(pc.cast(usec, pa.timestamp("us")), text), " ", "T", max_replacements=1),
        pa.scalar("Z", text), pa.scalar("", text))
    space = pa.scalar(" ", text)
    nothing = pa.scalar("", text)
    ident = pc.coalesce(col["SYSLOG_IDENTIFIER"], col["_COMM"], pa.scalar("unknown", text))
    pid = pc.coalesce(col["_PID"], col["SYSLOG_PID"])
    head = pc.binary_join_element_wise(
        pc.binary_join_element_wise(stamp, space, nothing, null_handling="replace"),
        pc.binary_join_element_wise(col["_HOSTNAME"], space, nothing),  # null host: nothing
        ident,
        pc.binary_join_element_wise(pa.scalar("[", text), pid, pa.scalar("]", text), nothing),
        pa.scalar(": ", text),
        nothing, null_handling="replace")
    prefix = pc.if_else(starts, head, nothing)
    newline = pc.if_else(partial, nothing, pa.scalar("\n", text))
    return _back_to_back(prefix, pc.cast(col["MESSAGE"], text), newline)


def _null_messages(n: int) -> str:
    return (f"{n} journal entries without their MESSAGE skipped (journalctl writes a field of 4096 bytes "
            f"or more as null; export with --all to keep them)")


def _journal_text(value: object) -> str | None:
    """A journal field as journalctl's JSON gives it: text, bytes as an array of numbers, or
    several values as an array of either (the first is taken)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value:
        if all(isinstance(b, int) and 0 <= b < 256 for b in value):
            return bytes(value).decode("utf-8", "backslashreplace")
        return _journal_text(value[0])
    return None


def _unwrap_journal_slowly(data: bytes | bytearray, warn: Callable[[str], None] | None) -> bytearray:
    from datetime import UTC, datetime

    out = bytearray()
    starts_line = True
    bad: list[str] = []
    dropped = 0
    for _raw, rec in _json_objects(data, bad):
        message = _journal_text(rec.get("MESSAGE"))
        if message is None:
            dropped += 1
            continue
        if starts_line:
            usec = _journal_text(rec.get("__REALTIME_TIMESTAMP"))
            if usec and usec.isdigit():
                when = datetime.fromtimestamp(int(usec) // 1_000_000, UTC).replace(microsecond=int(usec) % 1_000_000)
                out += when.strftime("%Y-%m-%dT%H:%M:%S.%fZ ").encode()
            host = _journal_text(rec.get("_HOSTNAME"))
            ident = _journal_text(rec.get("SYSLOG_IDENTIFIER")) or _journal_text(rec.get("_COMM")) or "unknown"
            pid = _journal_text(rec.get("_PID")) or _journal_text(rec.get("SYSLOG_PID"))
            out += f"{host + ' ' if host else ''}{ident}{f'[{pid}]' if pid else ''}: ".encode(
                "utf-8", "backslashreplace")
        out += message.encode("utf-8", "backslashreplace")
        starts_line = _journal_text(rec.get("CONTAINER_PARTIAL_MESSAGE")) != "true"
        if starts_line:
            out += b"\n"
    if warn is not None:
        if bad:
            warn(f"{len(bad)} line(s) that are not journal entries skipped, e.g. {bad[0]!r}")
        if dropped:
            warn(_null_messages(dropped))
    return out


def utf8_text(value: str) -> str:
    """``value`` with what UTF-8 cannot hold (a lone surrogate, which JSON's ``\\ud800`` escape
    gives) written as a backslash escape, as Python shows it: the name then reads as invalid,
    where Arrow refused the whole column."""
    return value if value.isascii() else value.encode("utf-8", "backslashreplace").decode("utf-8")


def _flat(obj: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for k, v in obj.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat(v, key + "."))
        else:
            out[key] = v
    return out


def _json_slowly(data: bytes | bytearray, warn: Callable[[str], None] | None) -> pa.Table:
    """Line by line with Python's parser, for files Arrow's reader refuses (a field that is a number
    in one record and text in another, a line that is not JSON): bad lines are counted, not fatal."""
    import json

    from hunt_assets.analytics.dns import dnscache, winevent

    wanted = {*NAME_COLUMNS, *ALIASES, *_JSON_FILTERS, *_SURICATA_ANSWER, *_ECS_ANSWER, *_WINDOWS_EVENT_ID,
              *winevent.WANTED, *dnscache.CACHE_FIELDS, "pscomputername"}
    nested = {*(f for fs in _NESTED_FIELDS.values() for f in fs), *_WINDOWS_ANALYTIC_TAILS}
    rows: list[dict[str, object]] = []
    bad: list[str] = []
    for _raw, obj in _json_objects(data, bad):
        flat = {k.lower(): v for k, v in _flat(obj).items()}
        row = {k: v for k, v in flat.items()
               if k in wanted or k.startswith("dns.grouped.") or k.rsplit(".", 1)[-1] in nested}
        questions = flat.get(_SURICATA_QUERIES)
        questions = [q for q in questions if isinstance(q, dict)] if isinstance(questions, list) else []
        # Suricata 8: a row per question, as the fast path's _explode_queries makes them
        rows.extend([{**row, "dns.rrname": q.get("rrname"), "dns.rrtype": q.get("rrtype")} for q in questions] or [row])
    if bad and warn is not None:
        warn(f"{len(bad)} line(s) that are not JSON objects skipped, e.g. {bad[0]!r}")
    keys = sorted({k for r in rows for k in r})

    def text(v: object, key: str = "") -> str | None:
        if key == "properties" and isinstance(v, list):  # Get-WinEvent's, read by position (``winevent``)
            return json.dumps(v)
        if isinstance(v, list):  # Zeek's answers
            return ",".join(x if isinstance(x, str) else json.dumps(x) for x in v)
        if v is None or isinstance(v, dict):
            return None
        return utf8_text(v) if isinstance(v, str) else json.dumps(v)

    return pa.table({k: pa.array([text(r.get(k), k) for r in rows], pa.large_string()) for k in keys})


def _has_records(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Per row: the column holds something (a non-empty list or text, or any other value)."""
    import pyarrow.compute as pc

    if pa.types.is_list(col.type) or pa.types.is_large_list(col.type):
        return pc.fill_null(pc.greater(pc.list_value_length(col), 0), False)
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        return pc.fill_null(pc.not_equal(col, ""), False)
    return pc.is_valid(col)


def _suricata_answers(tbl: pa.Table) -> pa.ChunkedArray | None:
    """For every row, "" unless an answer event of the same flow and DNS transaction holds
    records; ``None`` when the file has no answer events at all (answer logging off: then nothing
    is known about answers, and every query would wrongly look unanswered)."""
    import pyarrow.compute as pc

    text = pa.large_string()
    kinds = pa.array(_SURICATA_ANSWER_KINDS, text)
    is_answer = pc.fill_null(pc.is_in(pc.cast(tbl.column("dns.type"), text), value_set=kinds), False)
    if not pc.any(is_answer).as_py():
        return None
    data = [c for c in tbl.column_names if c in ("dns.rdata", "dns.answers") or c.startswith("dns.grouped.")]
    held = pc.and_(is_answer, pa.scalar(False))
    for c in data:
        held = pc.or_(held, _has_records(tbl.column(c)))
    key = pc.binary_join_element_wise(
        pc.cast(tbl.column("flow_id"), text), pc.cast(tbl.column("dns.id"), text), pa.scalar("|", text)
    )
    answered = pc.unique(pc.drop_null(pc.filter(key, pc.and_(is_answer, held))))
    hit = pc.fill_null(pc.is_in(key, value_set=answered), False)
    return pc.if_else(hit, pa.scalar("(answered)", text), pa.scalar("", text))


def _explode_queries(tbl: pa.Table, column: str = _SURICATA_QUERIES, fields: tuple[str, ...] = ("rrname", "rrtype")
                     ) -> pa.Table:
    """Suricata 8's ``dns.queries`` list as rows: one per question, its ``rrname`` / ``rrtype`` as
    ``dns.rrname`` / ``dns.rrtype`` (version 2's columns), the rest of the record repeated. A record
    without the list keeps its own ``dns.rrname``, so a file written across an upgrade reads whole.
    Also Suricata 7's alert on a request (``column`` ``dns.query``, whose items carry their ``type`` and
    ``id`` too: ``fields``)."""
    import numpy as np
    import pyarrow.compute as pc

    col = tbl.column(column)
    tbl = tbl.drop_columns([column])
    if not (pa.types.is_list(col.type) or pa.types.is_large_list(col.type)) or not pa.types.is_struct(
        col.type.value_type
    ):
        return tbl
    col = col.combine_chunks()
    counts = np.asarray(pc.fill_null(pc.list_value_length(col), 0), dtype=np.int64)
    rows = np.maximum(counts, 1)
    # nearly every request asks one question: then no row is repeated and the table is kept as it is
    out = tbl if not len(rows) or rows.max() == 1 else tbl.take(pa.array(np.repeat(np.arange(len(tbl)), rows)))
    asked = pa.array(np.repeat(counts > 0, rows))
    questions = pc.list_flatten(col)
    text = pa.large_string()
    for field in fields:
        if questions.type.get_field_index(field) < 0:
            continue
        values = pc.cast(questions.field(field), text)
        ours = f"dns.{field}"
        if ours in out.column_names:
            before = pc.cast(out.column(ours), text).combine_chunks()
            out = out.set_column(out.column_names.index(ours), ours, pc.replace_with_mask(before, asked, values))
        else:
            base = pa.nulls(len(out), text)
            out = out.append_column(ours, pc.replace_with_mask(base, asked, values))
    return out


_SURICATA_ALERT_QUERY = "dns.query"  # Suricata 7's alert on a request: a list of {type, id, rrname, rrtype, tx_id}
_SURICATA_ALERT_ANSWER = "dns.answer."  # Suricata 7's alert on a response: one object, the dns event's fields
# columns no eve.json can hold (a NUL in the name): each row's alert while the question lists are split
# into rows, then which dns rows came from an alert (``_suricata_rows`` reads it; ``records_table`` drops it)
_ALERT_ROW = "\x00alert row"
_FROM_ALERT = "\x00from alert"


def _suricata_alerts_as_dns(tbl: pa.Table, warn: Callable[[str], None] | None) -> pa.Table:
    """The DNS transaction each Suricata alert on DNS carries, read as a dns event where the file's dns
    events do not hold it. Suricata 8 writes it in the dns event's own form (version 3); Suricata 7 as a
    ``dns.query`` list for a request and a ``dns.answer`` object for a response.

    Why: an ``eve.json`` of alerts only (``jq 'select(.event_type == "alert")'``, a SIEM's alert export)
    was read as 0 connections; and where the dns logger is limited (``types: [a, aaaa]``, or requests off
    and a look-up unanswered), the alerts on the rest (a TXT or NULL tunnel an ET rule fired on) were
    lost. A transaction the dns events hold (the same flow, name and type) is not read twice; an alert
    without a ``flow_id`` beside dns events is not read, since it cannot be told apart.
    """
    import numpy as np
    import pyarrow.compute as pc

    text = pa.large_string()
    kind = pc.cast(tbl.column("event_type"), text)
    alert = pc.fill_null(pc.equal(kind, "alert"), False)
    if not pc.any(alert).as_py():
        return tbl
    beside = pc.any(pc.equal(kind, "dns")).as_py()
    if beside and "flow_id" not in tbl.column_names:
        return tbl
    # each row's alert, kept through the explosions below, so that stderr counts alerts, not their questions
    tbl = tbl.append_column(_ALERT_ROW, pa.array(np.arange(len(tbl), dtype=np.int64)))
    if _SURICATA_ALERT_QUERY in tbl.column_names:  # version 2 in an alert: its list, as version 3's
        tbl = _explode_queries(tbl, _SURICATA_ALERT_QUERY, ("type", "id", "rrname", "rrtype"))
    for col in [c for c in tbl.column_names if c.startswith(_SURICATA_ALERT_ANSWER)]:
        ours = "dns." + col[len(_SURICATA_ALERT_ANSWER):]
        given = pc.cast(tbl.column(col), text) if not pa.types.is_nested(tbl.schema.field(col).type) else None
        if given is None:
            continue
        if ours in tbl.column_names and not pa.types.is_nested(tbl.schema.field(ours).type):
            mine = pc.cast(tbl.column(ours), text)
            tbl = tbl.set_column(tbl.column_names.index(ours), ours, pc.if_else(pc.is_valid(mine), mine, given))
        elif ours not in tbl.column_names:
            tbl = tbl.append_column(ours, given)
    if _SURICATA_QUERIES in tbl.column_names:  # version 3: every question a row, to compare and count
        tbl = _explode_queries(tbl)
    kind = pc.cast(tbl.column("event_type"), text)
    alert = pc.fill_null(pc.equal(kind, "alert"), False)
    origin = tbl.column(_ALERT_ROW)
    tbl = tbl.drop_columns([_ALERT_ROW])
    named = [c for c in ("dns.rrname", _SURICATA_QUERIES) if c in tbl.column_names]
    if not named:
        return tbl
    has_dns = functools.reduce(pc.or_, [pc.is_valid(tbl.column(c)) for c in named])
    as_dns = pc.and_(alert, pc.fill_null(has_dns, False))
    if beside:
        as_dns = pc.and_(as_dns, pa.array(~_logged_transactions(tbl, pc.equal(kind, "dns"), as_dns)))
    on_dns = as_dns
    as_dns = pa.array(_first_of_each_transaction(tbl, as_dns))
    n = pc.sum(pc.cast(as_dns, pa.int64())).as_py() or 0
    if not n:
        return tbl
    if warn is not None:
        alerts = len(pc.unique(origin.filter(on_dns)))
        where = ("not in the file's dns events: its dns logging is limited" if beside
                 else "the file holds no dns events")
        plural = ("s" if alerts != 1 else "", "s" if n != 1 else "")
        warn(f"{alerts:,} Suricata alert{plural[0]} on DNS read as {n:,} look-up{plural[1]} ({where})")
    kind = pc.if_else(as_dns, pa.scalar("dns", text), kind)
    tbl = tbl.set_column(tbl.column_names.index("event_type"), "event_type", kind)
    return tbl.append_column(_FROM_ALERT, as_dns)


def _transaction_keys(tbl: pa.Table, rows: np.ndarray) -> pa.Array:
    """One text key per row of ``rows``: its flow, question name (any case) and type; null without a
    ``flow_id`` (nothing to match it by). ``tbl`` has ``flow_id`` and ``dns.rrname``."""
    import pyarrow.compute as pc

    cols = ["flow_id", "dns.rrname", *(["dns.rrtype"] if "dns.rrtype" in tbl.column_names else [])]
    sub = tbl.select(cols).take(pa.array(rows))
    text = pa.large_string()
    parts = [pc.cast(sub.column("flow_id"), text), pc.utf8_lower(pc.cast(sub.column("dns.rrname"), text))]
    if "dns.rrtype" in cols:
        parts.append(pc.fill_null(pc.utf8_upper(pc.cast(sub.column("dns.rrtype"), text)), ""))
    return pc.binary_join_element_wise(*parts, pa.scalar("\x00", text)).combine_chunks()


def _logged_transactions(tbl: pa.Table, dns: pa.ChunkedArray, alerts: pa.ChunkedArray) -> np.ndarray:
    """Which of the ``alerts`` rows a dns event of ``tbl`` (``dns``: its rows) holds (``_transaction_keys``).
    An alert without a ``flow_id`` counts as held. Keys are made only for the alerts and the dns events on
    their flows: a busy log's million events are not turned into text."""
    import numpy as np
    import pyarrow.compute as pc

    held = np.ones(len(tbl), dtype=bool)
    if "dns.rrname" not in tbl.column_names:
        return held
    flow = tbl.column("flow_id")
    on_flow = pc.is_in(flow, value_set=pc.unique(flow.filter(alerts).drop_null()))
    near = pc.and_(pc.fill_null(dns, False), pc.fill_null(on_flow, False))
    rows = np.flatnonzero(np.asarray(pc.or_(near, alerts), dtype=bool))
    key = _transaction_keys(tbl, rows)
    logged = pc.unique(key.filter(near.take(pa.array(rows))).drop_null())
    held[rows] = np.asarray(pc.fill_null(pc.or_(pc.is_in(key, value_set=logged), pc.is_null(key)), True), dtype=bool)
    return held


def _first_of_each_transaction(tbl: pa.Table, alerts: pa.ChunkedArray) -> np.ndarray:
    """The ``alerts`` rows to read: the first on each transaction (``_transaction_keys``), so a look-up
    that fired two rules, or one on its request and one on its response, is one look-up; every row
    without a ``flow_id``."""
    import numpy as np
    import pyarrow.compute as pc

    rows = np.flatnonzero(np.asarray(alerts, dtype=bool))
    keep = np.zeros(len(tbl), dtype=bool)
    keep[rows] = True
    if "flow_id" not in tbl.column_names or "dns.rrname" not in tbl.column_names or not len(rows):
        return keep
    key = _transaction_keys(tbl, rows)
    codes = np.asarray(pc.fill_null(pc.cast(pc.dictionary_encode(key).indices, pa.int64()), -1), dtype=np.int64)
    keyed = codes >= 0
    _, first = np.unique(codes[keyed], return_index=True)
    repeat = np.ones(int(keyed.sum()), dtype=bool)
    repeat[first] = False
    keep[rows[keyed][repeat]] = False
    return keep


def _suricata_rows(tbl: pa.Table, warn: Callable[[str], None] | None) -> pa.Table:
    """Suricata's DNS events to the queries to score: its requests (``query`` up to version 2,
    ``request`` in version 3). A log of responses only (request logging turned off) is read from
    its responses, each naming its question, with the client as the side away from port 53 (version
    3 logs a response from the responder's side, version 2 from the client's). The dns events decide
    which; a look-up read from an alert (``_FROM_ALERT``: one each, ``_suricata_alerts_as_dns``) is kept
    whether the alert was on its request or its response."""
    import pyarrow.compute as pc

    text = pa.large_string()
    kind = pc.cast(tbl.column("dns.type"), text)
    asked = pc.fill_null(pc.is_in(kind, value_set=pa.array(_SURICATA_QUERY_KINDS, text)), True)
    answered = pc.fill_null(pc.is_in(kind, value_set=pa.array(_SURICATA_ANSWER_KINDS, text)), False)
    if not len(tbl):
        return tbl
    from_alert = tbl.column(_FROM_ALERT) if _FROM_ALERT in tbl.column_names else None
    logged = pc.invert(from_alert) if from_alert is not None else None
    if logged is not None and not pc.any(logged).as_py():  # alerts only: each is a look-up of its own
        keep = from_alert
    elif pc.any(asked if logged is None else pc.and_(asked, logged)).as_py():
        keep = asked if from_alert is None else pc.or_(asked, from_alert)
    else:
        keep = answered if from_alert is None else pc.or_(answered, from_alert)
        if warn is not None and pc.any(answered if logged is None else pc.and_(answered, logged)).as_py():
            warn("DNS responses only (request logging off): the queries are read from the responses")
    if not pc.all(keep).as_py():  # a log of requests only (and alerts on them) keeps every row: no copy
        tbl = tbl.filter(keep)
        answered = answered.filter(keep)
    if {"src_ip", "src_port", "dest_ip"} <= set(tbl.column_names) and pc.any(answered).as_py():
        from_server = pc.and_(answered, pc.fill_null(pc.equal(pc.cast(tbl.column("src_port"), text), "53"), False))
        client = pc.if_else(from_server, pc.cast(tbl.column("dest_ip"), text), pc.cast(tbl.column("src_ip"), text))
        tbl = tbl.set_column(tbl.column_names.index("src_ip"), "src_ip", client)
    return tbl


# Windows DNS Server's analytic channel (Microsoft-Windows-DNSServer/Analytical), as Winlogbeat
# (winlog.event_id, winlog.event_data.QNAME ...) or NXLog (EventID, QNAME ... at the top) ship it:
# event 256 QUERY_RECEIVED (Source: the client), 257 RESPONSE_SUCCESS and 258 RESPONSE_FAILURE
# (Destination: the client, RCODE); 260/261 are the server's own recursion to its forwarders
_WINDOWS_EVENT_ID = ("winlog.event_id", "eventid", "event_id", "event.code", "system.eventid")
_WINDOWS_QUERY_RECEIVED, _WINDOWS_RESPONSES = 256, (257, 258)
_WINDOWS_ANALYTIC_TAILS = ("qname", "qtype", "source", "destination", "rcode", "xid")


def _windows_dns_events(tbl: pa.Table) -> pa.Table | None:
    """The client queries of Windows DNS Server analytic events (``name``, ``client``,
    ``timestamp``, ``qtype``, ``rcode``), or ``None`` when ``tbl`` holds none.

    Why not by the generic aliases: Winlogbeat's events were refused whole (its QNAME is nested
    under ``winlog.event_data``, which no alias names), and NXLog's were read with every event as
    a query (each look-up four times: received, recursed, the forwarder's answer, the response),
    without client or time; and the one client field the aliases know there, ``host.name``, is
    the DNS server that logged the event. Each query's ``rcode`` comes from its response: the same
    client (the response's Destination), transaction id and name; a query without one has none
    (not logged).
    """
    import numpy as np
    import pyarrow.compute as pc

    cols = tbl.column_names
    by_tail = {}
    for c in sorted(cols, key=len):  # the shortest (least nested) column of each name first
        by_tail.setdefault(c.rsplit(".", 1)[-1], c)
    eid_col = next((c for c in _WINDOWS_EVENT_ID if c in cols), None)
    if eid_col is None or "qname" not in by_tail or "source" not in by_tail:
        return None
    text = pa.large_string()

    def col(tail: str, rows: pa.Table) -> pa.ChunkedArray:
        if tail not in by_tail:
            return pa.chunked_array([pa.nulls(rows.num_rows, text)])
        return pc.cast(rows.column(by_tail[tail]), text)

    raw = pc.utf8_trim_whitespace(pc.cast(tbl.column(eid_col), text))
    eid = pc.cast(pc.if_else(pc.fill_null(pc.utf8_is_digit(raw), False), raw, pa.scalar(None, text)), pa.int64())
    queries = tbl.filter(pc.fill_null(pc.equal(eid, _WINDOWS_QUERY_RECEIVED), False))
    if not queries.num_rows and not pc.any(pc.is_in(eid, value_set=pa.array(_WINDOWS_RESPONSES))).as_py():
        return None

    def key(rows: pa.Table, client: str) -> pa.Table:
        return pa.table({"c": col(client, rows), "x": col("xid", rows),
                         "q": pc.utf8_lower(pc.utf8_rtrim(col("qname", rows), characters="."))})

    responses = tbl.filter(pc.fill_null(pc.is_in(eid, value_set=pa.array(_WINDOWS_RESPONSES)), False))
    failed = pc.equal(eid.filter(pc.fill_null(pc.is_in(eid, value_set=pa.array(_WINDOWS_RESPONSES)), False)), 258)
    given = col("rcode", responses)
    # a failure event without a response code: the server could not answer (SERVFAIL)
    code = pc.if_else(pc.is_valid(given), given, pc.if_else(failed, pa.scalar("2", text), pa.scalar("0", text)))
    answered = key(responses, "destination").append_column("rcode", code)
    # one outcome per key (transaction ids repeat over a long log): an answer over a failure
    answered = answered.group_by(["c", "x", "q"], use_threads=False).aggregate([("rcode", "min")])
    asked = key(queries, "source").append_column("i", pa.array(np.arange(queries.num_rows)))
    joined = asked.join(answered, ["c", "x", "q"], join_type="left outer", use_threads=False).sort_by("i")
    # QNAME is fully qualified (``www.example.com.``): without the root's dot, as the other logs' readers give it
    name = pc.replace_substring_regex(col("qname", queries), pattern=r"(?s)^(.+)\.$", replacement=r"\1")
    out = {"name": name, "client": col("source", queries)}
    stamp = next((f for f, to in ALIASES.items() if to == "timestamp" and f in cols), None)
    if stamp is not None:
        out["timestamp"] = queries.column(stamp)
    out["qtype"] = col("qtype", queries)
    out["rcode"] = pc.cast(joined.column("rcode_min"), text)
    return pa.table(out)


def additional_fields(values: list[object]) -> tuple[list[str | None], list[str | None]]:
    """(query name, query type) of each row's AdditionalFields, JSON text or an object; ``None``
    where it holds none (other actions' rows, JSON that does not parse)."""
    import json

    names: list[str | None] = []
    qtypes: list[str | None] = []
    for value in values:
        af = value
        if isinstance(value, str):
            try:
                af = json.loads(value) if value else None
            except ValueError:
                af = None
        if not isinstance(af, dict):
            af = {}
        name = next((af[k] for k in AF_NAME_KEYS if isinstance(af.get(k), str)), None)
        qtype = next((str(af[k]) for k in AF_QTYPE_KEYS if af.get(k) is not None), None)
        names.append(None if name is None else utf8_text(name))
        qtypes.append(None if qtype is None else utf8_text(qtype))
    return names, qtypes


def _names_from_additional_fields(tbl: pa.Table) -> pa.Table:
    """Records without a query-name field whose AdditionalFields hold the query (Defender's raw rows,
    as the hunting APIs return them: JSON text, or an object read as dotted columns) get
    ``queryname`` (and ``querytype``) columns from it."""
    import pyarrow.compute as pc

    cols = set(tbl.column_names)
    text = pa.large_string()
    if ADDITIONAL_FIELDS in cols:
        names, qtypes = additional_fields(tbl.column(ADDITIONAL_FIELDS).to_pylist())
        name, qtype = pa.array(names, text), pa.array(qtypes, text)
    else:
        def first(keys: tuple[str, ...]) -> pa.Array | None:
            held = [pc.cast(tbl.column(f"{ADDITIONAL_FIELDS}.{k.lower()}"), text) for k in keys
                    if f"{ADDITIONAL_FIELDS}.{k.lower()}" in cols]
            return pc.coalesce(*held) if held else None

        name, qtype = first(AF_NAME_KEYS), first(AF_QTYPE_KEYS)
        if name is None:
            return tbl
    tbl = tbl.append_column("queryname", name)
    if qtype is not None and qtype.null_count < len(qtype) and not any(ALIASES.get(c) == "qtype" for c in cols):
        tbl = tbl.append_column("querytype", qtype)
    return tbl


def read_json_lines(data: bytes | bytearray, warn: Callable[[str], None] | None = None) -> pa.Table:
    """JSON lines as a table of ``name`` and, where the records have them, ``client``,
    ``timestamp``, ``qtype`` and ``answers`` (``NAME_COLUMNS``, ``ALIASES``); Suricata's non-DNS events and DNS
    answers are left out as rows, and its answers become each query's ``answers`` (empty when no
    answer event of its transaction held records). Values are text, except a numeric timestamp."""
    import pyarrow.json as pajson

    try:
        options = pajson.ReadOptions(block_size=1 << 24)
        tbl = _flat_lower(pajson.read_json(io.BytesIO(bytes(data)), read_options=options))
    except pa.ArrowInvalid:
        tbl = _json_slowly(data, warn)
    return records_table(tbl, warn)


def _flat_lower(tbl: pa.Table) -> pa.Table:
    """Nested fields as dotted columns, every name in lower case: how the aliases know them."""
    while any(pa.types.is_struct(t) for t in tbl.schema.types):
        tbl = tbl.flatten()
    return tbl.rename_columns([c.lower() for c in tbl.column_names])


def is_parquet(head: bytes) -> bool:
    return head[:4] == PARQUET_MAGIC


def read_parquet(data: bytes | bytearray, warn: Callable[[str], None] | None = None) -> pa.Table:
    """A Parquet file of DNS records read like JSON lines (``records_table``): Amazon Security Lake's
    OCSF DNS Activity, a Sentinel or Data Explorer export (``.export to parquet``), Zeek logs
    converted for a data lake. Time columns stay times."""
    import pyarrow.parquet as pq

    try:
        tbl = pq.read_table(pa.BufferReader(pa.py_buffer(data)))  # no copy of the file
    except (pa.ArrowInvalid, OSError) as exc:
        raise LogFormatError(f"a Parquet file that does not read: {exc}") from None
    return records_table(binary_as_text(_flat_lower(tbl)), warn)


def binary_as_text(tbl: pa.Table) -> pa.Table:
    """Binary columns as text: valid UTF-8 as it is, other bytes as ``\\xNN`` escapes (as Zeek
    writes them, and as the other readers read bytes that are not UTF-8).

    Why: a Parquet writer without the string annotation (Impala, older Hive and Spark, a Zeek
    log converted by a tool that keeps bytes as bytes) stores a name column as binary, and the
    readers look for text columns only: the file was refused, "no query-name field"."""
    from hunt_assets.analytics.dns import accel

    for i, field in enumerate(tbl.schema):
        if not (pa.types.is_binary(field.type) or pa.types.is_large_binary(field.type)):
            continue
        col = tbl.column(i).combine_chunks() if tbl.column(i).num_chunks != 1 else tbl.column(i).chunk(0)
        col = col.cast(pa.large_binary())
        data = col.buffers()[2]
        if data is None or accel.utf8_valid(memoryview(data)):
            text = col.cast(pa.large_string())
        else:
            text = pa.array([None if v is None else v.decode("utf-8", "backslashreplace") for v in col.to_pylist()],
                            pa.large_string())
        tbl = tbl.set_column(i, field.name, text)
    return tbl


def records_table(tbl: pa.Table, warn: Callable[[str], None] | None = None) -> pa.Table:
    """Records (nested fields as dotted lower-case columns) as ``read_json_lines`` returns them."""
    import pyarrow.compute as pc

    from hunt_assets.analytics.dns import dnscache, winevent

    if winevent.is_winevent(tbl.column_names) and not set(tbl.column_names) & set(NAME_COLUMNS):
        server = winevent.server_events(tbl)
        events = server if server is not None else winevent.read_winevents(tbl)
        return connections.attach(records_table(events, warn), connections.carried(events))  # Sysmon 3's
    if dnscache.is_cache(tbl.column_names) and not set(tbl.column_names) & set(NAME_COLUMNS):
        return records_table(dnscache.read_cache(tbl), warn)
    # Suricata's flow / tls / quic events beside its dns events, Zeek's conn.log or ssl.log as JSON
    conn_log = connections.is_connection_log(tbl.column_names)
    conn_rows = connections.rows_from_records(tbl) if conn_log else []
    windows = _windows_dns_events(tbl)
    if windows is not None:
        tbl = windows
    # Suricata writes an event per query and per response (event_type "dns"); ECS writes an event per
    # exchange, so its dns.type "answer" events are queries too, answered by their own records
    # (an event_type that is a list is not Suricata's)
    suricata = "event_type" in tbl.column_names and not pa.types.is_nested(tbl.schema.field("event_type").type)
    if suricata:
        tbl = _suricata_alerts_as_dns(tbl, warn)
    if _SURICATA_QUERIES in tbl.column_names:
        tbl = _explode_queries(tbl)
    cols = set(tbl.column_names)
    if suricata and "answers" not in cols and {"dns.type", "flow_id", "dns.id"} <= cols:
        answers = _suricata_answers(tbl)
        if answers is not None:
            tbl = tbl.append_column("answers", answers)
            cols.add("answers")
    if "answers" not in cols and not suricata and (held := [c for c in _ECS_ANSWER if c in cols]):
        answered = functools.reduce(pc.or_, [_has_records(tbl.column(c)) for c in held])
        text = pa.large_string()
        tbl = tbl.append_column("answers", pc.if_else(answered, pa.scalar("(answered)", text), pa.scalar("", text)))
        cols.add("answers")
    if suricata:
        tbl = tbl.filter(pc.fill_null(pc.equal(pc.cast(tbl.column("event_type"), pa.large_string()), "dns"), False))
        if "dns.type" in cols:
            tbl = _suricata_rows(tbl, warn)
        if _FROM_ALERT in tbl.column_names:
            tbl = tbl.drop_columns([_FROM_ALERT])
    if not cols & set(NAME_COLUMNS) and any(c.split(".", 1)[0] == ADDITIONAL_FIELDS for c in cols):
        tbl = _names_from_additional_fields(tbl)
        cols = set(tbl.column_names)
    out: dict[str, pa.ChunkedArray] = {}
    for ours in ("name", "client", "timestamp", "qtype", "answers", "rcode"):
        fields = NAME_COLUMNS if ours == "name" else [f for f, to in ALIASES.items() if to == ours]
        field = next((f for f in fields if f in cols), None)
        if field is None:
            tails = _NESTED_FIELDS.get(ours, ())
            field = next((c for c in sorted(cols) if c.rsplit(".", 1)[-1] in tails), None)
        if field is None:
            continue
        col = tbl.column(field)
        if ours == "timestamp" and (pa.types.is_floating(col.type) or pa.types.is_integer(col.type)
                                    or pa.types.is_timestamp(col.type)):
            out[ours] = col
            continue
        if pa.types.is_list(col.type) or pa.types.is_large_list(col.type):  # Zeek's answers: a list
            if pa.types.is_null(col.type.value_type):  # every list empty: "" (no answer), null stays
                col = pc.if_else(pc.is_valid(col), pa.scalar("", pa.large_string()), pa.scalar(None, pa.large_string()))
            else:
                try:
                    col = pc.binary_join(pc.cast(col, pa.list_(pa.large_string())), pa.scalar(",", pa.large_string()))
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    continue
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            try:
                col = pc.cast(col, pa.large_string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue  # a list or an object where a value belongs: not this column
        out[ours] = pc.cast(col, pa.large_string())
    if "name" not in out and conn_log:
        return connections.connection_log(tbl, warn, conn_rows)
    if "name" not in out:
        raise LogFormatError(
            "JSON lines without a query-name field (one of: " + ", ".join(NAME_COLUMNS) + "; these have: "
            + ", ".join(sorted(cols))[:200] + ")"
        )
    return connections.attach(with_answers_from_rcode(pa.table(out)), conn_rows)


# Windows DNS Server's debug log (dns.log): one line per packet, the server's own key at the top
#   6/5/2013 10:00:32 AM 0E70 PACKET  00000000033397A0 UDP Rcv 10.161.60.71    5b47   Q
#       [0001   D   NOERROR] A      (12)somecomputer(6)domain(3)com(0)      (one line in the log)
# date and time (the server's locale and local time), thread, PACKET, packet id, protocol, Snd/Rcv,
# remote address, transaction id, R for a response, opcode (Q: query), [flags, flag letters,
# response code], question type, question name with label lengths in parentheses
_WINDOWS_PACKET = re.compile(
    r"^(?P<when>\S.*?) +[0-9A-Fa-f]{3,8} PACKET +[0-9A-Fa-f]+ (?:UDP|TCP) (?P<dir>Snd|Rcv) (?P<ip>\S+) +"
    r"(?P<xid>[0-9A-Fa-f]{1,4}) (?P<qr>[R ]) (?P<op>[QNU?]) \[[0-9A-Fa-f]{4} +(?:[ATDR]+ +)?(?P<rcode>[A-Z]+)\] "
    r"(?P<qtype>\S+) +(?P<qname>\S+)"
)
_WINDOWS_TIME_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%d/%m/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S",
                         "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M:%S")
_LABEL_LENGTH = re.compile(r"\(\d+\)")


def is_windows_dns_debug(head: bytes) -> bool:
    """The file is a Windows DNS Server debug log: its banner, or a packet line among the first."""
    if head.lstrip().startswith(b"DNS Server log file"):
        return True
    text = head.decode("utf-8", "replace")
    return any(_WINDOWS_PACKET.match(line) for line in text.splitlines()[:50])


# an ``answers`` value by the outcome a log shows for a query: dead (NXDOMAIN, SERVFAIL ...),
# answered, or no outcome in the log (taken as answered: a missing line is no evidence of a dead name)
OUTCOME_TEXT = ("", "(answered)", "(not logged)")


# response codes of a dead name, by name and by number (RFC 1035 / 6895: 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED)
DEAD_RCODE_NAMES = ("NXDOMAIN", "SERVFAIL", "REFUSED")
DEAD_RCODES = (*DEAD_RCODE_NAMES, "2", "3", "5")


def answers_from_rcode(rcode: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    """``answers`` from a response-code column: empty (unanswered) for NXDOMAIN / SERVFAIL /
    REFUSED, ``(answered)`` for any other code (NOERROR with no records is a live name),
    ``(not logged)`` where the row has none.

    Why: ASIM, Sentinel's ``DnsEvents`` and many SIEM exports carry the response code but no
    answer records; without this a dictionary DGA's dead look-ups in such a file could not burst.
    """
    import pyarrow.compute as pc

    text = pa.large_string()
    code = pc.utf8_upper(pc.utf8_trim_whitespace(pc.cast(rcode, text)))
    dead = pc.is_in(code, value_set=pa.array(DEAD_RCODES, text))
    given = pc.fill_null(pc.not_equal(code, ""), False)
    state = pc.if_else(given, pc.if_else(dead, 0, 1), 2)
    out = pa.array(OUTCOME_TEXT, text).take(pc.cast(state, pa.int64()))
    return out if isinstance(out, pa.ChunkedArray) else pa.chunked_array([out])


def with_answers_from_rcode(tbl: pa.Table) -> pa.Table:
    """``tbl`` with an ``answers`` column read from its ``rcode`` column when it has that and no
    answers of its own (a log's answer records say more than its codes); ``rcode`` is kept."""
    if "rcode" not in tbl.column_names or "answers" in tbl.column_names:
        return tbl
    return tbl.append_column("answers", answers_from_rcode(tbl.column("rcode")))


def per_distinct(values: pa.Array, read: Callable[[str], str | None]) -> pa.Array:
    """``read`` of every value, called once per distinct one: a log repeats each second's stamp
    for every packet of that second."""
    import pyarrow.compute as pc

    distinct = pc.dictionary_encode(values)
    return pa.array([read(v) for v in distinct.dictionary.to_pylist()], pa.large_string()).take(distinct.indices)


def _windows_times(when: pa.Array, zone: tzinfo | None = None) -> pa.Array:
    """The packet times as ISO text: the first format (``_WINDOWS_TIME_FORMATS``) that reads a
    sample whole reads them all (the log's locale decides which), each distinct stamp once (a busy
    server logs many packets a second; strptime per packet was most of the reader's time). The
    server's local time, in ``zone`` when given (``zones.local_iso``)."""
    from datetime import datetime

    import pyarrow.compute as pc

    from hunt_assets.analytics.dns.zones import local_iso

    stamps = pc.unique(when).to_pylist()
    sample = stamps[:: max(1, len(stamps) // 500)][:500]
    for fmt in _WINDOWS_TIME_FORMATS:
        try:
            for w in sample:
                datetime.strptime(w, fmt)
        except ValueError:
            continue

        def read(w: str, fmt: str = fmt) -> str | None:
            try:
                return local_iso(datetime.strptime(w, fmt), zone)
            except ValueError:
                return None

        return per_distinct(when, read)
    return when  # left to times.to_ns, value by value


def split_lines(raw: bytes | bytearray) -> pa.Array:
    """The lines of ``raw`` (UTF-8) as a string array over the same bytes (no copy), each with its
    line end: what the line-oriented log readers run Arrow's regexes over."""
    import numpy as np

    buf = np.frombuffer(raw, np.uint8)
    step = 1 << 24  # the comparison's mask in pieces, not one byte per byte of a big log
    ends = np.concatenate([np.flatnonzero(buf[i:i + step] == 10) + i for i in range(0, len(buf), step)] or
                          [np.zeros(0, np.int64)])
    if len(raw) and raw[-1:] != b"\n":
        ends = np.append(ends, len(raw))
    offsets = np.concatenate(([0], ends + 1)).astype(np.int64)
    offsets[-1] = min(offsets[-1], len(raw))
    return pa.LargeStringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(raw))


def _json_escaped_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Bytes that are not UTF-8 as ``\\\\xNN``: inside a JSON string that decodes to the text
    ``\\xNN``, as Zeek writes such bytes and as ``backslashreplace`` shows them in other inputs,
    where ``\\xNN`` alone is not a JSON escape and cost the whole record."""
    assert isinstance(exc, UnicodeDecodeError)
    return "".join(f"\\\\x{b:02x}" for b in exc.object[exc.start : exc.end]), exc.end


codecs.register_error("hunt_json_bytes", _json_escaped_bytes)


def as_utf8(data: bytes | bytearray, json: bool = False) -> bytearray:
    """``data`` (not UTF-8) re-read with its stray bytes as ``\\xNN`` text; for JSON, with the
    backslash escaped, so each record still parses and its name keeps the bytes in the same form.
    (Which one a file is cannot be told before it is read: a names list may start with ``{``.)"""
    return bytearray(bytes(data).decode("utf-8", "hunt_json_bytes" if json else "backslashreplace").encode())


def utf8_bytes(data: bytes | bytearray) -> bytes | bytearray:
    """``data`` itself when it is UTF-8 (``score-dns`` has made it so), else re-read with ``\\xNN``
    escapes for the bytes that are not."""
    from hunt_assets.analytics.dns.accel import utf8_valid

    return data if utf8_valid(data) else as_utf8(data)


PIECE_LINES = 1 << 20  # lines per piece of a big log, for the line-oriented readers


def match_lines(lines: pa.Array, pattern: re.Pattern[str]) -> dict[str, pa.Array]:
    """The named groups of ``pattern`` (searched with Arrow's RE2) in the lines that match, as
    text, plus ``_line`` (the matched lines' positions); in pieces of ``PIECE_LINES``, so the
    regex's and the filters' copies of a big log never exist whole."""
    import numpy as np
    import pyarrow.compute as pc

    text = pa.large_string()
    kept: dict[str, list[pa.Array]] = {f: [] for f in (*pattern.groupindex, "_line")}
    for start in range(0, len(lines), PIECE_LINES):
        piece = lines.slice(start, PIECE_LINES)
        parts = pc.extract_regex(piece, pattern.pattern)
        matched = pc.is_valid(parts)
        parts = parts.filter(matched)
        for f in pattern.groupindex:
            kept[f].append(pc.cast(parts.field(f), text))
        kept["_line"].append(pa.array(np.flatnonzero(np.asarray(matched, dtype=bool)) + start))
    return {f: pa.concat_arrays(v) if v else pa.array([], pa.int64() if f == "_line" else text)
            for f, v in kept.items()}


def read_windows_dns_debug(
    data: bytes | bytearray, warn: Callable[[str], None] | None = None, zone: tzinfo | None = None
) -> pa.Table:
    """The client queries of a Windows DNS Server debug log: ``name``, ``client`` (the address the
    query came from), ``timestamp`` (the server's local time, in ``zone`` when given, else read as
    UTC: windows and bursts are right, first and last seen are off by the server's offset),
    ``qtype``, and ``answers`` when the log has the server's responses: empty for a response code
    other than NOERROR (NXDOMAIN, SERVFAIL ...), ``(answered)`` for NOERROR, ``(not logged)``
    when no response to that query is in the log (taken as answered: a missing line is no evidence
    of a dead name); the last response of a client's transaction counts. Queries the server sends
    upstream, and the answers it gets, are not client look-ups and are left out. Vectorized as
    ``querylogs`` is: Arrow's RE2 over the lines in pieces, NumPy to pair responses with queries."""
    import numpy as np
    import pyarrow.compute as pc

    text = pa.large_string()
    m = match_lines(split_lines(utf8_bytes(data)), _WINDOWS_PACKET)
    op_q = np.asarray(pc.equal(m["op"], "Q"), dtype=bool)
    asked = op_q & np.asarray(pc.and_(pc.equal(m["dir"], "Rcv"), pc.equal(m["qr"], " ")), dtype=bool)
    answered = op_q & np.asarray(pc.and_(pc.equal(m["dir"], "Snd"), pc.equal(m["qr"], "R")), dtype=bool)
    name = pc.utf8_trim(pc.replace_substring_regex(m["qname"], _LABEL_LENGTH.pattern, "."), ".")
    rows = pa.array(np.flatnonzero(asked))
    cols = {
        "name": name.take(rows),
        "client": m["ip"].take(rows),
        "timestamp": _windows_times(m["when"].take(rows), zone),
        "qtype": m["qtype"].take(rows),
    }
    if answered.any():
        key = pc.binary_join_element_wise(m["ip"], pc.utf8_lower(m["xid"]), pc.utf8_lower(name), pa.scalar("|", text))
        codes = np.asarray(pc.dictionary_encode(key).indices, dtype=np.int64)
        responses = np.flatnonzero(answered)
        by_key, first_from_end = np.unique(codes[responses][::-1], return_index=True)
        last = responses[len(responses) - 1 - first_from_end]  # each key's last response
        noerror = np.asarray(pc.equal(m["rcode"], "NOERROR"), dtype=bool)
        state = np.full(int(codes.max()) + 1, 2, dtype=np.int64)  # 2: not logged
        state[by_key] = np.where(noerror[last], 1, 0)
        cols["answers"] = pa.array(OUTCOME_TEXT, text).take(pa.array(state[codes[np.flatnonzero(asked)]]))
    return pa.table(cols)
