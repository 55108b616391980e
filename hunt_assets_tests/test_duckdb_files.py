"""Opening DuckDB files that another process has open (``hunt_assets.duckdb_files``): the lake
while ``hunt-assets new-alert`` writes it, and ``new-alert`` while a sensor reads it."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from hunt_assets.backends import LakeError, lake_connection
from hunt_assets.duckdb_files import NoLockFile, StillLocked, connect_waiting, turn
from hunt_assets.sample_tenant import add_alert

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read")
con.execute("SELECT 1").fetchall()
print("holding", flush=True)
time.sleep(float(sys.argv[3]))
con.close()
"""


def _hold(path: Path, mode: str, seconds: float) -> subprocess.Popen:
    """Another process with the file open (DuckDB's lock is per process, so it must be one)."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), mode, str(seconds)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "holding"
    return proc


@pytest.fixture
def lake(sample_lake: Path, tmp_path: Path) -> Path:
    path = tmp_path / "sample_tenant.duckdb"
    shutil.copy(sample_lake, path)
    return path


def test_a_lake_being_written_is_waited_for_not_called_unreadable(lake: Path) -> None:
    proc = _hold(lake, "write", 1.5)
    try:
        t = time.monotonic()
        with lake_connection(lake) as con:
            waited = time.monotonic() - t
            assert con.execute("SELECT count(*) FROM AlertInfo").fetchone()[0] > 0
    finally:
        proc.wait(timeout=30)
    assert waited > 0.5  # it did wait for the writer


def test_a_lake_held_too_long_says_busy_not_broken(lake: Path) -> None:
    proc = _hold(lake, "write", 3)
    try:
        with pytest.raises(LakeError, match="stayed locked by another process") as err, \
                lake_connection(lake, lock_timeout=0.5):
            pass
        assert "move it aside" not in str(err.value)  # a busy lake is healthy: no advice to remove it
    finally:
        proc.wait(timeout=30)


def test_new_alert_waits_for_a_reader(lake: Path) -> None:
    before = duckdb.connect(str(lake), read_only=True)
    n = before.execute("SELECT count(*) FROM AlertInfo").fetchone()[0]
    before.close()
    proc = _hold(lake, "read", 1.5)
    try:
        add_alert(lake, domain="cdn-telemetry-sync.com", title="while a sensor reads")
    finally:
        proc.wait(timeout=30)
    after = duckdb.connect(str(lake), read_only=True)
    assert after.execute("SELECT count(*) FROM AlertInfo").fetchone()[0] == n + 1
    after.close()


def test_other_errors_are_not_waited_out(tmp_path: Path) -> None:
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"not a duckdb file" * 100)
    t = time.monotonic()
    with pytest.raises(duckdb.IOException, match="not a valid DuckDB database file"):
        connect_waiting(bad, read_only=True, timeout=30)
    assert time.monotonic() - t < 5
    proc = _hold(tmp_path / "held.duckdb", "write", 2)
    try:
        with pytest.raises(StillLocked, match="lock"):
            connect_waiting(tmp_path / "held.duckdb", read_only=False, timeout=0.3)
    finally:
        proc.wait(timeout=30)


def test_new_alert_command_says_busy_and_adds_nothing_when_the_lake_stays_locked(
    lake: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import functools

    import hunt_assets.sample_tenant as sample_tenant
    from hunt_assets.cli import main

    monkeypatch.setenv("HUNT_SAMPLE_LAKE", str(lake))
    monkeypatch.setattr(sample_tenant, "add_alert", functools.partial(sample_tenant.add_alert, lock_timeout=0.3))
    n = duckdb.connect(str(lake), read_only=True)
    before = n.execute("SELECT count(*) FROM AlertInfo").fetchone()[0]
    n.close()
    proc = _hold(lake, "read", 3)
    try:
        assert main(["new-alert", "--domain", "cdn-telemetry-sync.com"]) == 1
    finally:
        proc.wait(timeout=30)
    err = capsys.readouterr().err
    assert "stayed busy" in err
    assert "Traceback" not in err
    after = duckdb.connect(str(lake), read_only=True)
    assert after.execute("SELECT count(*) FROM AlertInfo").fetchone()[0] == before
    after.close()
    assert main(["new-alert", "--domain", "cdn-telemetry-sync.com"]) == 0  # free again: added


def test_a_waiting_writer_goes_before_readers_that_come_after_it(tmp_path: Path) -> None:
    """``flock`` favours nobody: readers overlapping one another kept a writer out until its wait
    ran out. With the gate, a reader arriving while a writer waits queues behind the writer."""
    import threading

    path = tmp_path / "f.duckdb"
    order: list[str] = []
    first_in, writer_waiting = threading.Event(), threading.Event()

    def first_reader() -> None:
        with turn(path, read_only=True, timeout=10):
            order.append("reader 1 in")
            first_in.set()
            writer_waiting.wait(10)
            time.sleep(0.3)  # the late reader arrives meanwhile
            order.append("reader 1 out")

    def writer() -> None:
        first_in.wait(10)
        writer_waiting.set()
        with turn(path, read_only=False, timeout=10):
            order.append("writer in")
            time.sleep(0.2)
            order.append("writer out")

    def late_reader() -> None:
        writer_waiting.wait(10)
        time.sleep(0.1)  # the writer is at the gate by now
        with turn(path, read_only=True, timeout=10):
            order.append("reader 2 in")

    threads = [threading.Thread(target=f) for f in (first_reader, writer, late_reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert order == ["reader 1 in", "reader 1 out", "writer in", "writer out", "reader 2 in"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.duckdb.gate.lock", "f.duckdb.lock"]


def test_a_read_inside_a_read_does_not_queue_behind_a_waiting_writer(tmp_path: Path) -> None:
    """The writer waits for the outer read; were the inner read to wait at the gate for the
    writer, neither would move until the timeout."""
    import threading

    path = tmp_path / "f.duckdb"
    waiting, done = threading.Event(), []

    def writer() -> None:
        waiting.set()
        with turn(path, read_only=False, timeout=10):
            done.append("writer")

    with turn(path, read_only=True, timeout=10):
        t = threading.Thread(target=writer)
        t.start()
        waiting.wait(10)
        time.sleep(0.2)  # the writer holds the gate now
        started = time.monotonic()
        with turn(path, read_only=True, timeout=5):
            done.append("inner read")
        assert time.monotonic() - started < 1
    t.join(30)
    assert done == ["inner read", "writer"]


def test_readers_share_a_turn_and_a_writer_waits_for_them_then_gives_up(tmp_path: Path) -> None:
    path = tmp_path / "f.duckdb"
    with turn(path, read_only=True, timeout=1), turn(path, read_only=True, timeout=1):  # two readers at once
        t = time.monotonic()
        with pytest.raises(StillLocked, match=r"f\.duckdb\.lock"), turn(path, read_only=False, timeout=0.3):
            pass
        assert 0.25 < time.monotonic() - t < 5
    # free again: a writer gets in, and a reader waits for it
    with turn(path, read_only=False, timeout=1), pytest.raises(StillLocked), turn(path, read_only=True, timeout=0.2):
        pass


def test_a_writer_without_room_for_lock_files_is_refused_and_a_reader_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only folder (as root, chmod does not stop us, so the refusal is simulated)."""
    import hunt_assets.duckdb_files as duckdb_files

    real_open = os.open

    def read_only_folder(path, flags, mode=0o777):
        if str(path).endswith(".lock"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, mode)

    monkeypatch.setattr(duckdb_files.os, "open", read_only_folder)
    with pytest.raises(NoLockFile, match="cannot create the lock file"), \
            turn(tmp_path / "f.duckdb", read_only=False, timeout=1):
        pass
    with turn(tmp_path / "f.duckdb", read_only=True, timeout=1):
        entered = True
    assert entered
    assert list(tmp_path.iterdir()) == []


NEW_ALERTS = """
import sys
from hunt_assets.sample_tenant import add_alert
for i in range(int(sys.argv[3])):
    add_alert(sys.argv[1], domain=f"{sys.argv[2]}-{i}.example.com", lock_timeout=30)
"""

READ_LOOP = """
import sys, time
from hunt_assets.backends import lake_connection
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    with lake_connection(sys.argv[1]) as con:
        con.execute("SELECT count(*) FROM AlertInfo").fetchone()
"""


def test_new_alert_gets_its_turn_while_readers_keep_the_lake_busy(lake: Path) -> None:
    """End to end through the lake's readers and ``add_alert``: every append lands while the readers
    keep reading, none is lost. (The ordering that keeps a writer from starving is tested on
    ``turn`` above; DuckDB's lock alone starved one now and then, ``bench/lake_turns.py``.)"""
    with duckdb.connect(str(lake), read_only=True) as con:
        before = con.execute("SELECT count(*) FROM AlertInfo").fetchone()[0]
    readers = [subprocess.Popen([sys.executable, "-c", READ_LOOP, str(lake), "40"]) for _ in range(2)]
    try:
        writers = [subprocess.Popen([sys.executable, "-c", NEW_ALERTS, str(lake), f"w{k}", "3"]) for k in range(2)]
        assert [w.wait(timeout=120) for w in writers] == [0, 0]
        assert [r.poll() for r in readers] == [None, None]  # done while the readers still read, not after
    finally:
        for r in readers:
            r.terminate()
        for r in readers:
            try:
                r.wait(timeout=30)
            except subprocess.TimeoutExpired:  # seen once in CI on a loaded VM: still there 30 s after SIGTERM
                r.kill()
                r.wait(timeout=30)
    with duckdb.connect(str(lake), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM AlertInfo").fetchone()[0] == before + 6


@contextlib.contextmanager
def _turn_held_by_another_thread(path: Path, *, read_only: bool) -> Iterator[None]:
    """The file's turn held meanwhile by another thread (``flock`` is per open file, so a thread
    stands for another process)."""
    import threading

    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with turn(path, read_only=read_only, timeout=5):
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        yield
    finally:
        release.set()
        holder.join(30)


def test_a_rebuild_takes_the_lakes_turn_and_drops_the_old_lakes_wal(lake: Path) -> None:
    """`build-sample --force` (and `make demo`) replace the lake. Without a turn the new file could land
    under a `new-alert` mid-write; and a WAL the old lake left behind (a writer killed before its
    checkpoint) made the new lake unreadable: "WAL does not match database file"."""
    from hunt_assets.sample_tenant import build_lake
    from hunt_assets.sample_tenant.fleet import MIN_DEVICES

    con = duckdb.connect(str(lake))
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    con.execute("INSERT INTO AlertInfo SELECT * FROM AlertInfo LIMIT 1")
    con.close()
    assert Path(f"{lake}.wal").exists()
    old_inode = lake.stat().st_ino
    with _turn_held_by_another_thread(lake, read_only=False):  # a `new-alert` in its turn
        with pytest.raises(StillLocked):
            build_lake(lake, days=1, devices=MIN_DEVICES, overwrite=True, lock_timeout=0.5)
        assert lake.stat().st_ino == old_inode  # not replaced under the writer
        assert not Path(f"{lake}.tmp").exists()  # the built copy is cleaned up
    summary = build_lake(lake, days=1, devices=MIN_DEVICES, overwrite=True, lock_timeout=5)
    assert lake.stat().st_ino != old_inode
    assert not Path(f"{lake}.wal").exists()
    with lake_connection(lake) as con:
        assert con.execute("SELECT count(*) FROM AlertInfo").fetchone()[0] == summary.row_counts["AlertInfo"]


def test_build_sample_says_busy_and_keeps_the_lake_when_its_turn_never_comes(
    lake: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import functools

    import hunt_assets.sample_tenant as sample_tenant
    from hunt_assets.cli import main
    from hunt_assets.sample_tenant.fleet import MIN_DEVICES

    monkeypatch.setenv("HUNT_SAMPLE_LAKE", str(lake))
    monkeypatch.setattr(sample_tenant, "build_lake", functools.partial(
        sample_tenant.build_lake, days=1, devices=MIN_DEVICES, lock_timeout=0.3))
    old_inode = lake.stat().st_ino
    with _turn_held_by_another_thread(lake, read_only=True):  # a hunt step reading the lake
        assert main(["build-sample", "--force", "--dns-scale", "0.02"]) == 1
    err = capsys.readouterr().err
    assert "stayed busy" in err
    assert "left as it was" in err
    assert "Traceback" not in err
    assert lake.stat().st_ino == old_inode
    assert not Path(f"{lake}.tmp").exists()
    assert main(["build-sample", "--force", "--dns-scale", "0.02"]) == 0  # free again: rebuilt
    assert lake.stat().st_ino != old_inode
    assert main(["build-sample", "--dns-scale", "0.02"]) == 2  # exists, no --force: kept, and the flag named
    err = capsys.readouterr().err
    assert "already exists (use --force to rebuild it)" in err
    assert "overwrite=True" not in err
