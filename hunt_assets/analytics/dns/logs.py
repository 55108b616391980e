"""DNS logs as sensors write them, for ``score-dns``: Zeek's ASCII ``dns.log`` and gzip.

Why: a hunter's first move with a sensor's log is ``hunt-assets score-dns dns.log``. Zeek's
native format is not CSV: a block of ``#`` directives (``#separator \\x09``, ``#fields ts uid
id.orig_h ...``, ``#types``), tab-separated rows without quoting, ``-`` for an unset field and
``(empty)`` for an empty one, a ``#close`` line, and a new header block wherever logs were
concatenated; rotated logs are gzipped. Read as a plain list, every row was one "name" and came out
``invalid``. Here the header gives the column names (``query``, ``id.orig_h``, ``ts``, ``qtype``
map onto ``name``, ``client``, ``timestamp``, ``qtype`` as for CSV), and a gzipped file is
unpacked first, whatever it holds.
"""

from __future__ import annotations

import contextlib
import io
import zlib
from collections.abc import Callable

import pyarrow as pa
import pyarrow.csv as pacsv

GZIP_MAGIC = b"\x1f\x8b"
ZEEK_HEADER = b"#separator "


class LogFormatError(ValueError):
    """A file that claims a log format and breaks it (a Zeek header without ``#fields``)."""


def unpack(data: bytearray, warn: Callable[[str], None] | None = None) -> bytearray:
    """``data`` unpacked when it is gzip (concatenated members too, as ``cat a.gz b.gz`` makes),
    else ``data`` itself. A damaged or cut-off archive keeps the whole lines that unpacked before
    the damage and ``warn`` says so; one where nothing unpacks is a ``LogFormatError``."""
    if not data.startswith(GZIP_MAGIC):
        return data
    out = bytearray()
    rest = bytes(data)
    try:
        while rest:
            d = zlib.decompressobj(wbits=31)
            out += d.decompress(rest)
            if not d.eof:
                raise EOFError("the archive is cut off")
            rest = d.unused_data
    except (zlib.error, EOFError) as exc:
        if not out:
            raise LogFormatError(f"a gzip file that does not unpack: {exc}") from None
        del out[out.rfind(b"\n") + 1 :]
        if warn is not None:
            warn(f"the gzip data is damaged or cut off ({exc}); read the {len(out):,} bytes of whole lines before it")
    return out


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


def read_zeek_ascii(data: bytes | bytearray, warn: Callable[[str], None] | None = None) -> pa.Table:
    """A Zeek ASCII log as a table of its ``#fields`` (every column text, unset fields null, empty
    ones ""). Later header blocks and ``#close`` lines are skipped; a row with the wrong number of
    fields is split at the separator and padded or cut, and ``warn`` is told how many there were."""
    sep, unset, empty = b"\t", b"-", b"(empty)"
    fields: list[str] | None = None
    types: list[str] = []
    pos = 0
    while pos < len(data) and data[pos : pos + 1] == b"#":
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end
        line = bytes(data[pos:end]).rstrip(b"\r")
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
    if len(sep) != 1:
        raise LogFormatError(f"a Zeek log whose separator is not one byte: {sep!r}")
    bad: list[str] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        if not row.text.startswith("#"):  # '#close' and later header blocks are not rows
            bad.append(row.text)
        return "skip"

    text = pa.large_string()
    if not bytes(data[pos:]).strip():  # an hour without queries: the header alone
        return pa.table({f: pa.array([], text) for f in fields})
    tbl = pacsv.read_csv(
        io.BytesIO(bytes(data[pos:])),
        read_options=pacsv.ReadOptions(column_names=fields, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(
            delimiter=sep.decode("latin-1"), quote_char=False, escape_char=False, newlines_in_values=False,
            ignore_empty_lines=True, invalid_row_handler=on_invalid,
        ),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(fields, text), strings_can_be_null=False),
    )
    if bad:
        rows = [(ln.split(sep.decode("latin-1")) + [""] * len(fields))[: len(fields)] for ln in bad]
        extra = pa.table({f: pa.array([r[i] for r in rows], text) for i, f in enumerate(fields)})
        tbl = pa.concat_tables([tbl, extra])
        if warn is not None:
            warn(f"{len(bad)} Zeek row(s) with the wrong number of fields read field by field, e.g. {bad[0][:80]!r}")
    import pyarrow.compute as pc

    # a later header block's '#fields' / '#types' lines have the right number of fields
    keep = pc.invert(pc.starts_with(tbl.column(0), "#"))
    if not pc.all(keep).as_py():
        tbl = tbl.filter(keep)
    null = pa.scalar(None, text)
    cols = []
    for col in tbl.columns:
        col = pc.if_else(pc.equal(col, unset.decode("utf-8", "replace")), null, col)
        cols.append(pc.if_else(pc.equal(col, empty.decode("utf-8", "replace")), pa.scalar("", text), col))
    for i, t in enumerate(types[: len(cols)]):
        if t == "time":  # epoch seconds: numbers for times.to_ns, which also reads them as text
            with contextlib.suppress(pa.ArrowInvalid, pa.ArrowNotImplementedError):
                cols[i] = pc.cast(cols[i], pa.float64())
    return pa.table(cols, names=tbl.column_names)
