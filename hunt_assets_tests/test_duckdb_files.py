"""Opening DuckDB files that another process has open (``hunt_assets.duckdb_files``): the lake
while ``hunt-assets new-alert`` writes it, and ``new-alert`` while a sensor reads it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from hunt_assets.backends import LakeError, open_lake
from hunt_assets.duckdb_files import StillLocked, connect_waiting
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
        con = open_lake(lake)
        waited = time.monotonic() - t
        assert con.execute("SELECT count(*) FROM AlertInfo").fetchone()[0] > 0
        con.close()
    finally:
        proc.wait(timeout=30)
    assert waited > 0.5  # it did wait for the writer


def test_a_lake_held_too_long_says_busy_not_broken(lake: Path) -> None:
    proc = _hold(lake, "write", 3)
    try:
        with pytest.raises(LakeError, match="stayed locked by another process") as err:
            open_lake(lake, lock_timeout=0.5)
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
