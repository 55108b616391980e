"""The warehouse on real DuckDB files: transactional partition writes, upserts, locks, bad files."""

import multiprocessing as mp
import os
import time
import traceback
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from hunt_assets.warehouse.store import Warehouse, WarehouseError


def _frame(day: date, n: int, tag: str = "a") -> pd.DataFrame:
    return pd.DataFrame({
        "partition_date": pd.Series([day] * n, dtype=pd.ArrowDtype(pa.date32())),
        "i": range(n),
        "tag": [tag] * n,
    })


def test_replace_partition_is_idempotent(warehouse_path):
    wh = Warehouse(warehouse_path)
    d1, d2 = date(2026, 11, 16), date(2026, 11, 17)
    wh.replace_partition("hunts.t", _frame(d1, 5), "partition_date", d1)
    wh.replace_partition("hunts.t", _frame(d2, 3), "partition_date", d2)
    wh.replace_partition("hunts.t", _frame(d1, 4, "b"), "partition_date", d1)
    counts = wh.query("SELECT partition_date, count(*) n, min(tag) tag FROM hunts.t GROUP BY 1 ORDER BY 1")
    assert counts["n"].tolist() == [4, 3]
    assert counts["tag"].tolist() == ["b", "a"]
    assert dict(wh.columns("hunts.t"))["partition_date"] == "DATE"


def test_failed_write_keeps_old_partition(warehouse_path):
    wh = Warehouse(warehouse_path)
    d1 = date(2026, 11, 16)
    wh.replace_partition("hunts.t", _frame(d1, 5), "partition_date", d1)
    bad = _frame(d1, 2)
    bad["i"] = ["not-an-int", "x"]  # cannot be inserted into the BIGINT column
    with pytest.raises(duckdb.Error):
        wh.replace_partition("hunts.t", bad, "partition_date", d1)
    assert wh.query("SELECT count(*) n FROM hunts.t")["n"].iloc[0] == 5


def test_new_columns_are_added_not_misaligned(warehouse_path):
    wh = Warehouse(warehouse_path)
    d1, d2 = date(2026, 11, 16), date(2026, 11, 17)
    wh.replace_partition("hunts.t", _frame(d1, 2), "partition_date", d1)
    wider = _frame(d2, 1)
    wider.insert(1, "extra", ["e"])
    wh.replace_partition("hunts.t", wider, "partition_date", d2)
    row = wh.query("SELECT * FROM hunts.t WHERE partition_date = DATE '2026-11-17'").iloc[0]
    assert row["extra"] == "e"
    assert row["tag"] == "a"


def test_upsert_replaces_by_key(warehouse_path):
    wh = Warehouse(warehouse_path)
    wh.upsert("intel.c", pd.DataFrame({"k": ["a", "b"], "v": [1, 2]}), ["k"])
    wh.upsert("intel.c", pd.DataFrame({"k": ["b", "c"], "v": [20, 30]}), ["k"])
    got = wh.query("SELECT k, v FROM intel.c ORDER BY k")
    assert got.values.tolist() == [["a", 1], ["b", 20], ["c", 30]]
    with pytest.raises(ValueError, match="duplicate keys"):
        wh.upsert("intel.c", pd.DataFrame({"k": ["a", "a"], "v": [1, 2]}), ["k"])


def test_file_stem_must_not_be_a_schema(tmp_path):
    with pytest.raises(WarehouseError, match="stem"):
        Warehouse(tmp_path / "hunts.duckdb")


def test_missing_and_corrupt_files_name_path_and_fix(tmp_path):
    missing = Warehouse(tmp_path / "nope_warehouse.duckdb")
    with pytest.raises(WarehouseError, match="make demo"):
        missing.query("SELECT 1")
    corrupt = tmp_path / "corrupt_warehouse.duckdb"
    corrupt.write_bytes(b"this is not a duckdb file" * 100)
    with pytest.raises(WarehouseError) as err:
        Warehouse(corrupt).check()
    assert str(corrupt) in str(err.value)
    assert corrupt.read_bytes().startswith(b"this is not")  # nothing silently overwritten


def test_sql_identifiers_are_validated(warehouse_path):
    wh = Warehouse(warehouse_path)
    with pytest.raises(ValueError, match="identifier"):
        wh.replace_partition('hunts.t"; DROP TABLE x; --', _frame(date(2026, 1, 1), 1), "partition_date",
                             date(2026, 1, 1))


def _writer(path: str, day: str, n: int, report: str) -> None:
    """Writes one day; on failure leaves its traceback in ``report`` for the test to show."""
    try:
        d = date.fromisoformat(day)
        Warehouse(path).replace_partition("hunts.par", _frame(d, n), "partition_date", d)
    except BaseException:
        Path(report).write_text(traceback.format_exc())
        raise


def test_parallel_writers_from_processes_lose_nothing(warehouse_path, tmp_path):
    days = [f"2026-11-{d:02d}" for d in range(10, 18)]
    ctx = mp.get_context("spawn")
    reports = [tmp_path / f"writer-{day}.txt" for day in days]
    procs = [
        ctx.Process(target=_writer, args=(str(warehouse_path), day, 500 + i, str(reports[i])))
        for i, day in enumerate(days)
    ]
    for p in procs:
        p.start()
    # one deadline for all: under a loaded full suite eight spawned interpreters start slowly, and a
    # writer still running must read as such, not as a failed exit (exitcode None)
    deadline = time.monotonic() + 300
    for p in procs:
        p.join(max(deadline - time.monotonic(), 0))
    for day, p, report in zip(days, procs, reports, strict=True):
        why = report.read_text() if report.exists() else "(no traceback: killed, or still running)"
        assert p.exitcode == 0, f"writer of {day}: exit code {p.exitcode}\n{why}"
    got = Warehouse(warehouse_path).query("SELECT count(*) n, count(DISTINCT partition_date) d FROM hunts.par")
    assert got["d"].iloc[0] == len(days)
    assert got["n"].iloc[0] == sum(500 + i for i in range(len(days)))


def test_read_partition_arrow_streams_dictionary_encoded_columns(warehouse_path):
    wh = Warehouse(warehouse_path)
    d1, d2 = date(2026, 11, 16), date(2026, 11, 17)
    assert wh.read_partition_arrow("hunts.dns", "partition_date", d1).num_rows == 0  # no table yet
    names = ["b.example", "a.example", None, "b.example", "c.example", "a.example", ""]
    df = pd.DataFrame({
        "partition_date": pd.Series([d1] * len(names), dtype=pd.ArrowDtype(pa.date32())),
        "name": names,
        "n": range(len(names)),
    })
    wh.replace_partition("hunts.dns", df, "partition_date", d1)
    wh.replace_partition("hunts.dns", df.assign(partition_date=df["partition_date"].map(lambda _: d2)
                                                .astype(pd.ArrowDtype(pa.date32()))), "partition_date", d2)
    # categories in order of first appearance, NULL stays NULL, other partitions not read
    table = wh.read_partition_arrow("hunts.dns", "partition_date", d1, columns=["name", "n", "missing"])
    assert table.column_names == ["name", "n"]
    out = table.to_pandas()
    assert isinstance(out["name"].dtype, pd.CategoricalDtype)
    assert list(out["name"].cat.categories) == ["b.example", "a.example", "c.example", ""]
    plain = wh.read_partition("hunts.dns", "partition_date", d1)
    assert out["name"].astype(object).where(out["name"].notna(), None).tolist() == \
        plain["name"].astype(object).where(plain["name"].notna(), None).tolist()
    assert out["n"].tolist() == list(range(len(names)))
    assert codes_match(out["name"], pd.factorize(plain["name"])[0])
    empty = wh.read_partition_arrow("hunts.dns", "partition_date", date(2026, 11, 18), columns=["name"])
    assert empty.num_rows == 0
    assert empty.column_names == ["name"]
    plain_arrow = wh.read_partition_arrow("hunts.dns", "partition_date", d1, dictionary=False)
    assert plain_arrow.schema.field("name").type == pa.string()


def test_read_partition_arrow_falls_back_to_strings_on_a_hash_collision(warehouse_path, monkeypatch):
    from hunt_assets.warehouse import store

    wh = Warehouse(warehouse_path)
    d1 = date(2026, 11, 16)
    names = ["b.example", None, "a.example", "b.example", "", "c.example"]
    wh.replace_partition("hunts.dns", pd.DataFrame({
        "partition_date": pd.Series([d1] * len(names), dtype=pd.ArrowDtype(pa.date32())),
        "name": names, "other": ["x", "y", "x", None, "y", "x"]}), "partition_date", d1)
    fast = wh.read_partition_arrow("hunts.dns", "partition_date", d1, columns=["name", "other"])
    # pretend every hash of the partition were shared by two strings: the exact string path must agree
    monkeypatch.setattr(store, "_hashes_distinct", lambda groups: False)
    slow = wh.read_partition_arrow("hunts.dns", "partition_date", d1, columns=["name", "other"])
    for c in ("name", "other"):
        assert fast.column(c).type == slow.column(c).type == pa.dictionary(pa.int32(), pa.string())
        assert fast.column(c).to_pylist() == slow.column(c).to_pylist() == \
            wh.read_partition("hunts.dns", "partition_date", d1)[c].astype(object).where(
                lambda s: s.notna(), None).tolist()
        assert fast.to_pandas()[c].cat.categories.tolist() == slow.to_pandas()[c].cat.categories.tolist()


def test_hash_groups_detect_a_shared_hash():
    from hunt_assets.warehouse.store import _hashes_distinct

    def groups(v: list, h: list) -> pa.Table:
        return pa.table({"v": pa.array(v, pa.string()), "h": pa.array(h, pa.uint64())})

    assert _hashes_distinct(groups(["a", None, "b"], [1, 2, 3]))
    assert not _hashes_distinct(groups(["a", "b"], [7, 7]))
    assert not _hashes_distinct(groups(["a", None], [7, 7]))


def codes_match(cat: pd.Series, factorized) -> bool:
    """Categorical codes equal pd.factorize's: same order of first appearance, -1 for missing."""
    return cat.cat.codes.tolist() == list(factorized)


def _listing(folder: Path) -> list[str]:
    """The folder's files but the lock file, which stays (an empty file, locked only while in use)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock"))


def test_new_file_appears_complete_in_one_step(warehouse_path, monkeypatch):
    """A second process must never open a half-written new file (it failed "not a valid DuckDB
    database file"): the path appears by one hard link, of a file that already has every schema."""
    import hunt_assets.warehouse.store as store

    seen = []
    real_link = os.link

    def link(src, dst):
        assert not Path(dst).exists()
        con = duckdb.connect(str(src), read_only=True)  # the file about to appear is whole
        seen.append(sorted(r[0] for r in con.execute(
            "SELECT schema_name FROM information_schema.schemata").fetchall()))
        con.close()
        real_link(src, dst)

    monkeypatch.setattr(store.os, "link", link)
    d = date(2026, 11, 16)
    Warehouse(warehouse_path).replace_partition("hunts.t", _frame(d, 3), "partition_date", d)
    assert len(seen) == 1
    assert {"hunts", "intel", "analytics"} <= set(seen[0])
    assert Warehouse(warehouse_path).query("SELECT count(*) n FROM hunts.t")["n"].iloc[0] == 3
    assert _listing(warehouse_path.parent) == [warehouse_path.name]  # no private copy left behind


def test_losing_the_creation_race_keeps_the_winners_file(warehouse_path, monkeypatch):
    import hunt_assets.warehouse.store as store

    def link(src, dst):
        # another process creates the file and writes a day first
        con = duckdb.connect(str(dst))
        con.execute("CREATE SCHEMA hunts")
        con.execute("CREATE TABLE hunts.t AS SELECT DATE '2026-11-15' AS partition_date, 7 AS i, 'w' AS tag")
        con.close()
        raise FileExistsError(dst)

    monkeypatch.setattr(store.os, "link", link)
    d = date(2026, 11, 16)
    Warehouse(warehouse_path).replace_partition("hunts.t", _frame(d, 2), "partition_date", d)
    got = Warehouse(warehouse_path).query(
        "SELECT partition_date::VARCHAR d, count(*) n FROM hunts.t GROUP BY 1 ORDER BY 1")
    assert got.values.tolist() == [["2026-11-15", 1], ["2026-11-16", 2]]
    assert _listing(warehouse_path.parent) == [warehouse_path.name]


def test_file_system_without_hard_links_still_gets_a_warehouse(warehouse_path, monkeypatch):
    import errno

    import hunt_assets.warehouse.store as store

    def link(src, dst):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(store.os, "link", link)
    d = date(2026, 11, 16)
    Warehouse(warehouse_path).replace_partition("hunts.t", _frame(d, 4), "partition_date", d)
    assert Warehouse(warehouse_path).query("SELECT count(*) n FROM hunts.t")["n"].iloc[0] == 4
    assert _listing(warehouse_path.parent) == [warehouse_path.name]


def _hold_lock(path: Path, shared: bool) -> int:
    """Take the warehouse's lock file as another process would (a separate open file: flock
    locks of two open files conflict even within one process)."""
    import fcntl

    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
    return fd


def test_a_writer_waits_its_turn_and_says_who_held_it_too_long(warehouse_path):
    """Writers take the lock file exclusively for the whole connection: while anyone else has
    the warehouse open, a write waits (here past a short timeout, with a clear error) and then
    goes through once the other lets go; nothing is written meanwhile."""
    d = date(2026, 11, 16)
    Warehouse(warehouse_path).replace_partition("hunts.t", _frame(d, 3), "partition_date", d)
    for shared in (False, True):  # another writer, or a reader
        fd = _hold_lock(warehouse_path, shared)
        try:
            with pytest.raises(WarehouseError, match="stayed locked"):
                Warehouse(warehouse_path, lock_timeout=0.3).replace_partition(
                    "hunts.t", _frame(d, 9, "late"), "partition_date", d)
        finally:
            os.close(fd)
    assert Warehouse(warehouse_path).query("SELECT count(*) n FROM hunts.t")["n"].iloc[0] == 3
    Warehouse(warehouse_path, lock_timeout=0.3).replace_partition("hunts.t", _frame(d, 9, "late"), "partition_date", d)
    assert Warehouse(warehouse_path).query("SELECT count(*) n FROM hunts.t")["n"].iloc[0] == 9


def test_readers_share_the_lock(warehouse_path):
    d = date(2026, 11, 16)
    Warehouse(warehouse_path).replace_partition("hunts.t", _frame(d, 3), "partition_date", d)
    fd = _hold_lock(warehouse_path, shared=True)
    try:
        assert Warehouse(warehouse_path, lock_timeout=0.3).query("SELECT count(*) n FROM hunts.t")["n"].iloc[0] == 3
    finally:
        os.close(fd)
    fd = _hold_lock(warehouse_path, shared=False)
    try:
        with pytest.raises(WarehouseError, match="stayed locked"):
            Warehouse(warehouse_path, lock_timeout=0.3).query("SELECT 1")
    finally:
        os.close(fd)


def test_reading_a_missing_warehouse_leaves_no_lock_file_behind(tmp_path):
    with pytest.raises(WarehouseError, match="make demo"):
        Warehouse(tmp_path / "nope_warehouse.duckdb").query("SELECT 1")
    assert list(tmp_path.iterdir()) == []


def test_a_folder_without_room_for_the_lock_file_still_reads_but_refuses_writes(warehouse_path, monkeypatch):
    """A warehouse shared read-only: readers fall back to DuckDB's shared lock; a writer is told
    why it cannot write rather than writing unguarded."""
    import hunt_assets.duckdb_files as duckdb_files

    d = date(2026, 11, 16)
    Warehouse(warehouse_path).replace_partition("hunts.t", _frame(d, 3), "partition_date", d)
    real_open = os.open

    def no_lock_file(path, flags, mode=0o777):
        if str(path).endswith(".lock"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, mode)

    monkeypatch.setattr(duckdb_files.os, "open", no_lock_file)
    assert Warehouse(warehouse_path).query("SELECT count(*) n FROM hunts.t")["n"].iloc[0] == 3
    with pytest.raises(WarehouseError, match="cannot create the lock file"):
        Warehouse(warehouse_path).replace_partition("hunts.t", _frame(d, 9), "partition_date", d)
    monkeypatch.undo()
    assert Warehouse(warehouse_path).query("SELECT count(*) n FROM hunts.t")["n"].iloc[0] == 3
