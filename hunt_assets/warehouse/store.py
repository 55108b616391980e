"""The warehouse: every read and write of hunt results, intel and analytics goes through this module.

Why one module: DuckDB is a single-file, single-writer store. Keeping all SQL that touches it here means
(a) writes are transactional in one place -- a partition is replaced by delete + insert inside one
transaction, so re-materializing leaves one copy and a failure leaves the old copy intact; (b) file-lock
contention between processes is handled once (bounded retry with backoff); and (c) the store can later
move to Parquet on object storage by reimplementing this class, not every asset.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import re
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hunt_assets.duckdb_files import NoLockFile, StillLocked, connect_waiting, turn

log = logging.getLogger("hunt_assets.warehouse")

SCHEMAS = ("hunts", "intel", "analytics")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
REBUILD_HINT = "make demo"
STREAM_MEMORY_LIMIT = "512MB"


class WarehouseError(RuntimeError):
    """The warehouse file is missing, corrupt or locked; the message names the path and the fix."""


def _check_ident(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"invalid SQL identifier {name!r}")
    return name


def split_table(table: str) -> tuple[str, str]:
    """'schema.table' -> (schema, table), both validated identifiers."""
    parts = table.split(".")
    if len(parts) != 2:
        raise ValueError(f"table must be 'schema.name', got {table!r}")
    return _check_ident(parts[0]), _check_ident(parts[1])


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _qualified(table: str) -> str:
    schema, name = split_table(table)
    return f"{quote_ident(schema)}.{quote_ident(name)}"


def _hashes_distinct(groups: pa.Table) -> bool:
    """Whether each hash of a column stands for one value (a NULL counts as a value of its own)."""
    h = groups.column("h").to_numpy()
    return bool(np.unique(h).size == h.size)


def _decode_hashes(hashes: pa.ChunkedArray, groups: pa.Table) -> pa.DictionaryArray:
    """Per-row value hashes -> dictionary array: codes in order of first appearance, NULL stays NULL."""
    # the DNS scorer's C hash table when it is built (pandas' or Arrow's otherwise)
    from hunt_assets.analytics.dns.accel import factorize_u64

    h = hashes.to_numpy()
    codes, first = factorize_u64(h, first=True)  # first appearance, as the strings would factorize
    n_uniq = first.size
    uniq = h[first]
    gh = groups.column("h").to_numpy()
    order = np.argsort(gh)
    where = order[np.searchsorted(gh, uniq, sorter=order)]
    vals = groups.column("v").combine_chunks().take(pa.array(where, pa.int64()))
    is_null = ~pc.is_valid(vals).to_numpy(zero_copy_only=False)
    if not is_null.any():  # the usual case: the codes are the indices as they are
        indices = pa.Array.from_buffers(pa.int32(), codes.size, [None, pa.py_buffer(codes)])
        return pa.DictionaryArray.from_arrays(indices, vals)
    # drop the NULL entry from the dictionary: later codes move down by one, its rows become NULL
    shift = np.cumsum(is_null) - is_null
    remap = np.where(is_null, -1, np.arange(n_uniq) - shift).astype(np.int32)
    row_codes = remap[codes]
    indices = pa.array(row_codes, pa.int32(), mask=row_codes < 0)
    return pa.DictionaryArray.from_arrays(indices, vals.filter(pa.array(~is_null)))


class Warehouse:
    """A DuckDB warehouse file with the schemas hunts / intel / analytics."""

    def __init__(self, path: str | os.PathLike[str], *, lock_timeout: float = 120.0) -> None:
        self.path = Path(path)
        if self.path.stem in SCHEMAS:
            # DuckDB names the catalog after the file stem: 'hunts.duckdb' makes "hunts.x" ambiguous
            raise WarehouseError(f"warehouse file {self.path} must not share its stem with a schema {SCHEMAS}")
        self.lock_timeout = lock_timeout

    def __repr__(self) -> str:
        return f"Warehouse({str(self.path)!r})"

    # ---------------------------------------------------------------------------------------------
    # connections
    # ---------------------------------------------------------------------------------------------
    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        """The connection itself, inside ``connect``'s turn (the file exists, or this is a writer)."""
        if not read_only and not self.path.exists():
            self._create()
        try:
            con = connect_waiting(self.path, read_only=read_only, timeout=self.lock_timeout)
        except StillLocked as exc:
            raise WarehouseError(f"warehouse {self.path} stayed locked by another process for "
                                 f"{self.lock_timeout:.0f}s: {exc}") from None
        except duckdb.Error as exc:
            raise WarehouseError(f"cannot open warehouse {self.path}: {exc}. If the file is corrupt, "
                                 f"move it aside and run `{REBUILD_HINT}`.") from None
        con.execute("SET TimeZone='UTC'")
        if not read_only:
            for schema in SCHEMAS:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        return con

    def _create(self) -> None:
        """Put a complete, empty warehouse file in place in one step.

        DuckDB creates a new file and writes its header afterwards; another process that opens the
        path in between reads a half-written header and fails with "not a valid DuckDB database
        file" (eight writers starting on a fresh machine did, about once in sixty tries). So the
        file is built under a private name and hard-linked into place, which fails harmlessly when
        another process got there first and never replaces a file that holds data.
        """
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{random.getrandbits(32):08x}.new")
        try:
            con = duckdb.connect(str(tmp))
            try:
                for schema in SCHEMAS:
                    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            finally:
                con.close()
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                pass  # another process created it: theirs is complete, ours is dropped
            except OSError as exc:  # a file system without hard links: DuckDB creates it in place
                log.debug("warehouse %s: no hard link (%s), created in place", self.path, exc)
        except duckdb.Error as exc:
            raise WarehouseError(f"cannot create warehouse {self.path}: {exc}") from None
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                leftover.unlink(missing_ok=True)

    @contextlib.contextmanager
    def _turn(self, read_only: bool) -> Iterator[None]:
        """The file's turn (``duckdb_files.turn``: lock files that keep a writer from opening the
        file while anyone else has it open, and readers from starving a waiting writer), with the
        warehouse's messages."""
        try:
            with turn(self.path, read_only=read_only, timeout=self.lock_timeout):
                yield
        except StillLocked:
            raise WarehouseError(f"warehouse {self.path} stayed locked by another process for "
                                 f"{self.lock_timeout:.0f}s") from None
        except NoLockFile as exc:
            raise WarehouseError(f"cannot create the lock file of warehouse {self.path}: {exc.strerror}") from None

    @contextlib.contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection; hold it only as long as needed, other processes wait for it."""
        if read_only and not self.path.exists():
            raise WarehouseError(f"warehouse {self.path} does not exist; run `{REBUILD_HINT}` "
                                 "(or materialize the hunts) to create it")
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._turn(read_only):
            con = self._open(read_only)
            try:
                yield con
            finally:
                con.close()

    # ---------------------------------------------------------------------------------------------
    # reads
    # ---------------------------------------------------------------------------------------------
    def table_exists(self, table: str) -> bool:
        schema, name = split_table(table)
        if not self.path.exists():
            return False
        with self.connect(read_only=True) as con:
            row = con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                [schema, name]).fetchone()
        return bool(row and row[0])

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Run a read query and return a frame; parameters are bound, never formatted into the SQL."""
        with self.connect(read_only=True) as con:
            return con.execute(sql, params or []).df()

    def read_partition(self, table: str, partition_column: str, value: Any) -> pd.DataFrame:
        if not self.table_exists(table):
            return pd.DataFrame()
        col = quote_ident(_check_ident(partition_column))
        return self.query(f"SELECT * FROM {_qualified(table)} WHERE {col} = ?", [value])

    def read_partition_arrow(self, table: str, partition_column: str, value: Any, *,
                             columns: Sequence[str] | None = None, dictionary: bool = True) -> pa.Table:
        """One partition as an Arrow table (``columns`` that exist, or all).

        Why ``dictionary``: a day of DNS events is millions of rows with few distinct strings (names,
        devices, IPs). Every string column then comes back dictionary-encoded, with the dictionary in
        order of first appearance (as ``pd.factorize`` orders) and int32 codes, and the rows never exist
        as strings at all: DuckDB hashes each value in its own (multi-threaded) scan and returns 64-bit
        hashes; the hashes are factorized here and each distinct hash is turned back into its string by
        a grouped query. A hash shared by two different strings (or by a string and NULL) shows up in
        that query's result and the column is then read as strings and encoded the slow way, so the
        result is always exact.
        """
        if not self.table_exists(table):
            return pa.table({})
        types = dict(self.columns(table))
        wanted = list(types) if columns is None else [c for c in columns if c in types]
        if not wanted:
            return pa.table({})
        src = _qualified(table)
        where = f"{quote_ident(_check_ident(partition_column))} = ?"
        strings = [c for c in wanted if dictionary and types[c].upper() == "VARCHAR"]
        sel = ", ".join(f"hash({quote_ident(c)}) AS {quote_ident(c)}" if c in strings else quote_ident(c)
                        for c in wanted)
        values: dict[str, pa.Table] = {}
        with self.connect(read_only=True) as con:
            con.execute(f"SET memory_limit = '{STREAM_MEMORY_LIMIT}'")
            out = con.sql(f"SELECT {sel} FROM {src} WHERE {where}", params=[value]).to_arrow_table()
            for c in strings:
                q = quote_ident(c)
                # the distinct values (NULL included) with their hashes
                values[c] = con.sql(f"SELECT {q} AS v, hash({q}) AS h FROM {src} WHERE {where} GROUP BY 1",
                                    params=[value]).to_arrow_table()
            exact = {c: _hashes_distinct(values[c]) for c in strings}
            slow = [c for c in strings if not exact[c]]
            if slow:  # a 64-bit hash shared by two strings of this partition: read those columns as text
                log.warning("hash collision in %s column(s) %s: reading them as strings", table, slow)
                plain = con.sql(f"SELECT {', '.join(quote_ident(c) for c in slow)} FROM {src} WHERE {where}",
                                params=[value]).to_arrow_table()
        arrays = []
        for i, c in enumerate(wanted):
            col = out.column(i)
            if c in strings and exact[c]:
                col = _decode_hashes(col, values[c])
            elif c in strings:
                col = pc.dictionary_encode(plain.column(c).combine_chunks())
                col = pa.DictionaryArray.from_arrays(pc.cast(col.indices, pa.int32()), col.dictionary)
            arrays.append(col)
        return pa.table(arrays, names=wanted)

    def columns(self, table: str) -> list[tuple[str, str]]:
        schema, name = split_table(table)
        with self.connect(read_only=True) as con:
            rows = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position", [schema, name]).fetchall()
        return [(r[0], r[1]) for r in rows]

    # ---------------------------------------------------------------------------------------------
    # writes
    # ---------------------------------------------------------------------------------------------
    @staticmethod
    def _ensure_table(con: duckdb.DuckDBPyConnection, table: str, view: str) -> None:
        """Create the table from the frame's shape, or add columns the frame brings that the table lacks."""
        schema, name = split_table(table)
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, name]).fetchone()[0]
        described = [(r[0], "VARCHAR" if r[1].strip('"') == "NULL" else r[1])
                     for r in con.execute(f"DESCRIBE SELECT * FROM {view}").fetchall()]
        if not exists:
            # an all-null or empty column describes as type NULL: store it as VARCHAR so later rows fit
            cols = ", ".join(f"{quote_ident(c)} {t}" for c, t in described)
            con.execute(f"CREATE TABLE {_qualified(table)} ({cols})")
            return
        have = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [schema, name]).fetchall()}
        for col, dtype in described:
            if col not in have:
                con.execute(f"ALTER TABLE {_qualified(table)} ADD COLUMN {quote_ident(col)} {dtype}")

    def _insert(self, con: duckdb.DuckDBPyConnection, table: str, view: str) -> None:
        cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {view}").fetchall()]
        collist = ", ".join(quote_ident(c) for c in cols)
        # by name, not position: the table may have gained columns over time
        con.execute(f"INSERT INTO {_qualified(table)} ({collist}) SELECT {collist} FROM {view}")

    @contextlib.contextmanager
    def _write(self, table: str, df: pd.DataFrame) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction with ``df`` registered as ``_incoming`` and the table created or widened.

        Everything inside commits together or not at all: a failure leaves the previous rows intact.
        """
        with self.connect() as con:
            con.register("_incoming", df)
            try:
                con.execute("BEGIN TRANSACTION")
                self._ensure_table(con, table, "_incoming")
                yield con
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            finally:
                con.unregister("_incoming")

    def replace_partition(self, table: str, df: pd.DataFrame, partition_column: str,
                          partition_value: date | datetime | str) -> int:
        """Replace one partition atomically: delete its rows and insert ``df`` in one transaction.

        ``df`` must carry ``partition_column`` (DATE or TIMESTAMP values, never strings, so the delete
        predicate and the stored values always compare as the same type).
        """
        _check_ident(partition_column)
        if partition_column not in df.columns:
            raise ValueError(f"frame for {table} lacks partition column {partition_column!r}")
        with self._write(table, df) as con:
            con.execute(f"DELETE FROM {_qualified(table)} WHERE {quote_ident(partition_column)} = ?",
                        [partition_value])
            if len(df):
                self._insert(con, table, "_incoming")
        return len(df)

    def upsert(self, table: str, df: pd.DataFrame, key_columns: Sequence[str]) -> int:
        """Replace rows whose key matches a row of ``df`` and insert the rest, in one transaction.

        Callers merge first (e.g. widen first/last seen); this guarantees one row per key.
        """
        keys = [_check_ident(k) for k in key_columns]
        missing = [k for k in keys if k not in df.columns]
        if missing:
            raise ValueError(f"frame for {table} lacks key columns {missing}")
        if df.duplicated(subset=keys).any():
            raise ValueError(f"frame for {table} holds duplicate keys on {keys}; merge before upserting")
        with self._write(table, df) as con:
            if len(df):
                match = " AND ".join(f"t.{quote_ident(k)} IS NOT DISTINCT FROM i.{quote_ident(k)}" for k in keys)
                con.execute(f"DELETE FROM {_qualified(table)} AS t WHERE EXISTS "
                            f"(SELECT 1 FROM _incoming AS i WHERE {match})")
                self._insert(con, table, "_incoming")
        return len(df)

    def check(self) -> None:
        """Fail early, naming the path and the fix, when the file exists but is not a DuckDB database."""
        if not self.path.exists():
            return
        with self.connect(read_only=True) as con:
            con.execute("SELECT 1").fetchone()
