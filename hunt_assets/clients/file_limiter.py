"""A rate limiter whose window lives in a locked file, so every process of a run shares one budget.

Why: Dagster's default executor runs each step in its own process. A limiter held in process memory
(``http.shared_limiter``) then gives every hunt step a fresh 45 calls/min, and a run of ten hunts can send
450 calls in a minute to a tenant that allows 45. A small JSON file of call times, updated under an
exclusive ``flock``, is shared by all steps on the machine (and by ``hunt-assets`` CLI calls) at the cost
of a file read and write per call -- negligible next to a hunting query.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from hunt_assets.clients.http import Limit, WindowLimiter, window_wait

log = logging.getLogger("hunt_assets.http")


class FileRateLimiter(WindowLimiter):
    """Sliding windows over call times kept in ``path``; the same interface as ``http.RateLimiter``."""

    def __init__(self, path: str | os.PathLike[str], limits: Sequence[Limit], *, name: str = "",
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep) -> None:
        self.path = Path(path)
        self.limits = tuple(limits)
        self.name = name or self.path.stem
        self.clock = clock
        self.sleep = sleep
        self.total_calls = 0
        self.waited_seconds = 0.0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_path = self.path.with_name(self.path.name + ".lock")

    @contextlib.contextmanager
    def _locked(self) -> Iterator[list[float]]:
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            calls = self._read()
            yield calls
            self._write(calls)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _read(self) -> list[float]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return [float(t) for t in data.get("calls", [])]
        except FileNotFoundError:
            return []
        except (ValueError, TypeError, AttributeError):
            log.warning("rate limiter %s: unreadable state in %s, starting a fresh window", self.name, self.path)
            return []

    def _write(self, calls: list[float]) -> None:
        tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"calls": calls}), encoding="utf-8")
        os.replace(tmp, self.path)

    def _reserve(self) -> float:
        horizon = max(limit.per_seconds for limit in self.limits)
        with self._locked() as calls:
            now = self.clock()
            calls[:] = [t for t in calls if t > now - horizon]
            wait = window_wait(calls, self.limits, now)
            if wait == 0.0:
                calls.append(now)
                self.total_calls += 1
            return wait

    def state(self) -> str:
        """Usage per window across all processes, and this process's own count, for logs."""
        now = self.clock()
        calls = self._read()
        parts = [f"{sum(1 for t in calls if t > now - limit.per_seconds)}/{limit.calls} per "
                 f"{limit.per_seconds:g}s" for limit in self.limits]
        return ", ".join(parts) + f"; {self.total_calls} calls here, waited {self.waited_seconds:.1f}s (shared file)"


def limiter_file(directory: str | os.PathLike[str], key: str) -> Path:
    """One state file per tenant and service; the tenant id is hashed so the file name reveals nothing."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return Path(directory) / f"ratelimit-{digest}.json"
