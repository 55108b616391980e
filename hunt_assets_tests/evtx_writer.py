"""A writer of Windows event log files (.evtx) for the tests, from the format's documentation
(libyal's "Windows XML Event Log (EVTX) format" and Microsoft's MS-EVEN6 binary XML): a file
header, 64 KiB chunks with their checksums, and records whose binary XML is written element by
element (open start element with an inline name, attributes, value text, end element), without
templates. Windows itself writes templates; the reader under test (the ``evtx`` package) reads
both, and this keeps the fixture our own code rather than a captured log."""

from __future__ import annotations

import datetime as dt
import struct
import zlib

CHUNK = 1 << 16
_FILETIME_EPOCH = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)

Element = tuple[str, dict[str, str], "list[Element] | str | None"]


def _name(text: str) -> bytes:
    """An inline name: next-name offset, hash (not checked by readers), character count, UTF-16, NUL."""
    return struct.pack("<IHH", 0, 0, len(text)) + text.encode("utf-16-le") + b"\x00\x00"


def _text(value: str) -> bytes:
    """A value text token holding a UTF-16 string, its length in characters first."""
    return bytes([0x05, 0x01]) + struct.pack("<H", len(value)) + value.encode("utf-16-le")


def _element(base: int, out: bytearray, element: Element) -> None:
    """Append ``element``; ``base`` is the chunk offset of ``out[0]`` (names are chunk offsets)."""
    tag, attrs, children = element
    out += bytes([0x41 if attrs else 0x01])
    size_at = len(out)
    out += b"\x00" * 4
    out += struct.pack("<I", base + len(out) + 4) + _name(tag)
    if attrs:
        list_at = len(out)
        out += b"\x00" * 4
        items = list(attrs.items())
        for i, (key, value) in enumerate(items):
            out += bytes([0x46 if i < len(items) - 1 else 0x06])
            out += struct.pack("<I", base + len(out) + 4) + _name(key) + _text(value)
        struct.pack_into("<I", out, list_at, len(out) - list_at - 4)
    if not children:
        out += b"\x03"  # close empty element
    else:
        out += b"\x02"
        if isinstance(children, str):
            out += _text(children)
        else:
            for child in children:
                _element(base, out, child)
        out += b"\x04"
    struct.pack_into("<I", out, size_at, len(out) - size_at - 4)


def _record(offset: int, record_id: int, when: dt.datetime, event: Element) -> bytes:
    body = bytearray(b"\x0f\x01\x01\x00")  # fragment header
    _element(offset + 24, body, event)
    body += b"\x00"  # end of stream
    size = 24 + len(body) + 4
    filetime = int((when - _FILETIME_EPOCH).total_seconds() * 10_000_000)
    return b"**\x00\x00" + struct.pack("<IQQ", size, record_id, filetime) + bytes(body) + struct.pack("<I", size)


def _chunk(first_id: int, records: list[tuple[dt.datetime, Element]]) -> bytes:
    body, last = bytearray(), 512
    for i, (when, event) in enumerate(records):
        last = 512 + len(body)
        body += _record(512 + len(body), first_id + i, when, event)
    last_id = first_id + len(records) - 1
    head = bytearray(512)
    head[:8] = b"ElfChnk\x00"
    struct.pack_into("<QQQQIII", head, 8, first_id, last_id, first_id, last_id, 128, last, 512 + len(body))
    struct.pack_into("<I", head, 52, zlib.crc32(bytes(body)))
    struct.pack_into("<I", head, 124, zlib.crc32(bytes(head[:120]) + bytes(head[128:])))
    out = bytes(head) + bytes(body)
    assert len(out) <= CHUNK, "records too large for one chunk"
    return out + b"\x00" * (CHUNK - len(out))


def evtx(records: list[tuple[dt.datetime, Element]], per_chunk: int = 100) -> bytes:
    """An .evtx file of ``records`` (time written, event element), ``per_chunk`` to a chunk."""
    chunks = [_chunk(1 + i, records[i : i + per_chunk]) for i in range(0, len(records), per_chunk)]
    head = bytearray(4096)
    head[:8] = b"ElfFile\x00"
    struct.pack_into("<QQQIHHHH", head, 8, 0, max(len(chunks) - 1, 0), len(records) + 1, 128, 1, 3, 4096,
                     len(chunks))
    struct.pack_into("<I", head, 124, zlib.crc32(bytes(head[:120])))
    return bytes(head) + b"".join(chunks)


def event(provider: str, event_id: int, computer: str, data: dict[str, str], when: str = "2026-12-07T05:00:00.1234567Z",
          user_data: bool = False) -> Element:
    """An event element as Windows renders it: System (provider, id, time, computer), EventData."""
    system: Element = ("System", {}, [
        ("Provider", {"Name": provider}, None),
        ("EventID", {}, str(event_id)),
        ("TimeCreated", {"SystemTime": when}, None),
        ("Computer", {}, computer),
    ])
    fields: list[Element] = [("Data", {"Name": k}, v) for k, v in data.items()]
    payload: Element = ("UserData", {}, [("EventInfo", {}, [(k, {}, v) for k, v in data.items()])]) if user_data \
        else ("EventData", {}, fields)
    return ("Event", {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"}, [system, payload])
