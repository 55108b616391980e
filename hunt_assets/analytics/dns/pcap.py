"""Packet captures for ``score-dns``: the DNS queries in a pcap or pcapng file, as events.

Why: a hunter with a capture from a sensor, a sandbox run or ``tcpdump -w`` on a resolver wants its
DNS scored without running Zeek first. Read as text, a capture came out as one ``invalid`` name of
binary garbage per line (244,966 of them for a capture of 100,000 look-ups), exit 0.

What is read: classic pcap (micro- and nanosecond, either byte order) and pcapng (every interface
with its own link type and time resolution; enhanced and simple packet blocks); Ethernet (with
802.1Q / 802.1ad tags), Linux cooked captures (SLL, SLL2), raw IP, BSD loopback; IPv4 (first
fragments; later fragments carry no DNS header) and IPv6 (with its extension headers); DNS over UDP
port 53, and over TCP: each direction of a connection reassembled into its byte stream and split
into its messages (``TcpStreams``). Each query (QR 0) is an event: the question name in
presentation form (bytes outside printable ASCII as ``\\xNN``, as Zeek writes them), the asking
address as client, the packet's time, the query type. Its response (same client address and port,
transaction id and name) gives
``answers``: empty (a dead look-up) for NXDOMAIN, SERVFAIL and REFUSED, ``(answered)`` for any
other code (NOERROR without records is a live name), as a log's response codes are read; none when
no response was captured. A response whose query is not in the capture (one direction captured, or
the query before the capture began) is an event of its own. What cannot be read is counted on
stderr.

Encrypted DNS (``Connections``): a client's packets to port 853 (DNS over TLS, or over QUIC on UDP) of any
server, to port 443 of a listed public resolver's address (DNS over HTTPS, over TCP or HTTP/3), and TLS
ClientHellos to port 443 of any server that name a resolver's endpoint (``tls_server_name``: SNI, in the
hello's first segment or in the ones that follow it, ``HeldHellos``; in a QUIC client's Initial packets,
``quic``) are counted as connections per client, server, port and protocol. They leave no question in
the capture, and the host's look-ups after them are missing from it; ``score-dns --hosts`` lists such a
host as the ``host_summary`` asset lists one the connection hunt found.
"""

from __future__ import annotations

import functools
import itertools
import socket
import struct
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

import pyarrow as pa

from hunt_assets.analytics.dns import accel, connections, quic
from hunt_assets.analytics.dns.connections import DOT_PORT, HTTPS_PORT
from hunt_assets.analytics.dns.logs import LogFormatError
from hunt_assets.analytics.dns.tls import PLAIN, escaped, tls_server_name

PCAP_MAGICS = {  # magic as it appears in the file -> (byte order, seconds per time-fraction unit)
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6), b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9), b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
DNS_PORT = 53

# link-layer types (tcpdump.org/linktypes.html)
_NULL, _ETHERNET, _RAW, _RAW_BSD12, _RAW_BSD14, _SLL, _SLL2, _IPV4, _IPV6 = 0, 1, 101, 12, 14, 113, 276, 228, 229
_ETH_IPV4, _ETH_IPV6 = 0x0800, 0x86DD
_VLAN_TAGS = (0x8100, 0x88A8, 0x9100)
_AF_INET6 = (10, 24, 28, 30)  # Linux, the BSDs, macOS: a BSD loopback header's address family
_IPV6_EXTENSIONS = (0, 43, 60)  # hop-by-hop, routing, destination options
_DEAD_RCODES = (2, 3, 5)  # SERVFAIL, NXDOMAIN, REFUSED: as ``logs.answers_from_rcode`` reads a log's codes


class CaptureError(LogFormatError):
    """A capture whose structure breaks before any packet could be read."""


def is_capture(head: bytes) -> bool:
    """The input starts as a pcap or pcapng file does."""
    return head[:4] in PCAP_MAGICS or head[:4] == PCAPNG_MAGIC


def read_capture(data: bytes | bytearray | memoryview, warn: Callable[[str], None] | None = None) -> pa.Table:
    """The DNS queries of a capture as a table of ``name``, ``client``, ``timestamp`` (epoch
    seconds), ``qtype`` and ``answers`` (see the module docstring)."""
    return _read(_Pieces(memoryview(data)), warn)


def read_capture_stream(stream: BinaryIO, warn: Callable[[str], None] | None = None) -> pa.Table:
    """``read_capture`` over a file or a pipe (``tcpdump -w -``), read into one buffer of
    ``_Pieces.SIZE`` bytes a piece at a time. Why: a day of a sensor's capture is gigabytes, and
    reading it whole held all of it in memory for the few DNS packets in it (peak RSS 727 MiB for a
    535 MiB capture)."""
    return _read(_Pieces(None, stream), warn)


class _Pieces:
    """A capture's bytes: whole (no ``stream``), or read from ``stream`` a piece at a time into one
    buffer. The walkers read ``view`` up to its end, then call ``more`` with the offset of the first
    record not whole in it, which moves that record's bytes to the buffer's start and reads on
    after them. The frames handed on are views of the buffer: each is read (its DNS message parsed,
    a TCP segment copied) before the walk goes on, so the buffer can be filled again."""

    SIZE = 1 << 24

    def __init__(self, view: memoryview | None, stream: BinaryIO | None = None) -> None:
        self.stream = stream
        self.final = stream is None  # a stream ends where a read gives nothing (a pipe may read short before)
        if stream is None:
            assert view is not None
            self.view = view
            return
        self.buf = bytearray(self.SIZE)
        self.view = memoryview(self.buf)[: self._fill(0)]

    def _fill(self, at: int) -> int:
        assert self.stream is not None
        into, got = memoryview(self.buf), 0
        while at + got < len(self.buf):
            n = self.stream.readinto(into[at + got :])  # type: ignore[attr-defined]
            if not n:
                self.final = True
                break
            got += n
        return at + got

    def more(self, keep_from: int) -> None:
        """Go on to the next piece. At the stream's end ``final`` is set, and what is left is walked
        once more as the capture's last bytes."""
        rest = len(self.view) - keep_from
        if rest == len(self.buf):  # one record larger than the buffer: a larger buffer
            grown = bytearray(2 * len(self.buf))
            grown[:rest] = self.view[keep_from:]
            self.buf = grown
        else:  # the same buffer, filled again (its size unchanged, so views of it may live on)
            self.buf[:rest] = self.buf[keep_from : keep_from + rest]
        self.view = memoryview(self.buf)[: self._fill(rest)]


def _read(pieces: _Pieces, warn: Callable[[str], None] | None) -> pa.Table:
    if not is_capture(bytes(pieces.view[:4])):
        raise CaptureError("not a pcap or pcapng file (no magic number)")
    counts = {"not IP": 0, "unreadable DNS": 0, "link type": 0, "cut": 0}
    events = Events()
    streams = TcpStreams()
    conns = Connections()
    batches = _pcapng_batches(pieces, counts) if pieces.view[:4] == PCAPNG_MAGIC else _pcap_batches(pieces, counts)
    held = accel.hold_table()  # the kernel's split hellos, across batches (conns.hellos: the Python reader's)
    for view, links, times, starts, ends in batches:
        read = accel.dns_frames(view, starts, ends, links, held)
        if read is None:  # no kernel: every frame in Python
            for link, ts, a, b in zip(links, times, starts, ends, strict=True):
                _frame(link, ts, view[a:b], events, streams, counts, conns)
            continue
        status, meta, addrs, name_at, names = read
        for k, st in enumerate(status):
            if st == 0:  # DNS over UDP, read by the kernel as _ip_payload and question read it
                version, sport, dport, xid, flags, qtype = meta[6 * k : 6 * k + 6]
                size, at = 4 if version == 4 else 16, 32 * k
                src, dst = address_text(addrs[at : at + size]), address_text(addrs[at + 16 : at + 16 + size])
                name = names[name_at[k] : name_at[k + 1]].decode("ascii")
                events.add_question(times[k], src, sport, dst, dport, (xid, flags, flags & 0x0F, name, qtype))
            elif st == 1:
                _frame(links[k], times[k], view[starts[k] : ends[k]], events, streams, counts, conns)
            elif st >= 3:  # to an encrypted-DNS port (3), a TLS hello (4): meta holds the protocol and TCP flags
                version, sport, dport, proto, flags = meta[6 * k : 6 * k + 5]
                size, at = 4 if version == 4 else 16, 32 * k
                name = names[name_at[k] : name_at[k + 1]].decode("ascii") or None if st == 4 else None
                if (st == 4 and dport != DOT_PORT and not conns.names_resolver(name)  # most hellos: the web
                        and addrs[at + 16 : at + 16 + size] not in conns.watched_packed):
                    continue
                conns.add(times[k], address_text(addrs[at : at + size]), sport,
                          address_text(addrs[at + 16 : at + 16 + size]), dport, proto, flags, name)
    for ts, (src, sport, dst, dport), msg in streams.finish():
        if not events.add(ts, src, sport, dst, dport, msg):
            counts["unreadable DNS"] += 1
    counts.update(streams.counts)
    if warn is not None:
        skipped = {k: v for k, v in counts.items() if v}
        if skipped:
            said = {"not IP": "frames that are not IPv4 / IPv6", "unreadable DNS": "DNS messages that do not parse",
                    "link type": "frames of an unsupported link type", "cut": "a capture cut off mid-record",
                    **TCP_SAID}
            warn("skipped: " + "; ".join(f"{v:,} {said[k]}" for k, v in skipped.items()))
    return connections.attach(events.table(), conns.rows())


def _frame(link: int, ts: float | None, frame: memoryview, events: Events, streams: TcpStreams,
           counts: dict[str, int], conns: Connections) -> None:
    """One frame read in Python: the reference for what ``accel.dns_frames`` reads in C."""
    ip = _ip_payload(link, frame)
    if ip is None:
        counts["not IP" if link in _LINKS else "link type"] += 1
        return
    src, dst, proto, payload = ip
    if proto == 17 and len(payload) >= 8:
        sport, dport = struct.unpack_from(">HH", payload)
        if DNS_PORT not in (sport, dport):
            if conns.watches(dst, dport):
                conns.add(ts, src, sport, dst, dport, proto, 0)
            elif dport == HTTPS_PORT and quic.is_client_initial(payload[8:]):  # HTTP/3: its name, decrypted
                name = conns.quic.add(src, sport, dst, payload[8:], ts)
                if conns.names_resolver(name):
                    conns.add(ts, src, sport, dst, dport, proto, 0, name)
            return
        msgs: Iterable[bytes | memoryview] = (payload[8:],)
    elif proto == 6 and len(payload) >= 20:
        sport, dport, seq, off, flags = struct.unpack_from(">HHI4xBB", payload)
        if DNS_PORT not in (sport, dport):
            if dport in (HTTPS_PORT, DOT_PORT):
                start = (off >> 4) * 4
                name = conns.hellos.segment((src, sport, dst, dport), seq, payload[start:] if start >= 20 else b"")
                if conns.watches(dst, dport) or conns.names_resolver(name):
                    conns.add(ts, src, sport, dst, dport, proto, flags, name)
            return
        msgs = streams.add((src, sport, dst, dport), ts, seq, flags, payload[(off >> 4) * 4 :])
    else:
        return
    for msg in msgs:
        if not events.add(ts, src, sport, dst, dport, msg):
            counts["unreadable DNS"] += 1


class Connections:
    """A capture's connections to encrypted-DNS resolvers (see the module docstring), counted per
    client, server, port and protocol, with the first and last packet's time.

    Only the client's packets are looked at (to port 853 or 443): a connection is a flow's first
    packet, a packet after ``IDLE`` seconds without one (UDP has no end, and a flow whose start was
    before the capture still counts once), or a TCP SYN after the flow's other packets (a port used
    again). A SYN sent again while unanswered is the same connection. Flows are held for that
    judgement, at most ``FLOWS_MAX``, the least recently seen given up first (its next packet is
    then counted as a new connection); the counts themselves are one entry per client, server and hour
    (a connection in the hour it opened), so a program polling on a timer shows its rate.
    """

    IDLE = 180.0  # seconds: longer than a SYN's retries (1 + 2 + ... + 64 s) and a UDP flow timeout
    FLOWS_MAX = 1 << 16

    def __init__(self) -> None:
        w = connections.watch()
        self.watches, self.names_resolver, self.watched_packed = w.watches, w.names_resolver, w.watched_packed
        self.quic = quic.Hellos()  # client Initials' CRYPTO data, until their hello names a server
        self.hellos = HeldHellos()  # TLS hellos split over TCP segments, until their name comes
        self.flows: dict[tuple[str | None, int, str | None, int, int], tuple[float | None, bool]] = {}
        # (client, server, port, protocol, hour) -> [connections, first, last, server name]
        self.counts: dict[tuple[str | None, str | None, int, int, int | None], list] = {}

    def add(self, ts: float | None, src: str | None, sport: int, dst: str | None, dport: int, proto: int,
            flags: int, name: str | None = None) -> None:
        key = (src, sport, dst, dport, proto)
        syn = proto == 6 and flags & 0x12 == 0x02  # SYN without ACK: a client opening
        seen = self.flows.pop(key, None)  # put back at the end: the dict's order is the least recently seen first
        new = (seen is None or (syn and not seen[1])
               or (ts is not None and seen[0] is not None and ts - seen[0] > self.IDLE))
        self.flows[key] = (ts if ts is not None or seen is None else seen[0], syn)
        if len(self.flows) > self.FLOWS_MAX:
            for old in list(itertools.islice(self.flows, len(self.flows) - self.FLOWS_MAX // 2)):
                del self.flows[old]
        hour = None if ts is None else int(ts // 3600)
        c = self.counts.get((src, dst, dport, proto, hour))
        if c is None:  # a flow open across the hour's start is not a new connection in it
            self.counts[(src, dst, dport, proto, hour)] = [int(new), ts, ts, name]
            return
        c[0] += new
        if ts is not None:
            c[1] = ts if c[1] is None else min(c[1], ts)
            c[2] = ts if c[2] is None else max(c[2], ts)
        if c[3] is None:
            c[3] = name

    def rows(self) -> list[list]:
        """One row per client, server, port, protocol (``tcp`` / ``udp``) and hour, as ``connections.FIELDS``: the
        server name is the first a ClientHello of theirs gave, else None; no uid (counted here)."""
        return [[c, s, p, "tcp" if proto == 6 else "udp", n, first, last, name, None, None]
                for (c, s, p, proto, _hour), (n, first, last, name) in self.counts.items()]


class HeldHellos:
    """TLS ClientHellos split over TCP segments, per flow (client, port, server, port), until their server
    name comes; the reference for the kernel's table (``_native.hold_step``), rule for rule.

    Why: a post-quantum key share (X25519MLKEM768, Chrome's and Firefox's default since 2024) makes a
    hello ~1.8 KB, more than one segment carries, and Chrome shuffles its extensions: its name is as
    often in the second segment as in the first. Read from the first alone, such a hello to a resolver
    named by its endpoint (``abc123.dns.nextdns.io``) went unnoticed.

    A segment that begins a hello whose name it does not hold, and whose record runs past it, is held (at
    most ``BYTES`` of the record). The flow's next segments with data are joined to it while each follows
    in sequence, until the record (or ``BYTES`` of it) is whole; one out of sequence (a gap, a
    retransmission of a later part) ends the hold, and a new hello, its first segment sent again too,
    replaces it. At most ``FLOWS`` flows are held, the one held longest let go first. What ends a hold never
    depends on the name found: the kernel's first walk keeps the same table without the bytes, to know
    which segments the second must see."""

    FLOWS = 512  # _native.c HOLD_FLOWS
    BYTES = 4096  # _native.c HOLD_BYTES: a hello's name past this is not looked for

    def __init__(self) -> None:
        # flow -> [next sequence number, bytes of the record still to come, the bytes held, named yet]
        self.held: dict[tuple, list] = {}

    def segment(self, flow: tuple, seq: int, seg: bytes | memoryview) -> str | None:
        """The server name this segment gives: of the hello it begins, or of the held one it completes."""
        n = len(seg)
        if not n:
            return None
        if n >= 6 and seg[0] == 0x16 and seg[1] == 0x03 and seg[5] == 0x01:
            self.held.pop(flow, None)
            name = tls_server_name(seg)
            end = min(5 + int.from_bytes(seg[3:5], "big"), self.BYTES)
            if name is None and n < end:
                if len(self.held) == self.FLOWS:
                    del self.held[next(iter(self.held))]
                self.held[flow] = [(seq + n) & _SEQ, end - n, bytearray(seg), False]
            return name
        h = self.held.get(flow)
        if h is None:
            return None
        if seq != h[0]:
            del self.held[flow]
            return None
        h[0], h[1], name = (seq + n) & _SEQ, h[1] - n, None
        if not h[3]:
            h[2] += seg[: self.BYTES - len(h[2])]
            name = tls_server_name(h[2])
            h[3] = name is not None
        if h[1] <= 0:
            del self.held[flow]
        return name


TCP_SAID = {"tcp gap": "TCP DNS segments after a gap in the capture",
            "tcp unsynced": "TCP DNS segments that begin mid-message (the connection's start not captured)",
            "tcp cut": "TCP DNS messages cut off (the connection closed or the capture ended mid-message)"}
_SEQ = 0xFFFFFFFF
_SYN, _FIN, _RST = 0x02, 0x01, 0x04


_MESSAGE_START = 14  # a length prefix and a DNS header


def _starts_message(seg: bytes | memoryview) -> bool:
    """A TCP segment that begins with a length-prefixed DNS message: a length that holds a header,
    one question, opcode QUERY. Where a connection's start is not in the capture, only such a
    segment lets its stream be read (any other is the middle of a message)."""
    return (len(seg) >= _MESSAGE_START and struct.unpack_from(">H", seg)[0] >= 12
            and struct.unpack_from(">H", seg, 6)[0] == 1
            and not (seg[4] >> 3) & 0x0F)


class _Flow:
    """One direction of a TCP connection: the next sequence number expected, the bytes of a message
    not yet complete, whether the stream is read (in sync with its messages), segments that came
    early, the last packet's time."""

    __slots__ = ("buf", "nxt", "pending", "pending_bytes", "synced", "ts")

    def __init__(self, nxt: int, ts: float | None) -> None:
        self.nxt, self.buf, self.synced, self.ts = nxt, bytearray(), True, ts
        self.pending: dict[int, bytes] = {}
        self.pending_bytes = 0


class TcpStreams:
    """DNS over TCP (RFC 7766), each direction of a connection read as the byte stream its segments
    carry: segments put in sequence order (held while an earlier one is still to come),
    retransmitted bytes read once, and the stream split into its length-prefixed messages however
    the segments cut them (a large response over many segments, several pipelined queries in one).

    A connection whose handshake was captured starts at its SYN; one already open when the
    capture began starts at the first segment that begins a message. Bytes missing from the
    capture (a gap that no later segment fills, by the connection's close, the capture's end or
    ``PENDING_MAX`` bytes held) end the stream's reading until a message begins; what could not be
    read is counted.

    Memory stays bounded whatever the capture holds. A handshake is only where its stream starts
    (``opened``) until data comes: a SYN scan of port 53, a probe and its SYN-ACK per port, kept
    ~300 bytes a direction until the capture's end before (800,000 packets: 432 MiB peak). At
    most ``OPENED_MAX`` such starts are kept, the oldest quarter forgotten past it (a later
    segment of such a connection is read from the first message that begins in it, as for one
    begun before the capture). At most ``FLOWS_MAX`` directions with data are followed: past it
    the oldest that hold no bytes are let go the same way, and only when too few hold nothing are
    the oldest others closed as at the capture's end, their messages given by ``finish``."""

    PENDING_MAX = 1 << 20  # bytes held per direction waiting for an earlier segment
    FLOWS_MAX = 1 << 16  # directions with data followed at once
    OPENED_MAX = 1 << 18  # handshakes remembered without data

    def __init__(self) -> None:
        self.flows: dict[tuple[str, int, str, int], _Flow] = {}
        self.opened: dict[tuple[str, int, str, int], int] = {}  # a handshake's direction: its first data's number
        self.counts = dict.fromkeys(TCP_SAID, 0)
        self.closed: list[tuple[float | None, tuple[str, int, str, int], bytes]] = []  # closed to make room

    def add(self, key: tuple[str, int, str, int], ts: float | None, seq: int, flags: int, seg: memoryview
            ) -> list[bytes]:
        """The messages this segment completes, in stream order."""
        if flags & _SYN:
            seq = (seq + 1) & _SEQ  # data on a SYN (TCP Fast Open) follows its sequence number
            self.flows.pop(key, None)  # a new connection on the same ports
            if not len(seg):
                self.opened[key] = seq
                if len(self.opened) > self.OPENED_MAX:
                    for old in list(itertools.islice(self.opened, len(self.opened) // 4)):
                        del self.opened[old]
                return []
            self.opened.pop(key, None)
            self._make_room()
            self.flows[key] = _Flow(seq, ts)
        flow = self.flows.get(key)
        if flow is None:
            if not len(seg):
                if flags & (_FIN | _RST):
                    self.opened.pop(key, None)
                return []
            self._make_room()
            start = self.opened.pop(key, None)
            flow = self.flows[key] = _Flow(seq if start is None else start, ts)
            flow.synced = start is not None  # else read from the first message that begins in it
        flow.ts = ts
        out = self._segment(flow, seq, bytes(seg)) if len(seg) else []
        if flags & (_FIN | _RST):
            out += self._close(flow)
            del self.flows[key]
        return out

    def finish(self) -> list[tuple[float | None, tuple[str, int, str, int], bytes]]:
        """The messages still held when the capture ends (behind a gap), and those of directions
        closed to make room, with their connection and last time; the streams that end inside a
        message are counted as cut."""
        out = self.closed + [(flow.ts, key, msg) for key, flow in self.flows.items() for msg in self._close(flow)]
        self.flows.clear()
        self.opened.clear()
        self.closed = []
        return out

    def _make_room(self) -> None:
        """Below ``FLOWS_MAX`` directions, down to three quarters of it: the oldest that hold no
        bytes first, then (rarely) the oldest others, closed. A quarter freed each time keeps the
        cost per new direction constant."""
        if len(self.flows) < self.FLOWS_MAX:
            return
        excess = len(self.flows) - self.FLOWS_MAX * 3 // 4
        idle = []
        for k, f in self.flows.items():  # oldest first: a scan's first probes are the oldest
            if not f.buf and not f.pending:
                idle.append(k)
                if len(idle) == excess:
                    break
        for k in idle:
            del self.flows[k]
        for k in list(self.flows)[: excess - len(idle)]:
            flow = self.flows.pop(k)
            self.closed += [(flow.ts, k, msg) for msg in self._close(flow)]

    def _segment(self, flow: _Flow, seq: int, seg: bytes) -> list[bytes]:
        ahead = (seq - flow.nxt) & _SEQ
        if ahead and ahead < 1 << 31:  # later bytes than expected: hold them until those between arrive
            out = self._skip_gap(flow) if flow.pending and flow.pending_bytes + len(seg) > self.PENDING_MAX else []
            held = len(flow.pending.get(seq, b""))
            if len(seg) > held:  # a retransmission may carry more than the first copy
                flow.pending_bytes += len(seg) - held
                flow.pending[seq] = seg
            return out + self._drain(flow)
        return self._append(flow, seq, seg) + self._drain(flow)

    def _append(self, flow: _Flow, seq: int, seg: bytes) -> list[bytes]:
        seen = (flow.nxt - seq) & _SEQ  # bytes already read (a retransmission)
        if seen >= len(seg):
            return []
        seg = seg[seen:]
        flow.nxt = (flow.nxt + len(seg)) & _SEQ
        buf = flow.buf
        buf += seg
        if not flow.synced:  # does a message begin here? (a length prefix may come in a segment of its own)
            if len(buf) < _MESSAGE_START:
                return []
            if not _starts_message(buf):
                self.counts["tcp unsynced"] += 1
                buf.clear()
                if not _starts_message(seg):
                    return []
                buf += seg
            flow.synced = True
        out, pos, n = [], 0, len(buf)
        while pos + 2 <= n:
            end = pos + 2 + ((buf[pos] << 8) | buf[pos + 1])
            if end > n:
                break
            out.append(bytes(buf[pos + 2 : end]))
            pos = end
        del buf[:pos]
        return out

    def _drain(self, flow: _Flow) -> list[bytes]:
        out: list[bytes] = []
        while flow.pending:
            ready = [s for s in flow.pending if ((s - flow.nxt) & _SEQ) == 0 or ((s - flow.nxt) & _SEQ) >= 1 << 31]
            if not ready:
                break
            for s in sorted(ready, key=lambda s: (s - flow.nxt) & _SEQ):
                seg = flow.pending.pop(s)
                flow.pending_bytes -= len(seg)
                out += self._append(flow, s, seg)
        return out

    def _skip_gap(self, flow: _Flow) -> list[bytes]:
        """Give up on the bytes before the earliest held segment: read on from there if a message
        begins there."""
        self.counts["tcp gap"] += 1
        flow.buf.clear()
        flow.nxt, flow.synced = min(flow.pending, key=lambda s: (s - flow.nxt) & _SEQ), False
        return self._drain(flow)

    def _close(self, flow: _Flow) -> list[bytes]:
        out: list[bytes] = []
        while flow.pending:
            out += self._skip_gap(flow)
        if flow.buf and flow.synced:
            self.counts["tcp cut"] += 1
        return out


_LINKS = (_NULL, _ETHERNET, _RAW, _RAW_BSD12, _RAW_BSD14, _SLL, _SLL2, _IPV4, _IPV6)


_BATCH = 1 << 13  # frames handed on at a time (all of one piece of the capture)
_Batch = tuple[memoryview, list[int], list[float | None], list[int], list[int]]  # view, links, times, starts, ends


def _pcap_batches(pieces: _Pieces, counts: dict[str, int]) -> Iterator[_Batch]:
    """The frames of a pcap file in batches: the piece's view, each frame's link type, time and
    its start and end in the view."""
    view = pieces.view
    order, unit = PCAP_MAGICS[bytes(view[:4])]
    if len(view) < 24:
        raise CaptureError("a pcap file shorter than its 24-byte header")
    link = struct.unpack_from(order + "I", view, 20)[0] & 0xFFFF  # the link type; the upper bits: FCS length
    rec = struct.Struct(order + "III4x")  # seconds, fraction, captured length (the original length unread)
    kind = 0 if order == "<" else 1
    walk = accel.capture_scan(kind, link) or _RecordWalk(kind)
    start = 24
    while True:
        view = pieces.view
        times: list[float | None] = []
        starts: list[int] = []
        ends: list[int] = []
        for i in walk.records(view, start):
            sec, frac, caplen = rec.unpack_from(view, i)
            times.append(sec + frac * unit)
            starts.append(i + 16)
            ends.append(i + 16 + caplen)
            if len(starts) == _BATCH:
                yield view, [link] * len(starts), times, starts, ends
                times, starts, ends = [], [], []
        if starts:
            yield view, [link] * len(starts), times, starts, ends
        if pieces.final:
            counts["cut"] += walk.cut
            return
        pieces.more(walk.end)
        start = 0


_BYTE_ORDERS = {b"\x4d\x3c\x2b\x1a": "<", b"\x1a\x2b\x3c\x4d": ">"}  # a section header's byte-order magic


def _pcapng_batches(pieces: _Pieces, counts: dict[str, int]) -> Iterator[_Batch]:
    """The frames of a pcapng file in batches, as ``_pcap_batches`` gives a pcap file's."""
    order = "<"
    ifaces: list[tuple[int, float]] = []  # per interface of the current section: (link type, seconds per tick)
    walk = accel.capture_scan(2, 0) or _RecordWalk(2)
    start = 0
    while True:
        view = pieces.view
        links: list[int] = []
        times: list[float | None] = []
        starts: list[int] = []
        ends: list[int] = []
        for i in walk.records(view, start):
            if bytes(view[i : i + 4]) == PCAPNG_MAGIC:  # a section header: its byte order, new interfaces
                order = _BYTE_ORDERS.get(bytes(view[i + 8 : i + 12]), "")
                if not order:
                    raise CaptureError("a pcapng section header without its byte-order magic")
                ifaces = []
            btype, blen = struct.unpack_from(order + "II", view, i)
            size = blen - 12  # the body: from i + 8
            if btype == 1 and size >= 8:  # interface description: link type, options (if_tsresol)
                ifaces.append((struct.unpack_from(order + "H", view, i + 8)[0],
                               _tsresol(view[i + 16 : i + blen - 4], order)))
            elif btype == 6 and size >= 20:  # enhanced packet
                iface, hi, lo, caplen = struct.unpack_from(order + "IIII", view, i + 8)
                if iface < len(ifaces) and 20 + caplen <= size:
                    link, tick = ifaces[iface]
                    links.append(link)
                    times.append(((hi << 32) | lo) * tick)
                    starts.append(i + 28)
                    ends.append(i + 28 + caplen)
            elif btype == 3 and size >= 4 and ifaces:  # simple packet: no time
                caplen = min(struct.unpack_from(order + "I", view, i + 8)[0], size - 4)
                links.append(ifaces[0][0])
                times.append(None)
                starts.append(i + 12)
                ends.append(i + 12 + caplen)
            if len(starts) >= _BATCH:
                yield view, links, times, starts, ends
                links, times, starts, ends = [], [], [], []
        if starts:
            yield view, links, times, starts, ends
        if pieces.final:
            counts["cut"] += walk.cut
            return
        pieces.more(walk.end)
        start = 0


class _RecordWalk:
    """Every record's offset, in Python: the walk ``accel.CaptureScan`` does in C (same interface),
    without its skipping. pcapng: up to a section header without its byte-order magic, which is
    handed on (the reader raises on it)."""

    def __init__(self, kind: int) -> None:
        self.kind, self.order = kind, ">" if kind == 1 else "<"
        self.end, self.cut = 0, False

    def records(self, view: memoryview, i: int) -> Iterator[int]:
        n = len(view)
        self.cut = False
        if self.kind < 2:
            caplen_at = struct.Struct(self.order + "I").unpack_from
            while i + 16 <= n:
                caplen = caplen_at(view, i + 8)[0]
                if i + 16 + caplen > n:
                    self.end, self.cut = i, True
                    return
                yield i
                i += 16 + caplen
        else:
            while i + 12 <= n:
                if bytes(view[i : i + 4]) == PCAPNG_MAGIC:
                    self.order = _BYTE_ORDERS.get(bytes(view[i + 8 : i + 12]), "")
                    if not self.order:
                        self.end = i
                        yield i
                        return
                blen = struct.unpack_from(self.order + "I", view, i + 4)[0]
                if blen < 12 or blen % 4 or i + blen > n:
                    self.end, self.cut = i, True
                    return
                yield i
                i += blen
        self.end, self.cut = i, i < n


def _tsresol(options: memoryview, order: str) -> float:
    """Seconds per timestamp tick from an interface's ``if_tsresol`` option (default microseconds)."""
    j = 0
    while j + 4 <= len(options):
        code, length = struct.unpack_from(order + "HH", options, j)
        if code == 0:
            break
        if code == 9 and length >= 1 and j + 4 < len(options):
            v = options[j + 4]
            return 2.0 ** -(v & 0x7F) if v & 0x80 else 10.0 ** -v
        j += 4 + (length + 3) // 4 * 4
    return 1e-6


def _ip_payload(link: int, frame: memoryview) -> tuple[str, str, int, memoryview] | None:
    """(source, destination, protocol, payload) of the IP packet in a frame, or None."""
    if link == _ETHERNET:
        if len(frame) < 14:
            return None
        off, etype = 12, struct.unpack_from(">H", frame, 12)[0]
        while etype in _VLAN_TAGS and len(frame) >= off + 6:
            off += 4
            etype = struct.unpack_from(">H", frame, off)[0]
        ip = frame[off + 2 :]
        return _ipv4(ip) if etype == _ETH_IPV4 else _ipv6(ip) if etype == _ETH_IPV6 else None
    if link == _SLL:
        if len(frame) < 16:
            return None
        etype, ip = struct.unpack_from(">H", frame, 14)[0], frame[16:]
        return _ipv4(ip) if etype == _ETH_IPV4 else _ipv6(ip) if etype == _ETH_IPV6 else None
    if link == _SLL2:
        if len(frame) < 20:
            return None
        etype, ip = struct.unpack_from(">H", frame, 0)[0], frame[20:]
        return _ipv4(ip) if etype == _ETH_IPV4 else _ipv6(ip) if etype == _ETH_IPV6 else None
    if link == _NULL:
        if len(frame) < 4:
            return None
        family = min(struct.unpack_from("<I", frame)[0], struct.unpack_from(">I", frame)[0])
        ip = frame[4:]
        return _ipv4(ip) if family == 2 else _ipv6(ip) if family in _AF_INET6 else None
    if link in (_RAW, _RAW_BSD12, _RAW_BSD14, _IPV4, _IPV6):
        version = frame[0] >> 4 if len(frame) else 0
        return _ipv4(frame) if version == 4 else _ipv6(frame) if version == 6 else None
    return None


@functools.lru_cache(maxsize=1 << 16)
def _v4(packed: bytes) -> str:
    return socket.inet_ntop(socket.AF_INET, packed)


@functools.lru_cache(maxsize=1 << 16)
def _v6(packed: bytes) -> str:
    return socket.inet_ntop(socket.AF_INET6, packed)


def address_text(packed: bytes) -> str | None:
    """An IPv4 or IPv6 address in its text form (by its length, 4 or 16 bytes), else None; cached,
    as a capture's or a dnstap file's few clients repeat."""
    return _v4(packed) if len(packed) == 4 else _v6(packed) if len(packed) == 16 else None


def _ipv4(p: memoryview) -> tuple[str, str, int, memoryview] | None:
    if len(p) < 20 or p[0] >> 4 != 4:
        return None
    ihl = (p[0] & 0x0F) * 4
    total, frag, proto = struct.unpack_from(">H2xH1xB", p, 2)
    if frag & 0x1FFF or ihl < 20:  # a later fragment: no UDP / TCP header in it
        return None
    end = min(len(p), total) if total >= ihl else len(p)
    return _v4(bytes(p[12:16])), _v4(bytes(p[16:20])), proto, p[ihl:end]


def _ipv6(p: memoryview) -> tuple[str, str, int, memoryview] | None:
    if len(p) < 40 or p[0] >> 4 != 6:
        return None
    length, nxt = struct.unpack_from(">HB", p, 4)
    src, dst = _v6(bytes(p[8:24])), _v6(bytes(p[24:40]))
    body = p[40 : 40 + length] if length else p[40:]
    for _ in range(8):  # extension headers, a few at most
        if nxt in _IPV6_EXTENSIONS and len(body) >= 8:
            nxt, size = body[0], (body[1] + 1) * 8
        elif nxt == 44 and len(body) >= 8:  # fragment: only the first carries the UDP / TCP header
            if struct.unpack_from(">H", body, 2)[0] & 0xFFF8:
                return None
            nxt, size = body[0], 8
        elif nxt == 51 and len(body) >= 8:  # authentication header
            nxt, size = body[0], (body[1] + 2) * 4
        else:
            break
        body = body[size:]
    return src, dst, nxt, body


_HEADER = struct.Struct(">HHH")


def question(msg: bytes | memoryview) -> tuple[int, int, int, str, int] | None:
    """(id, flags, response code, first question's name, its type) of a DNS message, or None when
    it has no readable question."""
    if len(msg) < 12:
        return None
    m = bytes(msg)
    xid, flags, qd = _HEADER.unpack_from(m)
    if qd == 0:
        return None
    parts: list[bytes] = []
    i, jumps, end, size = 12, 0, -1, len(m)
    while True:
        if i >= size:
            return None
        n = m[i]
        if n == 0:
            i += 1
            break
        if n & 0xC0 == 0xC0:  # compression pointer (rare in a question, legal)
            if i + 1 >= size or jumps > 32:
                return None
            if end < 0:
                end = i + 2
            i, jumps = ((n & 0x3F) << 8) | m[i + 1], jumps + 1
            continue
        if n > 63 or i + 1 + n > size:
            return None
        parts.append(m[i + 1 : i + 1 + n])
        i += 1 + n
    if end >= 0:
        i = end
    if i + 2 > size:
        return None
    raw = b".".join(parts)
    if PLAIN.fullmatch(raw) and raw.count(b".") == len(parts) - 1:  # no byte to escape, no dot in a label
        name = raw.decode("ascii")
    else:
        name = ".".join(escaped(p) for p in parts)
    return xid, flags, flags & 0x0F, name or ".", struct.unpack_from(">H", m, i)[0]


class Events:
    """Queries and responses paired into events (also for ``dnstap``): a query's response has the
    same client address and port, id and name."""

    def __init__(self) -> None:
        self.ts: list[float | None] = []  # None: a simple packet block has no time
        self.client: list[str] = []
        self.name: list[str] = []
        self.qtype: list[int] = []
        self.answers: list[str | None] = []
        self.pending: dict[tuple[str, int, int, str], list[int]] = {}

    def add(self, ts: float | None, src: str, sport: int, dst: str, dport: int, msg: bytes | memoryview) -> bool:
        q = question(msg)
        if q is None:
            return False
        self.add_question(ts, src, sport, dst, dport, q)
        return True

    def add_question(self, ts: float | None, src: str, sport: int, dst: str, dport: int,
                     q: tuple[int, int, int, str, int]) -> None:
        """A message already read (``question``'s tuple): a query is an event, a response answers its
        query or is an event of its own."""
        xid, flags, rcode, name, qtype = q
        outcome = "" if rcode in _DEAD_RCODES else "(answered)"
        if not flags & 0x8000:  # a query
            key = (src, sport, xid, name.lower())
            self.pending.setdefault(key, []).append(len(self.name))
            self._row(ts, src, name, qtype, None)
            return
        waiting = self.pending.get((dst, dport, xid, name.lower()))
        if waiting:
            self.answers[waiting.pop(0)] = outcome
        else:  # its query is not in the capture
            self._row(ts, dst, name, qtype, outcome)

    def _row(self, ts: float | None, client: str, name: str, qtype: int, answers: str | None) -> None:
        self.ts.append(ts)
        self.client.append(client)
        self.name.append(name)
        self.qtype.append(qtype)
        self.answers.append(answers)

    def table(self) -> pa.Table:
        import dns.rdatatype

        names = {t: dns.rdatatype.to_text(t) for t in set(self.qtype)}
        text = pa.large_string()
        return pa.table({
            "name": pa.array(self.name, text), "client": pa.array(self.client, text),
            "timestamp": pa.array(self.ts, pa.float64()),
            "qtype": pa.array([names[t] for t in self.qtype], text), "answers": pa.array(self.answers, text),
        })
