"""dnstap files for ``score-dns``: the client queries a resolver logged in dnstap, as events.

Why: BIND (``dnstap-output file``), Unbound, Knot Resolver, PowerDNS and CoreDNS log DNS traffic in
dnstap, a Frame Streams file of protobuf messages that each carry the DNS message itself, not a
text line. Read as text it came out as binary garbage names.

Read: the file's frames (a START control frame naming ``protobuf:dnstap.Dnstap``, data frames, a
STOP frame), each data frame's ``Dnstap`` message (field 14 ``message``), and of those the resolver's
client traffic: ``CLIENT_QUERY`` (type 5; its ``query_message``, ``query_address`` / ``query_port``,
``query_time_sec`` / ``_nsec``) and ``CLIENT_RESPONSE`` (type 6; its ``response_message`` and
``response_time``). They are paired into events as a capture's packets are (``pcap.Events``); the
resolver's own look-ups upstream (``RESOLVER_*``, ``FORWARDER_*``) and other types are left out and
counted, as the server's recursion is for Windows' analytic events. The protobuf is read by our own
few lines (field numbers from ``dnstap.proto``), so no protobuf library is needed.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator

import pyarrow as pa

from hunt_assets.analytics.dns.logs import LogFormatError
from hunt_assets.analytics.dns.pcap import Events, address_text

CONTENT_TYPE = b"protobuf:dnstap.Dnstap"
_START, _STOP = 2, 3  # Frame Streams control frame types
_CLIENT_QUERY, _CLIENT_RESPONSE = 5, 6


class DnstapError(LogFormatError):
    """A dnstap file whose frames break before any message could be read."""


def is_dnstap(head: bytes) -> bool:
    """A Frame Streams file whose START frame names dnstap's content type."""
    return head[:4] == b"\x00\x00\x00\x00" and head[8:12] == struct.pack(">I", _START) and CONTENT_TYPE in head[:64]


def read_dnstap(data: bytes | bytearray, warn: Callable[[str], None] | None = None) -> pa.Table:
    """The client queries of a dnstap file as ``pcap.read_capture`` gives a capture's."""
    view = memoryview(data)
    events = Events()
    counts = {"other": 0, "unreadable": 0, "cut": 0}
    for payload in _frames(view, counts):
        msg = _field(payload, 14)
        if msg is None:
            counts["unreadable"] += 1
            continue
        fields = _fields(msg)
        if fields is None:
            counts["unreadable"] += 1
            continue
        kind = fields.get(1)
        if kind == _CLIENT_QUERY:
            dns, sec, nsec = fields.get(10), fields.get(8), fields.get(9)
        elif kind == _CLIENT_RESPONSE:
            dns, sec, nsec = fields.get(14), fields.get(12), fields.get(13)
        else:
            counts["other"] += 1
            continue
        client, port = _address(fields.get(4)), _int(fields.get(6), 0)
        server, sport = _address(fields.get(5)), _int(fields.get(7), 53)
        ts = sec + _int(nsec, 0) * 1e-9 if isinstance(sec, int) else None
        if not isinstance(dns, memoryview) or client is None:
            counts["unreadable"] += 1
            continue
        read = (events.add(ts, client, port, server or "", sport, dns) if kind == _CLIENT_QUERY
                else events.add(ts, server or "", sport, client, port, dns))
        if not read:
            counts["unreadable"] += 1
    if warn is not None and any(counts.values()):
        said = {"other": "messages of the resolver's own traffic (upstream, forwarders) or other types left out",
                "unreadable": "messages that do not parse", "cut": "a file cut off mid-frame"}
        warn("dnstap: " + "; ".join(f"{v:,} {said[k]}" for k, v in counts.items() if v))
    return events.table()


def _frames(view: memoryview, counts: dict[str, int]) -> Iterator[memoryview]:
    i, n = 0, len(view)
    started = False
    while i + 4 <= n:
        (length,) = struct.unpack_from(">I", view, i)
        if length == 0:  # a control frame: its own length, then its type
            if i + 12 > n:
                break
            (clen,) = struct.unpack_from(">I", view, i + 4)
            (ctype,) = struct.unpack_from(">I", view, i + 8)
            i += 8 + clen
            started = started or ctype == _START
            if ctype == _STOP:
                return
            continue
        if not started:
            raise DnstapError("a Frame Streams file without its START frame")
        if i + 4 + length > n:
            break
        yield view[i + 4 : i + 4 + length]
        i += 4 + length
    if i < n:
        counts["cut"] += 1


def _varint(buf: memoryview, i: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        b = buf[i]
        value |= (b & 0x7F) << shift
        i += 1
        if not b & 0x80:
            return value, i
        shift += 7
        if shift > 63:
            raise ValueError("a varint over 64 bits")


def _fields(buf: memoryview) -> dict[int, int | memoryview] | None:
    """A protobuf message's fields by number (the last value of each), or None if it is malformed."""
    out: dict[int, int | memoryview] = {}
    i, n = 0, len(buf)
    try:
        while i < n:
            key, i = _varint(buf, i)
            number, wire = key >> 3, key & 7
            if wire == 0:
                out[number], i = _varint(buf, i)
            elif wire == 2:
                length, i = _varint(buf, i)
                if i + length > n:
                    return None
                out[number], i = buf[i : i + length], i + length
            elif wire == 5:
                out[number], i = struct.unpack_from("<I", buf, i)[0], i + 4
            elif wire == 1:
                out[number], i = struct.unpack_from("<Q", buf, i)[0], i + 8
            else:
                return None
    except (IndexError, ValueError, struct.error):
        return None
    return out if i == n else None


def message_fields(buf: memoryview) -> dict[int, int | memoryview] | None:
    """A protobuf message's fields by number (the last value of each), or None if it is malformed:
    also how Docker's ``local`` log driver's entries are read (``logs.unwrap_docker_local_log``)."""
    return _fields(buf)


def _field(buf: memoryview, number: int) -> memoryview | None:
    fields = _fields(buf)
    value = fields.get(number) if fields is not None else None
    return value if isinstance(value, memoryview) else None


def _int(value: object, default: int) -> int:
    """A varint or fixed field's number; ``default`` where a malformed message put bytes there."""
    return value if isinstance(value, int) else default


def _address(value: object) -> str | None:
    return address_text(bytes(value)) if isinstance(value, memoryview) else None
