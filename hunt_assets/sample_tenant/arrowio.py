"""Columnar plumbing: numpy/pyarrow columns in, DuckDB rows out, without per-row Python work.

Repeated strings (device names, process paths, DNS answers) travel as Arrow dictionary arrays: an int32 index
per row plus a small list of distinct values. DuckDB ingests those without materialising millions of Python
strings, which is what makes 10M-row lakes cheap to build.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from .schemas import duckdb_columns

ROW_GROUP = 122_880
_ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "JSON": pa.string(),
    "TIMESTAMP": pa.timestamp("us"),
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "BOOLEAN": pa.bool_(),
    "DOUBLE": pa.float64(),
    "VARCHAR[]": pa.list_(pa.string()),
}


def dict_column(indices: np.ndarray, values: Sequence[str]) -> pa.DictionaryArray:
    """Rows that pick one of a few distinct strings; the cheap way to hand DuckDB repeated text."""
    return pa.DictionaryArray.from_arrays(
        pa.array(np.asarray(indices, dtype=np.int32)), pa.array(list(values), pa.string())
    )


def const_column(value: str, n: int) -> pa.DictionaryArray:
    """A string column holding one value, stored once."""
    return dict_column(np.zeros(n, dtype=np.int32), [value])


def ts_column(us: np.ndarray) -> pa.Array:
    """Microseconds since the Unix epoch as a naive UTC timestamp column."""
    return pa.array(np.asarray(us, dtype=np.int64), pa.timestamp("us"))


def insert_columns(
    con: duckdb.DuckDBPyConnection, table: str, columns: Mapping[str, Any], *, strict: bool = True
) -> int:
    """Append rows given as columns; unset string columns fall back to the table's '' defaults.

    With strict=False, columns the table does not have are dropped, so one superset of process columns can
    feed DeviceEvents, DeviceNetworkEvents and DeviceProcessEvents alike.
    """
    types = dict(duckdb_columns(table))
    unknown = [name for name in columns if name not in types]
    if unknown and strict:
        raise KeyError(f"{table} has no columns {unknown}")
    arrays: dict[str, pa.Array] = {}
    for name, col in columns.items():
        if name not in types:
            continue
        if isinstance(col, pa.Array | pa.ChunkedArray):
            arrays[name] = col
        else:
            arrays[name] = pa.array(col, _ARROW_TYPES[types[name]])
    if not arrays:
        return 0
    lengths = {len(a) for a in arrays.values()}
    if len(lengths) != 1:
        raise ValueError(f"columns for {table} have different lengths: {sorted(lengths)}")
    n = lengths.pop()
    if n == 0:
        return 0
    view = f"_src_{table}"
    # DuckDB scans Arrow record batches in parallel: hand it row-group sized batches.
    tbl = pa.table(arrays)
    con.register(view, pa.Table.from_batches(tbl.to_batches(max_chunksize=ROW_GROUP), tbl.schema))
    try:
        con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM "{view}"')
    finally:
        con.unregister(view)
    return n


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Mapping[str, Any]]) -> int:
    """Append a few hand-built rows (incidents, alerts); missing keys take the column default."""
    if not rows:
        return 0
    names: list[str] = []
    for row in rows:
        names.extend(k for k in row if k not in names)
    columns = {name: [row.get(name, column_default(table, name)) for row in rows] for name in names}
    return insert_columns(con, table, columns)


def column_default(table: str, name: str) -> Any:
    """Kusto-style value of an unset column: empty string, empty dynamic or null."""
    dtype = dict(duckdb_columns(table))[name]
    if dtype == "VARCHAR":
        return ""
    if dtype == "JSON":
        return "{}"
    return None
