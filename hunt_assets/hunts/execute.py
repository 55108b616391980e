"""Run one hunt over one time window on any backend, never keeping a truncated result.

Why here and not in each client: the 100,000-row cap of advanced hunting is a property of the service,
but the cure -- split the window in halves until every piece is under the cap, then merge -- is the same
for every backend, and it must be exact: windows are half-open, so every row lands in exactly one piece.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

import pandas as pd

from hunt_assets.hunts.loader import Hunt
from hunt_assets.kql.types import KustoResult

log = logging.getLogger("hunt_assets.hunts")

MIN_WINDOW = timedelta(microseconds=1)  # our datetime literals carry microseconds: nothing splits finer


class HuntBackend(Protocol):
    """What a hunt needs from a place that runs KQL."""

    name: str
    row_cap: int | None

    def query(self, kql: str, *, start: datetime, end: datetime) -> KustoResult: ...


class HuntWindowTooDenseError(RuntimeError):
    """One indivisible window holds more rows than the service returns; we refuse a truncated answer."""


def run_hunt(backend: HuntBackend, hunt: Hunt, start: datetime, end: datetime, *,
             on_split: Callable[[datetime, datetime, int], None] | None = None) -> KustoResult:
    """All rows of ``hunt`` in [start, end), splitting windows that reach the backend's row cap."""
    if end <= start:
        raise ValueError(f"empty window {start}..{end} for hunt {hunt.name}")
    pieces: list[KustoResult] = []
    stack = [(start, end)]
    queries = 0
    while stack:
        s, e = stack.pop()
        result = backend.query(hunt.windowed(s, e), start=s, end=e)
        queries += 1
        cap = backend.row_cap
        if cap is not None and len(result) >= cap:
            if e - s <= MIN_WINDOW:
                raise HuntWindowTooDenseError(
                    f"hunt {hunt.name}: window {s.isoformat()} .. {e.isoformat()} holds at least {cap} rows "
                    f"at one instant on backend {backend.name}; narrow the hunt (filter or summarize)")
            mid = s + (e - s) / 2
            if mid <= s:
                mid = s + MIN_WINDOW
            log.info("hunt %s: %d rows reached the cap %d in %s..%s; splitting at %s",
                     hunt.name, len(result), cap, s.isoformat(), e.isoformat(), mid.isoformat())
            if on_split is not None:
                on_split(s, e, len(result))
            stack.append((mid, e))  # LIFO: the earlier half is processed first
            stack.append((s, mid))
            continue
        pieces.append(result)
    schema = next((p.schema for p in pieces if p.schema), [])
    frames = [p.frame for p in pieces if len(p.frame)]
    if frames:
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
    else:
        frame = pieces[0].frame.iloc[0:0] if pieces else pd.DataFrame()
    if queries > 1:
        log.info("hunt %s: %d queries after splitting, %d rows merged", hunt.name, queries, len(frame))
    return KustoResult(frame=frame, schema=schema)
