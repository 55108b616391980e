"""Writers for device events that carry process context (DeviceNetworkEvents/DeviceEvents/DeviceProcessEvents).

Two paths: a vectorised one for bulk benign process creations, and a row path for the few hundred hand-made
incident rows, where each row states only what is special about it and inherits the rest (hashes, account,
parent, pids) from the process catalog, so planted rows are indistinguishable in shape from benign ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np

from .arrowio import column_default, const_column, dict_column, insert_columns, ts_column
from .processes import proc_index
from .tenant import Tenant


@dataclass
class DevEvent:
    """One hand-made device row: when, where, which process did it, and the columns that matter."""

    ts: int
    device: int
    proc: str
    fields: dict[str, Any] = field(default_factory=dict)
    created: str | None = None  # DeviceProcessEvents: key of the created process (proc is its parent)


def write_rows(con: duckdb.DuckDBPyConnection, tenant: Tenant, table: str, events: Sequence[DevEvent]) -> int:
    if not events:
        return 0
    n = len(events)
    ts = np.array([e.ts for e in events], dtype=np.int64)
    device = np.array([e.device for e in events], dtype=np.int64)
    proc = np.array([proc_index(e.proc) for e in events], dtype=np.int64)
    cols: dict[str, Any] = {
        "Timestamp": ts_column(ts),
        "DeviceId": [tenant.fleet.devices[d].device_id for d in device],
        "DeviceName": [tenant.fleet.devices[d].name for d in device],
        "ReportId": tenant.report_ids(n),
        **tenant.procs.columns("initiating", device, proc, ts),
    }
    if table == "DeviceProcessEvents":
        created = np.array([proc_index(e.created or e.proc) for e in events], dtype=np.int64)
        pids = np.array([4 * (2000 + (e.ts // 1000) % 9000) for e in events], dtype=np.int64)
        cols.update(tenant.procs.columns("created", device, created, ts, pid=pids, created=ts))
        cols["ActionType"] = const_column("ProcessCreated", n)
    for name in sorted({k for e in events for k in e.fields}):
        base = cols.get(name)
        if base is None:
            values: list[Any] = [column_default(table, name)] * n
        else:
            values = base.to_pylist() if hasattr(base, "to_pylist") else list(base)
        for i, e in enumerate(events):
            if name in e.fields:
                values[i] = e.fields[name]
        cols[name] = values
    return insert_columns(con, table, cols, strict=False)


def write_process_batch(
    con: duckdb.DuckDBPyConnection,
    tenant: Tenant,
    ts: np.ndarray,
    device: np.ndarray,
    created: np.ndarray,
    parent: np.ndarray,
    cmd_idx: np.ndarray,
    cmd_values: list[str],
    rng: np.random.Generator,
) -> int:
    """Vectorised ProcessCreated rows; command lines come from a per-batch dictionary."""
    n = len(ts)
    if n == 0:
        return 0
    cols = {
        "Timestamp": ts_column(ts),
        "DeviceId": dict_column(device, [d.device_id for d in tenant.fleet.devices]),
        "DeviceName": dict_column(device, [d.name for d in tenant.fleet.devices]),
        "ActionType": const_column("ProcessCreated", n),
        "ReportId": tenant.report_ids(n),
        **tenant.procs.columns("initiating", device, parent, ts),
        **tenant.procs.columns("created", device, created, ts, pid=4 * rng.integers(300, 16000, n), created=ts),
    }
    cols["ProcessCommandLine"] = dict_column(cmd_idx, cmd_values)
    return insert_columns(con, "DeviceProcessEvents", cols, strict=False)
