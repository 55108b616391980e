"""``hunt-assets score-dns FILE...``: score DNS names from CSV, plain text or DNS logs, CSV on stdout.

Input is CSV (or tab-separated) when its first line is a header containing a query-name column
(``name``, or one of ``NAME_COLUMNS`` such as the hunt's ``QueryName``, Zeek's ``query`` or a DGA
list's ``domain``; optional ``client``, ``timestamp``, ``qtype``, also under Defender's and Zeek's
names, and with them ``answers``, empty when unanswered), otherwise plain text with one name per
line; a header that names no query-name column is an error rather than a line of names. A Zeek
ASCII log (``dns.log`` as Zeek writes it) is read by its ``#fields`` header, JSON lines (Zeek's
JSON logs, Suricata's ``eve.json``, ECS) by their field names, a Windows DNS Server debug log by
its packet lines, BIND / dnsmasq / Unbound / CoreDNS query logs by theirs (``querylogs``), a JSON
document (a hunting API's response, an array, pretty-printed objects: ``jsondoc``) by its records,
a packet capture by its DNS packets (``pcap``), dnstap by its client messages (``dnstap``), Parquet
by its records; compressed input of any of these is unpacked (``logs``), and a zip or tar is read
member by member (``archives``); several files are one batch. Output has exactly the columns
``name,verdict,score,reasons`` with one row per distinct input name, produced by the same code as
the ``dns_flags`` asset (``score_events`` when there is event context, ``score_names``
otherwise). ``-`` reads standard input.

``pyarrow.compute`` (a twentieth of a second to import) is not imported here: the warm-up thread
imports it with the scorer while this thread reads and de-duplicates the input, which needs only
``pyarrow`` and the C kernel.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from datetime import tzinfo
from typing import TYPE_CHECKING, BinaryIO, NamedTuple, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from hunt_assets.analytics.dns import accel, archives, connections, dnscache, dnstap, logs, pcap, querylogs, winevent
from hunt_assets.analytics.dns.accel import unique_lines
from hunt_assets.analytics.dns.logs import ADDITIONAL_FIELDS, NAME_COLUMNS
from hunt_assets.analytics.dns.logs import ALIASES as _ALIASES

if TYPE_CHECKING:
    import pandas as pd

    from hunt_assets.analytics.dns.allowlist import Allowlist
    from hunt_assets.analytics.dns.csv_out import Scored

OUT_COLUMNS = ["name", "verdict", "score", "reasons"]
P = TypeVar("P")
# schema metadata of a table ``read_input`` already de-duplicated (plain lists read by the C kernel),
# and how many rows (non-empty lines) the input had
DISTINCT_KEY = b"hunt_assets.distinct"
ROWS_KEY = b"hunt_assets.rows"
LARGE_INPUT = 200_000  # rows; progress is shown above this when stderr is a terminal
LARGE_BYTES = 4 << 20  # a file this big gets a "reading" line first (a 1 GB Zeek log reads for seconds)
_HEADER_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_ .\-]{0,63}")
_NOT_SPACE = re.compile(rb"\S")


class _Progress:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.t0 = time.perf_counter()

    def __call__(self, msg: str) -> None:
        if self.enabled:
            print(
                f"\r[score-dns {time.perf_counter() - self.t0:6.1f}s] {msg}\033[K", end="", file=sys.stderr, flush=True
            )

    def done(self) -> None:
        if self.enabled:
            print(file=sys.stderr, flush=True)


class _Header(NamedTuple):
    """The input's first line, parsed once for the format checks."""

    line: str
    # the one that splits out a query-name column (a semicolon: Excel's CSV where the decimal mark is
    # a comma); else tab or semicolon when the line has one and no comma (a TSV export), else comma
    delimiter: str
    raw: list[str]  # the fields with their quotes removed, spaces kept (as Arrow names the columns)
    fields: list[str]  # the fields stripped of spaces, then quotes

    @classmethod
    def of(cls, head: bytes) -> _Header:
        line = head.split(b"\n", 1)[0].strip().lstrip(b"\xef\xbb\xbf").decode("utf-8", "replace")
        delimiter = next((d for d in (",", "\t", ";") if d in line and any(
            _column_key(c.strip().strip('"')) in NAME_COLUMNS for c in line.split(d))), None)
        if delimiter is None:
            delimiter = next((d for d in ("\t", ";") if d in line and "," not in line), ",")
        parts = line.split(delimiter)
        return cls(line, delimiter, [c.strip('"') for c in parts], [c.strip().strip('"') for c in parts])


def _column_key(c: str) -> str:
    """A header name as the aliases know it: any case, without the portals' `` [UTC]`` suffix
    (``TimeGenerated [UTC]``)."""
    return re.sub(r"\s*\[utc\]$", "", c.strip().lower())


def _is_csv(h: _Header) -> bool:
    cols = [_column_key(c) for c in h.fields]
    named = any(c in NAME_COLUMNS for c in cols) or ADDITIONAL_FIELDS in cols
    return named and (h.delimiter in h.line or cols == ["name"])


def _header_without_names(h: _Header) -> bool:
    """A first line of comma- or tab-separated column names none of which holds query names (a
    CSV we cannot read), rather than a name: no field looks like a domain name."""
    return (
        h.delimiter in h.line
        and all(_HEADER_FIELD.fullmatch(f) for f in h.fields)
        and not any("." in f and f.lower() not in _ALIASES for f in h.fields)
    )


def _csv_column_names(columns: list[str]) -> list[str]:
    """``name`` for the preferred query-name column, ``client`` / ``timestamp`` / ``qtype`` /
    ``answers`` for the column of their first alias in ``ALIASES``' order (Sentinel's ``DnsEvents``
    has ``Computer``, the DNS server, before ``ClientIP``); other columns keep their names (made
    unique)."""
    lower = [_column_key(c) for c in columns]
    name_at = next(lower.index(a) for a in NAME_COLUMNS if a in lower)
    chosen = {name_at: "name"}
    for alias, ours in _ALIASES.items():
        if alias in lower and ours not in chosen.values():
            chosen.setdefault(lower.index(alias), ours)
    out: list[str] = []
    for i, c in enumerate(columns):
        a = chosen.get(i, c)
        if a in out or (a == "name" and i != name_at):
            a = c if c not in out and c != "name" else f"{c}_{i}"
        out.append(a)
    return out


def _from_additional_fields(tbl: pa.Table) -> pa.Table:
    """A raw Defender export (DeviceEvents' DnsQueryResponse, DeviceNetworkEvents'
    DnsConnectionInspected): the query name, and the query type where it is given, read from the
    ``AdditionalFields`` JSON of each row into ``name`` / ``qtype`` columns. Rows of other actions,
    or whose JSON does not parse, have no name (and are not scored)."""
    col = next(c for c in tbl.column_names if _column_key(c) == ADDITIONAL_FIELDS)
    names, qtypes = logs.additional_fields(tbl.column(col).to_pylist())
    tbl = tbl.append_column("QueryName", pa.array(names, pa.large_string()))
    has_qtype = any(_ALIASES.get(_column_key(c)) == "qtype" for c in tbl.column_names)
    if any(q is not None for q in qtypes) and not has_qtype:
        tbl = tbl.append_column("QueryType", pa.array(qtypes, pa.large_string()))
    return tbl


def read_input(
    stream: BinaryIO, warn: Callable[[str], None] | None = None, zone: tzinfo | None = None
) -> pa.Table:
    """Read CSV (with a name column) or plain text into an Arrow table with a ``name`` column.

    One bad row must not cost the others. Bytes that are not UTF-8 (iodine's base128 payloads as a
    raw log shows them, a mangled line) are re-read as ``\\xNN`` escapes, which the parser turns
    back into the same bytes (and the output shows). CSV rows with too few or too many fields, or
    an unbalanced quote, are read field by field on their own (see ``_salvage_rows``) and
    ``warn`` is told how many there were. A Zeek ASCII log (``dns.log``: ``#`` directives, tab-
    separated rows) is read by its ``#fields``, JSON lines by field name (``logs``), JSON documents
    by their records (``jsondoc``), Parquet like JSON lines, packet captures by their DNS packets
    (``pcap``) and dnstap by its client messages (``dnstap``), Windows event logs and PowerShell's
    exports of events by their DNS events (``winevent``), a Windows DNS client cache by its entries
    (``dnscache``), DNS servers' logs by their lines (``logs``, ``querylogs``; their local times in
    ``zone`` when given). Compressed input is unpacked first, a zip or tar read member by member
    (``archives``), and UTF-16 / UTF-32 text re-encoded.
    """
    head = _peek(stream, 1 << 20)
    if pcap.is_capture(head):  # read a piece at a time: a day of a sensor's capture is gigabytes
        return pcap.read_capture_stream(stream, warn)
    kind = logs.packed_kind(head[:10])
    if kind is not None and pcap.is_capture(logs.unpacked_head(head, kind, 4)):  # a rotated, compressed capture
        return pcap.read_capture_stream(io.BufferedReader(logs.UnpackingReader(stream, kind, warn), 1 << 20), warn)
    return _read_data(_read_all(stream), warn, zone)


def _peek(stream: BinaryIO, n: int) -> bytes:
    """The stream's first ``n`` bytes without reading them (fewer when the stream cannot say)."""
    peek = getattr(stream, "peek", None)
    if peek is None:
        return b""
    try:
        return bytes(peek(n)[:n])
    except (OSError, ValueError):
        return b""


def _read_data(data: bytearray, warn: Callable[[str], None] | None, zone: tzinfo | None, depth: int = 0) -> pa.Table:
    data = logs.unpack(data, warn)
    head = bytes(data[:4096])  # what the binary formats' sniffers look at
    if archives.is_archive(head):
        return _read_archive(data, warn, zone, depth)
    if pcap.is_capture(head):  # binary: before any reading as text
        return pcap.read_capture(data, warn)
    if dnstap.is_dnstap(head):
        return dnstap.read_dnstap(data, warn)
    if winevent.is_evtx(head):
        return winevent.read_evtx(data, warn)
    if logs.is_parquet(head):
        return logs.read_parquet(data, warn)
    if logs.is_docker_local_log(head):  # binary: a container's output in Docker's local driver
        return _read_data(logs.unwrap_docker_local_log(data, warn), warn, zone, depth)
    if logs.is_journal_export(head):  # binary-safe: before any reading as text
        return _read_bytes(logs.journal_export_as_json(data, warn), warn, zone)
    data = logs.utf16_as_utf8(data)
    if data.startswith(b"\xef\xbb\xbf"):
        del data[:3]
    if data.startswith(b"\x1e"):  # JSON text sequences (RFC 7464: journalctl -o json-seq, jq --seq)
        data = data.replace(b"\x1e", b"\n")  # a record's strings cannot hold a raw RS: only separators
    # checked before parsing, not left to Arrow's error: a malformed CSV row holding such bytes
    # cannot be handed to the salvage path (Arrow fails to decode its text), which lost the file
    member = depth > 0
    if not accel.utf8_valid(data):
        raw = data
        return _read_bytes(logs.as_utf8(raw), warn, zone, json_text=lambda: logs.as_utf8(raw, json=True),
                           member=member)
    return _read_bytes(data, warn, zone, member=member)


def _read_archive(data: bytearray, warn: Callable[[str], None] | None, zone: tzinfo | None, depth: int) -> pa.Table:
    """A zip or tar read member by member (``archives``), the members as one batch; a member that
    is not a readable input is skipped and named on stderr, an archive without any is an error."""
    if depth >= archives.MAX_DEPTH:
        raise archives.ArchiveError(f"archives nested more than {archives.MAX_DEPTH} deep")
    tables: list[pa.Table] = []
    skipped: list[str] = []
    for name, blob in archives.members(data, warn):

        def member_warn(msg: str, name: str = name) -> None:
            if warn is not None:
                warn(f"{name}: {msg}")

        try:
            tables.append(_read_data(bytearray(blob), member_warn, zone, depth + 1))
        except (OSError, pa.ArrowInvalid, logs.LogFormatError) as exc:
            skipped.append(f"{name} ({exc})")
    if not tables:
        example = f"; e.g. {skipped[0]}" if skipped else ""
        raise archives.ArchiveError(f"an archive without a readable DNS log{example}")
    if skipped and warn is not None:
        warn(f"{len(skipped)} member(s) not read: " + "; ".join(skipped[:3]) + ("; …" if len(skipped) > 3 else ""))
    return combine_inputs(tables)


def _read_all(stream: BinaryIO) -> bytearray:
    """The whole stream in one writable buffer (a plain list is then de-duplicated in place)."""
    import os

    try:
        size = os.fstat(stream.fileno()).st_size
    except (OSError, AttributeError, io.UnsupportedOperation):
        size = 0
    buf = bytearray(size)
    got = stream.readinto(buf) if size else 0  # type: ignore[attr-defined]
    if got != size:  # the file changed under us: keep what was read, then read on
        del buf[got or 0 :]
    while chunk := stream.read(1 << 24):
        buf += chunk
    return buf


def _string_columns(h: _Header) -> list[str]:
    """Header names read as strings whatever they hold (a column of numbers-only names stays text)."""
    out = []
    for c in h.raw:
        key = _column_key(c)
        if key in NAME_COLUMNS or key == ADDITIONAL_FIELDS or _ALIASES.get(key) in ("client", "qtype", "answers",
                                                                                    "rcode"):
            out += [c, c.strip()]
    return out


def _salvage_rows(header: list[str], texts: list[str], like: pa.Table, delimiter: str = ",") -> pa.Table:
    """Rows the CSV reader rejected, read one line at a time: a line with an unbalanced quote is
    split at every delimiter (the quote is kept as a character of its field), others as CSV;
    missing fields are empty, extra fields dropped. Values that do not convert to a column's type
    are null."""
    import csv

    import pyarrow.compute as pc

    cols: dict[str, list[str | None]] = {h: [] for h in header}
    for text in texts:
        for line in text.splitlines():
            if not line.strip():
                continue
            fields = line.split(delimiter) if line.count('"') % 2 else next(csv.reader([line], delimiter=delimiter))
            for i, h in enumerate(header):
                cols[h].append(fields[i] if i < len(fields) else "")
    arrays = []
    for field in like.schema:
        raw = pa.array(cols[field.name], pa.large_string())
        try:
            arrays.append(pc.cast(raw, field.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            arrays.append(pa.nulls(len(raw), field.type))
    return pa.table(arrays, schema=like.schema)


def _read_json_records(data: bytes | bytearray, warn: Callable[[str], None] | None, zone: tzinfo | None) -> pa.Table:
    """JSON lines: a DNS server's log in Docker's json-file or from ``journalctl -o json`` (read
    as its lines), else records by field name."""
    if not _NOT_SPACE.search(data):  # an empty array, a response without results (no copy of the data)
        return pa.table({"name": pa.array([], pa.large_string())})
    head = bytes(data[:4096])
    if logs.is_docker_json_log(head):
        return _read_bytes(logs.unwrap_docker_json_log(data, warn), warn, zone)
    if logs.is_journal_json(head):
        return _read_bytes(logs.unwrap_journal_json(data, warn), warn, zone)
    return logs.read_json_lines(data, warn)


def _read_bytes(
    data: bytes | bytearray, warn: Callable[[str], None] | None = None, zone: tzinfo | None = None,
    json_text: Callable[[], bytearray] | None = None, member: bool = False,
) -> pa.Table:
    """``json_text``: for input that was not UTF-8, the same input with its stray bytes escaped as
    JSON allows (``logs.as_utf8``), read instead of ``data`` if the input turns out to be JSON.
    ``member``: an archive's member, which is read as a list of names only if it looks like one (a
    bundle's README, notes or PDF are not the hunter's names, where a file given alone is)."""
    head = bytes(data[:4096])
    if head.lstrip()[:1] in (b"{", b"["):  # JSON lines or a document (the module and json load only then)
        from hunt_assets.analytics.dns import jsondoc

        text = json_text() if json_text is not None else data
        head = bytes(text[:4096])
        if logs.is_json_lines(head):
            if jsondoc.wraps_records(logs.first_record(head) or {}):  # API responses or search hits, one a line
                return _read_json_records(jsondoc.to_json_lines(text, warn), warn, zone)
            return _read_json_records(text, warn, zone)
        if jsondoc.is_json_document(head):  # an API response, an array, pretty-printed objects
            with contextlib.suppress(jsondoc.NotJsonError):  # else a list of names starting with '{"'
                return _read_json_records(jsondoc.to_json_lines(text, warn), warn, zone)
        del text
        head = bytes(data[:4096])
    if winevent.is_event_xml(head):
        return winevent.read_event_xml(data, warn)
    if dnscache.is_displaydns(bytes(data[:8192])):
        return dnscache.read_displaydns(data)
    if logs.is_windows_dns_debug(bytes(data[:8192])):
        return logs.read_windows_dns_debug(data, warn, zone)
    if querylogs.which_server(bytes(data[:8192])):
        return querylogs.read_query_log(data, warn, zone=zone)
    if logs.is_zeek_ascii(bytes(data[:16])):
        if not {f.lower() for f in logs.zeek_fields(data)} & set(NAME_COLUMNS):  # by its header: not a dns.log
            tbl = logs.read_zeek_ascii(data, warn, wanted=connections.FIELD_NAMES)  # conn.log, ssl.log, quic.log?
            if connections.is_connection_log(tbl.column_names):  # no look-ups, but connections for --hosts
                return connections.connection_log(tbl.rename_columns([c.lower() for c in tbl.column_names]), warn)
            raise pa.ArrowInvalid(
                f"a Zeek log without a query-name field (dns.log has 'query'; conn.log 'conn_state' and ssl.log "
                f"'server_name' are read for --hosts; this one has: {', '.join(tbl.column_names)[:200]})"
            )
        tbl = logs.read_zeek_ascii(data, warn, wanted={*NAME_COLUMNS, *_ALIASES})
        return logs.with_answers_from_rcode(tbl.rename_columns(_csv_column_names(tbl.column_names)))
    if data.startswith(b"#TYPE "):  # Windows PowerShell's Export-Csv: the objects' .NET type, then the header
        data = data[data.find(b"\n") + 1 :] if b"\n" in data[:4096] else data
    if (events := _powershell_csv(data, warn)) is not None:
        return events
    head = _Header.of(bytes(data[:4096]))  # the format checks read the first line only
    if _is_csv(head):
        rejected: list[str] = []
        delimiter = head.delimiter

        def on_invalid(row: pacsv.InvalidRow) -> str:
            rejected.append(row.text)
            return "skip"

        tbl = pacsv.read_csv(
            io.BytesIO(data),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.large_string() for c in _string_columns(head)},
                strings_can_be_null=False,
            ),
        )
        if rejected:
            tbl = pa.concat_tables([tbl, _salvage_rows(tbl.column_names, rejected, tbl, delimiter)])
            if warn is not None:
                first = rejected[0].splitlines()[0][:80] if rejected[0] else ""
                warn(
                    f"{len(rejected)} malformed CSV row(s) (wrong number of fields or an unbalanced quote) "
                    f"read field by field, e.g. {first!r}"
                )
        if not any(_column_key(c) in NAME_COLUMNS for c in tbl.column_names):
            tbl = _from_additional_fields(tbl)
        return logs.with_answers_from_rcode(tbl.rename_columns(_csv_column_names(tbl.column_names)))
    if _header_without_names(head):
        raise pa.ArrowInvalid(
            f"the first line looks like a CSV header ({head.line[:120]!r}) but no column holds "
            f"query names (one of: {', '.join(NAME_COLUMNS)}, in any case)"
        )
    # plain text: one name per line; blank lines are not names
    note = _not_a_names_list(bytes(data[:1 << 16]), member) if member or warn is not None else None
    if note and member:
        raise logs.LogFormatError(note)
    if note and warn is not None:
        warn(note)
    native = unique_lines(data, in_place=isinstance(data, bytearray))
    if native is not None:
        distinct, lines = native
        meta = {DISTINCT_KEY: b"1", ROWS_KEY: str(lines).encode()}
        return pa.table({"name": distinct.view(pa.large_string())}).replace_schema_metadata(meta)
    tbl = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=["name"], block_size=1 << 24),
        parse_options=pacsv.ParseOptions(
            delimiter="\x1f", quote_char=False, escape_char=False, newlines_in_values=False, ignore_empty_lines=True
        ),
        convert_options=pacsv.ConvertOptions(column_types={"name": pa.large_string()}, strings_can_be_null=False),
    )
    return tbl


def _powershell_csv(data: bytes | bytearray, warn: Callable[[str], None] | None) -> pa.Table | None:
    """``Get-WinEvent … | Export-Csv`` (event records whose ``Message`` runs over several lines
    inside its quotes) and ``Get-DnsClientCache | Export-Csv``, read as ``winevent`` reads them;
    ``None`` for any other input."""
    first = bytes(data[:4096]).split(b"\n", 1)[0].decode("utf-8", "replace")
    fields = [f.strip().strip('"') for f in first.split(",")]
    lower = [f.lower() for f in fields]
    if not (winevent.is_winevent(lower) or dnscache.is_cache(lower)) or set(lower) & set(NAME_COLUMNS):
        return None
    try:
        tbl = pacsv.read_csv(
            io.BytesIO(data),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={f: pa.large_string() for f in fields},
                                                 strings_can_be_null=False),
        )
    except pa.ArrowInvalid:  # a row Arrow refuses (a file cut inside a message): row by row, that row alone lost
        tbl = _csv_rows_slowly(data, warn)
    return logs.records_table(tbl.rename_columns([c.lower() for c in tbl.column_names]), warn)


def _csv_rows_slowly(data: bytes | bytearray, warn: Callable[[str], None] | None) -> pa.Table:
    """A CSV whose quoted fields run over several lines, read with Python's reader: the rows with as
    many fields as the header, the others (a cut last row) counted in ``warn``."""
    import csv

    reader = csv.reader(io.StringIO(bytes(data).decode("utf-8", "backslashreplace"), newline=""))
    header = next(reader, [])
    rows, bad = [], 0
    try:
        for row in reader:
            if len(row) == len(header):
                rows.append(row)
            elif any(row):
                bad += 1
    except csv.Error:  # a NUL byte, a field over the reader's limit: the rows before it stand
        bad += 1
    if bad and warn is not None:
        warn(f"{bad} CSV row(s) with another number of fields than the header (a file cut short?) skipped")
    return pa.table({h: pa.array([r[i] for r in rows], pa.large_string()) for i, h in enumerate(header)})


def _not_a_names_list(head: bytes, member: bool = False) -> str | None:
    """A warning when the first lines of what is read as a list of names mostly hold spaces: a log
    in a format no reader knows, a report, a CSV with another delimiter. Each line is still read as
    one name (and comes out ``invalid``), as asked; the warning says why the output looks so. For an
    archive's member (``member``) the reason to skip it: also when it is short or holds NUL bytes
    (a document or an image, which no list of names holds)."""
    if member and b"\x00" in head:
        return "binary, not a list of names or a DNS log"
    lines = [ln.strip() for ln in head.splitlines()[:1000] if ln.strip()]
    spaced = sum(1 for ln in lines if b" " in ln or b"\t" in ln)
    if len(lines) < (1 if member else 5) or spaced * 2 < len(lines):
        return None
    if member:
        return f"text, not a list of names or a DNS log ({spaced} of its first {len(lines)} lines hold spaces)"
    return (f"{spaced} of the first {len(lines)} lines hold spaces: not a list of names, or a log in a format "
            "score-dns does not know? Each line is read as one name")


class _Warm:
    """Loads the scorer's tables (trigram model, suffix list, popular domains) on a thread while
    the main thread reads and de-duplicates the input, which runs in Arrow without the GIL."""

    def __init__(self) -> None:
        self.thread = threading.Thread(target=self._run, name="score-dns-warm", daemon=True)
        self.thread.start()

    @staticmethod
    def _run() -> None:
        try:
            from hunt_assets.analytics.dns.score import _warm

            _warm()
        except Exception:  # noqa: S110 - scoring loads the same tables again and reports the error itself
            pass

    def join(self) -> None:
        self.thread.join()


def combine_inputs(tables: list[pa.Table]) -> pa.Table:
    """Several files' tables as one batch (a day of hourly Zeek logs, rotated server logs), so
    per-domain context and host summaries see all of it. Columns are the union; a file without
    one has nulls there, and a column whose type differs between files (epoch numbers in one,
    text in another) is text in all (``times.to_ns`` reads both)."""
    if len(tables) == 1:
        return tables[0]
    import pyarrow.compute as pc

    names: list[str] = []
    for t in tables:
        names += [c for c in t.column_names if c not in names]
    types = {c: {t.schema.field(c).type for t in tables if c in t.column_names} for c in names}
    text = pa.large_string()
    parts = []
    for t in tables:
        cols = []
        for c in names:
            typ = next(iter(types[c])) if len(types[c]) == 1 else text
            cols.append(pc.cast(t.column(c), typ) if c in t.column_names else pa.nulls(t.num_rows, typ))
        parts.append(pa.table(cols, names=names))
    rows = sum(input_rows(t) for t in tables)
    combined = pa.concat_tables(parts).replace_schema_metadata({ROWS_KEY: str(rows).encode()})
    # the encrypted-DNS connections of captures and connection logs, for --hosts (one file's conn.log and
    # another's ssl.log may name the same connection: connection_frame counts it once)
    return connections.attach(combined, [r for t in tables for r in connections.carried(t)])


CONNECTION_COLUMNS = ("client", "resolver", "server", "port", "protocol", "server_name", "process", "connections",
                      "first_seen", "last_seen")


def connection_table(tbl: pa.Table) -> pd.DataFrame:
    """``--connections``: the encrypted-DNS connections the input carried, one row per client, server, port,
    protocol and process (the hours added up), busiest first, with how the host table names the resolver
    (``resolver``) and the server name a hello or a log gave. Why: the host table keeps a host's three
    busiest resolvers; the hunter's next step is the exact addresses and times, to ask the proxy, the
    firewall or the resolver's provider."""
    import pandas as pd

    from hunt_assets.analytics.dns.resolvers import connection_label

    df = _merged_connections(tbl)  # per hour: added up below
    if df.empty:
        return pd.DataFrame(columns=list(CONNECTION_COLUMNS))
    keys = ["client", "server", "port", "protocol", "process"]
    df[["process", "server_name"]] = df[["process", "server_name"]].astype(object).where(
        df[["process", "server_name"]].notna(), "")
    out = df.groupby(keys, sort=False).agg(connections=("connections", "sum"), first_seen=("first_seen", "min"),
                                          last_seen=("last_seen", "max"),
                                          server_name=("server_name", lambda v: next((x for x in v if x), ""))
                                          ).reset_index()
    out["resolver"] = [connection_label(a, None, p, proto, n) for a, p, proto, n
                       in zip(out["server"], out["port"], out["protocol"], out["server_name"], strict=True)]
    for c in ("first_seen", "last_seen"):
        out[c] = pd.to_datetime(out[c].astype("float64"), unit="s", utc=True)
    out = out.sort_values(["connections", "client", "server"], ascending=[False, True, True], kind="stable")
    return out.reset_index(drop=True)[list(CONNECTION_COLUMNS)]


def _write_side_table(df: pd.DataFrame, path: str, spreadsheet_safe: bool, progress: _Progress) -> bool:
    """``--hosts`` / ``--connections``: ``df`` as CSV at ``path``; its text cells that a spreadsheet would run
    are quoted with ``--spreadsheet-safe``, else counted on stderr (a TLS name or a reverse name is the
    server's to choose). False (said on stderr) when the file cannot be written."""
    risky_cells = 0
    for col in df.select_dtypes(include=["object", "string"]).columns:
        texts = pa.array(df[col].astype("string"), pa.large_string())
        if (rows := formula_rows(texts)).size and spreadsheet_safe:
            df[col] = formula_safe(texts, rows).to_pandas()
        risky_cells += rows.size
    if risky_cells and not spreadsheet_safe:
        progress.done()
        print(f"score-dns: {risky_cells:,} cell(s) of {path} start with =, +, -, @, a tab or a carriage return: a "
              "spreadsheet opening it may run them as formulas; --spreadsheet-safe writes them with a leading '",
              file=sys.stderr)
    try:
        df.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%S.%fZ")
    except OSError as exc:
        progress.done()
        print(f"score-dns: cannot write {path}: {exc}", file=sys.stderr)
        return False
    return True


def _merged_connections(tbl: pa.Table) -> pd.DataFrame:
    """The connections ``tbl`` carried, merged (``connections.merge``: one row per client, server, port,
    protocol, process and hour, a connection two logs name counted once), times as epoch seconds, in the
    columns of ``connections.FIELDS``: what the host table and the connections file both start from."""
    import pandas as pd

    rows = connections.merge(connections.times_as_seconds(connections.carried(tbl)))
    return pd.DataFrame(rows, columns=list(connections.FIELDS))


def connection_frame(tbl: pa.Table) -> pd.DataFrame | None:
    """The encrypted-DNS connections the input carried (captures, Zeek's conn.log / ssl.log, Suricata's
    flow / tls / quic events: ``connections``) in the ``encrypted_dns_connections`` hunt's columns
    (``DeviceName`` the client address or machine; ``FileName`` and ``FolderPath`` when a row names its
    image, as Sysmon's event 3 does; where a sensor's rows (a capture, Zeek, Suricata) come with them,
    ``Sensor`` marks the rows that name none: such a row must not pass for an unknown program, and its
    connections are judged by their rate, ``events._steady_rate``), or None when it carried none."""
    import pandas as pd

    df = _merged_connections(tbl)
    if df.empty:
        return None
    when = {c: pd.to_datetime(df[c].astype("float64"), unit="s", utc=True) for c in ("first_seen", "last_seen")}
    out = pd.DataFrame({"DeviceName": df["client"], "RemoteIP": df["server"], "RemotePort": df["port"],
                        "ServerName": df["server_name"], "Protocol": df["protocol"],
                        "Connections": df["connections"].astype("int64"),
                        "FirstSeen": when["first_seen"], "LastSeen": when["last_seen"],
                        "Timestamp": when["first_seen"].dt.floor("h")})  # the hour, as the hunt bins its rows
    named = df["process"].notna()
    if named.any():  # a source that names the image (Sysmon 3, an endpoint's agent): the processes are judged too
        image = df["process"].astype(object).where(named, "").astype(str)
        out["FileName"] = image.str.rsplit("\\", n=1).str[-1].str.rsplit("/", n=1).str[-1]
        out["FolderPath"] = image
        if not named.all():  # and a sensor's beside it, whose rows name no process
            out["Sensor"] = ~named
    return out


def input_rows(tbl: pa.Table) -> int:
    """Rows of the input (before any de-duplication ``read_input`` did)."""
    rows = (tbl.schema.metadata or {}).get(ROWS_KEY)
    return int(rows) if rows is not None else tbl.num_rows


def score_table(
    tbl: pa.Table, progress: _Progress | None = None, warm: _Warm | None = None, allow: Allowlist | None = None
) -> pa.Table:
    """Score an input table; returns the four output columns, one row per distinct name."""
    out = score_output(tbl, progress, warm, allow)
    return out if isinstance(out, pa.Table) else out.table()


def event_columns(tbl: pa.Table) -> set[str]:
    """The event columns of an input table; any of them switches to scoring events."""
    return {"client", "timestamp", "qtype"} & set(tbl.column_names)


def host_table(tbl: pa.Table, allow: Allowlist | None = None) -> tuple[pa.Table, pd.DataFrame]:
    """(``score_table``'s rows of an event table, the hosts that looked up flagged domains or an
    encrypted-DNS resolver as ``summarize_hosts`` ranks them for the host_summary asset). ``tbl``
    needs a ``client`` column. The connections to encrypted-DNS resolvers a capture or a connection log
    carried (``connection_frame``) list their hosts too, in two more columns (``encrypted_dns_connections``,
    ``encrypted_dns_connected_to``) that a DNS log's table alone does not get: it cannot fill them, and its
    columns stay as scripts read them."""
    out, df, domains = _scored_events(tbl, allow)
    from hunt_assets.analytics.dns.events import HUNT_ONLY_HOST_COLUMNS, summarize_hosts

    conns = connection_frame(tbl)
    hosts = summarize_hosts(df, domains, encrypted_connections=conns)
    # the columns a log alone can fill (no alerts, no connection hunt), priority first: a hunter sorts by it
    first = ("client", "priority")
    captured = ("encrypted_dns_connections", "encrypted_dns_connected_to") if conns is not None else ()
    if conns is not None and "FileName" in conns.columns:  # a source that names the processes (Sysmon 3)
        captured += ("encrypted_dns_processes", "encrypted_dns_other_processes")
    cols = [*first, *(c for c in hosts.columns
                      if c not in (*first, *HUNT_ONLY_HOST_COLUMNS) or c in captured)]
    return out, hosts[cols]


def _scored_events(tbl: pa.Table, allow: Allowlist | None) -> tuple[pa.Table, pd.DataFrame, pd.DataFrame]:
    """An event table scored by ``score_events``: (``score_table``'s rows, the events frame, the
    per-domain flags)."""
    allow_pandas()
    from hunt_assets.analytics.dns.events import score_events

    df = _events_frame(tbl)
    flags, domains = score_events(df, allow=allow)
    return pa.Table.from_pandas(flags[OUT_COLUMNS], preserve_index=False), df, domains


def _events_frame(tbl: pa.Table) -> pd.DataFrame:
    """The event columns as pandas, times as UTC datetimes (``times.to_ns``: Zeek's epoch seconds,
    mixed ISO precisions), so every reader of the frame sees the same instants."""
    import pandas as pd

    from hunt_assets.analytics.dns.times import to_ns

    # answers (empty: unanswered) tell a DGA's dead look-ups from resolved ones in bursts
    keep = ["name", *sorted(event_columns(tbl) | ({"answers"} & set(tbl.column_names)))]
    df = tbl.select(keep).to_pandas()
    if "timestamp" in df.columns:
        df["timestamp"] = pd.DatetimeIndex(to_ns(df["timestamp"]).view("datetime64[ns]")).tz_localize("UTC")
    return df


def score_output(
    tbl: pa.Table, progress: _Progress | None = None, warm: _Warm | None = None, allow: Allowlist | None = None
) -> pa.Table | Scored:
    """``score_table``'s rows; plain names come as ``csv_out.Scored``, whose reasons the CSV writer
    reads without splicing the later context's text into a copy of all of them."""
    from hunt_assets.analytics.dns.csv_out import Scored
    from hunt_assets.analytics.dns.domain_stats import apply_batch_context
    from hunt_assets.analytics.dns.names import np_to_arrow
    from hunt_assets.analytics.dns.score import (
        ChunkReasons,
        reason_patches,
        score_arrays,
        unique_names,
        verdict_array,
    )

    progress = progress or _Progress(False)
    if event_columns(tbl):
        if warm is not None:
            warm.join()
        progress(f"{tbl.num_rows:,} events: scoring")
        return _scored_events(tbl, allow)[0]
    names = tbl.column("name")
    progress(f"{input_rows(tbl):,} rows: de-duplicating")
    meta = tbl.schema.metadata or {}
    uniq = names.combine_chunks() if meta.get(DISTINCT_KEY) == b"1" else unique_names(names)
    if warm is not None:
        warm.join()
    progress(f"{len(uniq):,} distinct names: scoring")
    arr, cols, R = score_arrays(uniq, lean=True, allow=allow)
    if R and isinstance(R[0], ChunkReasons):
        R[0].join_early()  # on the second core while batch context runs here
    apply_batch_context(arr, cols, R, None)
    progress(f"{len(uniq):,} distinct names: writing")
    return Scored(
        arr,
        verdict_array(cols["verdict"]),
        np_to_arrow(np.asarray(cols["score"], dtype=np.float64)),
        reason_patches(R, len(arr)),
    )


_CSV_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="needed")
PARALLEL_WRITE_ROWS = 200_000
WRITE_PIECE_ROWS = 100_000


FORMULA_STARTS = b"=+-@\t\r"  # what makes a spreadsheet read a cell as a formula (OWASP's CSV injection list)


def formula_rows(names: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Rows whose text starts with a character a spreadsheet takes as the start of a formula
    (``=cmd|' /C calc'!A0``: a query name is the attacker's to choose). By first byte, on the
    buffers: a few milliseconds for a million names."""
    from hunt_assets.analytics.dns.csv_out import string_parts

    chunks = names.chunks if isinstance(names, pa.ChunkedArray) else [names]
    out, base = [], 0
    for chunk in chunks:
        chunk = chunk.cast(pa.large_string()) if not pa.types.is_large_string(chunk.type) else chunk
        offsets, data = string_parts(chunk)
        starts = offsets[:-1]
        filled = offsets[1:] > starts
        if chunk.null_count:
            import pyarrow.compute as pc

            filled &= pc.is_valid(chunk).to_numpy(zero_copy_only=False)
        first = np.zeros(len(chunk), dtype=np.uint8)
        first[filled] = data[starts[filled]]
        out.append(np.flatnonzero(filled & np.isin(first, np.frombuffer(FORMULA_STARTS, np.uint8))) + base)
        base += len(chunk)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def formula_safe(names: pa.Array | pa.ChunkedArray, rows: np.ndarray) -> pa.Array:
    """``names`` with a ``'`` before the texts at ``rows``: a spreadsheet then shows the text as it
    is (and hides the quote) instead of running it."""
    import pyarrow.compute as pc

    arr = names.combine_chunks() if isinstance(names, pa.ChunkedArray) else names
    arr = arr.cast(pa.large_string())
    mask = np.zeros(len(arr), dtype=bool)
    mask[rows] = True
    quoted = pc.binary_join_element_wise(pa.scalar("'", pa.large_string()), arr, pa.scalar("", pa.large_string()))
    return pc.if_else(pa.array(mask), quoted, arr)


def write_csv_rows(tbl: pa.Table | Scored, sink: BinaryIO) -> None:
    """Write ``tbl`` as CSV rows (no header) to ``sink``, in row order.

    The output columns are written by the C kernel (``csv_out``: the same bytes as Arrow's writer
    at a fraction of the cost), any other table by Arrow's writer. Large tables are formatted in
    pieces on two threads (both writers release the GIL) and written in order.
    """
    from hunt_assets.analytics.dns import csv_out

    parallel = tbl.num_rows >= PARALLEL_WRITE_ROWS
    scored = tbl if isinstance(tbl, csv_out.Scored) else csv_out.from_table(tbl)
    if scored is not None and accel.ext is not None and accel.ENABLED:
        rows = csv_out.Rows(scored)
        _write_pieces(list(rows.pieces(WRITE_PIECE_ROWS)), rows.text, sink, parallel)
        return
    if isinstance(tbl, csv_out.Scored):
        tbl = tbl.table()
    if not parallel:
        pacsv.write_csv(tbl, sink, write_options=_CSV_OPTIONS)
    else:

        def text(start: int) -> memoryview:
            buf = io.BytesIO()
            pacsv.write_csv(tbl.slice(start, WRITE_PIECE_ROWS), buf, write_options=_CSV_OPTIONS)
            return buf.getbuffer()  # no copy of the text

        _write_pieces(list(range(0, tbl.num_rows, WRITE_PIECE_ROWS)), text, sink, parallel)


def _write_pieces(pieces: list[P], text: Callable[[P], memoryview], sink: BinaryIO, parallel: bool) -> None:
    """``sink.write(text(piece))`` for every piece in order; in parallel, at most a few pieces of
    text are held at a time (fresh memory costs page faults)."""
    if not parallel:
        for piece in pieces:
            sink.write(text(piece))
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as ex:
        pending = [ex.submit(text, piece) for piece in pieces[:3]]
        for i in range(len(pieces)):
            out = pending[i].result()
            if i + 3 < len(pieces):
                pending.append(ex.submit(text, pieces[i + 3]))
            sink.write(out)
            pending[i] = None  # type: ignore[call-overload]  # its text can be freed and reused
            del out


def keep_freed_memory() -> None:
    """Let this short-lived process reuse the memory it frees instead of handing it back.

    Scoring allocates and frees many NumPy / Arrow buffers of a few to tens of megabytes. By
    default glibc serves those with fresh ``mmap`` pages and returns them on free, and the first
    touch of every fresh page is a page fault, which on a virtual machine costs more than the
    arithmetic: a third of the run went to the kernel. With ``mmap`` off and trimming deferred,
    freed buffers are reused from the heap; Arrow is pointed at the same allocator. Two arenas
    at most: each scoring thread would otherwise get an arena of its own that keeps its own freed
    buffers, so a buffer one thread frees is fresh memory for the next (1M names: 42 MB less peak
    RSS, 1.6 % less wall time over 25 alternating runs). Only the command's own process does this
    (``hunt_assets.cli``), never a library caller (it is process-wide); peak RSS grows by a few
    hundred MB at most.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_top_pad, m_mmap_max, m_arena_max = -1, -2, -4, -8
        libc.mallopt(m_trim_threshold, 1 << 30)
        libc.mallopt(m_top_pad, 64 << 20)
        libc.mallopt(m_mmap_max, 0)
        libc.mallopt(m_arena_max, 2)
        pa.set_memory_pool(pa.system_memory_pool())
    except (OSError, AttributeError, pa.ArrowException):  # not glibc, or no system pool: defaults are fine
        pass


class _NoPandas:
    """Import hook that makes ``import pandas`` fail (see ``defer_pandas``)."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("pandas is deferred in score-dns")


_NO_PANDAS = _NoPandas()


def defer_pandas() -> None:
    """Keep pyarrow from importing pandas, which scoring plain names never uses.

    pyarrow imports pandas (a sixth of a second) on its first conversion or compute call just to
    recognise pandas objects, none of which exist on the plain-names path. With the import made
    to fail, pyarrow notes "no pandas" and carries on. Only the command's own process does this
    (``hunt_assets.cli``), and only if pandas is not loaded yet; the event path (CSV with client,
    timestamp or query type columns) lifts it with ``allow_pandas`` before it builds a frame.
    """
    if "pandas" not in sys.modules and _NO_PANDAS not in sys.meta_path:
        sys.meta_path.insert(0, _NO_PANDAS)


def allow_pandas() -> None:
    """Undo ``defer_pandas`` and let pyarrow see pandas again (imports it)."""
    if _NO_PANDAS in sys.meta_path:
        sys.meta_path.remove(_NO_PANDAS)
        shim = getattr(pa.lib, "_pandas_api", None)
        if shim is not None:
            shim.pd  # noqa: B018 - retries the import pyarrow remembered as failed


def score_dns_main(argv: list[str] | None = None) -> int:
    """Entry point logic for ``hunt-assets score-dns``; returns the process exit code."""
    ap = argparse.ArgumentParser(prog="hunt-assets score-dns", description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "file",
        nargs="+",
        help="CSV with a 'name' (or QueryName/query/qname/domain/fqdn) column, plain text with one name per line, or "
        "a DNS log (Zeek, JSON lines, Windows DNS debug, BIND, Infoblox, dnsmasq, Unbound, CoreDNS; a server's log "
        "in Docker's json-file or from journalctl -o json too), or a JSON document (a hunting API's saved response: "
        "Graph, Log Analytics, Data Explorer, Elasticsearch, Splunk; an array; pretty-printed objects), Parquet, or a "
        "packet capture (pcap, pcapng), a dnstap file, a Windows event log (.evtx; Get-WinEvent's JSON or CSV: "
        "Sysmon 22, DNS Client 3008), a DNS client cache (ipconfig /displaydns, Get-DnsClientCache), or a zip or tar "
        "of such files; '-' = stdin. Several files "
        "(a day of rotated logs) are scored as one batch",
    )
    ap.add_argument("--no-progress", action="store_true", help="never print progress on stderr")
    ap.add_argument(
        "--allow",
        action="append",
        metavar="FILE",
        help="allowlist of registered domains that get no DGA verdict (one name, or a 'rank,name' / CSV record, "
        "per line; repeatable; default: the files in $HUNT_DNS_ALLOWLIST, separated by ':')",
    )
    ap.add_argument(
        "--hosts",
        metavar="OUT",
        help="also write the hosts that looked up flagged domains (or an encrypted-DNS resolver) to OUT as CSV, "
        "highest priority first, as the host_summary asset ranks them; needs a client column. A packet capture "
        "or a connection log given with the DNS log (Zeek conn.log / ssl.log, Suricata eve.json, Sysmon event 3) "
        "adds the hosts that connected to encrypted-DNS resolvers",
    )
    ap.add_argument(
        "--connections",
        metavar="OUT",
        help="also write the connections to encrypted-DNS resolvers that a packet capture or a connection log "
        f"carried to OUT as CSV ({','.join(CONNECTION_COLUMNS)}), one row per client, server, port, protocol "
        "and process, busiest first",
    )
    ap.add_argument(
        "--spreadsheet-safe",
        action="store_true",
        help="write a name that starts with =, +, -, @, a tab or a carriage return with a leading ' (and so in "
        "--hosts), so that Excel, LibreOffice or Google Sheets opening the CSV shows it instead of running it as a "
        "formula; without it such names are written as they came and stderr says how many there are",
    )
    ap.add_argument(
        "--log-timezone",
        metavar="ZONE",
        help="the time zone of a DNS server's log that stamps local time (Windows DNS debug log, BIND, dnsmasq, "
        "syslog): an IANA name such as Europe/Berlin, or an offset such as +02:00 (a negative one as "
        "--log-timezone=-05:30); default: read as UTC",
    )
    args = ap.parse_args(argv)
    zone = None
    if args.log_timezone is not None:
        from hunt_assets.analytics.dns.zones import parse_zone

        try:
            zone = parse_zone(args.log_timezone)
        except ValueError as exc:
            print(f"score-dns: --log-timezone: {exc}", file=sys.stderr)
            return 2
    warm = _Warm()
    allow = None
    if args.allow or os.environ.get("HUNT_DNS_ALLOWLIST"):  # the module is not imported otherwise
        from hunt_assets.analytics.dns import allowlist as A

        try:
            allow = A.load(args.allow) if args.allow else A.from_env()
        except A.AllowlistError as exc:
            warm.join()
            print(f"score-dns: {exc}", file=sys.stderr)
            return 2
        if allow.rejected or allow.suffixes or (sys.stderr.isatty() and not args.no_progress):
            print(f"score-dns: allowlist: {allow.summary()}", file=sys.stderr)
    on_terminal = (not args.no_progress) and sys.stderr.isatty()
    progress = _Progress(False)
    if on_terminal and args.file != ["-"]:  # a big log takes seconds to read: say so before
        size = 0
        for path in args.file:
            with contextlib.suppress(OSError):
                size += os.path.getsize(path)
        if size >= LARGE_BYTES:
            progress.enabled = True
            progress(f"reading {size / 2**20:,.0f} MiB" + (f" in {len(args.file)} files" if len(args.file) > 1 else ""))
    tables = []
    for path in args.file:
        try:

            def warn(msg: str, path: str = path) -> None:
                progress.done()
                print(f"score-dns: {path}: {msg}", file=sys.stderr)

            if path == "-":
                tables.append(read_input(sys.stdin.buffer, warn, zone))
            else:
                with open(path, "rb", buffering=1 << 20) as f:
                    tables.append(read_input(f, warn, zone))
        except (OSError, pa.ArrowInvalid, logs.LogFormatError) as exc:  # the readers' own errors are LogFormatErrors
            warm.join()
            progress.done()
            print(f"score-dns: cannot read {path}: {exc}", file=sys.stderr)
            return 2
    tbl = combine_inputs(tables)
    if "name" not in tbl.column_names:
        warm.join()
        progress.done()
        print(f"score-dns: CSV input needs a query-name column (one of: {', '.join(NAME_COLUMNS)})", file=sys.stderr)
        return 2
    progress.enabled = progress.enabled or (on_terminal and input_rows(tbl) >= LARGE_INPUT)
    if args.hosts is not None:
        if "client" not in tbl.column_names:
            warm.join()
            progress.done()
            names = ", ".join(a for a, to in _ALIASES.items() if to == "client")
            print(f"score-dns: --hosts needs events with a client column (one of: {names}, in any case)",
                  file=sys.stderr)
            return 2
        warm.join()
        progress(f"{input_rows(tbl):,} events: scoring, with hosts")
        out, hosts = host_table(tbl, allow)
        if not _write_side_table(hosts, args.hosts, args.spreadsheet_safe, progress):
            return 2
    else:
        out = score_output(tbl, progress, warm, allow)
    if args.connections is not None:
        warm.join()
        if not _write_side_table(connection_table(tbl), args.connections, args.spreadsheet_safe, progress):
            return 2
    import pyarrow.compute as pc  # loaded by the scorer by now; see the module docstring

    if isinstance(out, pa.Table):
        out = out.set_column(2, "score", pc.round(out.column("score"), 4))
    else:
        out.score = pc.round(out.score, 4)
    names = out.column("name") if isinstance(out, pa.Table) else out.name
    risky = formula_rows(names)
    if risky.size and args.spreadsheet_safe:
        safe = formula_safe(names, risky)
        if isinstance(out, pa.Table):
            out = out.set_column(0, "name", safe)
        else:
            out.name = safe
    elif risky.size:
        progress.done()
        print(f"score-dns: {risky.size:,} name(s) start with =, +, -, @, a tab or a carriage return (e.g. "
              f"{names[int(risky[0])].as_py()[:60]!r}): a spreadsheet opening this CSV may run them as formulas; "
              "--spreadsheet-safe writes them with a leading '", file=sys.stderr)
    sink = sys.stdout.buffer
    sink.write((",".join(OUT_COLUMNS) + "\n").encode())
    write_csv_rows(out, sink)
    sink.flush()
    progress(f"{out.num_rows:,} distinct names written")
    progress.done()
    return 0


if __name__ == "__main__":
    raise SystemExit(score_dns_main())
