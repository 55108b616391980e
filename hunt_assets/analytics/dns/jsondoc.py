"""JSON documents for ``score-dns``: arrays of records, pretty-printed objects, and the responses of
the query APIs hunters save, turned into JSON lines (one record per line) for ``logs.read_json_lines``.

Why: a hunter's DNS events often arrive as one JSON document, not as JSON lines. The Graph
``runHuntingQuery`` response (``{"schema": [...], "results": [...]}``; the retired Defender API's
``Schema`` / ``Results``), the Log Analytics query API (``{"tables": [{"columns": [...], "rows":
[[...]]}]}``; Azure Data Explorer's v1 ``Tables`` / ``Columns`` / ``Rows`` and v2 frames), ``az monitor log-analytics
query`` and PowerShell's ``ConvertTo-Json`` (a JSON array of records), Elasticsearch's search response
(``hits.hits[]._source``), Splunk's JSON export (``{"preview": false, "result": {...}}``) and
``journalctl -o json-pretty`` or ``jq .`` (objects over several lines, one after another). Read as a
plain list, every line of such a file was one ``invalid`` name, and the exit code said nothing.

The document is read value by value (``json.JSONDecoder.raw_decode``), so a top-level array of a
million records never becomes one Python list, and a broken value costs only itself: the reader
skips ahead to the next value that looks like the records around it (the same keys), and counts
what it skipped. A file cut short keeps every record before the cut.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

from hunt_assets.analytics.dns.logs import LogFormatError

_WS = " \t\r\n"
_SPACE = re.compile(r"[ \t\r\n]*").match
_ENCODE = json.JSONEncoder(separators=(",", ":")).encode
# how much of a broken value the warning quotes
_EXCERPT = 80


class JsonDocumentError(LogFormatError):
    """The document holds no value that can be read as a record."""


class NotJsonError(ValueError):
    """Nothing in the input reads as JSON: it only started like a document."""


def is_json_document(head: bytes) -> bool:
    """The input starts like a JSON document: an array (``[`` then an object, a string or an array;
    or ``[]``) or an object (``{`` then a key). JSON lines also start with ``{``; the caller checks
    those first."""
    s = head.lstrip(b"\xef\xbb\xbf" + _WS.encode())
    if s[:1] == b"[":
        rest = s[1:].lstrip(_WS.encode())
        return rest[:1] in (b"{", b'"', b"[") or (rest[:1] == b"]" and not rest[1:].strip())  # or empty
    return s[:1] == b"{" and s[1:].lstrip(_WS.encode())[:1] == b'"'  # a key


def wraps_records(first: dict) -> bool:
    """A JSON line that is an API response or a wrapped record (an Elasticsearch hit as elasticdump
    writes them, a Splunk export line), not a record itself: ``to_json_lines`` unwraps them."""
    return _container(first) is not None or _record(first) is not first


def to_json_lines(data: bytes | bytearray, warn: Callable[[str], None] | None = None) -> bytearray:
    """The document's records, one compact JSON object per line (``\\n`` after each).

    ``NotJsonError`` when no value of it reads whole and it does not end inside one (a list of
    names whose first line happens to start with ``{"``: the caller reads it as one);
    ``JsonDocumentError`` when values read but none is a record (an array of numbers), or the
    document ends inside its first record."""
    reader = _Reader(bytes(data).decode("utf-8", "backslashreplace"))
    out, n = bytearray(), 0
    for rec, raw in reader.records():  # each line added as it is made: no list of them, joined and encoded again
        out += (raw.replace("\n", " ").replace("\r", " ") if raw is not None else _ENCODE(rec)).encode()
        out += b"\n"
        n += 1
    if n == 0 and reader.values == 0 and reader.cut_at is None:
        raise NotJsonError("no value of the document reads whole")
    if n == 0 and reader.cut_at is not None:
        raise JsonDocumentError("a JSON document that ends inside its first record (cut short?): "
                                f"{_excerpt(reader.text, reader.cut_at)!r}")
    if n == 0 and reader.bad:
        raise JsonDocumentError(f"a JSON document without a readable record (e.g. {reader.bad[0]!r})")
    if warn is not None and reader.bad:
        warn(f"{len(reader.bad)} JSON value(s) that are not records skipped, e.g. {reader.bad[0]!r}")
    if warn is not None and reader.cut_at is not None:
        warn(f"the JSON document ends inside a value (cut short?); the {n:,} record(s) before it are read, "
             f"the last one skipped: {_excerpt(reader.text, reader.cut_at)!r}")
    return out


# the records' array of an API response (``_container``), looked for near the start of a broken one
_CONTAINER_KEYS = re.compile(r'"(?:results|Results|hits|rows|Rows)"\s*:\s*\[')
_HEAD_BYTES = 1 << 16
_COLUMNS_KEY = re.compile(r'"(?:columns|Columns)"\s*:\s*(?=\[)')


class _Reader:
    """The records of a document: its top-level values (a top-level array's elements one by one),
    unwrapped (``_unwrap``); what is not a record goes to ``bad`` (an excerpt each)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.dec = json.JSONDecoder()
        self.bad: list[str] = []
        self.values = 0  # values that read whole
        self.cut_at: int | None = None  # where the last value began, when it does not read whole
        self.like: set[str] | None = None  # the first record's keys: what a value skipped to must share

    def records(self) -> Iterator[tuple[dict, str | None]]:
        """(record, its text in the document when it is a value there as it stands, else None): a
        JSON string cannot hold a raw line break, so that text is one line once its breaks are
        blanks, and need not be encoded again (three times the decoding's cost)."""
        for value, span in self._values():
            self.values += 1
            if span is not None and isinstance(value, dict) and _WRAPPER_FIELDS.isdisjoint(value):
                if self.like is None:
                    self.like = set(value)
                yield value, self.text[span[0] : span[1]]
                continue
            for rec in _unwrap(value, self.bad):
                if self.like is None:
                    self.like = set(rec)
                yield rec, None

    def _values(self) -> Iterator[tuple[object, tuple[int, int] | None]]:
        """(value, where its text begins and ends; None for a table's row made a record)."""
        text, dec, n = self.text, self.dec, len(self.text)
        i = _skip(text, 0)
        depth = 0  # 1 inside a top-level array (or the records' array of a broken API response)
        columns: list[str] | None = None  # a broken table's column names: its rows are lists
        broken = False  # a value was skipped: stray punctuation of the broken structure is expected
        while i < n:
            ch = text[i]
            if ch in ",]}" and (depth == 1 or broken):
                if ch == "]":
                    self.values += depth == 1 and not broken  # an array read whole ("[]" is a document)
                    depth, columns = 0, None
                i = _skip(text, i + 1)
                continue
            if ch == "[" and depth == 0:
                depth, i = 1, _skip(text, i + 1)
                continue
            try:
                value, end = dec.raw_decode(text, i)
            except json.JSONDecodeError as exc:
                broken = True
                salvage = self._records_array(i) if depth == 0 and ch == "{" else None
                if salvage is not None:  # an API response cut short: read the records it has
                    i, columns = salvage
                    depth = 1
                    continue
                at = i
                i, depth = self._resync(i + 1), 1
                if i >= n and _ends_inside(text, exc):  # the file was cut short
                    self.cut_at = at
                else:
                    self.bad.append(_excerpt(text, at))
                continue
            if columns is not None and isinstance(value, list):
                value = dict(zip(columns, value, strict=False))
                yield value, None  # its text is a list
            else:
                yield value, (i, end)
            i = _skip(text, end)

    def _records_array(self, i: int) -> tuple[int, list[str] | None] | None:
        """(where its records' array begins, a table's column names) of a broken API response at
        ``i`` (``_container``'s shapes), or None when it is not one."""
        m = _CONTAINER_KEYS.search(self.text, i, i + _HEAD_BYTES)
        if m is None:
            return None
        columns = None
        if m.group(0).lstrip('"')[:4].lower() == "rows":
            c = _COLUMNS_KEY.search(self.text, i, m.start())
            if c is None:
                return None
            try:
                cols, _ = self.dec.raw_decode(self.text, c.end())
            except ValueError:
                return None
            columns = _columns({"columns": cols, "rows": []})
            if columns is None:
                return None
        return _skip(self.text, m.end()), columns

    def _resync(self, i: int) -> int:
        """The position of the next object that reads whole, is not empty (``{}`` inside a name) and,
        once a record is known, shares at least half its keys (not an object nested in the broken
        one); the end of the text if none."""
        text, like = self.text, self.like
        while True:
            i = text.find("{", i)
            if i < 0:
                return len(text)
            try:
                value, _ = self.dec.raw_decode(text, i)
            except ValueError:
                i += 1
                continue
            if isinstance(value, dict) and value and (like is None or 2 * len(like & set(value)) >= max(1, len(like))):
                return i
            i += 1


def _ends_inside(text: str, exc: json.JSONDecodeError) -> bool:
    """The value failed because the text ended inside it, not at a wrong character before the end:
    a string still open (the parser says so only when it reaches the end), an escape cut short
    (``\\u04``), or the parser expecting more at the very end."""
    if exc.msg.startswith("Unterminated string"):
        return True
    end = len(text.rstrip())
    if exc.msg.startswith("Invalid \\uXXXX escape"):
        return exc.pos >= end - 6
    return exc.pos >= end


def _skip(text: str, i: int) -> int:
    return _SPACE(text, i).end()


def _excerpt(text: str, i: int) -> str:
    return text[i : i + _EXCERPT].replace("\n", " ")


def _unwrap(value: object, bad: list[str]) -> Iterator[dict]:
    """The records a value holds: itself, or those of the API response or search hit it is."""
    if isinstance(value, str):  # an array of names
        yield {"name": value}
        return
    if not isinstance(value, dict):
        bad.append(json.dumps(value)[:_EXCERPT])
        return
    inner = _container(value)
    if inner is None:
        yield _record(value)
        return
    for item in inner:
        if isinstance(item, str):
            yield {"name": item}
        elif isinstance(item, dict):
            yield _record(item)
        else:
            bad.append(json.dumps(item)[:_EXCERPT])


# a key that any of ``_container``'s shapes has (checked first: a record has none of them), and
# those and the keys of ``_record``'s wrappers: an object with none of them is a record as it stands
_CONTAINER_FIELDS = frozenset(("results", "Results", "value", "tables", "Tables", "FrameType", "hits"))
_WRAPPER_FIELDS = _CONTAINER_FIELDS | {"_source", "result"}


def _container(obj: dict) -> list | Iterator[dict] | None:
    """The records of an API response, or None when ``obj`` is a record itself."""
    if _CONTAINER_FIELDS.isdisjoint(obj):
        return None
    for key in ("results", "Results"):  # Graph runHuntingQuery; the Defender API's
        if isinstance(obj.get(key), list) and ({"schema", "Schema", "@odata.context", "Stats"} & set(obj)):
            return obj[key]
    if isinstance(obj.get("value"), list) and "@odata.context" in obj:  # an OData collection
        return obj["value"]
    for key in ("tables", "Tables"):  # Log Analytics' query API; Azure Data Explorer's v1 response
        tables = obj.get(key)
        if isinstance(tables, list) and tables and all(isinstance(t, dict) for t in tables):
            table = next((t for t in tables if t.get("name") == "PrimaryResult"), tables[0])
            if _columns(table) is not None:
                return _table_rows(table)
    if obj.get("FrameType") is not None:  # Azure Data Explorer's v2 response: an array of frames
        if obj.get("FrameType") == "DataTable" and obj.get("TableKind") == "PrimaryResult" and _columns(obj):
            return _table_rows(obj)
        return []  # the data set's header and completion, the query's properties and status
    hits = obj.get("hits")
    if isinstance(hits, dict) and isinstance(hits.get("hits"), list):  # Elasticsearch's search response
        return hits["hits"]
    return None


def _columns(table: dict) -> list[str] | None:
    cols = table.get("columns", table.get("Columns"))
    rows = table.get("rows", table.get("Rows"))
    if not isinstance(cols, list) or not isinstance(rows, list):
        return None
    names = [c.get("name", c.get("ColumnName")) if isinstance(c, dict) else None for c in cols]
    return names if all(isinstance(c, str) for c in names) else None


def _table_rows(table: dict) -> Iterator[object]:
    names = _columns(table) or []
    for row in table.get("rows", table.get("Rows")):
        yield dict(zip(names, row, strict=False)) if isinstance(row, list) else row


def _record(obj: dict) -> dict:
    """An Elasticsearch hit's ``_source``, a Splunk export line's ``result``; else the object."""
    source = obj.get("_source")
    if isinstance(source, dict) and ("_index" in obj or "_id" in obj):
        return source
    result = obj.get("result")
    if isinstance(result, dict) and "preview" in obj:
        return result
    return obj
