"""What an incident hands back to the lake builder."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..alerts import Alert
from ..dns_records import NamePool, Record
from ..dns_writer import DnsBatch
from ..events import DevEvent
from ..plan import GroundTruth
from ..processes import CATALOG, proc_index

if TYPE_CHECKING:
    from ..fleet import Device


@dataclass
class Planted:
    dns: list[DnsBatch] = field(default_factory=list)
    device_rows: dict[str, list[DevEvent]] = field(default_factory=dict)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)
    truth: list[GroundTruth] = field(default_factory=list)

    def add_rows(self, table: str, rows: list[dict[str, Any]]) -> None:
        self.rows.setdefault(table, []).extend(rows)

    def add_events(self, table: str, events: list[DevEvent]) -> None:
        self.device_rows.setdefault(table, []).extend(events)

    def start_process(self, ts: int, dev: Device, parent: str, proc: str) -> str:
        """Record ``parent`` starting the catalog process ``proc`` on ``dev`` at ``ts`` (a DeviceProcessEvents
        row). Returns the command line it runs with there, as the process tables write it (the device's
        user in place of ``{user}``), for the incident's ground truth."""
        self.add_events("DeviceProcessEvents", [DevEvent(ts, dev.idx, parent, created=proc)])
        return CATALOG[proc_index(proc)].cmdline.replace("{user}", dev.user.sam)

    def merge(self, other: Planted) -> None:
        self.dns.extend(other.dns)
        for table, evs in other.device_rows.items():
            self.add_events(table, evs)
        for table, rows in other.rows.items():
            self.add_rows(table, rows)
        self.alerts.extend(other.alerts)
        self.truth.extend(other.truth)


class LookupLog:
    """Collects an incident's look-ups one by one, then hands them over as a DnsBatch."""

    def __init__(self) -> None:
        self.pool = NamePool()
        self._rows: list[tuple[int, int, int, int, bool]] = []

    def lookup(
        self,
        ts: int,
        device: int,
        proc: str,
        qname: str,
        qtype: str,
        records: list[Record] | None = None,
        *,
        rcode: int = 0,
        port: int = 443,
        connect: bool = False,
        ti: Any = None,
    ) -> None:
        idx = self.pool.add(qname, qtype, records or [], rcode=rcode, port=port, ti=ti)
        self._rows.append((ts, device, idx, proc_index(proc), connect))

    def batch(self) -> DnsBatch:
        rows = sorted(self._rows)
        cols = list(zip(*rows, strict=True)) if rows else [(), (), (), (), ()]
        return DnsBatch(
            self.pool,
            np.array(cols[0], dtype=np.int64),
            np.array(cols[1], dtype=np.int32),
            np.array(cols[2], dtype=np.int32),
            np.array(cols[3], dtype=np.int32),
            np.array(cols[4], dtype=bool),
        )
