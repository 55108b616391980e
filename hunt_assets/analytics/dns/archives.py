"""Archives for ``score-dns``: a zip or tar of logs, read member by member as one batch.

Why: evidence arrives bundled. A sensor's day of rotated logs as ``tar czf``, a colleague's zip of
exports, an incident package. Read as one input, an archive's bytes came out as one ``invalid``
name per line, exit 0. Each member is now read as its own input (compressed members unpacked,
archives inside archives opened, up to ``MAX_DEPTH`` deep) and the members scored as one batch,
as several files on the command line are. Members are read in memory, never written to disk, so
their names cannot point anywhere; their declared sizes are checked before any is unpacked.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable, Iterator

from hunt_assets.analytics.dns.logs import LogFormatError

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a member's local header; an empty archive's end record
TAR_MAGIC_AT = 257  # "ustar" in a tar member's header (POSIX and GNU)
MAX_UNPACKED = 16 << 30  # bytes of members in all: beyond it an archive is refused, not unpacked
MAX_DEPTH = 4  # archives inside archives


class ArchiveError(LogFormatError):
    """An archive that cannot be opened, is too large unpacked, or holds no readable member."""


def is_archive(head: bytes) -> bool:
    return head[:4] in ZIP_MAGICS or head[TAR_MAGIC_AT : TAR_MAGIC_AT + 5] == b"ustar"


def _skipped(name: str) -> bool:
    """Members that are no one's data: macOS resource forks and Finder files, other dot files."""
    base = name.rstrip("/").rsplit("/", 1)[-1]
    return name.startswith("__MACOSX/") or "/__MACOSX/" in name or base.startswith(".")


def members(data: bytes | bytearray, warn: Callable[[str], None] | None = None) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of each regular file in the archive, in its order. An archive cut short (a
    download that stopped) gives the members before the cut and the whole lines of the one it cut
    through; ``warn`` says so."""
    if bytes(data[:4]) in ZIP_MAGICS:
        yield from _zip_members(data, warn)
    else:
        yield from _tar_members(data, warn)


def _up_to_the_cut(blob: bytes) -> bytes:
    """A member's bytes before a cut: text up to its last line break (a cut name is no name),
    binary as it is (the capture and JSON readers keep what comes before a cut themselves)."""
    if b"\x00" in blob[:4096] or b"\n" not in blob:
        return blob
    return blob[: blob.rindex(b"\n") + 1]


def _cut_note(warn: Callable[[str], None] | None, kept: int, partial: str | None) -> None:
    if warn is not None:
        part = f"; {partial!r} read up to the cut" if partial else ""
        warn(f"the archive is cut short: {kept} member(s) read before the cut{part}")


def _zip_members(data: bytes | bytearray, warn: Callable[[str], None] | None) -> Iterator[tuple[str, bytes]]:
    import lzma
    import zipfile
    import zlib

    try:
        zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:  # a version zipfile cannot read
        if bytes(data[:4]) == ZIP_MAGICS[0] and b"PK\x05\x06" not in bytes(data[-(1 << 16) - 22 :]):
            yield from _zip_without_directory(bytes(data), warn, exc)  # cut before its central directory
            return
        raise ArchiveError(f"a zip archive that does not open: {exc}") from None
    infos = [i for i in zf.infolist() if not i.is_dir() and not _skipped(i.filename)]
    _check_size(sum(i.file_size for i in infos))
    for info in infos:
        try:
            blob = zf.read(info)
        except (zipfile.BadZipFile, RuntimeError, OSError, ValueError, EOFError, NotImplementedError, zlib.error,
                lzma.LZMAError) as exc:  # RuntimeError: encrypted; NotImplementedError: a compression zipfile lacks
            raise ArchiveError(f"member {info.filename!r} does not unpack: {exc}") from None
        yield info.filename, blob


_LOCAL = struct.Struct("<4sHHHHHIIIHH")  # a zip member's local header (APPNOTE 4.3.7)
_DATA_DESCRIPTOR = 0x08


def _zip_without_directory(data: bytes, warn: Callable[[str], None] | None, exc: Exception
                           ) -> Iterator[tuple[str, bytes]]:
    """The members of a zip cut before its central directory, walked by their local headers. A
    member whose sizes follow its data (a streamed zip) is found by inflating it; a stored one of
    that kind, or a method other than stored or deflate, ends the walk."""
    import zlib

    pos, kept, total, partial = 0, 0, 0, None
    while pos + _LOCAL.size <= len(data) and data[pos : pos + 4] == ZIP_MAGICS[0]:
        _, _, flags, method, _, _, _, csize, usize, nlen, xlen = _LOCAL.unpack_from(data, pos)
        name = data[pos + 30 : pos + 30 + nlen].decode("utf-8" if flags & 0x800 else "cp437", "replace")
        start = pos + 30 + nlen + xlen
        if 0xFFFFFFFF in (csize, usize):  # zip64: the sizes are in its extra field
            usize, csize = _zip64_sizes(data[pos + 30 + nlen : start], usize, csize)
        streamed = bool(flags & _DATA_DESCRIPTOR)
        if method not in (0, 8) or (streamed and method == 0) or flags & 0x01:  # other methods; encrypted
            break
        total += usize
        _check_size(total)
        if method == 0:
            blob, end, whole = data[start : start + csize], start + csize, start + csize <= len(data)
        else:
            inflate = zlib.decompressobj(-15)
            room = MAX_UNPACKED - total  # a streamed member declares no size: the budget bounds what it may unpack to
            try:
                blob = inflate.decompress(data[start : len(data) if streamed else start + csize],
                                          room if streamed else usize + 1)
            except zlib.error:
                break
            if streamed and not inflate.eof and len(blob) >= room:
                _check_size(MAX_UNPACKED + 1)  # raises: a member that would unpack past the limit
            if streamed:
                total += len(blob)
            whole = inflate.eof
            end = len(data) - len(inflate.unused_data) if streamed else start + csize
        if not whole:
            if blob and not name.endswith("/") and not _skipped(name):
                partial = name
                yield name, _up_to_the_cut(blob)
            break
        if not name.endswith("/") and not _skipped(name):
            kept += 1
            yield name, blob
        if streamed:  # the data descriptor: its optional signature, crc, two sizes (8 bytes each in zip64)
            end += 4 if data[end : end + 4] == b"PK\x07\x08" else 0
            end += 12 if data[end + 12 : end + 16] in (b"PK\x03\x04", b"PK\x01\x02", b"") else 20
        pos = end
    if kept == 0 and partial is None:
        raise ArchiveError(f"a zip archive that does not open: {exc}")
    _cut_note(warn, kept, partial)


def _zip64_sizes(extra: bytes, usize: int, csize: int) -> tuple[int, int]:
    """(uncompressed, compressed) size from a local header's zip64 extra field (tag 1: the 8-byte
    sizes whose 4-byte fields hold 0xFFFFFFFF, uncompressed first)."""
    i = 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, i)
        if tag == 1:
            body, j = extra[i + 4 : i + 4 + size], 0
            if usize == 0xFFFFFFFF and j + 8 <= len(body):
                usize, j = struct.unpack_from("<Q", body, j)[0], j + 8
            if csize == 0xFFFFFFFF and j + 8 <= len(body):
                csize = struct.unpack_from("<Q", body, j)[0]
            break
        i += 4 + size
    return usize, csize


def _tar_members(data: bytes | bytearray, warn: Callable[[str], None] | None) -> Iterator[tuple[str, bytes]]:
    import tarfile

    raw = bytes(data)
    kept, total = 0, 0
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tf:
            while True:
                try:
                    m = tf.next()
                except tarfile.ReadError as exc:  # a header cut or damaged after the first
                    if kept == 0:
                        raise ArchiveError(f"a tar archive that does not read: {exc}") from None
                    _cut_note(warn, kept, None)
                    return
                if m is None:
                    return
                if not m.isfile() or _skipped(m.name):
                    continue
                total += m.size
                _check_size(total)
                if m.offset_data + m.size > len(raw):  # cut inside this member's data
                    blob = raw[m.offset_data :]
                    if blob:
                        yield m.name, _up_to_the_cut(blob)
                    if kept == 0 and not blob:
                        raise ArchiveError("a tar archive that does not read: cut short in its first member")
                    _cut_note(warn, kept, m.name if blob else None)
                    return
                f = tf.extractfile(m)
                if f is not None:
                    kept += 1
                    yield m.name, f.read()
    except ArchiveError:
        raise
    except (tarfile.TarError, OSError, ValueError, EOFError) as exc:
        raise ArchiveError(f"a tar archive that does not read: {exc}") from None


def _check_size(total: int) -> None:
    if total > MAX_UNPACKED:
        raise ArchiveError(f"an archive whose members unpack to {total / 2**30:,.1f} GiB "
                           f"(more than {MAX_UNPACKED / 2**30:.0f} GiB): unpack it and give the logs one by one")
