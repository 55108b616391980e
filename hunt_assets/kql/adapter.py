"""Our only door to duckdb-kql: translate KQL to DuckDB SQL and run it on a local lake.

Why an adapter: duckdb-kql is young and pinned exactly. Keeping every call here means an upgrade, a
fork or a replacement touches one file, and its errors are re-raised as ``HuntKqlError`` naming the hunt
file and the line *in that file* (the KQL body starts below a comment header).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import duckdb
import duckdb_kql

from hunt_assets.kql.types import KustoResult, kusto_type_of_duckdb, typed_frame


class HuntKqlError(Exception):
    """KQL that cannot be parsed, translated or run; names the file and line when known."""

    def __init__(self, message: str, *, source: str | Path | None = None, line: int | None = None) -> None:
        self.source = str(source) if source is not None else None
        self.line = line
        where = ""
        if self.source:
            where = f"{self.source}:{line}: " if line else f"{self.source}: "
        super().__init__(f"{where}{message}")


def _line_of(exc: duckdb_kql.KqlError) -> int | None:
    diags = getattr(exc, "diagnostics", None)
    if diags:
        return diags[0].span.line
    span = getattr(exc, "span", None)
    return span.line if span is not None else None


def _reraise(exc: Exception, source: str | Path | None, line_offset: int) -> HuntKqlError:
    line = _line_of(exc) if isinstance(exc, duckdb_kql.KqlError) else None
    kind = type(exc).__name__
    message = str(exc)
    if len(message) > 600:
        message = message[:600] + " ..."
    return HuntKqlError(f"{kind}: {message}", source=source,
                        line=(line + line_offset) if line is not None else None)


def translate(kql: str, *, schema: Mapping[str, Sequence[str]] | None = None,
              source: str | Path | None = None, line_offset: int = 0) -> str:
    """KQL -> DuckDB SQL, or HuntKqlError naming ``source`` and the file line."""
    try:
        return str(duckdb_kql.to_sql(kql, schema=dict(schema) if schema else None))
    except duckdb_kql.KqlError as exc:
        raise _reraise(exc, source, line_offset) from None


def run_local(con: duckdb.DuckDBPyConnection, kql: str, *, source: str | Path | None = None,
              line_offset: int = 0, now: datetime | None = None) -> KustoResult:
    """Run KQL on a DuckDB connection (the sample lake) and type the result like a remote backend would."""
    try:
        relation = duckdb_kql.kql(con, kql, query_now=now)
        names = list(relation.columns)
        types = [kusto_type_of_duckdb(str(t)) for t in relation.types]
        raw = relation.df()
    except duckdb_kql.KqlError as exc:
        raise _reraise(exc, source, line_offset) from None
    except duckdb.Error as exc:
        raise _reraise(exc, source, line_offset) from None
    schema = list(zip(names, types, strict=True))
    return KustoResult(frame=typed_frame(raw, schema), schema=schema)
