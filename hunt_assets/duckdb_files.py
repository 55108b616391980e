"""Opening a DuckDB file that another process may have open: wait for it, do not fail.

Why: DuckDB refuses at once (``IOException: Could not set lock on file``) when another process
holds the file: a writer excludes everyone, readers exclude a writer. The warehouse, the sample
lake and its passive-DNS table are opened by Dagster's step processes, sensors and the CLI
(``hunt-assets new-alert`` appends to the lake while a sensor reads it), so a refused open is a
normal moment, not an error; reported as one, it told users to move a healthy file aside.
"""

from __future__ import annotations

import os
import random
import time

import duckdb


class StillLocked(RuntimeError):
    """Another process kept the file for the whole wait; the message has DuckDB's reason."""


def is_lock_error(exc: BaseException) -> bool:
    """DuckDB's refusal because another process holds the file (its only signal is the text)."""
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def connect_waiting(
    path: str | os.PathLike[str], *, read_only: bool, timeout: float, first_delay: float = 0.05
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect(path, read_only=...)``, tried again with a jittered, doubling delay (at most
    2 s) while the file is locked by another process, for up to ``timeout`` seconds; then
    ``StillLocked``. Any other error is raised as DuckDB raised it."""
    deadline = time.monotonic() + timeout
    delay = first_delay
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if not is_lock_error(exc):
                raise
            if time.monotonic() >= deadline:
                raise StillLocked(str(exc)) from None
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 2.0)
