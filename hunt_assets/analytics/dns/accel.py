"""Optional C kernels for the DNS scorer's byte-level work, and the switch that selects them.

Why: ``names.parse``, ``features.compute``, ``ngram.label_logprob``, ``features.entropy_of_rows``,
``suppress.suppression_codes``, the scorer's verdict logic (``score._decide_numpy``) and the hash
sets' builds and probes are dozens of whole-buffer
NumPy passes, each allocating a temporary as large as the batch; they were most of the CPU time of
``score-dns``. ``_native`` (``_native.c``) does the same work in one
pass per name. The NumPy code stays the reference and the fallback: outputs are identical (floats
bit for bit; ``hunt_assets_tests/test_dns_native.py`` checks it), and an install without a C
compiler simply has no ``_native`` and runs NumPy.

``HUNT_DNS_NATIVE=0`` in the environment forces NumPy (debugging, comparing); tests flip
``ENABLED`` directly. The dispatching functions read ``ENABLED`` on every call.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from types import ModuleType

import numpy as np
import pyarrow as pa

ext: ModuleType | None
IMPORT_ERROR: ImportError | None
try:
    from hunt_assets.analytics.dns import _native as ext

    IMPORT_ERROR = None
except ImportError as _exc:  # not built (no compiler at install time): NumPy only
    ext = None
    IMPORT_ERROR = _exc

ENABLED: bool = ext is not None and os.environ.get("HUNT_DNS_NATIVE", "").strip() != "0"


def available() -> bool:
    """The extension is built and importable (whatever ``ENABLED`` says)."""
    return ext is not None


def _seed() -> int:
    """Per-process hash seed for ``first_occurrences`` (from Python's randomised ``hash``), so
    crafted input cannot pick colliding names ahead of time."""
    return hash(b"hunt_assets.first_occurrences") & ((1 << 64) - 1)


def first_occurrences(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Row indices (int64) of the first occurrence of every distinct non-null value, in order of
    first appearance: exact de-duplication of a string or binary column.

    ``arr.take(first_occurrences(arr))`` equals ``pc.unique(pc.drop_null(arr))``; the indices also
    let a caller carry other columns of the first row along. The C kernel hashes the bytes once
    per row (no dictionary of Arrow scalars); without it Arrow's ``pc.unique`` + ``pc.index_in``
    give the same indices.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    typ = arr.type
    kinds = (pa.types.is_string, pa.types.is_large_string, pa.types.is_binary, pa.types.is_large_binary)
    if not any(is_kind(typ) for is_kind in kinds):
        raise TypeError(f"first_occurrences needs a string or binary array, not {typ}")
    n = len(arr)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    valid = None
    import pyarrow.compute as pc  # not at import time: see hunt_assets.analytics.dns.cli

    if arr.null_count:
        valid = np.flatnonzero(pc.is_valid(arr).to_numpy(zero_copy_only=False))
        arr = arr.take(pa.array(valid, pa.int64()))
        n = len(arr)
        if n == 0:
            return np.zeros(0, dtype=np.int64)
    if ext is not None and ENABLED:
        bufs = arr.buffers()
        wide = pa.types.is_large_string(typ) or pa.types.is_large_binary(typ)
        width = 8 if wide else 4
        offs = np.frombuffer(bufs[1], dtype=f"<i{width}", count=n + 1, offset=arr.offset * width)
        offs = np.ascontiguousarray(offs, dtype=np.int64)
        data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8)
        out = np.empty(n, dtype=np.int64)
        k = ext.first_occurrences(data, offs, out, _seed())
        idx = out[:k]
    else:
        uniq = pc.unique(arr)
        idx = pc.index_in(uniq, value_set=arr).to_numpy(zero_copy_only=False).astype(np.int64)
    return valid[idx] if valid is not None else idx


def factorize_u64(values: np.ndarray, *, first: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Integer codes (int32) of 64-bit keys, numbered in order of first appearance; with ``first``,
    also the row (int64) where each distinct key first appears.

    What ``pd.factorize(values)[0]`` gives, without importing pandas (``score-dns`` on plain names
    never needs it) and several times faster than Arrow's dictionary encoding or pandas' hash table;
    the codes are int32 because every caller indexes with them (half the memory of int64).
    """
    values = np.ascontiguousarray(values, dtype=np.uint64)
    if values.size >= 2**31 - 1:
        raise ValueError("factorize_u64: at most 2**31 - 2 values")
    if ext is not None and ENABLED and values.size:
        codes = np.empty(values.size, dtype=np.int32)
        rows = np.frombuffer(ext.factorize_u64(values, codes, _seed()), dtype=np.int64)
        return (codes, rows) if first else codes
    if values.size:
        arr = pa.Array.from_buffers(pa.uint64(), values.size, [None, pa.py_buffer(values)])
        codes = arr.dictionary_encode().indices.to_numpy().astype(np.int32)
    else:
        codes = np.zeros(0, dtype=np.int32)
    if not first:
        return codes
    rows = np.empty(int(codes.max()) + 1 if codes.size else 0, dtype=np.int64)
    rows[codes[::-1]] = np.arange(codes.size - 1, -1, -1)
    return codes, rows


def utf8_valid(data: bytes | bytearray) -> bool:
    """``data.decode("utf-8")`` would succeed. Python's own check of a plain list (``isascii``, then
    a decode) is a fiftieth of a second per million names; the C kernel's is a few milliseconds."""
    if ext is not None and ENABLED:
        return bool(ext.utf8_valid(data))
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def unique_lines(text: bytes | bytearray, *, in_place: bool = False) -> tuple[pa.LargeBinaryArray, int] | None:
    """(the distinct non-empty lines of ``text`` in order of first appearance, the number of non-empty
    lines), or ``None`` without the C kernel (or for a text of 4 GiB or more). ``\\n``, ``\\r`` and
    ``\\r\\n`` end a line, as for Arrow's CSV reader; nothing else about a line is interpreted (a
    plain list of names is not CSV).

    Reading and de-duplicating a plain list are one pass over the text: the lines never become an
    Arrow column of every row first. With ``in_place`` (``text`` a bytearray), the distinct lines are
    compacted into ``text``'s own memory, which the result then shares: no second copy of the input.
    """
    if ext is None or not ENABLED or len(text) >= 2**32 - 1:
        return None
    n = ext.count_lines(text)
    out = np.frombuffer(text, dtype=np.uint8) if in_place else np.empty(len(text), dtype=np.uint8)
    offsets = np.empty(n + 1, dtype=np.int64)
    first = np.empty(n, dtype=np.int64)
    k, lines = ext.unique_lines(text, out, offsets, first, _seed())
    arr = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), k, [None, pa.py_buffer(offsets[: k + 1]), pa.py_buffer(out[: int(offsets[k])])]
    )
    return arr, lines


def group_min_max(
    groups: np.ndarray, values: np.ndarray, mask: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per-group (min, max) of int64 ``values`` over the rows where ``mask`` holds; groups without
    such a row get int64 max / min. ``np.minimum.at`` and ``np.maximum.at`` in one pass."""
    lo = np.full(n_groups, np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full(n_groups, np.iinfo(np.int64).min, dtype=np.int64)
    groups = np.ascontiguousarray(groups, dtype=np.int32)
    values = np.ascontiguousarray(values, dtype=np.int64)
    mask = np.ascontiguousarray(mask, dtype=bool)
    if ext is not None and ENABLED:
        ext.group_min_max(groups, values, mask, lo, hi)
    else:
        np.minimum.at(lo, groups[mask], values[mask])
        np.maximum.at(hi, groups[mask], values[mask])
    return lo, hi


def group_max_u64(groups: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Per-group maximum of uint64 ``values`` (0 for groups without a row above 0).

    ``np.maximum.at`` in one C pass: the batch rules read a registered domain's key from all of its
    rows (``domain_stats._domain_keys``), four times per batch over every name.
    """
    out = np.zeros(n_groups, dtype=np.uint64)
    groups = np.ascontiguousarray(groups, dtype=np.int32)
    values = np.ascontiguousarray(values, dtype=np.uint64)
    if ext is not None and ENABLED:
        ext.group_max_u64(groups, values, out)
    else:
        np.maximum.at(out, groups, values)
    return out


CAPTURE_IFACES = 256  # pcapng interfaces the kernel tracks per section (``_native.c``); past that it keeps every packet


class CaptureScan:
    """The C walk over a capture's records (``_native.capture_scan``), resumable across the pieces a
    capture is read in.

    Why: in a sensor's capture DNS is a few packets in a hundred, and the reader spent 7-8 µs in
    Python on each packet only to find it was not DNS. ``records`` walks the records as the reader
    does and skips the frames the reader would pass over without counting them (IP packets that are
    neither UDP nor TCP to or from port 53, nor to an encrypted-DNS port: ``pcap.Connections.watches``);
    every other record (DNS, a frame that is not IP, a fragment, a block the reader needs) is handed on,
    so rows and counts stay those of the Python walk (``pcap._RecordWalk``, which has the same
    interface). ``kind``: 0 / 1 a pcap file in little / big byte order (``link`` from its header), 2
    pcapng (its sections' byte orders and interfaces are state carried from one piece to the next).
    """

    def __init__(self, kind: int, link: int) -> None:
        _watch_resolvers()
        self.kind, self.link = kind, link
        self.state = np.zeros(CAPTURE_IFACES + 2, dtype=np.int64)
        self.held = ext.hold_table(False)  # the flows dns_frames holds a split hello of, without their bytes
        self.out = np.empty(1 << 14, dtype=np.int64)
        self.end, self.cut = 0, False

    def records(self, data: memoryview, start: int) -> Iterator[int]:
        """Offsets of the records from ``start`` that the reader must see. Afterwards ``end`` is where
        the walk stopped and ``cut`` whether a record (or trailing bytes) runs past the data's end."""
        while True:
            k, start, status = ext.capture_scan(data, start, self.kind, self.link, self.out, self.state, self.held)
            yield from self.out[:k].tolist()
            if status != 0:  # 0: ``out`` was full
                self.end, self.cut = start, status == 2
                return


def capture_scan(kind: int, link: int) -> CaptureScan | None:
    """The C walk over a capture's records, or None without the kernel (the reader then walks every
    record in Python)."""
    return CaptureScan(kind, link) if ext is not None and ENABLED else None


@functools.lru_cache(maxsize=1)
def _watch_resolvers() -> None:
    """Hands the kernel the resolver addresses whose port 443 is DoH (``pcap.Connections.watches``) and the
    tails of their endpoints' names (``pcap.Connections.names_resolver``), once: the C walk keeps those
    packets and the hellos that may name a resolver, where it skips the rest of the web."""
    import socket

    from hunt_assets.analytics.dns.resolvers import endpoint_tails, resolver_addresses

    v4 = [a for a in resolver_addresses() if ":" not in a]
    v6 = [a for a in resolver_addresses() if ":" in a]
    ext.watch_addresses(b"".join(socket.inet_pton(socket.AF_INET, a) for a in v4),
                        b"".join(socket.inet_pton(socket.AF_INET6, a) for a in v6),
                        b"".join(t.encode() + b"\0" for t in sorted(endpoint_tails())))


_NAME_ROOM = 96  # bytes of names per frame in ``dns_frames``' buffer at first; long names get more room


def hold_table() -> object | None:
    """The kernel's table of TLS hellos split over TCP segments (``pcap.HeldHellos``' rules), for one
    capture's ``dns_frames`` batches; None without the kernel."""
    return ext.hold_table(True) if ext is not None and ENABLED else None


def dns_frames(data: memoryview, starts: list[int], ends: list[int], links: list[int], held: object = None
               ) -> tuple[list[int], list[int], bytes, list[int], bytes] | None:
    """The DNS-over-UDP frames among ``data[starts[k]:ends[k]]`` read in C, or None without the
    kernel: (status per frame, 6 numbers per frame: IP version, source port, destination port, id,
    flags, question type; 32 address bytes per frame: source, destination; name offsets; names).

    Why: a resolver's capture is all DNS, and reading a packet's headers and question in Python
    cost ~18 µs (100,000 look-ups, 200,000 packets: 3.7 s of the 5.3 s run). Status 0: read here;
    1: for the Python reader (TCP, frames it counts, a question it cannot read); 2: not DNS; 3: a
    packet to an encrypted-DNS port (the numbers: IP version, ports, IP protocol, TCP flags, 0); 4: a
    TLS ClientHello to port 443 or 853 (the same numbers, and its server name as
    ``tls.tls_server_name`` reads it, in the names; empty: none), or a segment that completes a hello
    held over segments (``held``: ``hold_table()``, one per capture; a new one when not given). Why 4:
    a busy network opens about one TLS connection per look-up, and reading each hello in Python cost
    6 µs. Status 0 gives what ``pcap._ip_payload`` and ``pcap.question`` give."""
    if ext is None or not ENABLED:
        return None
    _watch_resolvers()
    held = held or ext.hold_table(True)
    n = len(starts)
    offs = np.array(starts, dtype=np.int64)
    lens = np.array(ends, dtype=np.int64) - offs
    status = np.empty(n, dtype=np.uint8)
    meta = np.empty(6 * n, dtype=np.int64)
    addrs = bytearray(32 * n)
    name_offsets = np.empty(n + 1, dtype=np.int64)
    names = bytearray(_NAME_ROOM * n + 1024)
    codes = np.array(links, dtype=np.int32)
    done = ext.dns_frames(data, offs, lens, codes, status, meta, addrs, name_offsets, names, held, 0)
    while done < n:  # long names filled the room: more of it, and on from the frame where it stopped
        names.extend(bytes(len(names)))
        done = ext.dns_frames(data, offs, lens, codes, status, meta, addrs, name_offsets, names, held, done)
    return status.tolist(), meta.tolist(), bytes(addrs), name_offsets.tolist(), bytes(names[: name_offsets[n]])
