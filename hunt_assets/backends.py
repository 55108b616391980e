"""Backends that run hunts. The sample lake is here; live backends live in ``hunt_assets.clients``.

Why a local backend at all: the embedded default must run every hunt offline, with no credentials, on
the same KQL that runs against a real tenant -- so newcomers, tests and CI see real results.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb

from hunt_assets.duckdb_files import LAKE_WAIT_S, StillLocked, connect_waiting, turn
from hunt_assets.kql.adapter import run_local
from hunt_assets.kql.types import KustoResult

LAKE_REBUILD = "make demo  (or: hunt-assets build-sample)"


class LakeError(RuntimeError):
    """The sample lake is missing or unreadable; the message names the path and the rebuild command."""


def _connect_lake(path: Path, lock_timeout: float) -> duckdb.DuckDBPyConnection:
    try:
        con = connect_waiting(path, read_only=True, timeout=lock_timeout)
        con.execute("SELECT count(*) FROM information_schema.tables").fetchone()
    except StillLocked as exc:  # busy, not broken: no advice to move it aside
        raise _busy(path, lock_timeout, exc) from None
    except duckdb.Error as exc:
        raise LakeError(f"sample tenant lake {path} is unreadable ({exc}); move it aside and rebuild it "
                        f"with `{LAKE_REBUILD}`") from None
    return con


def _busy(path: Path, lock_timeout: float, exc: Exception) -> LakeError:
    return LakeError(f"sample tenant lake {path} stayed locked by another process for {lock_timeout:.0f}s ({exc})")


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise LakeError(f"sample tenant lake {path} does not exist; build it with `{LAKE_REBUILD}`")
    return path


@contextlib.contextmanager
def lake_connection(path: str | Path, lock_timeout: float = LAKE_WAIT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """The sample lake, read-only, for one read inside the lake's turn (``duckdb_files.turn``)."""
    path = _existing(path)
    deadline = time.monotonic() + lock_timeout
    try:
        with turn(path, read_only=True, timeout=lock_timeout):
            con = _connect_lake(path, max(0.0, deadline - time.monotonic()))
            try:
                yield con
            finally:
                con.close()
    except StillLocked as exc:
        raise _busy(path, lock_timeout, exc) from None


class SampleLakeBackend:
    """Runs KQL on the bundled sample tenant through duckdb-kql; no row cap, no credentials."""

    name = "sample"
    row_cap: int | None = None

    def __init__(self, lake_path: str | Path) -> None:
        self.lake_path = Path(lake_path)

    def __repr__(self) -> str:
        return f"SampleLakeBackend({str(self.lake_path)!r})"

    def query(self, kql: str, *, start: datetime, end: datetime) -> KustoResult:
        with lake_connection(self.lake_path) as con:
            return run_local(con, kql)
