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
from collections.abc import Iterator

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


def members(data: bytes | bytearray) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of each regular file in the archive, in its order."""
    if bytes(data[:4]) in ZIP_MAGICS:
        yield from _zip_members(data)
    else:
        yield from _tar_members(data)


def _zip_members(data: bytes | bytearray) -> Iterator[tuple[str, bytes]]:
    import lzma
    import zipfile
    import zlib

    try:
        zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:  # a version zipfile cannot read
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


def _tar_members(data: bytes | bytearray) -> Iterator[tuple[str, bytes]]:
    import tarfile

    try:
        with tarfile.open(fileobj=io.BytesIO(bytes(data)), mode="r:") as tf:
            infos = [m for m in tf.getmembers() if m.isfile() and not _skipped(m.name)]
            _check_size(sum(m.size for m in infos))
            for m in infos:
                f = tf.extractfile(m)
                if f is not None:
                    yield m.name, f.read()
    except ArchiveError:
        raise
    except (tarfile.TarError, OSError, ValueError, EOFError) as exc:
        raise ArchiveError(f"a tar archive that does not read: {exc}") from None


def _check_size(total: int) -> None:
    if total > MAX_UNPACKED:
        raise ArchiveError(f"an archive whose members unpack to {total / 2**30:,.1f} GiB "
                           f"(more than {MAX_UNPACKED / 2**30:.0f} GiB): unpack it and give the logs one by one")
