"""Backends that run hunts. The sample lake is here; live backends live in ``hunt_assets.clients``.

Why a local backend at all: the embedded default must run every hunt offline, with no credentials, on
the same KQL that runs against a real tenant -- so newcomers, tests and CI see real results.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from hunt_assets.duckdb_files import StillLocked, connect_waiting
from hunt_assets.kql.adapter import run_local
from hunt_assets.kql.types import KustoResult

LAKE_REBUILD = "make demo  (or: hunt-assets build-sample)"


class LakeError(RuntimeError):
    """The sample lake is missing or unreadable; the message names the path and the rebuild command."""


def open_lake(path: str | Path, lock_timeout: float = 60.0) -> duckdb.DuckDBPyConnection:
    """The sample lake, read-only; waits while another process (``hunt-assets new-alert``) writes it."""
    path = Path(path)
    if not path.exists():
        raise LakeError(f"sample tenant lake {path} does not exist; build it with `{LAKE_REBUILD}`")
    try:
        con = connect_waiting(path, read_only=True, timeout=lock_timeout)
        con.execute("SELECT count(*) FROM information_schema.tables").fetchone()
    except StillLocked as exc:  # busy, not broken: no advice to move it aside
        raise LakeError(f"sample tenant lake {path} stayed locked by another process for {lock_timeout:.0f}s "
                        f"({exc})") from None
    except duckdb.Error as exc:
        raise LakeError(f"sample tenant lake {path} is unreadable ({exc}); move it aside and rebuild it "
                        f"with `{LAKE_REBUILD}`") from None
    return con


class SampleLakeBackend:
    """Runs KQL on the bundled sample tenant through duckdb-kql; no row cap, no credentials."""

    name = "sample"
    row_cap: int | None = None

    def __init__(self, lake_path: str | Path) -> None:
        self.lake_path = Path(lake_path)

    def __repr__(self) -> str:
        return f"SampleLakeBackend({str(self.lake_path)!r})"

    def query(self, kql: str, *, start: datetime, end: datetime) -> KustoResult:
        con = open_lake(self.lake_path)
        try:
            return run_local(con, kql)
        finally:
            con.close()
