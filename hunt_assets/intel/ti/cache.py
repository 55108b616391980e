"""Persistent TTL cache of provider answers in the warehouse table ``intel.ti_cache``.

Why DuckDB and not an in-process memo (what msticpy does): enrichment runs in a fresh process per
Dagster step, every day, for overlapping indicator sets. A cache that outlives the process is what
turns "ask VirusTotal again on every run" into "ask once per TTL", and keeping it in the warehouse
makes it queryable (when did we last hear about X, from whom, with what answer).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

import pandas as pd

from hunt_assets.intel.ti.model import Severity, Verdict
from hunt_assets.warehouse.store import Warehouse

TABLE = "intel.ti_cache"
KEY_COLUMNS = ("provider", "indicator_type", "indicator")
COLUMNS = (
    "provider",
    "indicator_type",
    "indicator",
    "raw_json",
    "severity",
    "fetched_at",
    "status",
    "detail",
    "expires_at",
)


def _frame(verdicts: Sequence[Verdict]) -> pd.DataFrame:
    rows = {}
    for v in verdicts:  # last answer wins when a run produced two for one key
        rows[v.key] = {
            "provider": v.provider,
            "indicator_type": v.indicator_type,
            "indicator": v.indicator,
            "raw_json": v.raw_json,
            "severity": v.severity.label,
            "fetched_at": v.fetched_at,
            "status": v.status,
            "detail": v.detail,
            "expires_at": v.expires_at,
        }
    df = pd.DataFrame(list(rows.values()), columns=list(COLUMNS))
    for col in ("fetched_at", "expires_at"):
        df[col] = pd.to_datetime(df[col], utc=True)
    return df


class TICache:
    """Read fresh rows, write new ones; one upsert per write keeps one row per key."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse

    def fresh(self, provider: str, keys: Iterable[tuple[str, str]], now: datetime) -> dict[tuple[str, str], Verdict]:
        """Rows for ``provider`` that have not expired at ``now``, restricted to ``keys``."""
        wanted = set(keys)
        if not wanted or not self.warehouse.table_exists(TABLE):
            return {}
        df = self.warehouse.query(
            f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE provider = ? AND expires_at > ?", [provider, now]
        )
        out: dict[tuple[str, str], Verdict] = {}
        for row in df.itertuples(index=False):
            key = (row.indicator_type, row.indicator)
            if key in wanted:
                out[key] = Verdict(
                    provider=row.provider,
                    indicator_type=row.indicator_type,
                    indicator=row.indicator,
                    status=row.status,
                    severity=Severity.parse(row.severity),
                    detail=row.detail or "",
                    raw_json=row.raw_json or "",
                    fetched_at=pd.Timestamp(row.fetched_at).to_pydatetime(),
                    expires_at=pd.Timestamp(row.expires_at).to_pydatetime(),
                    from_cache=True,
                )
        return out

    def store(self, verdicts: Sequence[Verdict]) -> int:
        if not verdicts:
            return 0
        return self.warehouse.upsert(TABLE, _frame(verdicts), list(KEY_COLUMNS))

    def load_list(self, provider: str, name: str, now: datetime) -> dict[str, str] | None:
        """A bulk list (Tor exits, SSLBL) stored as one row, if still fresh."""
        hit = self.fresh(provider, [("_list", name)], now).get(("_list", name))
        if hit is None or hit.status != "ok":
            return None
        try:
            table = json.loads(hit.raw_json)
        except json.JSONDecodeError:
            return None
        return table if isinstance(table, dict) else None
