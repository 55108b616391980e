"""Opening a DuckDB file that another process may have open: wait for it, do not fail.

Why: DuckDB refuses at once (``IOException: Could not set lock on file``) when another process
holds the file: a writer excludes everyone, readers exclude a writer. The warehouse, the sample
lake and its passive-DNS table are opened by Dagster's step processes, sensors and the CLI
(``hunt-assets new-alert`` appends to the lake while a sensor reads it), so a refused open is a
normal moment, not an error; reported as one, it told users to move a healthy file aside.
"""

from __future__ import annotations

import contextlib
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import duckdb

T = TypeVar("T")

LAKE_WAIT_S = 60.0  # how long lake readers and ``new-alert`` wait for one another


class StillLocked(RuntimeError):
    """Another process kept the file for the whole wait; the message has DuckDB's reason."""


class NoLockFile(OSError):
    """A writer found no room for the lock files (a read-only folder); it must not write unguarded."""


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


def lock_files(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """The turn's two lock files beside the DuckDB file: the turn itself and the writers' gate."""
    path = Path(path)
    return path.with_name(path.name + ".lock"), path.with_name(path.name + ".gate.lock")


# Read turns each thread holds, by lock file: a read taken inside another must not queue at the
# gate behind a waiting writer, which waits for the outer read (a deadlock until the timeout).
_THREAD = threading.local()


def _reads_held() -> dict[str, int]:
    held = getattr(_THREAD, "reads", None)
    if held is None:
        held = _THREAD.reads = {}
    return held


def _flock_waiting(fd: int, mode: int, deadline: float) -> None:
    import fcntl

    retry_while_busy(lambda: fcntl.flock(fd, mode | fcntl.LOCK_NB), lambda exc: isinstance(exc, BlockingIOError),
                     timeout=max(0.0, deadline - time.monotonic()), first_delay=0.005, max_delay=0.2)


@contextlib.contextmanager
def turn(path: str | os.PathLike[str], *, read_only: bool, timeout: float) -> Iterator[None]:
    """Hold the file's turn for one connection: shared to read, exclusive to write.

    Why not DuckDB's own lock alone: with processes taking turns on one file (Dagster's step
    processes, sensors, the CLI), a write now and then committed without an error and was gone
    afterwards, overwritten by a process whose connection began to open while the writer's was
    still open (DuckDB 2.0.1: 8 of 19,200 writes in one spell of races, none of 9,600 in
    another; ``bench/warehouse_race.py``). DuckDB 2.0 reads the file's header before it takes its
    lock and works from those bytes, so an opener that began while the last writer was closing
    could write an old header back over that writer's commit (the bench's docstring has the
    source trail). An ``flock`` on ``<file>.lock`` taken before the file is opened and released
    after it is closed means no one begins to open it while a writer has it open.

    Why a gate: ``flock`` favours nobody, so readers that overlap one another (a sensor polling,
    hunt steps reading the lake) kept a writer out until its wait ran out (``hunt-assets
    new-alert`` gave up after 60 s against two readers in a loop). A writer first takes
    ``<file>.gate.lock`` exclusively and keeps it; readers pass the gate (shared, for the instant
    of taking their turn), so once a writer waits, new readers queue behind it and the readers
    already in finish. Waits up to ``timeout`` seconds in all, then ``StillLocked``. Without
    ``fcntl`` (Windows) DuckDB's lock is all there is; without a writable folder readers still
    read (DuckDB's shared lock) and writers get ``NoLockFile``.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    deadline = time.monotonic() + timeout
    main_path, gate_path = lock_files(path)
    fds: list[int] = []
    held, key, counted = _reads_held(), str(main_path.resolve()), False
    try:
        try:
            gate = os.open(gate_path, os.O_RDWR | os.O_CREAT, 0o644)
            fds.append(gate)
            main = os.open(main_path, os.O_RDWR | os.O_CREAT, 0o644)
            fds.append(main)
        except OSError as exc:  # a read-only folder
            if not read_only:
                raise NoLockFile(exc.errno, f"cannot create the lock file of {path}: {exc.strerror}",
                                 exc.filename) from None
            yield
            return
        try:
            if read_only:
                if not held.get(key):  # a read inside this thread's read needs no gate
                    _flock_waiting(gate, fcntl.LOCK_SH, deadline)
                _flock_waiting(main, fcntl.LOCK_SH, deadline)
                fcntl.flock(gate, fcntl.LOCK_UN)  # in: the next writer may close the gate
                held[key], counted = held.get(key, 0) + 1, True
            else:
                _flock_waiting(gate, fcntl.LOCK_EX, deadline)
                _flock_waiting(main, fcntl.LOCK_EX, deadline)
        except StillLocked:
            raise StillLocked(f"another process kept its turn on {path} ({main_path.name})") from None
        yield
    finally:
        if counted:
            held[key] -= 1
        for fd in fds:
            os.close(fd)  # releases its lock


@contextlib.contextmanager
def connect_in_turn(
    path: str | os.PathLike[str], *, read_only: bool, timeout: float
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection opened and closed inside the file's ``turn``; the same ``timeout`` bounds both
    waits (``StillLocked`` when it runs out)."""
    deadline = time.monotonic() + timeout
    with turn(path, read_only=read_only, timeout=timeout):
        con = connect_waiting(path, read_only=read_only, timeout=max(0.0, deadline - time.monotonic()))
        try:
            yield con
        finally:
            con.close()
