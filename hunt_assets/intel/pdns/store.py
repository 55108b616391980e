"""intel.passive_dns in the warehouse: load one investigation's history, merge a pull into it.

Why here and not in the asset: the merge rules (widen, never duplicate, never forget) are what makes the
history trustworthy, so they are plain functions over a real Warehouse, testable without Dagster.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from hunt_assets.intel.pdns.model import (
    COLUMNS,
    DDL,
    MERGE_KEY,
    TABLE,
    empty_frame,
    merge_frames,
    records_to_frame,
)
from hunt_assets.intel.pdns.providers import LookupResult
from hunt_assets.warehouse.store import Warehouse


@dataclass(frozen=True)
class MergeStats:
    """What one pull changed, for run metadata."""

    pulled: int  # records the providers returned (before de-duplication)
    new: int  # keys never stored before
    widened: int  # stored keys whose seen-window or count grew
    unchanged: int  # stored keys the pull confirmed without change
    total: int  # rows of the investigation after the merge (including ones no provider returns any more)


def ensure_table(warehouse: Warehouse) -> None:
    """Create intel.passive_dns with explicit types (an empty first pull must not decide them)."""
    with warehouse.connect() as con:
        con.execute(DDL)


def load_history(warehouse: Warehouse, investigation: str) -> pd.DataFrame:
    """The stored history of one investigation in the model's layout (empty frame when none)."""
    if not warehouse.table_exists(TABLE):
        return empty_frame()
    cols = ", ".join(COLUMNS)
    df = warehouse.query(
        f"SELECT {cols} FROM {TABLE} WHERE investigation = ? ORDER BY rrtype, rrname, rdata_key, source",
        [investigation],
    )
    if df.empty:
        return empty_frame()
    df["rdata"] = [list(v) for v in df["rdata"]]
    return df


def merge_pull(
    warehouse: Warehouse, investigation: str, results: Sequence[LookupResult], collected_at: datetime | None = None
) -> MergeStats:
    """Merge every provider's records into the stored history in one upsert transaction.

    Only keys the pull touched are rewritten; rows a provider no longer returns (older than its window)
    are left as they are.
    """
    ensure_table(warehouse)
    records = [r for result in results for r in result.records]
    incoming = records_to_frame(records, investigation, collected_at)
    existing = load_history(warehouse, investigation)
    keys = list(MERGE_KEY)
    if incoming.empty:
        return MergeStats(pulled=0, new=0, widened=0, unchanged=0, total=len(existing))
    merged = merge_frames(existing, incoming)
    touched = incoming[keys].drop_duplicates()
    to_write = merged.merge(touched, on=keys, how="inner")
    old = existing[[*keys, "first_seen", "last_seen", "count"]].rename(
        columns={"first_seen": "_f", "last_seen": "_l", "count": "_c"}
    )
    joined = to_write.merge(old, on=keys, how="left", indicator=True)
    is_new = joined["_merge"] == "left_only"
    same = (
        _same(joined["first_seen"], joined["_f"])
        & _same(joined["last_seen"], joined["_l"])
        & _same(joined["count"], joined["_c"])
    )
    new = int(is_new.sum())
    unchanged = int((~is_new & same).sum())
    widened = int((~is_new & ~same).sum())
    warehouse.upsert(TABLE, to_write, keys)
    total = len(existing) + new
    return MergeStats(pulled=len(records), new=new, widened=widened, unchanged=unchanged, total=total)


def _same(a: pd.Series, b: pd.Series) -> pd.Series:
    both_null = a.isna() & b.isna()
    return both_null | (a == b).fillna(False).astype(bool)
