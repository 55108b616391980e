"""The short text summary ``make demo`` prints: what each hunt found on the sample days."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hunt_assets.warehouse.store import Warehouse


def print_summary(warehouse_path: Path, *, days: list[date]) -> None:
    wh = Warehouse(warehouse_path)
    rows = wh.query("SELECT table_schema, table_name FROM information_schema.tables "
                    "WHERE table_schema IN ('hunts','intel','analytics') ORDER BY 1, 2")
    print(f"[demo] warehouse {warehouse_path}:")
    for schema, name in rows.itertuples(index=False):
        count = wh.query(f'SELECT count(*) AS n FROM "{schema}"."{name}"')["n"].iloc[0]
        print(f"         {schema}.{name:<28} {count:>9,} rows")
