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
from collections.abc import Callable
from typing import TypeVar

import duckdb

T = TypeVar("T")


class StillLocked(RuntimeError):
    """Another process kept the file for the whole wait; the message has DuckDB's reason."""


def is_lock_error(exc: BaseException) -> bool:
    """DuckDB's refusal because another process holds the file (its only signal is the text)."""
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def retry_while_busy(
    attempt: Callable[[], T],
    busy: Callable[[Exception], bool],
    *,
    timeout: float,
    first_delay: float = 0.05,
    max_delay: float = 2.0,
) -> T:
    """``attempt()``, tried again with a jittered, doubling delay (at most ``max_delay``) while it
    fails with an error that ``busy`` says is another process's turn, for up to ``timeout``
    seconds; then ``StillLocked`` with that error's text. Any other error is raised as it is."""
    deadline = time.monotonic() + timeout
    delay = first_delay
    while True:
        try:
            return attempt()
        except Exception as exc:
            if not busy(exc):
                raise
            if time.monotonic() >= deadline:
                raise StillLocked(str(exc)) from None
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, max_delay)


def connect_waiting(
    path: str | os.PathLike[str], *, read_only: bool, timeout: float, first_delay: float = 0.05
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect(path, read_only=...)``, waiting (``retry_while_busy``) while the file is
    locked by another process, for up to ``timeout`` seconds; then ``StillLocked``. Any other
    error is raised as DuckDB raised it."""
    return retry_while_busy(lambda: duckdb.connect(str(path), read_only=read_only), is_lock_error,
                            timeout=timeout, first_delay=first_delay)
