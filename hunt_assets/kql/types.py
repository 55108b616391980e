"""Kusto result typing shared by every backend.

Why: the same hunt must land in the warehouse with the same columns and values whether it ran on the
sample lake (DuckDB types), through Graph (JSON rows + a Kusto schema) or through the legacy API. All
backends describe their result with Kusto type names and pass rows through ``typed_frame``, the one
normalizer, so ``fake-graph`` and ``sample`` results compare equal row for row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

KUSTO_TYPES = ("DateTime", "String", "Int64", "Int32", "Double", "Boolean", "Dynamic", "Guid", "TimeSpan",
               "Long", "Int", "Real", "Decimal", "Object", "SByte")
_INT = {"long", "int", "int64", "int32", "int16", "byte", "uint32", "uint64"}
_REAL = {"real", "double", "decimal", "single", "float"}
_BOOL = {"boolean", "bool", "sbyte"}
_DYNAMIC = {"dynamic", "object"}

_DUCK_TO_KUSTO = {
    "TIMESTAMP": "DateTime", "TIMESTAMP WITH TIME ZONE": "DateTime", "TIMESTAMPTZ": "DateTime",
    "TIMESTAMP_NS": "DateTime", "TIMESTAMP_MS": "DateTime", "TIMESTAMP_S": "DateTime", "DATE": "DateTime",
    "VARCHAR": "String", "UUID": "Guid",
    # Graph's runHuntingQuery schema uses .NET names (Int32, Int64, Double), so the local lake does too
    "BIGINT": "Int64", "HUGEINT": "Int64", "UBIGINT": "Int64",
    "INTEGER": "Int32", "SMALLINT": "Int32", "TINYINT": "Int32", "UINTEGER": "Int64", "USMALLINT": "Int32",
    "UTINYINT": "Int32",
    "DOUBLE": "Double", "FLOAT": "Double", "REAL": "Double",
    "BOOLEAN": "Boolean", "JSON": "Dynamic", "INTERVAL": "TimeSpan",
}


@dataclass
class KustoResult:
    """A typed result frame and the Kusto schema it came with."""

    frame: pd.DataFrame
    schema: list[tuple[str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.frame)


def kusto_type_of_duckdb(duck_type: str) -> str:
    t = duck_type.upper()
    if t in _DUCK_TO_KUSTO:
        return _DUCK_TO_KUSTO[t]
    if t.startswith("DECIMAL"):
        return "Double"
    if t.endswith("[]") or t.startswith(("STRUCT", "MAP", "LIST", "UNION")):
        return "Dynamic"
    return "String"


def canonical_json(value: Any) -> str:
    """Dynamic values as compact JSON text; '' for null (Kusto strings are never null)."""
    if value is None:
        return ""
    if isinstance(value, float) and pd.isna(value):
        return ""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return json.dumps(value, ensure_ascii=False)
    if hasattr(value, "tolist"):
        value = value.tolist()
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _coerce(series: pd.Series, kusto_type: str) -> pd.Series:
    t = kusto_type.lower()
    if t == "datetime":
        return pd.to_datetime(series, utc=True, errors="coerce", format="ISO8601").astype("datetime64[us, UTC]")
    if t in _INT:
        return pd.to_numeric(series, errors="coerce").astype("Int64")
    if t in _REAL:
        return pd.to_numeric(series, errors="coerce").astype("float64")
    if t in _BOOL:
        return series.map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v))
                          else (v.lower() == "true" if isinstance(v, str) else bool(v))).astype("boolean")
    if t in _DYNAMIC:
        return series.map(canonical_json).astype(object)
    if t == "timespan":
        return series.map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)).astype(object)
    # String, Guid and anything unknown: text, '' for null
    return series.map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)).astype(object)


def typed_frame(rows: list[dict[str, Any]] | pd.DataFrame, schema: list[tuple[str, str]]) -> pd.DataFrame:
    """Rows (JSON dicts or a raw frame) + a Kusto schema -> one canonical typed frame.

    Columns appear in schema order; a schema column missing from the rows becomes empty.
    """
    if isinstance(rows, pd.DataFrame):
        raw = rows
    else:
        raw = pd.DataFrame.from_records(rows, columns=[name for name, _ in schema]) if rows else pd.DataFrame(
            {name: pd.Series([], dtype=object) for name, _ in schema})
    out = {}
    for name, ktype in schema:
        col = raw[name] if name in raw.columns else pd.Series([None] * len(raw), dtype=object)
        out[name] = _coerce(col.astype(object) if ktype.lower() != "datetime" else col, ktype).reset_index(drop=True)
    return pd.DataFrame(out, columns=[name for name, _ in schema])


def parse_schema(schema: Any) -> list[tuple[str, str]]:
    """A response's schema as (name, type) pairs, accepting name/type and Name/Type (both seen in docs)."""
    if not isinstance(schema, list):
        raise ValueError("schema is not a list")
    out = []
    for col in schema:
        if not isinstance(col, dict):
            raise ValueError("schema entry is not an object")
        name = col.get("name", col.get("Name"))
        ctype = col.get("type", col.get("Type"))
        if not isinstance(name, str) or not isinstance(ctype, str):
            raise ValueError(f"schema entry without name/type: {col!r}"[:200])
        out.append((name, ctype))
    return out
