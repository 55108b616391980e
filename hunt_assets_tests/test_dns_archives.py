"""``score-dns`` on archives: a zip or tar (gzipped or not) of logs is read member by member and
scored as one batch, as the same files on the command line are."""

from __future__ import annotations

import csv
import gzip
import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from hunt_assets.analytics.dns import archives
from hunt_assets.analytics.dns.cli import score_dns_main
from hunt_assets_tests import test_dns_logs as L
from hunt_assets_tests import test_dns_querylogs as Q

HALF = len(Q.DICTIONARY) // 2


def _zeek(names: list[str]) -> bytes:
    return (L._header() + "".join(L._zeek_row(L.T0 + i, "10.0.0.66", n, "A") for i, n in enumerate(names))).encode()


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in files.items():
            zf.writestr(name, blob)
    return buf.getvalue()


def _tar(files: dict[str, bytes], gz: bool) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz" if gz else "w") as tf:
        for name, blob in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tf.addfile(info, io.BytesIO(blob))
    return buf.getvalue()


def _score(args: list[str], capsysbinary: pytest.CaptureFixture[bytes]) -> tuple[int, dict[str, str], str]:
    rc = score_dns_main(["--no-progress", *args])
    out = capsysbinary.readouterr()
    rows = {r["name"]: r["verdict"] for r in csv.DictReader(io.StringIO(out.out.decode()))}
    return rc, rows, out.err.decode()


def test_an_archive_is_scored_as_its_logs_on_the_command_line(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """A zip holding a Zeek log, a gzipped rotated one, a Zeek log that is not DNS (skipped and
    named), a macOS resource fork (skipped quietly) and a zip inside it with a BIND log; and the
    same logs as ``tar czf`` makes them: the same verdicts as the DNS logs given one by one."""
    first, second = _zeek(Q.DICTIONARY[:HALF]), gzip.compress(_zeek(Q.DICTIONARY[HALF:-4]))
    bind = Q._log("bind", Q.DICTIONARY[-4:], None).encode()
    conn = L._header().replace("\tquery\t", "\tdest\t").encode()
    for i, blob in enumerate((first, second, bind)):
        (tmp_path / f"log{i}").write_bytes(blob)
    rc, alone, _ = _score([str(tmp_path / f"log{i}") for i in range(3)], capsysbinary)
    assert rc == 0
    assert set(alone) == set(Q.DICTIONARY)
    bundles = {
        "zip": _zip({"zeek/dns.10:00.log": first, "zeek/dns.11:00.log.gz": second, "zeek/conn.log": conn,
                     "__MACOSX/zeek/._dns.10:00.log": b"\x00\x05\x16\x07", "more/bind.zip": _zip({"query.log": bind})}),
        "tgz": _tar({"dns.10:00.log": first, "dns.11:00.log.gz": second, "bind/query.log": bind}, gz=True),
        "tar": _tar({"dns.10:00.log": first, "dns.11:00.log.gz": second, "bind/query.log": bind}, gz=False),
    }
    for kind, blob in bundles.items():
        p = tmp_path / f"bundle.{kind}"
        p.write_bytes(blob)
        rc, rows, err = _score([str(p)], capsysbinary)
        assert rc == 0, err
        assert rows == alone, kind
        if kind == "zip":
            assert "1 member(s) not read: zeek/conn.log (a Zeek log without a query-name field" in err
            assert "__MACOSX" not in err


def test_a_bundles_readme_notes_and_images_are_not_read_as_names(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """A case bundle holds more than logs: a README, the analyst's notes, a screenshot, a PDF. Each
    was read as a list of names (every line an ``invalid`` row in the output, the PNG's bytes too).
    Now a member that is prose or binary is skipped and named on stderr; a list of names in the
    same bundle, even a short one, is read; so is the same README given alone (as asked, warned)."""
    readme = b"Case 4711: DNS logs from the sales VLAN.\nCollected by J. Doe on 2026-12-01.\n"
    notes = b"- ws-sales-032 looks odd\n- check the TXT look-ups\n\nnext: pull the proxy logs\n"
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    pdf = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nstream\n\x00\x01\x02\x9c\xff\nendstream\n"
    iocs = b"bad-one.example\nbad-two.example\n"
    bundle = tmp_path / "case.zip"
    bundle.write_bytes(_zip({"README.txt": readme, "notes.md": notes, "shot.png": png, "report.pdf": pdf,
                             "iocs.txt": iocs, "zeek/dns.log": _zeek(Q.DICTIONARY[:HALF])}))
    rc, rows, err = _score([str(bundle)], capsysbinary)
    assert rc == 0, err
    assert set(rows) == {*Q.DICTIONARY[:HALF], "bad-one.example", "bad-two.example"}
    assert "4 member(s) not read: README.txt (text, not a list of names" in err
    assert "shot.png (binary" in err
    (tmp_path / "README.txt").write_bytes(readme)
    rc, rows, err = _score([str(tmp_path / "README.txt")], capsysbinary)
    assert rc == 0
    assert set(rows) == {ln for ln in readme.decode().splitlines()}


def test_archives_that_cannot_be_read_are_refused_with_the_reason(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No readable member; a cut zip (no central directory); members declaring more than the limit
    (checked before anything is unpacked); archives nested too deep. Hostile member names are only
    names: nothing is written."""
    cases = {
        "nothing.zip": _zip({"dns.log.gz": b"\x1f\x8b" + b"not really gzip" * 10, "conn.log": b"#separator \\x09\n"}),
        "cut.zip": _zip({"dns.log": _zeek(Q.DICTIONARY)})[:20],  # inside the first member's header
    }
    deep = _zip({"dns.log": _zeek(["a.example"])})
    for level in "dcba":
        deep = _zip({f"{level}.zip": deep})
    cases["deep.zip"] = deep
    expected = {"nothing.zip": "an archive without a readable DNS log", "cut.zip": "a zip archive that does not open",
                "deep.zip": "archives nested more than 4 deep"}
    for name, blob in cases.items():
        (tmp_path / name).write_bytes(blob)
        rc, _, err = _score([str(tmp_path / name)], capsysbinary)
        assert rc == 2
        assert expected[name] in err, err
    monkeypatch.setattr(archives, "MAX_UNPACKED", 1000)
    big = tmp_path / "big.tar"
    big.write_bytes(_tar({"dns.log": _zeek(Q.DICTIONARY)}, gz=False))
    rc, _, err = _score([str(big)], capsysbinary)
    assert rc == 2
    assert "unpack it and give the logs one by one" in err
    monkeypatch.undo()
    hostile = tmp_path / "hostile.zip"
    names = {"../../../../tmp/evil.log": _zeek(Q.DICTIONARY[:3]), "/etc/cron.d/x": b"www.example.com\n"}
    hostile.write_bytes(_zip(names))
    rc, rows, _ = _score([str(hostile)], capsysbinary)
    assert rc == 0
    assert set(rows) == {*Q.DICTIONARY[:3], "www.example.com"}
    assert not Path("/tmp/evil.log").exists()


class _Unseekable(io.RawIOBase):
    """A pipe-like sink: zipfile then streams each member with a data descriptor after its data
    (sizes unknown in the local header), as ``zip -`` and streaming libraries do."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.buf += b
        return len(b)


def test_an_archive_cut_short_keeps_the_members_before_the_cut(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """A download that stopped: a zip without its central directory (deflated, stored, streamed
    with data descriptors, zip64), a tar and a tgz cut inside their second member. The first
    member is read whole, the second up to the cut (whole lines only), stderr says so. Before:
    refused whole ("does not open", "unexpected end of data")."""
    first, second = Q.DICTIONARY[:HALF], Q.DICTIONARY[HALF:]
    files = {"one.txt": ("\n".join(first) + "\n").encode(), "two.txt": ("\n".join(second) + "\n").encode()}
    streamed = _Unseekable()
    with zipfile.ZipFile(streamed, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in files.items():
            with zf.open(name, "w") as f:
                f.write(blob)
    big = io.BytesIO()
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in files.items():
            with zf.open(name, "w", force_zip64=True) as f:
                f.write(blob)
    stored = io.BytesIO()
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as zf:
        for name, blob in files.items():
            zf.writestr(name, blob)
    whole = {"zip": _zip(files), "stored.zip": stored.getvalue(), "streamed.zip": bytes(streamed.buf),
             "zip64.zip": big.getvalue(), "tar": _tar(files, gz=False), "tgz": _tar(files, gz=True)}
    for kind, blob in whole.items():
        if kind in ("tar", "tgz"):  # a third of the way into the second member's data
            raw = gzip.decompress(blob) if kind == "tgz" else blob
            cut = raw[: raw.index(b"two.txt") + 512 + len(files["two.txt"]) // 3]
            if kind == "tgz":
                cut = gzip.compress(raw)[: len(gzip.compress(cut))]  # the gzip stream cut about as far
        else:
            at = blob.index(b"two.txt") + 40
            cut = blob[: at + (len(blob) - at) // 3]
        p = tmp_path / f"cut.{kind}"
        p.write_bytes(cut)
        rc, rows, err = _score([str(p)], capsysbinary)
        assert rc == 0, (kind, err)
        assert set(first) <= set(rows), kind
        kept = set(rows) - set(first)
        assert kept < set(second), kind  # only whole names of the second member, not all of them
        assert "the archive is cut short: 1 member(s) read before the cut" in err, (kind, err)


def test_a_member_with_corrupt_data_refuses_the_archive_with_the_reason(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Deflate data that does not inflate raised zlib's own error, which ended score-dns in a
    traceback; now the archive is refused and the member named."""
    blob = bytearray(_zip({"dns.log": _zeek(Q.DICTIONARY)}))
    start = blob.index(b"dns.log") + len(b"dns.log")  # the member's compressed data follows its local header
    blob[start + 5 : start + 40] = bytes(range(35))
    p = tmp_path / "corrupt.zip"
    p.write_bytes(bytes(blob))
    rc, _, err = _score([str(p)], capsysbinary)
    assert rc == 2
    assert "member 'dns.log' does not unpack" in err


def test_a_cut_streamed_zip_cannot_unpack_past_the_limit(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A streamed member declares no size, so walking a cut zip by its local headers bounds the
    inflating by what is left of the limit: 64 MiB of one byte, compressed to 64 KiB, is refused
    under an 8 MiB limit instead of unpacked."""
    sink = _Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("bomb.txt", "w") as f:
        for _ in range(64):
            f.write(b"a" * (1 << 20))
    path = tmp_path / "bomb.zip"
    path.write_bytes(bytes(sink.buf)[:-60])  # cut in its central directory
    monkeypatch.setattr(archives, "MAX_UNPACKED", 8 << 20)
    rc, _, err = _score([str(path)], capsysbinary)
    assert rc == 2
    assert "unpack it and give the logs one by one" in err
